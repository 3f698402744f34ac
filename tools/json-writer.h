/* SPDX-License-Identifier: GPL-2.0 */
/*
 * json-writer: the one JSON writer of blkseek-map and blkseek-copy.
 * Strings are escaped as RFC 8259 says (quote, backslash, control
 * characters); bytes that are not valid UTF-8 become U+FFFD, so any path
 * gives valid JSON.  Commas are placed by the writer: callers only open
 * and close containers, name members and write values.
 */
#ifndef JSON_WRITER_H
#define JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	16

struct json_writer {
	FILE *f;
	unsigned int depth;
	bool lines;		/* each member of the outermost container on its own line */
	bool after_key;		/* a member's name was written: its value comes next */
	bool nonempty[JSON_MAX_DEPTH];
};

void json_init(struct json_writer *w, FILE *f, bool lines);
void json_object_begin(struct json_writer *w);
void json_object_end(struct json_writer *w);
void json_array_begin(struct json_writer *w);
void json_array_end(struct json_writer *w);
/* A member's name; its value is the next value or container written. */
void json_key(struct json_writer *w, const char *key);
void json_string(struct json_writer *w, const char *s);
void json_u64(struct json_writer *w, uint64_t v);
void json_double(struct json_writer *w, double v, int decimals);
void json_bool(struct json_writer *w, bool v);
void json_null(struct json_writer *w);
/* Ends the document with a newline. */
void json_end(struct json_writer *w);

/* Members written in one call: json_key() then the value. */
static inline void json_kv_string(struct json_writer *w, const char *k, const char *v)
{
	json_key(w, k);
	json_string(w, v);
}

static inline void json_kv_u64(struct json_writer *w, const char *k, uint64_t v)
{
	json_key(w, k);
	json_u64(w, v);
}

static inline void json_kv_bool(struct json_writer *w, const char *k, bool v)
{
	json_key(w, k);
	json_bool(w, v);
}

#endif /* JSON_WRITER_H */
