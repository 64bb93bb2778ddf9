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

# The mapfile's paths are relative to itself; point SHAPEPATH elsewhere when
# the data lives elsewhere, and switch the events layers on when they exist.
mapfile="$here/briefmap.map"
if [ -n "${BRIEFMAP_DATA:-}" ]; then
	data=$(cd "$BRIEFMAP_DATA" && pwd)
	sed "s|^  SHAPEPATH .*|  SHAPEPATH \"$data\"|; s|^  FONTSET .*|  FONTSET \"$here/fonts.txt\"|;
		s|\"\\.\\./\\.\\./geodata/|\"$(pwd)/geodata/|" "$here/briefmap.map" >"$work/briefmap.map"
	mapfile="$work/briefmap.map"
fi
layers=()
if [ -f geodata/events/article.geojson ]; then
	layers=(-l events)
fi

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
	"OGR on the GeoPackage${layers[*]:+, with events}"

# map2img: one process per tile, one at a time, then N at a time.
mkdir -p "$work/ms"
awk -v d="$work/ms" '{ printf "-o %s/%d-%d-%d.png -e %s %s %s %s\n", d, $1, $2, $3, $4, $5, $6, $7 }' \
	"$work/tiles" >"$work/ms.args"
ms_run() {
	local p=$1 t0 t1
	rm -f "$work"/ms/*.png
	t0=$(now)
	xargs -P "$p" -L 1 map2img -m "$mapfile" -s 256 256 "${layers[@]}" <"$work/ms.args" \
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
time_runs() {
	local out=$1 t0 t1
	shift
	"$@" >/dev/null || die "failed: $*" # warm the page cache once, untimed
	for _ in $(seq "$runs"); do
		t0=$(now)
		"$@" >/dev/null || die "failed: $*"
		t1=$(now)
		elapsed "$t0" "$t1"
		echo
	done >"$out"
}
time_runs "$work/ms_region.times" map2img -m "$mapfile" "${layers[@]}" -s "$w" "$h" \
	-e "$minx" "$miny" "$maxx" "$maxy" -o "$work/ms_region.png"
ms_med=$(median <"$work/ms_region.times")
echo "region ${region_size}: map2img whole process median ${ms_med} s over $runs runs" \
	"(min $(sort -g "$work/ms_region.times" | head -1), PNG $(wc -c <"$work/ms_region.png") bytes)"
echo "result tool=map2img mode=region_process seconds=$ms_med runs=$runs"
if [ -n "$save" ]; then
	cp "$work/ms_region.png" "$save/region-map2img.png"
fi
if [ -n "$briefmap" ]; then
	time_runs "$work/bm_region.times" "$briefmap" render --view region --size "$region_size" \
		-o "$work/bm_region.png"
	bm_med=$(median <"$work/bm_region.times")
	echo "region ${region_size}: briefmap render whole process median ${bm_med} s over $runs runs" \
		"(min $(sort -g "$work/bm_region.times" | head -1), PNG $(wc -c <"$work/bm_region.png") bytes, full sheet)"
	echo "result tool=briefmap mode=region_process seconds=$bm_med runs=$runs"
	time_runs "$work/bm_bare.times" "$briefmap" render --view region --size "$region_size" --bare \
		-o "$work/bm_bare.png"
	bare_med=$(median <"$work/bm_bare.times")
	echo "region ${region_size}: briefmap render --bare whole process median ${bare_med} s over $runs runs"
	echo "result tool=briefmap mode=region_process_bare seconds=$bare_med runs=$runs"
	if [ -n "$save" ]; then
		cp "$work/bm_region.png" "$save/region-briefmap.png"
		cp "$work/bm_bare.png" "$save/region-briefmap-bare.png"
	fi
fi
