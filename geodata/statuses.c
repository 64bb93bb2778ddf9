/* statuses.c: the closed list of event statuses, how each is drawn and its words in each language, declared once. */
#include <string.h>

#include "geodata.h"

/*
 * Read by the validator (names), the map's symbols and areas (treatment),
 * labels (rank), and /api/style. Their words are in the tables of each
 * language below.
 */
static const geodata_status_info STATUSES[] = {
    [GEODATA_STATUS_CONFIRMED] = {"confirmed", "#1b7a45", 5,
                                  {GEODATA_LINE_SOLID, GEODATA_FILL_SOLID, 0, 0,
                                   GEODATA_SHAPE_DISC, 0}},
    [GEODATA_STATUS_REPORTED] = {"reported", "#2d5d8b", 4,
                                 {GEODATA_LINE_SOLID, GEODATA_FILL_SOLID, 1, 0,
                                  GEODATA_SHAPE_DISC, 0}},
    [GEODATA_STATUS_CLAIMED] = {"claimed", "#9a6700", 2,
                                {GEODATA_LINE_DASHED, GEODATA_FILL_HOLLOW, 0, 0,
                                 GEODATA_SHAPE_DISC, 0}},
    [GEODATA_STATUS_THREATENED] = {"threatened", "#b03a2e", 3,
                                   {GEODATA_LINE_DASHED, GEODATA_FILL_HOLLOW, 0, 0,
                                    GEODATA_SHAPE_DIAMOND, 0}},
    [GEODATA_STATUS_HYPOTHETICAL] = {"hypothetical", "#6b5b95", 0,
                                     {GEODATA_LINE_DOTTED, GEODATA_FILL_HOLLOW, 0, 1,
                                      GEODATA_SHAPE_DISC, 0}},
    [GEODATA_STATUS_DISPUTED] = {"disputed", "#5d6d7e", 1,
                                 {GEODATA_LINE_DASHDOT, GEODATA_FILL_HALF, 0, 0,
                                  GEODATA_SHAPE_DISC, 1}},
};
_Static_assert(sizeof STATUSES / sizeof STATUSES[0] == GEODATA_STATUS_COUNT,
               "every status has its row");

static const geodata_status_info UNKNOWN = {
    "unknown", "#5d6d7e", 5,
    {GEODATA_LINE_DASHED, GEODATA_FILL_HOLLOW, 0, 0, GEODATA_SHAPE_DISC, 0}};

/*
 * The words of the statuses, one table per language, read by sheets (legend,
 * counts), /api/style and through it the web pages. The legend notes say what
 * the treatment above draws. A language may leave a word out (NULL): English
 * is shown for it. The last row is the "unknown" status's.
 */
static const geodata_status_words EN[GEODATA_STATUS_COUNT + 1] = {
    [GEODATA_STATUS_CONFIRMED] = {"Confirmed", "Confirmed", "Confirmed", "solid",
                                  "confirmed", "confirmed"},
    [GEODATA_STATUS_REPORTED] = {"Reported", "Reported — stated as fact by the article",
                                 "Reported", "solid with a white inner ring", "reported",
                                 "reported"},
    [GEODATA_STATUS_CLAIMED] = {"Claimed", "Claimed — not independently confirmed",
                                "Claimed, not verified", "dashed: not confirmed", "claimed",
                                "claimed"},
    [GEODATA_STATUS_THREATENED] = {"Threatened", "Threatened — has not happened", "Threatened",
                                   "dashed diamond: not carried out", "threatened",
                                   "threatened"},
    [GEODATA_STATUS_HYPOTHETICAL] = {"Hypothetical", "Hypothetical case study — not a real event",
                                     "Hypothetical scenario", "hatched: not a real event",
                                     "hypothetical", "hypothetical"},
    [GEODATA_STATUS_DISPUTED] = {"Disputed", "Disputed — denied or contested by a party",
                                 "Disputed", "marked ?: denied by a party", "disputed",
                                 "disputed"},
    [GEODATA_STATUS_COUNT] = {"Unknown", "Unknown", "Unknown", "dashed", "unknown", "unknown"},
};

