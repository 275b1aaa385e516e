# Sourced by run.sh and test.sh: a virtualenv in .venv with the project installed (once per
# pyproject.toml change), and the front-end assets in place.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
EXTRAS="${1:-}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
STAMP=".venv/.kladovka-installed${EXTRAS:+-$EXTRAS}"
WANT="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
  echo "==> installing Kladovka into .venv ${EXTRAS:+(with $EXTRAS)}"
  # (the machine's pip config names some local mirrors that may be absent: hide those warnings only)
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${EXTRAS:+[$EXTRAS]}" \
    2> >(grep -v "^WARNING: Location 'file://" >&2)
  echo "$WANT" > "$STAMP"
fi
export PATH="$ROOT/.venv/bin:$PATH"
kladovka assets >/dev/null
