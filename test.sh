#!/bin/sh
# Sets briefmap up if needed, then builds and runs every test: once optimised with -Werror, once
# with AddressSanitizer and UndefinedBehaviorSanitizer; then runs the fuzz targets under libFuzzer
# for FUZZ_SECONDS (30) each. Exits non-zero on any failure.
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
# The fuzz targets under libFuzzer for a short while each, from their corpora.
if command -v clang >/dev/null; then
	if [ ! -f build-fuzz/build.ninja ]; then
		CC=clang meson setup build-fuzz --buildtype=debugoptimized -Dfuzz=true -Dbench=false \
			-Db_sanitize=address,undefined -Db_lundef=false >&2
	fi
	# Every fuzz target the build declares (fuzz_NAME_libfuzzer, corpus in tests/fuzz/corpus/NAME/).
	bins=$(ninja -C build-fuzz -t targets all | sed -n 's|^\(tests/[a-z]*/fuzz_[a-z]*_libfuzzer\):.*|\1|p' | sort -u)
	[ -n "$bins" ] || { echo "fuzz: no fuzz target declared" >&2; exit 1; }
	# shellcheck disable=SC2086
	ninja -C build-fuzz $bins >&2
	targets=$(for b in $bins; do basename "$b" _libfuzzer | sed 's/^fuzz_//'; done)
	for t in $targets; do
		work=$(mktemp -d)
		cp "$top/tests/fuzz/corpus/$t/"* "$work/"
		# The article's events are a seed too, taken from where they live so they never drift.
		[ "$t" != events ] || cp "$top/briefings/us-mexico-cartels/events.geojson" "$work/"
		if build-fuzz/tests/*/fuzz_"${t}"_libfuzzer -max_total_time="${FUZZ_SECONDS:-30}" \
			-artifact_prefix="$work/" "$work" >"$work.log" 2>&1; then
			echo "fuzz: $t: $(grep -o 'Done [0-9]* runs' "$work.log" | tail -1), no crash"
			rm -rf "$work" "$work.log"
		else
			echo "fuzz: $t: FAILED; the input that crashed is in $work, the log in $work.log" >&2
			tail -30 "$work.log" >&2
			status=1
		fi
	done
fi
python3 "$top/tools/test-summary.py" build/meson-logs/testlog.json build-asan/meson-logs/testlog.json
exit $status
