/* sheet_layout.c: where a sheet puts its header, map, legend, locator and footer. */
#include <math.h>
#include <string.h>

#include "sheet.h"

static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Measures the header and footer; the rest is the body, split between map and panel. */
void sheet_layout_compute(sheet_layout *L, sheet_textkit *tk, const sheet_text *st, int W, int H)
{
	memset(L, 0, sizeof(*L));
	L->W = W;
	L->H = H;
	L->k = clampd(sqrt((double)W * H / 1.6e6), 0.72, 4.0);
	L->mag = L->k > 1 ? pow(L->k, 0.6) : 1;
	L->portrait = H > W * 1.05;
	L->compact = W < 480 || H < 320;
	double k = L->k;
	L->pad = round(clampd(18 * k, 10, 80));
	L->gap = round(clampd(14 * k, 8, 60));
	L->fs_title = 25 * k;
	L->fs_sub = 13.5 * k;
	L->fs_body = fmax(9, 12.5 * k);
	L->fs_small = fmax(8, 10 * k);
	if (L->compact) {
		L->fs_title = fmax(11, 0.055 * H);
		L->fs_sub = fmax(8, L->fs_title * 0.6);
		L->fs_small = fmax(7, L->fs_sub * 0.9);
		L->pad = 8;
		L->gap = 6;
	}
	double inner = W - 2 * L->pad;
	L->hx = L->pad;
	L->hy = L->pad;
	L->hw = inner;
	sheet_text_set(tk, st->title, L->fs_title, SHEET_TXT_BOLD, inner, L->compact ? 1 : 2);
	sheet_text_extent(tk, NULL, &L->title_h);
	double sub_h;
	sheet_text_set(tk, st->dateline, L->fs_sub, SHEET_TXT_REGULAR, inner, 1);
	sheet_text_extent(tk, NULL, &sub_h);
	L->sub_y = L->hy + L->title_h + L->fs_sub * 0.15;
	double head_bottom = L->sub_y + sub_h + L->gap * 0.7;
	L->cav_y = L->sub_y + sub_h + L->gap * 0.35;
	L->cav_h = 0;
	if (st->caveats[0]) {
		sheet_text_set(tk, st->caveats, L->fs_small, SHEET_TXT_REGULAR, inner, 0);
		sheet_text_extent(tk, NULL, &L->cav_h);
		head_bottom = L->cav_y + L->cav_h + L->gap * 0.7;
	}

	/* Footer: sources on the left, when and how on the right, or stacked when narrow. */
	double made_w, made_h, src_h;
	sheet_text_set(tk, st->made, L->fs_small, SHEET_TXT_REGULAR, 0, 0);
	sheet_text_extent(tk, &made_w, &made_h);
	if (made_w < inner * 0.38) {
		L->src_w = inner - made_w - L->gap * 2;
		sheet_text_set(tk, st->sources, L->fs_small, SHEET_TXT_REGULAR, L->src_w, 0);
		sheet_text_extent(tk, NULL, &src_h);
		L->foot_h = fmax(src_h, made_h);
		L->foot_y = H - L->pad - L->foot_h;
		L->made_x = W - L->pad - made_w;
		L->made_y = L->foot_y;
		L->made_w = made_w;
	} else {
		L->src_w = inner;
		sheet_text_set(tk, st->sources, L->fs_small, SHEET_TXT_REGULAR, inner, 0);
		sheet_text_extent(tk, NULL, &src_h);
		sheet_text_set(tk, st->made, L->fs_small, SHEET_TXT_REGULAR, inner, 0);
		sheet_text_extent(tk, NULL, &made_h);
		L->foot_h = src_h + made_h;
		L->foot_y = H - L->pad - L->foot_h;
		L->made_x = L->pad;
		L->made_y = L->foot_y + src_h;
		L->made_w = inner;
	}
	double body_y = round(head_bottom + L->gap * 0.3);
	double body_h = floor(L->foot_y - L->gap * 0.8 - body_y);
	L->map_x = L->pad;
	L->map_y = body_y;
	if (L->compact) {
		L->map_w = inner;
		L->map_h = body_h;
		return;
	}
	if (!L->portrait) {
		L->pan_w = round(clampd(W * 0.2, 150 * k, 290 * k));
		L->map_w = round(inner - L->pan_w - L->gap);
		L->map_h = body_h;
		L->pan_x = L->map_x + L->map_w + L->gap;
		L->pan_y = body_y;
		L->pan_h = body_h;
		L->inset_w = L->pan_w;
		L->inset_h = round(fmin(L->pan_w * 0.8, body_h * 0.45));
	} else {
		L->inset_w = round(clampd(inner * 0.32, 120 * k, 300 * k));
		L->inset_h = round(L->inset_w * 0.72);
		L->pan_x = L->pad;
		L->pan_w = inner;
		L->map_w = inner;
		L->map_h = body_h;
		L->pan_h = 0; /* set from the legend's height */
	}
}
