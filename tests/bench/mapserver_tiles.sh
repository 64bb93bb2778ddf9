#!/bin/bash
# mapserver_tiles.sh: times MapServer's map2img, one process per tile and for the whole region view, against the briefmap CLI.
#
# usage: tests/bench/mapserver_tiles.sh --list TILES [--every K] [--processes N]
#                                       [--briefmap BIN] [--runs R] [--save DIR]
# Run from the top of the source tree. Whole processes are timed, start-up
# included, because that is how both command lines are used.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
list=""
every=4
procs=$(nproc)
briefmap=""
runs=10
save=""
region_size="1600x1000"

die() {
	echo "mapserver_tiles: $*" >&2
	exit 1
}

while [ $# -gt 0 ]; do
	case "$1" in
	--list) list=$2; shift 2 ;;
	--every) every=$2; shift 2 ;;
	--processes) procs=$2; shift 2 ;;
	--briefmap) briefmap=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--save) save=$2; shift 2 ;;
	--help | -h) sed -n '4,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option: $1" ;;
	esac
done
[ -n "$list" ] && [ -f "$list" ] || die "--list FILE is required (bench_tiles --list-only --list FILE writes it)"
command -v map2img >/dev/null || die "map2img not found (Debian package mapserver-bin)"

work=$(mktemp -d /tmp/briefmap-bench-ms.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM

# A copy of the mapfile with absolute paths (the data may live elsewhere)
# and, when the events file exists, its events layers on and the codes of its
# `area` events in the expression that picks their states.
data=$(cd "${BRIEFMAP_DATA:-var/data}" && pwd)
events="$(pwd)/briefings/us-mexico-cartels/events.geojson"
mapfile="$work/briefmap.map"
events_on=""
areas="-"
status="s|STATUS ON # events|STATUS OFF|"
if [ -f "$events" ]; then
	events_on=1
	status=""
	areas=$(/usr/bin/python3 -c 'import json, sys
feats = json.load(open(sys.argv[1]))["features"]
print(",".join(sorted({f["properties"]["area"] for f in feats if f["properties"].get("area")})) or "-")' \
		"$events") || die "$events: cannot read the area codes"
fi
sed "s|^  SHAPEPATH .*|  SHAPEPATH \"$data\"|; s|^  FONTSET .*|  FONTSET \"$here/fonts.txt\"|
	s|\"\\.\\./\\.\\./briefings/us-mexico-cartels/events.geojson\"|\"$events\"|
	s|(\"\\[iso_3166_2\\]\" IN \"[^\"]*\")|(\"[iso_3166_2]\" IN \"$areas\")|; $status" \
	"$here/briefmap.map" >"$mapfile"

now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b - a }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Every K-th tile of the list, with its extent shrunk by half a pixel on each
# side: MapServer's extent runs through the centres of the edge pixels.
awk -v k="$every" 'NF == 3 && (NR - 1) % k == 0 {
	half = 20037508.342789244; span = 2 * half / 2 ^ $1; h = span / 512
	printf "%d %d %d %.6f %.6f %.6f %.6f\n", $1, $2, $3,
		-half + $2 * span + h, half - ($3 + 1) * span + h,
		-half + ($2 + 1) * span - h, half - $3 * span - h
}' "$list" >"$work/tiles"
ntiles=$(wc -l <"$work/tiles")
[ "$ntiles" -gt 0 ] || die "empty tile list"

if [ "$every" -eq 1 ]; then sel="all of"; else sel="1 in $every of"; fi
echo "MapServer $(map2img -v | sed -n 's/^MapServer version \([^ ]*\).*/\1/p') per-process benchmark:" \
	"$ntiles tiles ($sel $(wc -l <"$list")), map2img -s 256 256," \
	"OGR on the GeoPackage${events_on:+, with events}"

# map2img: one process per tile, one at a time, then N at a time.
mkdir -p "$work/ms"
awk -v d="$work/ms" '{ printf "-o %s/%d-%d-%d.png -e %s %s %s %s\n", d, $1, $2, $3, $4, $5, $6, $7 }' \
	"$work/tiles" >"$work/ms.args"
ms_run() {
	local p=$1 t0 t1
	rm -f "$work"/ms/*.png
	t0=$(now)
	xargs -P "$p" -L 1 map2img -m "$mapfile" -s 256 256 <"$work/ms.args" \
		>/dev/null || die "map2img failed"
	t1=$(now)
	local n
	n=$(find "$work/ms" -name '*.png' -size +0 | wc -l)
	[ "$n" -eq "$ntiles" ] || die "map2img wrote $n of $ntiles tiles"
	local sec bytes
	sec=$(elapsed "$t0" "$t1")
	bytes=$(cat "$work"/ms/*.png | wc -c)
	report map2img "$p" "$sec" "$bytes"
}
report() {
	awk -v tool="$1" -v p="$2" -v s="$3" -v b="$4" -v n="$ntiles" 'BEGIN {
		printf "%-18s %2d at a time %6d tiles %8.3f s %9.1f tiles/s %8.2f ms/tile  mean PNG %6.0f bytes\n",
			tool " per process", p, n, s, n / s, 1000 * s / n, b / n
		printf "result tool=%s mode=%s threads=%d tiles=%d seconds=%.4f tiles_per_s=%.2f mean_png_bytes=%.0f\n",
			tool, (p == 1 ? "per_process_sequential" : "per_process_parallel"), p, n, s, n / s, b / n
	}'
}
ms_run 1
if [ -n "$save" ]; then
	mkdir -p "$save"
	cp "$work"/ms/*.png "$save"/
fi
ms_run "$procs"

# briefmap's CLI the same way, on the same tiles.
if [ -n "$briefmap" ]; then
	mkdir -p "$work/bm"
	awk -v d="$work/bm" '{ printf "%d/%d/%d -o %s/%d-%d-%d.png\n", $1, $2, $3, d, $1, $2, $3 }' \
		"$work/tiles" >"$work/bm.args"
	bm_run() {
		local p=$1 t0 t1 n sec bytes
		rm -f "$work"/bm/*.png
		t0=$(now)
		xargs -P "$p" -L 1 "$briefmap" tile <"$work/bm.args" >/dev/null ||
			die "briefmap tile failed"
		t1=$(now)
		n=$(find "$work/bm" -name '*.png' -size +0 | wc -l)
		[ "$n" -eq "$ntiles" ] || die "briefmap tile wrote $n of $ntiles tiles"
		sec=$(elapsed "$t0" "$t1")
		bytes=$(cat "$work"/bm/*.png | wc -c)
		report briefmap_cli "$p" "$sec" "$bytes"
	}
	bm_run 1
	bm_run "$procs"
fi

# The whole region view as one image, whole processes, median of $runs.
read -r minx miny maxx maxy < <(awk 'BEGIN {
	half = 20037508.342789244; r = 6378137; pi = atan2(0, -1)
	printf "%.3f %.3f %.3f %.3f\n", -120 * half / 180, r * log(sin(pi / 4 + 2 * pi / 360) / cos(pi / 4 + 2 * pi / 360)),
		-58 * half / 180, r * log(sin(pi / 4 + 35 * pi / 360) / cos(pi / 4 + 35 * pi / 360))
}')
w=${region_size%x*}
h=${region_size#*x}
# map2img, briefmap render and render --bare in turn, $runs times: paired runs, so that a change
# in the machine's load touches all three alike. Wall time and peak resident memory (GNU time).
time_one() {
	local mode=$1 t0 t1
	shift
	t0=$(now)
	/usr/bin/time -f %M -o "$work/$mode.rss" "$@" >/dev/null || return 1
	t1=$(now)
	elapsed "$t0" "$t1" >>"$work/$mode.times"
	echo >>"$work/$mode.times"
	cat "$work/$mode.rss" >>"$work/$mode.peaks"
}
report_region() {
	local tool=$1 mode=$2 label=$3 png=$4 med peak
	if [ ! -s "$work/$mode.times" ] || [ -f "$work/$mode.failed" ]; then
		echo "region ${region_size}: $label failed"
		echo "result tool=$tool mode=${mode#bm_} seconds=nan runs=0"
		return 0
	fi
	med=$(median <"$work/$mode.times")
	peak=$(sort -g "$work/$mode.peaks" | tail -1)
	echo "region ${region_size}: $label whole process median $med s over $runs paired runs" \
		"(min $(sort -g "$work/$mode.times" | head -1), peak $((peak / 1024)) MB," \
		"PNG $(wc -c <"$png") bytes)"
	echo "result tool=$tool mode=${mode#bm_} seconds=$med peak_kb=$peak runs=$runs"
	if [ -n "$save" ]; then
		cp "$png" "$save/region-$tool-$mode.png"
	fi
}
ms_cmd=(map2img -m "$mapfile" -s "$w" "$h" -e "$minx" "$miny" "$maxx" "$maxy" -o "$work/ms_region.png")
bm_cmd=("$briefmap" render --view region --size "$region_size" -o "$work/bm_region.png")
bare_cmd=("$briefmap" render --view region --size "$region_size" --bare -o "$work/bm_bare.png")
# Once each untimed, to warm the page cache; a failure is reported, not fatal.
"${ms_cmd[@]}" >/dev/null || touch "$work/region_process.failed"
if [ -n "$briefmap" ]; then
	"${bm_cmd[@]}" >/dev/null || touch "$work/bm_region_process.failed"
	"${bare_cmd[@]}" >/dev/null || touch "$work/bm_region_process_bare.failed"
fi
for _ in $(seq "$runs"); do
	[ -f "$work/region_process.failed" ] || time_one region_process "${ms_cmd[@]}" ||
		touch "$work/region_process.failed"
	[ -n "$briefmap" ] || continue
	[ -f "$work/bm_region_process.failed" ] || time_one bm_region_process "${bm_cmd[@]}" ||
		touch "$work/bm_region_process.failed"
	[ -f "$work/bm_region_process_bare.failed" ] ||
		time_one bm_region_process_bare "${bare_cmd[@]}" ||
		touch "$work/bm_region_process_bare.failed"
done
report_region map2img region_process "map2img" "$work/ms_region.png"
if [ -n "$briefmap" ]; then
	report_region briefmap bm_region_process "briefmap render (sheet)" "$work/bm_region.png"
	report_region briefmap bm_region_process_bare "briefmap render --bare" "$work/bm_bare.png"
fi
