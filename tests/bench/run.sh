#!/bin/bash
# run.sh: runs the briefmap, Mapnik and MapServer benchmarks on one tile list in one go and prints a summary with ratios.
#
# usage: tests/bench/run.sh BUILD_DIR [--zoom MIN-MAX] [--threads N] [--repeat N] [--every K]
#                           [--runs R] [--save DIR]
#   BUILD_DIR    a configured and built tree (meson setup BUILD -Dbuildtype=release && ninja -C BUILD)
#   --zoom       zooms of the tile list (default 2-8)
#   --threads    threads / processes of the parallel runs (default: number of cores)
#   --repeat N   in-process tile runs (briefmap, Mapnik) done N times, fastest kept (default 1)
#   --every K    per-process runs (map2img, briefmap tile) take every K-th tile (default 4)
#   --runs R     whole-process region renders per tool, median reported (default 10)
#   --save DIR   keep sample tiles and the region images of every tool there
# Builds nothing. Needs /usr/bin/python3 with python3-mapnik and map2img (mapserver-bin).
set -eu

usage() { sed -n '4,13p' "$0" | sed 's/^# \{0,1\}//'; }
[ $# -ge 1 ] || { usage >&2; exit 2; }
case "$1" in --help | -h) usage; exit 0 ;; esac
build=$(cd "$1" && pwd) || exit 2
shift
zoom=2-8
threads=$(nproc)
repeat=1
every=4
runs=10
save=""
while [ $# -gt 0 ]; do
	case "$1" in
	--zoom) zoom=$2; shift 2 ;;
	--threads) threads=$2; shift 2 ;;
	--repeat) repeat=$2; shift 2 ;;
	--every) every=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--save) save=$(mkdir -p "$2" && cd "$2" && pwd); shift 2 ;;
	*) echo "run.sh: unknown option: $1" >&2; usage >&2; exit 2 ;;
	esac
done

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
bench="$build/tests/bench/bench_tiles"
briefmap="$build/server/briefmap"
for f in "$bench" "$briefmap"; do
	[ -x "$f" ] || { echo "run.sh: $f is missing: build the tree first (ninja -C $build)" >&2; exit 1; }
