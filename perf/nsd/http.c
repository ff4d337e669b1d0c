/* The HTTP/1.1 engine behind nsd_http_ops (http.h): request parsing,
 * body framing, routing and response generation, with no I/O. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "body.h"
#include "http.h"

enum phase {
	PH_HEAD,    /* reading a request line and header fields */
	PH_BODY,    /* reading the request body */
	PH_RESPOND, /* producing the response; input waits */
	PH_DONE,    /* nothing more to produce; input is discarded */
	PH_ABORT,   /* reset the connection */
};

enum framing { FR_NONE, FR_LENGTH, FR_CHUNKED };

/* RFC 9112 7.1 chunked transfer coding, one state per syntax position. */
enum chunk_state {
	CK_SIZE,       /* chunk-size hex digits */
	CK_EXT,	       /* chunk extensions, skipped to the end of the line */
	CK_SIZE_LF,    /* LF after the size line's CR */
	CK_DATA,       /* chunk-data */
	CK_DATA_CR,    /* CRLF after chunk-data */
	CK_DATA_LF,    /* LF of that CRLF */
	CK_TRAILER,    /* a trailer field line, or the final empty line */
	CK_TRAILER_LF, /* LF after a trailer line's CR */
};

enum method { M_GET, M_HEAD, M_POST, M_PUT, M_OTHER, M_UNKNOWN };

enum route { R_INDEX, R_BYTES, R_ZEROS, R_STATS, R_UPLOAD, R_DISCARD };

struct http {
	const struct nsd_svc_env *env;
	enum phase phase;

	/* The request head, NUL-terminated for parsing. */
	char head[NSD_HTTP_HEAD_MAX + 1];
	size_t head_len;

	/* The request being served. */
	enum method method;
	enum route route;
	int status; /* the final status chosen for it */
	const char *allow;
	uint64_t size; /* N of /bytes/N and /zeros/N */
	bool close_after;
	bool keep_alive_10; /* HTTP/1.0 with Connection: keep-alive */

	/* Its body. */
	enum framing framing;
	uint64_t body_left; /* FR_LENGTH: bytes; FR_CHUNKED: of this chunk */
	enum chunk_state ck;
	unsigned ck_digits;
	size_t line_len; /* of the current size, extension or trailer line */
	size_t trailer_len;
	uint64_t body_bytes;
	struct nsd_sha256 *sha; /* POST /upload only */

	/* Output: bytes queued (headers, small bodies), then generated ones. */
	char *out;
	size_t out_len, out_off, out_cap;
	uint64_t gen_left;
	bool gen_zeros;
	struct nsd_body_gen *gen;
};

/* ---- output queue ---------------------------------------------------- */

/* Keeps the memory of a connection bounded between responses: a queue
 * that grew for a big /stats answer is given back. */
#define OUT_KEEP 4096

static int out_reserve(struct http *h, size_t more)
{
	if (h->out_len + more <= h->out_cap)
		return 0;
	size_t cap = h->out_cap ? h->out_cap : 512;
	while (cap < h->out_len + more)
		cap *= 2;
	char *p = realloc(h->out, cap);
	if (p == NULL)
		return -ENOMEM;
	h->out = p;
	h->out_cap = cap;
	return 0;
}

static int out_append(struct http *h, const void *data, size_t len)
{
	if (out_reserve(h, len) < 0)
		return -ENOMEM;
	memcpy(h->out + h->out_len, data, len);
	h->out_len += len;
	return 0;
}

