/* statuses.c: the closed list of event statuses, their words and how each is drawn, declared once. */
#include "geodata.h"

/*
 * Read by the validator (names), the map's symbols and areas (treatment),
 * labels (word), legends of sheets and the web page (legend), and
 * /api/style. Statuses drawn alike share a legend row (`legend_row`).
 */
static const geodata_status_info STATUSES[] = {
    [GEODATA_STATUS_CONFIRMED] = {"confirmed", "Confirmed", "Confirmed", "Confirmed",
                                  "Confirmed or reported", "solid", "#1b7a45", 5,
                                  {GEODATA_LINE_SOLID, GEODATA_FILL_SOLID, 0, 0,
                                   GEODATA_SHAPE_DISC, 0}},
    [GEODATA_STATUS_REPORTED] = {"reported", "Reported",
                                 "Reported — stated as fact by the article", "Reported",
                                 "Confirmed or reported", "solid", "#2d5d8b", 4,
                                 {GEODATA_LINE_SOLID, GEODATA_FILL_SOLID, 1, 0,
                                  GEODATA_SHAPE_DISC, 0}},
    [GEODATA_STATUS_CLAIMED] = {"claimed", "Claimed", "Claimed — not independently confirmed",
                                "Claimed, not verified", "Claimed or threatened",
                                "dashed: not confirmed, not carried out", "#9a6700", 2,
                                {GEODATA_LINE_DASHED, GEODATA_FILL_HOLLOW, 0, 0,
                                 GEODATA_SHAPE_DISC, 0}},
    [GEODATA_STATUS_THREATENED] = {"threatened", "Threatened", "Threatened — has not happened",
                                   "Threatened", "Claimed or threatened",
                                   "dashed: not confirmed, not carried out", "#b03a2e", 3,
                                   {GEODATA_LINE_DASHED, GEODATA_FILL_HOLLOW, 0, 0,
                                    GEODATA_SHAPE_DIAMOND, 0}},
    [GEODATA_STATUS_HYPOTHETICAL] = {"hypothetical", "Hypothetical",
                                     "Hypothetical case study — not a real event",
                                     "Hypothetical scenario", "Hypothetical case study",
                                     "hatched: not a real event", "#6b5b95", 0,
                                     {GEODATA_LINE_DOTTED, GEODATA_FILL_HOLLOW, 0, 1,
                                      GEODATA_SHAPE_DISC, 0}},
    [GEODATA_STATUS_DISPUTED] = {"disputed", "Disputed",
                                 "Disputed — denied or contested by a party", "Disputed",
                                 "Disputed", "marked ?: denied by a party", "#5d6d7e", 1,
                                 {GEODATA_LINE_DASHDOT, GEODATA_FILL_HALF, 0, 0,
                                  GEODATA_SHAPE_DISC, 1}},
};
_Static_assert(sizeof STATUSES / sizeof STATUSES[0] == GEODATA_STATUS_COUNT,
               "every status has its row");

static const geodata_status_info UNKNOWN = {
    "unknown", "Unknown", "Unknown", "Unknown", "Unknown", "", "#5d6d7e", 5,
    {GEODATA_LINE_DASHED, GEODATA_FILL_HOLLOW, 0, 0, GEODATA_SHAPE_DISC, 0}};

const geodata_status_info *geodata_status_get(geodata_event_status s)
{
	/* A caller holding a corrupted value gets the weakest claim's look, never a fact's. */
	return (unsigned)s < GEODATA_STATUS_COUNT ? &STATUSES[s] : &UNKNOWN;
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
