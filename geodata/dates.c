/* dates.c: ISO 8601 calendar dates and intervals of events, and the names of the events model. */
#include <stdio.h>
#include <string.h>

#include "geodata.h"

static const char *const precision_names[GEODATA_PRECISION_COUNT] = {
    [GEODATA_PRECISION_EXACT] = "exact",     [GEODATA_PRECISION_NEAR] = "near",
    [GEODATA_PRECISION_REGION] = "region",   [GEODATA_PRECISION_ADMIN1] = "admin1",
    [GEODATA_PRECISION_COUNTRY] = "country", [GEODATA_PRECISION_WATER] = "water",
};

const char *geodata_precision_name(geodata_precision p)
{
	return (unsigned)p < GEODATA_PRECISION_COUNT ? precision_names[p] : "unknown";
}

int geodata_precision_is_area(geodata_precision p)
{
	return p == GEODATA_PRECISION_REGION || p == GEODATA_PRECISION_ADMIN1 ||
	       p == GEODATA_PRECISION_COUNTRY || p == GEODATA_PRECISION_WATER;
}

static int is_leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(long y, int m)
{
	static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/*
 * Days from 1970-01-01 in the proleptic Gregorian calendar, counting whole
 * 400-year eras so that the arithmetic stays exact for every year 0..9999.
 */
static long days_from_civil(long y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Reads exactly `n` ASCII digits; locale-independent, unlike isdigit(). */
static int digits(const char *s, int n, long *out)
{
	long v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Parses the `len` bytes at `s` as YYYY, YYYY-MM or YYYY-MM-DD. */
static int parse_date_n(const char *s, size_t len, geodata_day *out)
{
	long y, m = 1, d = 1;
	if (len != 4 && len != 7 && len != 10)
		return GEODATA_EINVAL;
	if (digits(s, 4, &y))
		return GEODATA_EINVAL;
	if (len >= 7 && (s[4] != '-' || digits(s + 5, 2, &m) || m < 1 || m > 12))
		return GEODATA_EINVAL;
	if (len == 10 &&
	    (s[7] != '-' || digits(s + 8, 2, &d) || d < 1 || d > month_days(y, (int)m)))
		return GEODATA_EINVAL;
	*out = (geodata_day)days_from_civil(y, (int)m, (int)d);
	return GEODATA_OK;
}

int geodata_date_parse(const char *text, geodata_day *out)
{
	if (!text || !out)
		return GEODATA_EINVAL;
	return parse_date_n(text, strlen(text), out);
}

int geodata_interval_parse(const char *text, geodata_day *start, geodata_day *end)
{
	geodata_day a, b;
	if (!text || !start || !end)
		return GEODATA_EINVAL;
	const char *slash = strchr(text, '/');
	if (!slash) {
		if (parse_date_n(text, strlen(text), &a))
			return GEODATA_EINVAL;
		*start = *end = a;
		return GEODATA_OK;
	}
	if (parse_date_n(text, (size_t)(slash - text), &a))
		return GEODATA_EINVAL;
	const char *rest = slash + 1;
	if (!strcmp(rest, ".."))
		b = GEODATA_DAY_OPEN;
	else if (parse_date_n(rest, strlen(rest), &b) || b < a)
		return GEODATA_EINVAL;
	*start = a;
	*end = b;
	return GEODATA_OK;
}

int geodata_event_visible(const geodata_event *e, geodata_day until)
{
	return e && (until == GEODATA_DAY_OPEN || (e->date && e->start <= until));
}

int geodata_event_left_out(const geodata_event *e, geodata_day until)
{
	return e && until != GEODATA_DAY_OPEN && !e->date;
}

/* The words of the date rule in each language the outputs speak; the article's own words
 * (date_text) are quoted as written. */
typedef struct date_lang {
	const char *code;
	const char *months[12];
	const char *day_fmt;   /* day, month, year */
	const char *month_fmt; /* month, year */
	const char *undated, *undated_said;
	const char *week, *since, *since_day, *from, *to, *from_day, *to_day;
} date_lang;

static const date_lang date_langs[] = {
    {"en",
     {"January", "February", "March", "April", "May", "June", "July", "August", "September",
      "October", "November", "December"},
     "%d %s %.4s", "%s %.4s", "Undated", "Undated (“%s”)", "week of ", "since ", "since ", "",
     " to ", "", " to "},
    {"es",
     {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
      "octubre", "noviembre", "diciembre"},
     "%d de %s de %.4s", "%s de %.4s", "Sin fecha", "Sin fecha (“%s”)", "semana del ",
     "desde ", "desde el ", "de ", " a ", "del ", " al "},
};

static const date_lang *date_lang_get(const char *code)
{
	for (size_t i = 0; code && i < sizeof date_langs / sizeof date_langs[0]; i++)
		if (!strcmp(date_langs[i].code, code))
			return &date_langs[i];
	return &date_langs[0];
}

int geodata_date_lang_known(const char *code)
{
	for (size_t i = 0; code && i < sizeof date_langs / sizeof date_langs[0]; i++)
		if (!strcmp(date_langs[i].code, code))
			return 1;
	return 0;
}

/* One ISO date as words: "2022", "March 2024", "15 June 2024". */
static int date_words(const date_lang *L, const char *s, size_t len, char *buf, size_t n)
{
	geodata_day d;
	if (parse_date_n(s, len, &d))
		return GEODATA_EINVAL;
	int m = len >= 7 ? (s[5] - '0') * 10 + (s[6] - '0') : 0;
	int day = len == 10 ? (s[8] - '0') * 10 + (s[9] - '0') : 0;
	if (len == 4)
		snprintf(buf, n, "%.4s", s);
	else if (len == 7)
		snprintf(buf, n, L->month_fmt, L->months[m - 1], s);
	else
		snprintf(buf, n, L->day_fmt, day, L->months[m - 1], s);
	return GEODATA_OK;
}

int geodata_date_format(const char *date, const char *date_precision, const char *date_text,
                        char *buf, size_t n)
{
	return geodata_date_format_lang(date, date_precision, date_text, "en", buf, n);
}

int geodata_date_format_lang(const char *date, const char *date_precision,
                             const char *date_text, const char *lang, char *buf, size_t n)
{
	if (!buf || n == 0)
		return GEODATA_EINVAL;
	buf[0] = 0;
	const date_lang *L = date_lang_get(lang);
	if (!date || !*date) {
		if (date_text && *date_text)
			snprintf(buf, n, L->undated_said, date_text);
		else
			snprintf(buf, n, "%s", L->undated);
		return GEODATA_OK;
	}
	char a[48], b[48];
	const char *slash = strchr(date, '/');
	size_t alen = slash ? (size_t)(slash - date) : strlen(date);
	if (date_words(L, date, alen, a, sizeof a))
		return GEODATA_EINVAL;
	int week = date_precision && !strcmp(date_precision, "week") && alen == 10;
	int day = alen == 10;
	if (!slash)
		snprintf(buf, n, "%s%s", week ? L->week : "", a);
	else if (!strcmp(slash + 1, ".."))
		snprintf(buf, n, "%s%s%s", day && !week ? L->since_day : L->since, week ? L->week : "", a);
	else if (date_words(L, slash + 1, strlen(slash + 1), b, sizeof b))
		return GEODATA_EINVAL;
	else if (week)
		snprintf(buf, n, "%s%s%s%s", L->week, a, L->to_day, b);
	else
		snprintf(buf, n, "%s%s%s%s", day ? L->from_day : L->from, a, day ? L->to_day : L->to, b);
	return GEODATA_OK;
}
