#!/usr/bin/env bash
# The whole test suite: once on SQLite + in-memory stores, once on PostgreSQL + Redis.
#   bash scripts/test.sh            both backends, side by side (one per core; SQLite's output follows)
#   bash scripts/test.sh sqlite     SQLite only
#   bash scripts/test.sh postgres   PostgreSQL + Redis only
# Extra arguments after the backend go to pytest. Under CI=true an unreachable PostgreSQL or Redis
# fails the run; otherwise that backend is skipped with a warning.
source "$(dirname "$0")/_venv.sh" test
BACKEND="all"
case "${1:-}" in all|sqlite|postgres) BACKEND="$1"; shift ;; esac
PG_URL="${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}"
REDIS="${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"

run_sqlite() {
  echo "==> tests on SQLite + memory"
  env -u DATABASE_URL -u REDIS_URL python -m pytest "$@"
}

services_up() {
  python - "$PG_URL" "$REDIS" <<'PY'
import asyncio, sys
import asyncpg
from redis.asyncio import Redis
async def main():
    conn = await asyncpg.connect(sys.argv[1], timeout=5)
    await conn.close()
    r = Redis.from_url(sys.argv[2]); await r.ping(); await r.aclose()
try:
    asyncio.run(main())
except Exception as exc:
    print(f"unreachable: {exc}", file=sys.stderr); sys.exit(1)
PY
}

run_postgres() {
  if ! services_up; then
    if [ "${CI:-}" = "true" ]; then
      echo "FAIL: PostgreSQL ($PG_URL) or Redis ($REDIS) is not reachable and CI=true" >&2
      return 1
    fi
    echo "WARNING: PostgreSQL or Redis not reachable; skipping the PostgreSQL + Redis run" >&2
    return 0
  fi
  echo "==> tests on PostgreSQL + Redis"
  DATABASE_URL="$PG_URL" REDIS_URL="$REDIS" python -m pytest "$@"
}

case "$BACKEND" in
  sqlite) run_sqlite "$@" ;;
  postgres) run_postgres "$@" ;;
  all)
    # The two runs share nothing (own database, own temporary var dir, free ports), so they run at
    # the same time: SQLite in the background into a log shown afterwards, PostgreSQL in the foreground.
    # Tests that need no database go to the PostgreSQL pass when it runs (the SQLite pass is the longer).
    if services_up 2>/dev/null; then export KLADOVKA_DB_FREE_PASS=postgres; fi
    LOG="$(mktemp -t kladovka-sqlite-XXXX.log)"
    run_sqlite "$@" >"$LOG" 2>&1 &
    SQLITE_PID=$!
    PG_RC=0; run_postgres "$@" || PG_RC=$?
    SQLITE_RC=0; wait "$SQLITE_PID" || SQLITE_RC=$?
    cat "$LOG"; rm -f "$LOG"
    echo "==> SQLite run: exit $SQLITE_RC; PostgreSQL + Redis run: exit $PG_RC"
    [ "$SQLITE_RC" -eq 0 ] && [ "$PG_RC" -eq 0 ] ;;
  *) echo "usage: bash scripts/test.sh [all|sqlite|postgres] [pytest args]" >&2; exit 2 ;;
esac
