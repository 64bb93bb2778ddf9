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

static const char *const month_names[12] = {"January", "February", "March",     "April",
                                            "May",     "June",     "July",      "August",
                                            "September", "October", "November", "December"};

/* One ISO date as words: "2022", "March 2024", "15 June 2024". */
static int date_words(const char *s, size_t len, char *buf, size_t n)
{
	geodata_day d;
	if (parse_date_n(s, len, &d))
		return GEODATA_EINVAL;
	int m = len >= 7 ? (s[5] - '0') * 10 + (s[6] - '0') : 0;
	int day = len == 10 ? (s[8] - '0') * 10 + (s[9] - '0') : 0;
	if (len == 4)
		snprintf(buf, n, "%.4s", s);
	else if (len == 7)
		snprintf(buf, n, "%s %.4s", month_names[m - 1], s);
	else
		snprintf(buf, n, "%d %s %.4s", day, month_names[m - 1], s);
	return GEODATA_OK;
}

int geodata_date_format(const char *date, const char *date_precision, const char *date_text,
                        char *buf, size_t n)
{
	if (!buf || n == 0)
		return GEODATA_EINVAL;
	buf[0] = 0;
	if (!date || !*date) {
		if (date_text && *date_text)
			snprintf(buf, n, "Undated (“%s”)", date_text);
		else
			snprintf(buf, n, "Undated");
		return GEODATA_OK;
	}
	char a[48], b[48];
	const char *slash = strchr(date, '/');
	size_t alen = slash ? (size_t)(slash - date) : strlen(date);
	if (date_words(date, alen, a, sizeof a))
		return GEODATA_EINVAL;
	const char *week = date_precision && !strcmp(date_precision, "week") && alen == 10
	                       ? "week of "
	                       : "";
	if (!slash)
		snprintf(buf, n, "%s%s", week, a);
	else if (!strcmp(slash + 1, ".."))
		snprintf(buf, n, "since %s%s", week, a);
	else if (date_words(slash + 1, strlen(slash + 1), b, sizeof b))
		return GEODATA_EINVAL;
	else
		snprintf(buf, n, "%s%s to %s", week, a, b);
	return GEODATA_OK;
}
