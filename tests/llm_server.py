"""The tests' name for the package's fake OpenAI-compatible server (avatar/kiosk/fake_server.py)."""

import sys

from avatar.kiosk.fake_server import (  # noqa: F401 - re-exported for the tests
    DEFAULT_REPLY, FAILURE_MODES, MODES, FakeLLMServer, main, rotating_failures, split_tokens,
)

if __name__ == "__main__":
    sys.exit(main())
