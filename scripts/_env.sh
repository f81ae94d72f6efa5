# Shared by scripts/*: make (or reuse) the project's virtual environment and install the package.
# Usage: . scripts/_env.sh [extras]   e.g. ". scripts/_env.sh test"
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${AVATAR_VENV:-$ROOT/.venv}"
PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for cand in python3.13 python3.12 python3.11 python3 python; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      PY="$cand"; break
    fi
  done
fi
if [ -z "$PY" ]; then
  echo "avatar: Python 3.11 or newer is needed; install it and run this again" >&2
  exit 2
fi
if [ ! -x "$VENV/bin/python" ]; then
  echo "avatar: creating the virtual environment in $VENV" >&2
  "$PY" -m venv "$VENV"
fi
EXTRAS="${1:-}"
SPEC="$ROOT"
[ -n "$EXTRAS" ] && SPEC="$ROOT[$EXTRAS]"
STAMP="$VENV/.avatar-installed-${EXTRAS:-base}"
# Reinstall only when the project's metadata changed since the last install.
if [ ! -f "$STAMP" ] || [ "$ROOT/pyproject.toml" -nt "$STAMP" ]; then
  echo "avatar: installing into $VENV (first run takes a minute)" >&2
  LOG="$VENV/install.log"
  "$VENV/bin/python" -m pip install --disable-pip-version-check --upgrade pip >"$LOG" 2>&1 || true
  if ! "$VENV/bin/python" -m pip install --disable-pip-version-check -e "$SPEC" >>"$LOG" 2>&1; then
    tail -n 30 "$LOG" >&2
    echo "avatar: installing failed (full log: $LOG); check the network connection to the package index" >&2
    exit 1
  fi
  touch "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
export PYGAME_HIDE_SUPPORT_PROMPT=1
