/* crs.c: a map's CRS parsed once, with its transformations from degrees and to Web Mercator. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "geodata.h"

struct geodata_crs {
	char *def; /* as the caller wrote it */
	int web_mercator;
	geodata_proj *from_lonlat; /* EPSG:4326 -> the CRS; NULL for Web Mercator */
	geodata_proj *to_merc;     /* EPSG:4326 -> EPSG:3857 */
};

int geodata_crs_def_is_web_mercator(const char *def)
{
	return !def || !def[0] || !strcasecmp(def, "EPSG:3857");
}

/*
 * PROJ takes a bare PROJ string for an operation; "+type=crs" makes it the CRS it
 * describes. Returns the definition to give PROJ, `def` itself or `buf`; NULL when
 * the completed string does not fit.
 */
static const char *crs_text(const char *def, char *buf, size_t n)
{
	if ((def[0] == '+' || !strncmp(def, "proj=", 5)) && !strstr(def, "type=crs"))
		return snprintf(buf, n, "%s +type=crs", def) < (int)n ? buf : NULL;
	return def;
}

geodata_crs *geodata_crs_create(const char *def, geodata_error *err)
{
	char buf[1024];
	const char *use;
	geodata_error ge = {{0}};
	geodata_crs *c = calloc(1, sizeof(*c));
	if (!c || !(c->def = strdup(def ? def : ""))) {
		if (err)
			snprintf(err->msg, sizeof err->msg, "out of memory");
		goto fail;
	}
	c->web_mercator = geodata_crs_def_is_web_mercator(def);
	if (!c->web_mercator) {
		if (!(use = crs_text(def, buf, sizeof buf))) {
			if (err)
				snprintf(err->msg, sizeof err->msg,
				         "CRS definition of %zu characters is too long",
				         strlen(def));
			goto fail;
		}
		c->from_lonlat = geodata_proj_create("EPSG:4326", use, &ge);
		if (!c->from_lonlat) {
			/* Name the CRS as the user wrote it, with PROJ's reason. */
			const char *why = strstr(ge.msg, "': ");
			if (err && use == def)
				snprintf(err->msg, sizeof err->msg, "%s", ge.msg);
			else if (err)
				snprintf(err->msg, sizeof err->msg, "unknown CRS '%s'%s%s", def,
				         why ? ": " : "", why ? why + 3 : "");
			goto fail;
		}
	}
	c->to_merc = geodata_proj_create("EPSG:4326", "EPSG:3857", &ge);
	if (!c->to_merc) {
		if (err)
			snprintf(err->msg, sizeof err->msg, "%s", ge.msg);
		goto fail;
	}
	return c;
fail:
	geodata_crs_destroy(c);
	return NULL;
}

void geodata_crs_destroy(geodata_crs *c)
{
	if (!c)
		return;
	geodata_proj_destroy(c->from_lonlat);
	geodata_proj_destroy(c->to_merc);
	free(c->def);
	free(c);
}

int geodata_crs_is_web_mercator(const geodata_crs *c)
{
	return c ? c->web_mercator : 0;
}

const char *geodata_crs_definition(const geodata_crs *c)
{
	return c ? c->def : NULL;
}

geodata_proj *geodata_crs_from_lonlat(geodata_crs *c)
{
	return c ? c->from_lonlat : NULL;
}

geodata_proj *geodata_crs_to_merc(geodata_crs *c)
{
	return c ? c->to_merc : NULL;
}
