/* ogr_module.c: finds and loads the GDAL/OGR reader module, only when a layer must be read through OGR. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "build.h"

/*
 * The build tree's module first: tests and ./run.sh run from there, and a module
 * installed from another build would not agree with this one (the ABI string says so).
 */
static const char *const places[] = {BRIEFMAP_OGR_MODULE_BUILD, BRIEFMAP_OGR_MODULE_INSTALL};

const ogr_reader *ogr_reader_open(void **handle, geodata_error *err)
{
	char why[512] = "not found";
	*handle = NULL;
	for (size_t i = 0; i < sizeof places / sizeof places[0]; i++) {
		if (access(places[i], R_OK))
			continue;
		/* GDAL is never unloaded: its drivers and caches live until the process ends. */
		void *h = dlopen(places[i], RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
		if (!h) {
			snprintf(why, sizeof why, "%s", dlerror());
			continue;
		}
		const ogr_reader *r = dlsym(h, OGR_READER_SYMBOL);
		if (r && !strcmp(r->abi, BRIEFMAP_OGR_ABI)) {
			*handle = h;
			return r;
		}
		snprintf(why, sizeof why, "%s: %s", places[i],
		         r ? "made by another build of briefmap" : "not a briefmap reader module");
		dlclose(h);
	}
	if (err)
		snprintf(err->msg, sizeof err->msg,
		         "cannot read the base data through GDAL/OGR: its reader module (%s): %.300s",
		         BRIEFMAP_OGR_MODULE_INSTALL, why);
	return NULL;
}

void ogr_reader_close(void *handle)
{
	if (handle)
		dlclose(handle);
}
