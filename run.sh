#!/bin/sh
# Sets briefmap up if needed, builds it and serves the web map on the built-in data.
# Extra arguments go to `briefmap serve` (e.g. --listen 127.0.0.1:9000).
set -eu
top=$(cd "$(dirname "$0")" && pwd)
"$top/tools/setup.sh" run
cd "$top"
echo "briefmap: open http://127.0.0.1:8080/ (unless --listen says otherwise); Ctrl-C stops" >&2
exec "$top/build/server/briefmap" serve "$@"
