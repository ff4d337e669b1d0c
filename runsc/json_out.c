#include "json_out.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "runsc/jsonstr.h"

struct buf {
	char *p;
	size_t len, cap;
	bool failed;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (p == NULL) {
			b->failed = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void put_string(struct buf *b, const char *s, size_t n)
{
	char small[256];
	size_t need = rs_json_escape(small, sizeof(small), s, n);
	if (need < sizeof(small)) {
		put(b, small, need);
		return;
	}
	char *big = malloc(need + 1);
	if (big == NULL) {
		b->failed = true;
		return;
	}
	rs_json_escape(big, need + 1, s, n);
	put(b, big, need);
	free(big);
}

static void newline(struct buf *b, const char *indent, int depth)
{
	if (indent == NULL)
		return;
	put(b, "\n", 1);
	for (int i = 0; i < depth; i++)
		puts_(b, indent);
}

static void emit(struct buf *b, const json_t *v, const char *indent, int depth)
{
	char num[64];
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		if (json_object_size(v) == 0) {
			puts_(b, "{}");
			break;
		}
		put(b, "{", 1);
		const char *key;
		json_t *val;
		bool first = true;
		/* json_object_foreach takes a non-const object. */
		json_t *obj = (json_t *)v;
		json_object_foreach(obj, key, val)
		{
			if (!first)
				put(b, ",", 1);
			first = false;
			newline(b, indent, depth + 1);
			put_string(b, key, strlen(key));
			puts_(b, indent ? ": " : ":");
			emit(b, val, indent, depth + 1);
		}
		newline(b, indent, depth);
		put(b, "}", 1);
		break;
	}
	case JSON_ARRAY: {
		size_t n = json_array_size(v);
		if (n == 0) {
			puts_(b, "[]");
			break;
		}
		put(b, "[", 1);
		for (size_t i = 0; i < n; i++) {
			if (i)
				put(b, ",", 1);
			newline(b, indent, depth + 1);
			emit(b, json_array_get(v, i), indent, depth + 1);
		}
		newline(b, indent, depth);
		put(b, "]", 1);
		break;
	}
	case JSON_STRING:
		put_string(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
		puts_(b, num);
		break;
	case JSON_REAL:
		snprintf(num, sizeof(num), "%.17g", json_real_value(v));
		puts_(b, num);
		break;
	case JSON_TRUE:
		puts_(b, "true");
		break;
	case JSON_FALSE:
		puts_(b, "false");
		break;
	case JSON_NULL:
		puts_(b, "null");
		break;
	}
}

char *rs_json_go(const json_t *v, const char *indent)
{
	struct buf b = { 0 };
	emit(&b, v, indent, 0);
	if (b.failed || b.p == NULL) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

int rs_json_go_print(FILE *f, const json_t *v, const char *indent,
		     const char *end)
{
	char *text = rs_json_go(v, indent);
	if (text == NULL) {
		errno = ENOMEM;
		return -1;
	}
	int r = fputs(text, f) < 0 || fputs(end, f) < 0 ? -1 : 0;
	free(text);
	return r;
}

static int by_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_t *rs_json_sorted(const json_t *obj)
{
	size_t n = json_object_size(obj);
	const char **keys = calloc(n + 1, sizeof(*keys));
	json_t *out = json_object();
	if (keys == NULL || out == NULL) {
		free(keys);
		json_decref(out);
		return NULL;
	}
	size_t i = 0;
	const char *key;
	json_t *val;
	json_t *o = (json_t *)obj;
	json_object_foreach(o, key, val)
	{
		keys[i++] = key;
	}
	qsort(keys, i, sizeof(*keys), by_key);
	for (size_t k = 0; k < i; k++)
		if (json_object_set(out, keys[k],
				    json_object_get(obj, keys[k])) < 0) {
			json_decref(out);
			out = NULL;
			break;
		}
	free(keys);
	return out;
}
