"""`python -m avatar.bench`: run the benchmark (see `avatar.bench.main`)."""

import sys

from avatar.bench.main import main

sys.exit(main())