done
buildtype=$(/usr/bin/python3 -c 'import json, sys
print(next(o["value"] for o in json.load(open(sys.argv[1])) if o["name"] == "buildtype"))' \
	"$build/meson-info/intro-buildoptions.json" 2>/dev/null || echo unknown)
[ "$buildtype" = release ] ||
	echo "run.sh: warning: $build has buildtype $buildtype, not release; figures will be pessimistic" >&2

work=$(mktemp -d /tmp/briefmap-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
results="$work/results"
: >"$results"

echo "== machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
	"load average $(cut -d' ' -f1-3 /proc/loadavg)"
# Other work on the machine skews every figure: say so rather than print them silently.
awk -v c="$(nproc)" '$1 > 0.25 * c { exit 1 }' /proc/loadavg ||
	echo "run.sh: warning: the machine is busy (load $(cut -d' ' -f1 /proc/loadavg)); figures will be noisy" >&2
echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ), briefmap $(git rev-parse --short HEAD 2>/dev/null || echo '?')," \
	"build $build ($buildtype)"

"$bench" --list-only --list "$work/tiles.txt" --zoom "$zoom"
ntiles=$(wc -l <"$work/tiles.txt")
echo "== tile list: $ntiles tiles, zooms $zoom, lon -120..-58 lat 2..35"

echo
echo "== briefmap (in process, tile_render_xyz, briefing tileset)"
"$bench" --zoom "$zoom" --threads "$threads" --repeat "$repeat" ${save:+--save "$save/briefmap"} | tee -a "$results"

echo
echo "== Mapnik (python3-mapnik, in process)"
mapnik_save=(--region "$work/region-mapnik.png")
if [ -n "$save" ]; then
	mapnik_save=(--save "$save/mapnik" --save-every 25 --region "$save/region-mapnik.png")
fi
/usr/bin/python3 tests/bench/mapnik_tiles.py --list "$work/tiles.txt" --processes "$threads" \
	--repeat "$repeat" "${mapnik_save[@]}" | tee -a "$results"

echo
echo "== Mapnik again, each table read once per tile (its fastest formulation, not briefmap's draw order)"
/usr/bin/python3 tests/bench/mapnik_tiles.py --list "$work/tiles.txt" --processes "$threads" \
	--repeat "$repeat" --grouped | tee -a "$results"

echo
echo "== MapServer (map2img, whole processes) and the briefmap CLI"
tests/bench/mapserver_tiles.sh --list "$work/tiles.txt" --every "$every" --processes "$threads" \
	--briefmap "$briefmap" --runs "$runs" ${save:+--save "$save/mapserver"} | tee -a "$results"

echo
echo "== briefmap serve: cold tiles one request at a time; one cached tile under wrk, and nginx"
/usr/bin/python3 tests/bench/serve_tiles.py --briefmap "$briefmap" --list "$work/tiles.txt" \
	--max-zoom 7 --threads "$threads" | tee -a "$results"

# The summary reads back the one-line results every tool printed.
echo
awk -v cores="$threads" -v ntiles="$ntiles" -v zoom="$zoom" '
/^result / {
	delete f
	for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	k = f["tool"] "/" f["mode"]
	if (f["mode"] == "zoom" && f["zoom"] <= 7) {
		zt[f["tool"]] += f["tiles"]; zs[f["tool"]] += f["seconds"]
	}
	tps[k] = f["tiles_per_s"]; sec[k] = f["seconds"]; cnt[k] = f["tiles"]
	pngb[k] = f["mean_png_bytes"]; anyb[k] = f["mean_bytes"]; peak[k] = f["peak_kb"]
	rps[k] = f["requests_per_s"]; p99[k] = f["p99_ms"]
}
function ratio(a, b) { return (a > 0 && b > 0) ? sprintf("%.2f", a / b) : "n/a" }
function verdict(r, target) { return r == "n/a" ? "" : (r + 0 >= target ? "target met" : "target MISSED") }
function atmost(r, target) { return r == "n/a" ? "" : (r + 0 <= target ? "target met" : "target MISSED") }
# One row of the table against peers: what, briefmap, the peer, briefmap / peer, the target.
function row(what, b, peer, p, fmt, le, target,   r) {
	r = ratio(b, p)
	printf "%-40s " fmt " " fmt "  %-9s %6sx  (%s %s: %s)\n", what, b, p, peer, r,
		le ? "target <=" : "target >=", target, le ? atmost(r, target) : verdict(r, target)
}
END {
	printf "== summary: %d tiles, zooms %s, %d cores\n", ntiles, zoom, cores
	printf "%-34s %12s %12s\n", "", "1 core", cores " cores"
	printf "%-34s %12.1f %12.1f\n", "briefmap tiles/s", tps["briefmap/sequential"], tps["briefmap/parallel"]
	printf "%-34s %12.1f %12.1f\n", "Mapnik tiles/s", tps["mapnik/sequential"], tps["mapnik/parallel"]
	r1 = ratio(tps["briefmap/sequential"], tps["mapnik/sequential"])
	rn = ratio(tps["briefmap/parallel"], tps["mapnik/parallel"])
	printf "%-34s %11sx %11sx\n", "briefmap / Mapnik", r1, rn
	printf "%-34s %12.1f %12.1f\n", "Mapnik tiles/s, grouped layers", tps["mapnik_grouped/sequential"],
		tps["mapnik_grouped/parallel"]
	printf "%-34s %11sx %11sx\n", "briefmap / Mapnik grouped",
		ratio(tps["briefmap/sequential"], tps["mapnik_grouped/sequential"]),
		ratio(tps["briefmap/parallel"], tps["mapnik_grouped/parallel"])
	m7 = zs["mapnik"] > 0 ? zt["mapnik"] / zs["mapnik"] : 0
	if (zs["briefmap"] > 0 && zs["mapnik"] > 0 && zt["briefmap"] < ntiles) {
		b7 = zt["briefmap"] / zs["briefmap"]
		printf "%-34s %12.1f %12s   (%d tiles)\n", "briefmap tiles/s, zooms <= 7", b7, "", zt["briefmap"]
		printf "%-34s %12.1f\n", "Mapnik tiles/s, zooms <= 7", m7
		printf "%-34s %11sx\n", "briefmap / Mapnik, zooms <= 7", ratio(b7, m7)
	}
	printf "%-34s %12.1f %12.1f   (%d tiles)\n", "map2img, one process per tile",
		tps["map2img/per_process_sequential"], tps["map2img/per_process_parallel"],
		cnt["map2img/per_process_sequential"]
	printf "%-34s %12.1f %12.1f   (same tiles)\n", "briefmap tile, one process per tile",
		tps["briefmap_cli/per_process_sequential"], tps["briefmap_cli/per_process_parallel"]
	p1 = ratio(tps["briefmap_cli/per_process_sequential"], tps["map2img/per_process_sequential"])
	pn = ratio(tps["briefmap_cli/per_process_parallel"], tps["map2img/per_process_parallel"])
	printf "%-34s %11sx %11sx\n", "briefmap tile / map2img", p1, pn
	print ""
	bm = sec["briefmap/region_process"]; ms = sec["map2img/region_process"]
	printf "region 1600x1000, whole process, median s:\n"
	printf "  %-32s %8.4f\n", "briefmap render (sheet)", bm
	printf "  %-32s %8.4f\n", "briefmap render --bare", sec["briefmap/region_process_bare"]
	printf "  %-32s %8.4f\n", "map2img", ms
	if ("mapnik/region_inprocess" in sec)
		printf "  %-32s %8.4f   (in process, no start-up)\n", "Mapnik", sec["mapnik/region_inprocess"]
	printf "  map2img / briefmap render:        %sx\n", ratio(ms, bm)
	printf "  map2img / briefmap render --bare: %sx\n", ratio(ms, sec["briefmap/region_process_bare"])
	print ""
	printf "== against peers, measured in this run (load average now %s)\n", load
	row("sheet 1600x1000, whole process, s", bm, "map2img", ms, "%10.3f", 1, 0.6)
	row("sheet peak memory, MB", peak["briefmap/region_process"] / 1024, "map2img",
		peak["map2img/region_process"] / 1024, "%10.0f", 1, 1)
	row("sheet --bare, whole process, s", sec["briefmap/region_process_bare"], "map2img", ms,
		"%10.3f", 1, 0.5)
	row("sheet --bare peak memory, MB", peak["briefmap/region_process_bare"] / 1024, "map2img",
		peak["map2img/region_process"] / 1024, "%10.0f", 1, 1)
	row("tiles in process, 1 core, tiles/s", tps["briefmap/sequential"], "Mapnik",
		tps["mapnik/sequential"], "%10.1f", 0, 20)
	row("cold tiles via serve, 1 at a time, z<=7", tps["briefmap_serve/cold_png"], "Mapnik",
		m7, "%10.1f", 0, 10)
	row("mean PNG bytes per tile", pngb["briefmap/sequential"], "Mapnik",
		pngb["mapnik/sequential"], "%10.0f", 1, 0.7)
	row("mean PNG bytes, every K-th tile", pngb["briefmap_cli/per_process_sequential"],
		"MapServer", pngb["map2img/per_process_sequential"], "%10.0f", 1, 0.7)
	row("mean WebP bytes per tile", anyb["briefmap/webp"], "Mapnik PNG",
		pngb["mapnik/sequential"], "%10.0f", 1, 0.4)
	for (c = 64; c <= 256; c *= 4) {
		row("one cached tile, wrk -c" c ", req/s", rps["briefmap_serve/cached_tile_c" c], "nginx",
			rps["nginx/cached_tile_c" c], "%10.0f", 0, 1)
		row("one cached tile, wrk -c" c ", p99 ms", p99["briefmap_serve/cached_tile_c" c], "nginx",
			p99["nginx/cached_tile_c" c], "%10.2f", 1, 1)
	}
}' load="$(cut -d' ' -f1-3 /proc/loadavg)" "$results"
echo "== load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
