/* test_layers.c: the table of base layers is sound and matches the prepared GeoPackage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <gdal.h>
#include <ogr_api.h>
#include <string.h>

#include "testutil.h"

/* Every row drawable and labellable at every zoom its rules reach, names unique, twins known. */
static void test_table_sound(void **state)
{
	(void)state;
	size_t n = geodata_layer_count();
	assert_true(n >= GEODATA_LAYER_ROLES && n <= GEODATA_LAYERS_MAX);
	assert_int_equal(GEODATA_LAYER_COUNT, (int)n);
	assert_null(geodata_layer_info_get(n));
	assert_string_equal(geodata_layer_name(GEODATA_STATES), "states");
	assert_string_equal(geodata_layer_name(GEODATA_CITIES), "cities");
	for (size_t i = 0; i < n; i++) {
		const geodata_layer_info *L = geodata_layer_info_get(i);
		assert_non_null(L->name);
		assert_non_null(L->attribution);
		if (L->label.style != GEODATA_LABEL_NONE)
			assert_non_null(L->fields.name);
		assert_int_equal(geodata_layer_find(L->name), (long)i);
		assert_true(L->geom == GEODATA_GEOM_POLYGON || L->geom == GEODATA_GEOM_POINT);
		if (L->coarse) {
			long twin = geodata_layer_find(L->coarse);
			assert_true(twin >= 0 && (size_t)twin != i);
			assert_null(geodata_layer_info_get((size_t)twin)->coarse);
		}
		for (int z = L->style.stroke_min_zoom; L->style.stroke_pass && z <= GEODATA_MAX_ZOOM;
		     z++)
			if (!(geodata_zoom_value(L->style.width, z) > 0))
				fail_msg("layer %s: no stroke width at zoom %d", L->name, z);
		int area = L->label.style != GEODATA_LABEL_NONE && L->label.style != GEODATA_LABEL_PLACE;
		for (int z = L->label.min_zoom; area && z <= GEODATA_MAX_ZOOM; z++)
			if (!(geodata_zoom_value(L->label.size, z) > 0))
				fail_msg("layer %s: no label size at zoom %d", L->name, z);
	}
	assert_int_equal(geodata_layer_find("nowhere"), -1);
	assert_int_equal(geodata_layer_find(NULL), -1);
}

static void test_zoom_value(void **state)
{
	(void)state;
	const geodata_zoom_step s[GEODATA_ZOOM_STEPS] = {{3, 0.5}, {5, 0.9}, {GEODATA_MAX_ZOOM, 1.2}};
	assert_true(geodata_zoom_value(s, 0) == 0.5 && geodata_zoom_value(s, 3) == 0.5);
	assert_true(geodata_zoom_value(s, 4) == 0.9 && geodata_zoom_value(s, 5) == 0.9);
	assert_true(geodata_zoom_value(s, GEODATA_MAX_ZOOM) == 1.2);
	assert_true(geodata_zoom_value(s, GEODATA_MAX_ZOOM + 1) == 0);
}

static void test_feature_name(void **state)
{
	(void)state;
	geodata_feature f = {.name = "United States of America", .name_es = "Estados Unidos"};
	assert_string_equal(geodata_feature_name(&f, "es"), "Estados Unidos");
	assert_string_equal(geodata_feature_name(&f, "en"), "United States of America");
	assert_string_equal(geodata_feature_name(&f, NULL), "United States of America");
	f.name_es = "";
	assert_string_equal(geodata_feature_name(&f, "es"), "United States of America");
}

/* The preparation made every layer the table reads, with the fields it names for labels. */
static void test_prepared_data_has_the_layers(void **state)
{
	(void)state;
	char path[4096];
	snprintf(path, sizeof path, "%s/base.gpkg", test_env_or("BRIEFMAP_DATA", "var/data"));
	GDALAllRegister();
	GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
	if (!ds)
		fail_msg("cannot open %s", path);
	for (size_t i = 0; i < geodata_layer_count(); i++) {
		const geodata_layer_info *L = geodata_layer_info_get(i);
		OGRLayerH ol = GDALDatasetGetLayerByName(ds, L->name);
		if (!ol)
			fail_msg("%s has no layer '%s'", path, L->name);
		OGRFeatureDefnH d = OGR_L_GetLayerDefn(ol);
		const char *needed[] = {L->fields.name, L->fields.name_es, L->fields.code};
		for (size_t k = 0; k < 3; k++)
			if (needed[k] && OGR_FD_GetFieldIndex(d, needed[k]) < 0)
				fail_msg("layer '%s' has no field '%s'", L->name, needed[k]);
	}
	GDALClose(ds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table_sound),
	    cmocka_unit_test(test_zoom_value),
	    cmocka_unit_test(test_feature_name),
	    cmocka_unit_test(test_prepared_data_has_the_layers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
