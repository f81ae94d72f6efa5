"""`python -m avatar` runs the command line."""

import sys

from avatar.cli import main

if __name__ == "__main__":
    sys.exit(main())