/* In counts the words agree with "sucesos", masculine. */
static const geodata_status_words ES[GEODATA_STATUS_COUNT + 1] = {
    [GEODATA_STATUS_CONFIRMED] = {"Confirmado", "Confirmado", "Confirmado", "sólido",
                                  "confirmado", "confirmados"},
    [GEODATA_STATUS_REPORTED] = {"Informado", "Informado: el artículo lo da como hecho",
                                 "Informado", "sólido con anillo blanco interior", "informado",
                                 "informados"},
    [GEODATA_STATUS_CLAIMED] = {"Afirmado", "Afirmado: no confirmado de forma independiente",
                                "Afirmado, sin verificar", "discontinuo: no confirmado",
                                "afirmado", "afirmados"},
    [GEODATA_STATUS_THREATENED] = {"Amenaza", "Amenaza: no ha ocurrido", "Amenaza",
                                   "rombo discontinuo: no llevado a cabo", "amenazado",
                                   "amenazados"},
    [GEODATA_STATUS_HYPOTHETICAL] = {"Hipotético", "Caso hipotético: no es un suceso real",
                                     "Escenario hipotético", "rayado: no es un suceso real",
                                     "hipotético", "hipotéticos"},
    [GEODATA_STATUS_DISPUTED] = {"Disputado", "Disputado: negado o cuestionado por una parte",
                                 "Disputado", "marcado con ?: negado por una parte",
                                 "disputado", "disputados"},
    [GEODATA_STATUS_COUNT] = {"Desconocido", "Desconocido", "Desconocido", "discontinuo",
                              "desconocido", "desconocidos"},
};

static const struct {
	const char *code;
	const geodata_status_words *words;
} LANGS[] = {{"en", EN}, {"es", ES}};

const geodata_status_info *geodata_status_get(geodata_event_status s)
{
	/* A caller holding a corrupted value gets the weakest claim's look, never a fact's. */
	return (unsigned)s < GEODATA_STATUS_COUNT ? &STATUSES[s] : &UNKNOWN;
}

int geodata_status_lang_known(const char *lang)
{
	for (size_t i = 0; lang && i < sizeof LANGS / sizeof LANGS[0]; i++)
		if (!strcmp(LANGS[i].code, lang))
			return 1;
	return 0;
}

static const char *either(const char *w, const char *en)
{
	return w ? w : en;
}

geodata_status_words geodata_status_words_get(geodata_event_status s, const char *lang)
{
	size_t row = (unsigned)s < GEODATA_STATUS_COUNT ? (size_t)s : GEODATA_STATUS_COUNT;
	const geodata_status_words *en = &EN[row], *w = en;
	for (size_t i = 1; lang && i < sizeof LANGS / sizeof LANGS[0]; i++)
		if (!strcmp(LANGS[i].code, lang))
			w = &LANGS[i].words[row];
	return (geodata_status_words){either(w->label, en->label),
	                              either(w->words, en->words),
	                              either(w->legend, en->legend),
	                              either(w->legend_note, en->legend_note),
	                              either(w->count_one, en->count_one),
	                              either(w->count_other, en->count_other)};
}

const char *geodata_event_status_name(geodata_event_status s)
{
	return geodata_status_get(s)->name;
}

static const char *const LINE_NAMES[] = {"solid", "dashed", "dotted", "dashdot"};
static const char *const FILL_NAMES[] = {"solid", "hollow", "half"};
static const char *const SHAPE_NAMES[] = {"disc", "diamond"};

const char *geodata_line_name(geodata_line l)
{
	return (unsigned)l < sizeof LINE_NAMES / sizeof *LINE_NAMES ? LINE_NAMES[l] : "solid";
}

const char *geodata_fill_name(geodata_fill f)
{
	return (unsigned)f < sizeof FILL_NAMES / sizeof *FILL_NAMES ? FILL_NAMES[f] : "hollow";
}

const char *geodata_shape_name(geodata_shape s)
{
	return (unsigned)s < sizeof SHAPE_NAMES / sizeof *SHAPE_NAMES ? SHAPE_NAMES[s] : "disc";
}
