// SPDX-License-Identifier: GPL-2.0
/*
 * json-writer: JSON output shared by the tools (see json-writer.h).
 */
#include <inttypes.h>
#include <math.h>

#include "json-writer.h"

void json_init(struct json_writer *w, FILE *f, bool lines)
{
	*w = (struct json_writer){ .f = f, .lines = lines };
}

/* Before a value or container: a comma after a sibling, a line break. */
static void json_sep(struct json_writer *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (!w->depth)
		return;
	if (w->nonempty[w->depth - 1])
		fputc(',', w->f);
	w->nonempty[w->depth - 1] = true;
	if (w->lines && w->depth == 1)
		fputc('\n', w->f);
}

static void json_open(struct json_writer *w, char c)
{
	json_sep(w);
	fputc(c, w->f);
	if (w->depth < JSON_MAX_DEPTH)
		w->nonempty[w->depth] = false;
	w->depth++;
}

static void json_close(struct json_writer *w, char c)
{
	if (w->depth)
		w->depth--;
	if (w->lines && !w->depth && w->nonempty[0])
		fputc('\n', w->f);
	fputc(c, w->f);
}

void json_object_begin(struct json_writer *w)
{
	json_open(w, '{');
}

void json_object_end(struct json_writer *w)
{
	json_close(w, '}');
}

void json_array_begin(struct json_writer *w)
{
	json_open(w, '[');
}

void json_array_end(struct json_writer *w)
{
	json_close(w, ']');
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong, surrogate or past U+10FFFF */
	if ((n == 3 && cp < 0x800) || (cp >= 0xd800 && cp <= 0xdfff) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/* The string itself, quoted and escaped. */
static void json_quote(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	fputc('"', f);
	while (*s) {
		if (*s == '"' || *s == '\\') {
			fputc('\\', f);
			fputc(*s++, f);
		} else if (*s < 0x20 || *s == 0x7f) {
			fprintf(f, "\\u%04x", *s++);
		} else {
			n = utf8_len(s);
			if (n) {
				fwrite(s, 1, n, f);
				s += n;
			} else {
				fputs("\\ufffd", f);	/* not UTF-8 */
				s++;
			}
		}
	}
	fputc('"', f);
}

void json_key(struct json_writer *w, const char *key)
{
	json_sep(w);
	json_quote(w->f, key);
	fputc(':', w->f);
	w->after_key = true;
}

void json_string(struct json_writer *w, const char *s)
{
	json_sep(w);
	json_quote(w->f, s);
}

void json_u64(struct json_writer *w, uint64_t v)
{
	json_sep(w);
	fprintf(w->f, "%" PRIu64, v);
}

void json_double(struct json_writer *w, double v, int decimals)
{
	json_sep(w);
	if (isfinite(v))
		fprintf(w->f, "%.*f", decimals, v);
	else
		fputs("null", w->f);	/* JSON has no NaN or infinity */
}

void json_bool(struct json_writer *w, bool v)
{
	json_sep(w);
	fputs(v ? "true" : "false", w->f);
}

void json_null(struct json_writer *w)
{
	json_sep(w);
	fputs("null", w->f);
}

void json_end(struct json_writer *w)
{
	fputc('\n', w->f);
}
