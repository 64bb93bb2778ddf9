#!/bin/sh
# Sets briefmap up if needed, then builds and runs every test: once optimised with -Werror, once
# with AddressSanitizer and UndefinedBehaviorSanitizer. Exits non-zero on any failure.
set -eu
top=$(cd "$(dirname "$0")" && pwd)
"$top/tools/setup.sh" test
cd "$top"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
status=0
meson test -C build --print-errorlogs --num-processes 2 || status=1
if [ ! -f build-asan/build.ninja ]; then
	meson setup build-asan --buildtype=debug -Dwerror=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dbench=false >&2
fi
ninja -C build-asan >&2
meson test -C build-asan --print-errorlogs --num-processes 2 --timeout-multiplier 4 || status=1
python3 "$top/tools/test-summary.py" build/meson-logs/testlog.json build-asan/meson-logs/testlog.json
exit $status
