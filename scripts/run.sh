#!/usr/bin/env bash
# Run Kladovka: install, migrate, load the demo shop into an empty database, serve on 127.0.0.1:8000.
source "$(dirname "$0")/_venv.sh" ""
kladovka migrate
kladovka demo --if-empty
exec kladovka serve "$@"
