/* wmts.c: the OGC WMTS 1.0.0 RESTful capabilities document for the XYZ tilesets. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

/* GoogleMapsCompatible (OGC 07-057r7, annex E.4): zoom 0 scale denominator and extent. */
#define GMC_SCALE0 559082264.0287178
#define GMC_ORIGIN 20037508.3427892

typedef struct xbuf {
	char *data;
	size_t len, cap;
	int failed;
} xbuf;

static void xputs(xbuf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 8192;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->data, cap);
		if (!p) {
			b->failed = 1;
			return;
		}
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void xstr(xbuf *b, const char *s)
{
	xputs(b, s, strlen(s));
}

static void xprintf(xbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void xprintf(xbuf *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp) {
		b->failed = 1;
		return;
	}
	xputs(b, tmp, (size_t)n);
}

/* Text for XML content and attributes. */
static void xesc(xbuf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			xstr(b, "&amp;");
			break;
		case '<':
			xstr(b, "&lt;");
			break;
		case '>':
			xstr(b, "&gt;");
			break;
		case '"':
			xstr(b, "&quot;");
			break;
		default:
			xputs(b, s, 1);
		}
	}
}

static void layer_xml(xbuf *b, const char *base, const wmts_layer *l)
{
	xstr(b, "<Layer>\n<ows:Title>");
	xesc(b, l->title);
	xstr(b, "</ows:Title>\n<ows:Abstract>");
	xesc(b, l->abstract);
	xstr(b, "</ows:Abstract>\n");
	xprintf(b,
	        "<ows:WGS84BoundingBox><ows:LowerCorner>%.6f %.6f</ows:LowerCorner>"
	        "<ows:UpperCorner>%.6f %.6f</ows:UpperCorner></ows:WGS84BoundingBox>\n",
	        l->bbox[0], l->bbox[1], l->bbox[2], l->bbox[3]);
	xstr(b, "<ows:Identifier>");
	xesc(b, l->name);
	xstr(b, "</ows:Identifier>\n<Style isDefault=\"true\"><ows:Identifier>default"
	        "</ows:Identifier></Style>\n<Format>image/png</Format>\n"
	        "<TileMatrixSetLink><TileMatrixSet>GoogleMapsCompatible</TileMatrixSet>"
	        "</TileMatrixSetLink>\n<ResourceURL format=\"image/png\" resourceType=\"tile\" "
	        "template=\"");
	xesc(b, base);
	xstr(b, "/tiles/");
	xesc(b, l->name);
	xstr(b, "/{TileMatrix}/{TileCol}/{TileRow}.png");
	if (l->revision && *l->revision) {
		xstr(b, "?v=");
		xesc(b, l->revision);
	}
	xstr(b, "\"/>\n</Layer>\n");
}

static void matrix_set_xml(xbuf *b, int maxzoom)
{
	xprintf(b, "<TileMatrixSet>\n<ows:Identifier>GoogleMapsCompatible</ows:Identifier>\n"
	           "<ows:SupportedCRS>urn:ogc:def:crs:EPSG::3857</ows:SupportedCRS>\n"
	           "<WellKnownScaleSet>urn:ogc:def:wkss:OGC:1.0:GoogleMapsCompatible"
	           "</WellKnownScaleSet>\n");
	double scale = GMC_SCALE0;
	for (int z = 0; z <= maxzoom; z++, scale /= 2) {
		long n = 1L << z;
		xprintf(b,
		        "<TileMatrix><ows:Identifier>%d</ows:Identifier>"
		        "<ScaleDenominator>%.10f</ScaleDenominator>"
		        "<TopLeftCorner>%.7f %.7f</TopLeftCorner>"
		        "<TileWidth>256</TileWidth><TileHeight>256</TileHeight>"
		        "<MatrixWidth>%ld</MatrixWidth><MatrixHeight>%ld</MatrixHeight></TileMatrix>\n",
		        z, scale, -GMC_ORIGIN, GMC_ORIGIN, n, n);
	}
	xstr(b, "</TileMatrixSet>\n");
}

char *wmts_capabilities(const char *base, const wmts_layer *layers, size_t n, int maxzoom)
{
	xbuf b = {0};
	xprintf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	            "<Capabilities xmlns=\"http://www.opengis.net/wmts/1.0\" "
	            "xmlns:ows=\"http://www.opengis.net/ows/1.1\" "
	            "xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
	            "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
	            "xsi:schemaLocation=\"http://www.opengis.net/wmts/1.0 "
	            "http://schemas.opengis.net/wmts/1.0/wmtsGetCapabilities_response.xsd\" "
	            "version=\"1.0.0\">\n"
	            "<ows:ServiceIdentification><ows:Title>briefmap</ows:Title>"
	            "<ows:ServiceType>OGC WMTS</ows:ServiceType>"
	            "<ows:ServiceTypeVersion>1.0.0</ows:ServiceTypeVersion>"
	            "</ows:ServiceIdentification>\n<Contents>\n");
	for (size_t i = 0; i < n; i++)
		layer_xml(&b, base, &layers[i]);
	matrix_set_xml(&b, maxzoom);
	xstr(&b, "</Contents>\n<ServiceMetadataURL xlink:href=\"");
	xesc(&b, base);
	xstr(&b, "/wmts/1.0.0/WMTSCapabilities.xml\"/>\n</Capabilities>\n");
	if (b.failed) {
		free(b.data);
		return NULL;
	}
	return b.data;
}
