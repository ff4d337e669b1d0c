#include "runsc/jsonstr.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The length of the valid UTF-8 sequence at s (at most n bytes), or 0
 * when it is not one (overlong forms, surrogates and code points above
 * U+10FFFF are not valid). *cp gets the code point. */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		len = 2;
		v = c & 0x1f;
		min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3;
		v = c & 0x0f;
		min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4;
		v = c & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

/* Appends piece (plen bytes) when it fits whole. */
static void put(char *buf, size_t len, size_t *o, const char *piece,
		size_t plen)
{
	if (*o + plen < len)
		memcpy(buf + *o, piece, plen);
	*o += plen;
}

size_t rs_json_escape(char *buf, size_t len, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t o = 0, cut = 0;
	bool fits = true;
	put(buf, len, &o, "\"", 1);
	if (o < len)
		cut = o;
	else
		fits = false;
	for (size_t i = 0; i < n;) {
		char esc[8];
		const char *piece = esc;
		size_t plen;
		uint32_t cp;
		size_t seq = utf8_seq(s + i, n - i, &cp);
		if (seq == 0) {
			piece = "\\ufffd";
			plen = 6;
			seq = 1;
		} else if (cp == '"' || cp == '\\') {
			esc[0] = '\\';
			esc[1] = (char)cp;
			plen = 2;
		} else if (cp == '\n' || cp == '\r' || cp == '\t') {
			esc[0] = '\\';
			esc[1] = cp == '\n' ? 'n' : cp == '\r' ? 'r' : 't';
			plen = 2;
		} else if (cp < 0x20 || cp == '<' || cp == '>' || cp == '&' ||
			   cp == 0x2028 || cp == 0x2029) {
			plen = (size_t)snprintf(esc, sizeof(esc), "\\u%04x",
						(unsigned)cp);
		} else {
			piece = (const char *)s + i;
			plen = seq;
		}
		i += seq;
		put(buf, len, &o, piece, plen);
		if (fits && o < len)
			cut = o;
		else
			fits = false;
	}
	put(buf, len, &o, "\"", 1);
	if (fits && o < len)
		cut = o;
	if (len > 0)
		buf[cut < len ? cut : len - 1] = '\0';
	return o;
}
