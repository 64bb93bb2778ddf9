/* i18n.c: the words of the sheets in each language they speak (legend, dateline, caveats, footer).
 * The words of statuses and kinds are their own tables' (geodata/statuses.c, kinds.json). */
#include <string.h>

#include "private.h"

static const tile_words words[] = {
    {
        .code = "en",
        .default_title = "Briefing map",
        .legend_events = "Events",
        .legend_status = "As the article presents it",
        .legend_base = "Base map",
        .capital = "National capital",
        .city = "City",
        .border = "International border",
        .state = "State or province",
        .distance = "Distance measured by this map (not a route)",
        .no_events = "No article events in this view",
        .location = "Location",
        .events_shown_one = "%zu article event shown",
        .events_shown_many = "%zu article events shown",
        .latest_dated = " · latest dated: ",
        .as_of = " · as of %s",
        .left_out_one = " · %zu undated event left out",
        .left_out_many = " · %zu undated events left out",
        .sources = "Sources: ",
        .from_article = "events authored from the article “%s”",
        .made = "Made %s with briefmap · %s",
        .caveats_full = "Caveats about the article.",
        .caveats_short = "Caveats about the article: ",
        .caveats_more = ". See the briefing for details.",
        .caveat_kinds = {"Contradiction", "Inaccuracy", "Undated", "Note"},
        .caveat_kinds_short = {"contradiction", "inaccuracy", "undated", "other"},
        .map_of = "Map of %s",
        .n_events_one = "%zu event",
        .n_events_many = "%zu events",
    },
    {
        .code = "es",
        .default_title = "Mapa del resumen",
        .legend_events = "Sucesos",
        .legend_status = "Tal como los presenta el artículo",
        .legend_base = "Mapa base",
        .capital = "Capital nacional",
        .city = "Ciudad",
        .border = "Frontera internacional",
        .state = "Estado o provincia",
        .distance = "Distancia medida por este mapa (no una ruta)",
        .no_events = "Ningún suceso del artículo en esta vista",
        .location = "Situación",
        .events_shown_one = "%zu suceso del artículo en el mapa",
        .events_shown_many = "%zu sucesos del artículo en el mapa",
        .latest_dated = " · último con fecha: ",
        .as_of = " · hasta el %s",
        .left_out_one = " · %zu suceso sin fecha omitido",
        .left_out_many = " · %zu sucesos sin fecha omitidos",
        .sources = "Fuentes: ",
        .from_article = "sucesos tomados del artículo «%s»",
        .made = "Hecho el %s con briefmap · %s",
        .caveats_full = "Advertencias sobre el artículo.",
        .caveats_short = "Advertencias sobre el artículo: ",
        .caveats_more = ". Detalles en el resumen.",
        .caveat_kinds = {"Contradicción", "Inexactitud", "Sin fecha", "Nota"},
        .caveat_kinds_short = {"contradicción", "inexactitud", "sin fecha", "otra"},
        .map_of = "Mapa de %s",
        .n_events_one = "%zu suceso",
        .n_events_many = "%zu sucesos",
    },
};

const tile_words *tile_words_get(const char *lang)
{
	for (size_t i = 0; lang && i < sizeof words / sizeof words[0]; i++)
		if (!strcmp(words[i].code, lang))
			return &words[i];
	return &words[0];
}

const char *tile_sheet_lang_find(const char *lang)
{
	for (size_t i = 0; lang && i < sizeof words / sizeof words[0]; i++)
		if (!strcmp(words[i].code, lang))
			return words[i].code;
	return NULL;
}

_Static_assert(sizeof words / sizeof words[0] == TILE_LANGS, "TILE_LANGS counts the languages");

size_t tile_lang_index(const char *lang)
{
	for (size_t i = 0; lang && i < TILE_LANGS; i++)
		if (!strcmp(words[i].code, lang))
			return i;
	return 0;
}

const char *tile_lang_code(size_t i)
{
	return words[i < TILE_LANGS ? i : 0].code;
}