static int out_printf(struct http *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int out_printf(struct http *h, const char *fmt, ...)
{
	/* Straight into the spare room; a second pass only when it was too
	 * small (a response's headers normally fit at once). */
	if (out_reserve(h, 256) < 0)
		return -ENOMEM;
	va_list ap;
	va_start(ap, fmt);
	size_t room = h->out_cap - h->out_len;
	int n = vsnprintf(h->out + h->out_len, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	if ((size_t)n >= room) {
		if (out_reserve(h, (size_t)n + 1) < 0)
			return -ENOMEM;
		va_start(ap, fmt);
		vsnprintf(h->out + h->out_len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	h->out_len += (size_t)n;
	return 0;
}

static void out_reset(struct http *h)
{
	h->out_len = h->out_off = 0;
	if (h->out_cap > OUT_KEEP) {
		free(h->out);
		h->out = NULL;
		h->out_cap = 0;
	}
}

/* ---- responses ------------------------------------------------------- */

static const char *reason(int status)
{
	switch (status) {
	case 100:
		return "Continue";
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 417:
		return "Expectation Failed";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Unknown";
	}
}

/* RFC 9110 6.6.1: an origin server with a clock sends Date, in IMF-fixdate.
 * nsd is single-threaded, so one cached line per second serves all. */
static const char *http_date(void)
{
	static time_t cached_at = -1;
	static char line[64];
	time_t now = time(NULL);
	if (now != cached_at) {
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(line, sizeof(line), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		cached_at = now;
	}
	return line;
}

static void count_status(struct http *h, int status)
{
	struct nsd_counters *c = h->env->counters;
	if (status < 300)
		c->http_2xx++;
	else if (status < 500)
		c->http_4xx++;
	else
		c->http_5xx++;
}

/* Queues a final response: its header block and, unless body is NULL, a
 * body of body_len bytes; body_len without a body announces bytes the
 * generator will produce. Moves to PH_RESPOND. */
static void respond(struct http *h, int status, const char *type,
		    const char *body, uint64_t body_len)
{
	count_status(h, status);
	const char *conn = "";
	if (h->close_after)
		conn = "Connection: close\r\n";
	else if (h->keep_alive_10)
		conn = "Connection: keep-alive\r\n";
	int rc = out_printf(h,
			    "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: nsd\r\n"
			    "Content-Type: %s\r\nContent-Length: %" PRIu64
			    "\r\n%s%s%s%s\r\n",
			    status, reason(status), http_date(), type, body_len,
			    h->allow ? "Allow: " : "", h->allow ? h->allow : "",
			    h->allow ? "\r\n" : "", conn);
	if (rc == 0 && body != NULL && h->method != M_HEAD)
		rc = out_append(h, body, body_len);
	if (rc < 0) {
		h->env->counters->alloc_failures++;
		h->phase = PH_ABORT;
		return;
	}
	h->phase = PH_RESPOND;
}

static void respond_text(struct http *h, int status, const char *text)
{
	respond(h, status, "text/plain", text, strlen(text));
}

/* A request that cannot be framed or trusted: answer and close. */
static void fail(struct http *h, int status)
{
	h->close_after = true;
	h->allow = NULL;
	char text[80];
	snprintf(text, sizeof(text), "%d %s\n", status, reason(status));
	respond_text(h, status, text);
}

static void respond_json(struct http *h, json_t *obj)
{
	char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	json_decref(obj);
	if (text == NULL) {
		h->env->counters->alloc_failures++;
		h->phase = PH_ABORT;
		return;
	}
	size_t len = strlen(text);
	text[len] = '\n'; /* json_dumps's NUL becomes a final newline */
	respond(h, 200, "application/json", text, len + 1);
	free(text);
}

static const char index_text[] =
	"nsd: a netstack host\n"
	"GET  /bytes/N   N bytes of the AES-128-CTR stream (see body.h)\n"
	"GET  /zeros/N   N zero bytes\n"
	"GET  /stats     counters and sockets (JSON)\n"
	"POST /upload    reply {\"bytes\":N,\"sha256\":...}\n"
	"POST /discard   reply {\"bytes\":N}\n";

/* The request is complete, body included: produce its response. */
static void finish_request(struct http *h)
{
	if (h->status != 200) {
		char text[80];
		snprintf(text, sizeof(text), "%d %s\n", h->status,
			 reason(h->status));
		respond_text(h, h->status, text);
		return;
	}
	switch (h->route) {
	case R_INDEX:
		respond_text(h, 200, index_text);
		break;
	case R_BYTES:
	case R_ZEROS:
		respond(h, 200, "application/octet-stream", NULL, h->size);
		if (h->phase != PH_RESPOND || h->method == M_HEAD)
			break;
		h->gen_left = h->size;
		h->gen_zeros = h->route == R_ZEROS;
		if (!h->gen_zeros && h->size > 0) {
			h->gen = nsd_body_gen_new(0);
			if (h->gen == NULL) {
				h->env->counters->alloc_failures++;
				h->phase = PH_ABORT;
			}
		}
		break;
	case R_STATS: {
		char *json = h->env->stats_json
				     ? h->env->stats_json(h->env->stats_arg)
				     : NULL;
		if (json == NULL) {
			h->close_after = true;
			respond_text(h, 500, "500 Internal Server Error\n");
			break;
		}
		respond(h, 200, "application/json", json, strlen(json));
		free(json);
		break;
	}
	case R_UPLOAD: {
		char hex[65];
		if (nsd_sha256_final(h->sha, hex) < 0) {
			h->close_after = true;
			respond_text(h, 500, "500 Internal Server Error\n");
			break;
		}
		respond_json(h, json_pack("{s:I,s:s}", "bytes",
					  (json_int_t)h->body_bytes, "sha256",
					  hex));
		break;
	}
	case R_DISCARD:
		respond_json(h, json_pack("{s:I}", "bytes",
					  (json_int_t)h->body_bytes));
		break;
	}
}

/* ---- parsing the head ------------------------------------------------ */

/* RFC 9110 5.6.2 tchar. */
static bool is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_token(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_tchar((unsigned char)s[i]))
			return false;
	return true;
}

/* Splits the next line off *cursor (NUL-terminating it, CR LF or a bare
 * LF, RFC 9112 2.2) and returns it; NULL at the end or when a CR stands
 * alone inside a line, which RFC 9112 2.2 lets a recipient reject. */
static char *next_line(char **cursor, bool *bad)
{
	char *line = *cursor;
	char *lf = strchr(line, '\n');
	if (lf == NULL)
		return NULL;
	*lf = '\0';
	*cursor = lf + 1;
	if (lf > line && lf[-1] == '\r')
		lf[-1] = '\0';
	if (strchr(line, '\r') != NULL) {
		*bad = true;
		return NULL;
	}
	return line;
}

static enum method parse_method(const char *m)
{
	static const char *const other[] = { "DELETE", "CONNECT", "OPTIONS",
					     "TRACE", "PATCH" };
	if (strcmp(m, "GET") == 0)
		return M_GET;
	if (strcmp(m, "HEAD") == 0)
		return M_HEAD;
	if (strcmp(m, "POST") == 0)
		return M_POST;
	if (strcmp(m, "PUT") == 0)
		return M_PUT;
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		if (strcmp(m, other[i]) == 0)
			return M_OTHER;
	return M_UNKNOWN;
}

/* Decimal digits only, no sign or spaces, without overflow. */
static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		unsigned d = (unsigned)(*s - '0');
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* What the header fields said, gathered before framing is decided. */
struct fields {
	bool cl_seen;
	uint64_t content_length;
	bool te_seen, te_chunked, te_chunked_last, te_other;
	bool conn_close, conn_keep_alive;
	bool expect_continue, expect_other;
	unsigned hosts;
};

/* Calls fn for each element of a comma-separated list (RFC 9110 5.6.1),
 * trimmed of spaces; empty elements are skipped. */
static void for_each_element(char *value,
			     void (*fn)(struct fields *f, const char *elem),
			     struct fields *f)
{
	char *save = NULL;
	for (char *e = strtok_r(value, ",", &save); e != NULL;
	     e = strtok_r(NULL, ",", &save)) {
		while (*e == ' ' || *e == '\t')
			e++;
		size_t n = strlen(e);
		while (n > 0 && (e[n - 1] == ' ' || e[n - 1] == '\t'))
			e[--n] = '\0';
		if (n > 0)
			fn(f, e);
	}
}

static void te_element(struct fields *f, const char *e)
{
	/* RFC 9112 6.1: chunked must be the final coding, applied once. */
	if (strcasecmp(e, "chunked") == 0) {
		if (f->te_chunked)
			f->te_other = true;
		f->te_chunked = f->te_chunked_last = true;
	} else {
		f->te_other = true;
		f->te_chunked_last = false;
	}
}

static void connection_element(struct fields *f, const char *e)
{
	if (strcasecmp(e, "close") == 0)
		f->conn_close = true;
	else if (strcasecmp(e, "keep-alive") == 0)
		f->conn_keep_alive = true;
}

/* One field line; returns the status to fail with, or 0. */
static int parse_field(char *line, struct fields *f)
{
	/* RFC 9112 5.2: obsolete line folding is rejected with 400. */
	if (*line == ' ' || *line == '\t')
		return 400;
	char *colon = strchr(line, ':');
	/* RFC 9112 5.1: no whitespace between the name and the colon. */
	if (colon == NULL || !is_token(line, (size_t)(colon - line)))
		return 400;
	*colon = '\0';
	char *value = colon + 1;
	while (*value == ' ' || *value == '\t')
		value++;
	size_t n = strlen(value);
	while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
		value[--n] = '\0';
	/* RFC 9110 5.5: no control characters in a value but HTAB. */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)value[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return 400;
	}

	if (strcasecmp(line, "content-length") == 0) {
		uint64_t v;
		/* RFC 9112 6.3: an invalid or conflicting length is an
		 * unrecoverable framing error. */
		if (!parse_u64(value, UINT64_MAX, &v) ||
		    (f->cl_seen && v != f->content_length))
			return 400;
		f->cl_seen = true;
		f->content_length = v;
	} else if (strcasecmp(line, "transfer-encoding") == 0) {
		f->te_seen = true;
		for_each_element(value, te_element, f);
	} else if (strcasecmp(line, "connection") == 0) {
		for_each_element(value, connection_element, f);
	} else if (strcasecmp(line, "expect") == 0) {
		if (strcasecmp(value, "100-continue") == 0)
			f->expect_continue = true;
		else
			f->expect_other = true;
	} else if (strcasecmp(line, "host") == 0) {
		f->hosts++;
	}
	return 0;
}

/* The resource and the methods it allows; sets h->route, h->status and
 * h->allow. */
static void route_request(struct http *h, char *target)
{
	static const char get_only[] = "GET, HEAD";
	static const char post_only[] = "POST, PUT";
	char *query = strchr(target, '?');
	if (query != NULL)
		*query = '\0';

	const char *allow;
	if (strcmp(target, "/") == 0) {
		h->route = R_INDEX;
		allow = get_only;
	} else if (strncmp(target, "/bytes/", 7) == 0 &&
		   parse_u64(target + 7, NSD_HTTP_BODY_MAX, &h->size)) {
		h->route = R_BYTES;
		allow = get_only;
	} else if (strncmp(target, "/zeros/", 7) == 0 &&
		   parse_u64(target + 7, NSD_HTTP_BODY_MAX, &h->size)) {
		h->route = R_ZEROS;
		allow = get_only;
	} else if (strcmp(target, "/stats") == 0) {
		h->route = R_STATS;
		allow = get_only;
	} else if (strcmp(target, "/upload") == 0) {
		h->route = R_UPLOAD;
		allow = post_only;
	} else if (strcmp(target, "/discard") == 0) {
		h->route = R_DISCARD;
		allow = post_only;
	} else {
		h->status = h->method == M_UNKNOWN ? 501 : 404;
		return;
	}
	bool get_like = h->method == M_GET || h->method == M_HEAD;
	bool post_like = h->method == M_POST || h->method == M_PUT;
	if (h->method == M_UNKNOWN) {
		h->status = 501;
	} else if (allow == get_only ? !get_like : !post_like) {
		h->status = 405;
		h->allow = allow;
	} else {
		h->status = 200;
	}
}

/* The head is complete in h->head: parse it, choose the response, and
 * set up the body. */
static void parse_head(struct http *h)
{
	h->env->counters->http_requests++;
	if (memchr(h->head, '\0', h->head_len) != NULL) {
		fail(h, 400);
		return;
	}
	h->head[h->head_len] = '\0';
	char *cursor = h->head;
	bool bad = false;

	/* RFC 9112 3: method SP request-target SP HTTP-version. */
	char *line = next_line(&cursor, &bad);
	char *sp1 = line ? strchr(line, ' ') : NULL;
	char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (sp2 == NULL || !is_token(line, (size_t)(sp1 - line))) {
		fail(h, 400);
		return;
	}
	*sp1 = *sp2 = '\0';
	char *target = sp1 + 1;
	const char *version = sp2 + 1;
	int minor;
	if (strcmp(version, "HTTP/1.1") == 0) {
		minor = 1;
	} else if (strcmp(version, "HTTP/1.0") == 0) {
		minor = 0;
	} else if (strlen(version) == 8 && strncmp(version, "HTTP/", 5) == 0 &&
		   version[5] >= '0' && version[5] <= '9' &&
		   version[6] == '.' && version[7] >= '0' &&
		   version[7] <= '9') {
		fail(h, 505);
		return;
	} else {
		fail(h, 400);
		return;
	}
	/* Only the origin form (RFC 9112 3.2.1) names our resources. */
	if (target[0] != '/') {
		fail(h, 400);
		return;
	}
	for (const char *t = target; *t; t++)
		if ((unsigned char)*t <= 0x20 || (unsigned char)*t >= 0x7f) {
			fail(h, 400);
			return;
		}
	h->method = parse_method(line);

	struct fields f = { 0 };
	while ((line = next_line(&cursor, &bad)) != NULL && *line != '\0') {
		int status = parse_field(line, &f);
		if (status != 0) {
			fail(h, status);
			return;
		}
	}
	if (bad) {
		fail(h, 400);
		return;
	}
	/* RFC 9112 3.2: Host exactly once in HTTP/1.1, at most once else. */
	if (f.hosts > 1 || (minor == 1 && f.hosts == 0)) {
		fail(h, 400);
		return;
	}

	/* RFC 9112 9.3: HTTP/1.1 persists unless "close"; 1.0 only with
	 * "keep-alive". */
	if (minor == 1) {
		h->close_after = f.conn_close;
	} else {
		h->close_after = f.conn_close || !f.conn_keep_alive;
		h->keep_alive_10 = !h->close_after;
	}

	/* Framing, RFC 9112 6.3. */
	if (f.te_seen) {
		if (minor == 0) { /* 6.1: faulty framing in HTTP/1.0 */
			fail(h, 400);
			return;
		}
		if (f.te_chunked && !f.te_chunked_last) {
			fail(h, 400);
			return;
		}
		if (f.te_other || !f.te_chunked) {
			fail(h, 501);
			return;
		}
		h->framing = FR_CHUNKED;
		/* 6.3 (3): with both, Transfer-Encoding wins, and the
		 * connection must not be reused. */
		if (f.cl_seen)
			h->close_after = true;
	} else if (f.cl_seen && f.content_length > 0) {
		h->framing = FR_LENGTH;
		h->body_left = f.content_length;
	}
	if (f.expect_other) {
		fail(h, 417);
		return;
	}

	route_request(h, target);
	if (h->status == 200 && h->route == R_UPLOAD) {
		h->sha = nsd_sha256_new();
		if (h->sha == NULL) {
			h->env->counters->alloc_failures++;
			h->phase = PH_ABORT;
			return;
		}
	}
	if (h->framing == FR_NONE) {
		finish_request(h);
		return;
	}
	/* A refused request with a body is answered at once; the body is
	 * not read, so the connection cannot carry another request
	 * (RFC 9110 10.1.1). */
	if (h->status != 200) {
		h->close_after = true;
		finish_request(h);
		return;
	}
	/* RFC 9110 10.1.1: tell a client waiting for it to send the body. */
	if (f.expect_continue && minor == 1 &&
	    out_printf(h, "HTTP/1.1 100 Continue\r\n\r\n") < 0) {
		h->env->counters->alloc_failures++;
		h->phase = PH_ABORT;
		return;
	}
	h->ck = CK_SIZE;
	h->phase = PH_BODY;
}

static size_t head_input(struct http *h, const uint8_t *p, size_t len)
{
	size_t i = 0;
	while (i < len) {
		char c = (char)p[i++];
		/* RFC 9112 2.2: empty lines before a request line are
		 * ignored (clients send a CRLF after a POST body). */
		if (h->head_len == 0 && (c == '\r' || c == '\n'))
			continue;
		if (h->head_len == NSD_HTTP_HEAD_MAX) {
			fail(h, 431);
			return i;
		}
		h->head[h->head_len++] = c;
		if (c != '\n')
			continue;
		const char *e = h->head + h->head_len;
		if ((h->head_len >= 2 && e[-2] == '\n') ||
		    (h->head_len >= 3 && e[-2] == '\r' && e[-3] == '\n')) {
			parse_head(h);
			return i;
		}
	}
	return i;
}

/* ---- the body ---------------------------------------------------------- */

static int body_sink(struct http *h, const uint8_t *p, size_t n)
{
	h->body_bytes += n;
	h->env->counters->http_body_received += n;
	if (h->sha != NULL && nsd_sha256_update(h->sha, p, n) < 0)
		return -EIO;
	return 0;
}

static int hexdigit(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A chunk size of more than 15 hex digits is refused: 2^60 bytes is more
 * than any client sends, and the sum cannot overflow. */
#define CHUNK_SIZE_DIGITS 15

static void end_size_line(struct http *h)
{
	h->line_len = 0;
	if (h->body_left == 0) {
		h->ck = CK_TRAILER;
		h->trailer_len = 0;
	} else {
		h->ck = CK_DATA;
	}
}

/* Consumes chunked-coded bytes; returns the count consumed. */
static size_t chunked_input(struct http *h, const uint8_t *p, size_t len)
{
	size_t i = 0;
	while (i < len && h->phase == PH_BODY) {
		if (h->ck == CK_DATA) {
			size_t n = len - i;
			if (n > h->body_left)
				n = (size_t)h->body_left;
			if (body_sink(h, p + i, n) < 0) {
				h->phase = PH_ABORT;
				return len;
			}
			i += n;
			h->body_left -= n;
			if (h->body_left == 0)
				h->ck = CK_DATA_CR;
			continue;
		}
		uint8_t c = p[i++];
		if (++h->line_len > NSD_HTTP_LINE_MAX ||
		    (h->ck == CK_TRAILER &&
		     ++h->trailer_len > NSD_HTTP_HEAD_MAX)) {
			fail(h, 400);
			return i;
		}
		int d;
		switch (h->ck) {
		case CK_SIZE:
			d = hexdigit(c);
			if (d >= 0 && h->ck_digits < CHUNK_SIZE_DIGITS) {
				h->body_left = h->body_left * 16 + (uint64_t)d;
				h->ck_digits++;
			} else if (d < 0 && h->ck_digits > 0 &&
				   (c == ';' || c == ' ' || c == '\t')) {
				h->ck = CK_EXT;
			} else if (d < 0 && h->ck_digits > 0 && c == '\r') {
				h->ck = CK_SIZE_LF;
			} else if (d < 0 && h->ck_digits > 0 && c == '\n') {
				end_size_line(h);
			} else {
				fail(h, 400);
				return i;
			}
			break;
		case CK_EXT: /* extensions are ignored (RFC 9112 7.1.1) */
			if (c == '\n')
				end_size_line(h);
			else if (c < 0x20 && c != '\t' && c != '\r') {
				fail(h, 400);
				return i;
			}
			break;
		case CK_SIZE_LF:
			if (c != '\n') {
				fail(h, 400);
				return i;
			}
			end_size_line(h);
			break;
		case CK_DATA_CR:
			if (c == '\r') {
				h->ck = CK_DATA_LF;
				break;
			}
			/* A bare LF ends the chunk as well. */
			/* fall through */
		case CK_DATA_LF:
			if (c != '\n') {
				fail(h, 400);
				return i;
			}
			h->ck = CK_SIZE;
			h->ck_digits = 0;
			h->body_left = 0;
			h->line_len = 0;
			break;
		case CK_TRAILER:
			/* Trailer fields are read past and ignored (RFC 9110
			 * 6.5.1 lets a recipient discard them). */
			if (c == '\r' && h->line_len == 1) {
				h->ck = CK_TRAILER_LF;
			} else if (c == '\n') {
				if (h->line_len == 1) {
					finish_request(h);
					return i;
				}
				h->line_len = 0;
			}
			break;
		case CK_TRAILER_LF:
			if (c != '\n') {
				fail(h, 400);
				return i;
			}
			finish_request(h);
			return i;
		case CK_DATA:
			break;
		}
	}
	return i;
}

static size_t body_input(struct http *h, const uint8_t *p, size_t len)
{
	if (h->framing == FR_CHUNKED)
		return chunked_input(h, p, len);
	size_t n = len < h->body_left ? len : (size_t)h->body_left;
	if (body_sink(h, p, n) < 0) {
		h->phase = PH_ABORT;
		return len;
	}
	h->body_left -= n;
	if (h->body_left == 0)
		finish_request(h);
	return n;
}

/* ---- the service ------------------------------------------------------- */

/* Forgets the request just answered, ready for the next one. */
static void reset_request(struct http *h)
{
	h->head_len = 0;
	h->method = M_GET;
	h->route = R_INDEX;
	h->status = 0;
	h->allow = NULL;
	h->size = 0;
	h->keep_alive_10 = false;
	h->framing = FR_NONE;
	h->body_left = 0;
	h->ck_digits = 0;
	h->line_len = 0;
	h->body_bytes = 0;
	nsd_sha256_free(h->sha);
	h->sha = NULL;
	nsd_body_gen_free(h->gen);
	h->gen = NULL;
	h->gen_left = 0;
}

static void *http_open(const struct nsd_svc_env *env)
{
	struct http *h = calloc(1, sizeof(*h));
	if (h == NULL)
		return NULL;
	h->env = env;
	h->phase = PH_HEAD;
	return h;
}

static size_t http_input(void *st, const uint8_t *data, size_t len)
{
	struct http *h = st;
	size_t used = 0;
	while (used < len) {
		size_t n;
		switch (h->phase) {
		case PH_HEAD:
			n = head_input(h, data + used, len - used);
			break;
		case PH_BODY:
			n = body_input(h, data + used, len - used);
			break;
		case PH_RESPOND:
			return used; /* pipelined requests wait their turn */
		default:
			/* After the last response the rest is not read: drain
			 * it so that closing does not turn into a reset. */
			return len;
		}
		used += n;
		if (n == 0)
			break;
	}
	return used;
}

static void http_input_end(void *st)
{
	struct http *h = st;
	switch (h->phase) {
	case PH_HEAD:
		if (h->head_len > 0)
			h->env->counters->http_incomplete++;
		h->phase = PH_DONE;
		break;
	case PH_BODY:
		h->env->counters->http_incomplete++;
		h->phase = PH_DONE;
		break;
	case PH_RESPOND:
		/* The client half-closed after its request (RFC 9112 9.6):
		 * answer it, then close. */
		h->close_after = true;
		break;
	default:
		break;
	}
}

static size_t http_output(void *st, uint8_t *dst, size_t cap)
{
	struct http *h = st;
	size_t n = 0;
	while (n < cap && h->out_off < h->out_len) {
		size_t k = h->out_len - h->out_off;
		if (k > cap - n)
			k = cap - n;
		memcpy(dst + n, h->out + h->out_off, k);
		h->out_off += k;
		n += k;
	}
	if (h->out_off == h->out_len)
		out_reset(h);
	if (n < cap && h->gen_left > 0) {
		size_t k = cap - n;
		if (k > h->gen_left)
			k = (size_t)h->gen_left;
		if (h->gen_zeros) {
			memset(dst + n, 0, k);
		} else if (nsd_body_gen_fill(h->gen, dst + n, k) < 0) {
			h->phase = PH_ABORT;
			return n;
		}
		h->gen_left -= k;
		h->env->counters->http_body_generated += k;
		n += k;
	}
	/* Once the whole response is produced, the next request may be
	 * read: move on now, so that the caller, seeing output, offers the
	 * pipelined input again. */
	if (h->phase == PH_RESPOND && h->out_len == 0 && h->gen_left == 0) {
		reset_request(h);
		h->phase = h->close_after ? PH_DONE : PH_HEAD;
	}
	return n;
}

static enum nsd_svc_state http_state(const void *st)
{
	const struct http *h = st;
	if (h->phase == PH_ABORT)
		return NSD_SVC_ABORT;
	return h->phase == PH_DONE ? NSD_SVC_DONE : NSD_SVC_ACTIVE;
}

static void http_close(void *st)
{
	struct http *h = st;
	reset_request(h);
	free(h->out);
	free(h);
}

const struct nsd_svc_ops nsd_http_ops = {
	.open = http_open,
	.input = http_input,
	.input_end = http_input_end,
	.output = http_output,
	.state = http_state,
	.close = http_close,
};
