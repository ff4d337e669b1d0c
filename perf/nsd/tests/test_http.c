/* nsd's HTTP/1.1 engine driven with byte strings, as conn.c drives it:
 * routing, keep-alive and pipelining, generated bodies checked against
 * the openssl command line's output, uploads with both framings split at
 * every byte, 100-continue, every rejection rule of http.h, and garbage
 * that must neither crash nor grow memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "body.h"
#include "http.h"

/* A connection and everything it has written, as the peer would see it. */
struct session {
	struct nsd_counters counters;
	struct nsd_svc_env env;
	void *st;
	char *out;
	size_t out_len;
	size_t out_cap;
};

static char *fake_stats(void *arg)
{
	(void)arg;
	return strdup("{\"fake\":1}\n");
}

static void session_open(struct session *s)
{
	memset(s, 0, sizeof(*s));
	s->env.counters = &s->counters;
	s->env.stats_json = fake_stats;
	s->st = nsd_http_ops.open(&s->env);
	assert_non_null(s->st);
}

static void session_close(struct session *s)
{
	nsd_http_ops.close(s->st);
	free(s->out);
}

/* Takes output in pieces of at most `piece` bytes until there is none. */
static void drain(struct session *s, size_t piece)
{
	for (;;) {
		if (s->out_cap - s->out_len < piece + 1) {
			s->out_cap = 2 * s->out_cap + piece + 1;
			s->out = realloc(s->out, s->out_cap);
			assert_non_null(s->out);
		}
		size_t n = nsd_http_ops.output(
			s->st, (uint8_t *)s->out + s->out_len, piece);
		assert_true(n <= piece);
		if (n == 0)
			break;
		s->out_len += n;
	}
	s->out[s->out_len] = '\0';
}

/* Feeds data in pieces of `piece` bytes, draining output as conn.c does:
 * what the engine does not consume is offered again after its output. */
static void feed(struct session *s, const char *data, size_t len, size_t piece)
{
	size_t off = 0;
	while (off < len) {
		size_t n = len - off < piece ? len - off : piece;
		size_t used = nsd_http_ops.input(
			s->st, (const uint8_t *)data + off, n);
		off += used;
		size_t before = s->out_len;
		drain(s, 65536);
		if (used == 0 && s->out_len == before)
			fail_msg("engine stalled at byte %zu", off);
	}
	drain(s, 65536);
}

static void feed_str(struct session *s, const char *data)
{
	feed(s, data, strlen(data), strlen(data) + 1);
}

static const char *status_line(const char *resp)
{
	static char line[128];
	size_t n = strcspn(resp, "\r");
	snprintf(line, sizeof(line), "%.*s", (int)n, resp);
	return line;
}

/* The body of the first response at resp, by its Content-Length. */
static const char *body_of(const char *resp, size_t *len)
{
	const char *cl = strstr(resp, "Content-Length: ");
	const char *end = strstr(resp, "\r\n\r\n");
	assert_non_null(cl);
	assert_non_null(end);
	*len = strtoull(cl + 16, NULL, 10);
	return end + 4;
}

static enum nsd_svc_state state(struct session *s)
{
	return nsd_http_ops.state(s->st);
}

static void test_index_and_keep_alive(void **unused)
{
	(void)unused;
	struct session s;
	session_open(&s);
	feed_str(&s, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_string_equal(status_line(s.out), "HTTP/1.1 200 OK");
	assert_non_null(strstr(s.out, "\r\nDate: "));
	assert_null(strstr(s.out, "Connection: close"));
	size_t len;
	const char *body = body_of(s.out, &len);
	assert_int_equal(strlen(body), len);
	assert_non_null(strstr(body, "/bytes/N"));
	assert_int_equal(state(&s), NSD_SVC_ACTIVE);
	assert_int_equal(s.counters.http_requests, 1);
	assert_int_equal(s.counters.http_2xx, 1);

	/* The client closes between requests: a clean end. */
	nsd_http_ops.input_end(s.st);
	assert_int_equal(state(&s), NSD_SVC_DONE);
	assert_int_equal(s.counters.http_incomplete, 0);
	session_close(&s);
}

/* sha256 of the first 1000 and 200000 bytes, from
 * head -c 1000 /dev/zero | openssl enc -aes-128-ctr -K <key> -iv 0...0. */
static const char bytes1000_sha[] =
	"af6599b14e7161f828cbcaccb78b8e5e14795562aac57ce97fcb32d863950250";
static const char bytes200000_sha[] =
	"1b1811ab7639de803179963259e36594ce745a4c680310560d32ac909050be86";

static void sha_hex(const void *data, size_t len, char hex[65])
{
	struct nsd_sha256 *sha = nsd_sha256_new();
	assert_non_null(sha);
	assert_int_equal(nsd_sha256_update(sha, data, len), 0);
	assert_int_equal(nsd_sha256_final(sha, hex), 0);
	nsd_sha256_free(sha);
}

static void test_bytes_match_openssl(void **unused)
{
	(void)unused;
	struct session s;
	session_open(&s);
	feed_str(&s, "GET /bytes/1000?x=1 HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_string_equal(status_line(s.out), "HTTP/1.1 200 OK");
	assert_non_null(strstr(s.out, "application/octet-stream"));
	size_t len;
	const char *body = body_of(s.out, &len);
	assert_int_equal(len, 1000);
	assert_int_equal(s.out + s.out_len - body, 1000);
	char hex[65];
	sha_hex(body, len, hex);
	assert_string_equal(hex, bytes1000_sha);
	assert_int_equal(s.counters.http_body_generated, 1000);
	session_close(&s);

	/* Well past the precomputed first 64 KiB, against openssl too. */
	static uint8_t whole[200000], part[200000];
	struct nsd_body_gen *g = nsd_body_gen_new(0);
	assert_non_null(g);
	assert_int_equal(nsd_body_gen_fill(g, whole, sizeof(whole)), 0);
	nsd_body_gen_free(g);
	sha_hex(whole, sizeof(whole), hex);
	assert_string_equal(hex, bytes200000_sha);

	/* The stream read from any offset continues the same bytes, in odd
	 * pieces crossing AES blocks and the end of the precomputed part. */
	static const uint64_t offsets[] = { 1,	   15,	  16,	 17,	500,
					    65530, 65535, 65536, 65537, 99999 };
	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		g = nsd_body_gen_new(offsets[i]);
		assert_non_null(g);
		size_t n = sizeof(whole) - offsets[i];
		for (size_t done = 0; done < n; done += 4099) {
			size_t k = n - done < 4099 ? n - done : 4099;
			assert_int_equal(nsd_body_gen_fill(g, part + done, k),
					 0);
		}
		assert_memory_equal(part, whole + offsets[i], n);
		nsd_body_gen_free(g);
	}
}

static void test_zeros_head_and_small_pieces(void **unused)
{
	(void)unused;
	struct session s;
	session_open(&s);
	feed_str(&s, "HEAD /bytes/123456 HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_non_null(strstr(s.out, "Content-Length: 123456\r\n"));
	assert_true(s.out_len ==
		    (size_t)(strstr(s.out, "\r\n\r\n") + 4 - s.out));
	s.out_len = 0;

	/* Output taken 3 bytes at a time loses nothing. */
	const char req[] = "GET /zeros/70000 HTTP/1.1\r\nHost: x\r\n\r\n";
	nsd_http_ops.input(s.st, (const uint8_t *)req, strlen(req));
	drain(&s, 3);
	size_t len;
	const char *body = body_of(s.out, &len);
	assert_int_equal(len, 70000);
	assert_int_equal(s.out + s.out_len - body, 70000);
	for (size_t i = 0; i < len; i++)
		if (body[i] != 0)
			fail_msg("byte %zu is %d", i, body[i]);
	assert_int_equal(state(&s), NSD_SVC_ACTIVE);
	session_close(&s);
}

static void test_pipelining_in_order(void **unused)
{
	(void)unused;
	struct session s;
	const char reqs[] = "GET /bytes/5 HTTP/1.1\r\nHost: x\r\n\r\n"
			    "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
			    "\r\n" /* a stray CRLF between requests is fine */
			    "GET /zeros/3 HTTP/1.1\r\nHost: x\r\n\r\n";
	/* Byte by byte and in one piece give the same responses. */
	for (size_t piece = 1; piece <= sizeof(reqs);
	     piece += sizeof(reqs) - 1) {
		session_open(&s);
		feed(&s, reqs, sizeof(reqs) - 1, piece);
		const char *first = s.out;
		const char *second = strstr(first + 1, "HTTP/1.1 ");
		assert_non_null(second);
		const char *third = strstr(second + 1, "HTTP/1.1 ");
		assert_non_null(third);
		assert_string_equal(status_line(first), "HTTP/1.1 200 OK");
		assert_string_equal(status_line(second),
				    "HTTP/1.1 404 Not Found");
		assert_string_equal(status_line(third), "HTTP/1.1 200 OK");
		assert_non_null(strstr(third, "Content-Length: 3\r\n"));
		assert_int_equal(s.counters.http_requests, 3);
		assert_int_equal(s.counters.http_4xx, 1);
		assert_int_equal(state(&s), NSD_SVC_ACTIVE);
		session_close(&s);
	}
}

static void check_upload_reply(struct session *s, size_t bytes, const char *sha)
{
	assert_string_equal(status_line(s->out), "HTTP/1.1 200 OK");
	char want[200];
	snprintf(want, sizeof(want), "{\"bytes\":%zu,\"sha256\":\"%s\"}\n",
		 bytes, sha);
	size_t len;
	const char *body = body_of(s->out, &len);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(body, want, len);
}

/* sha256("hello world"). */
static const char hello_sha[] =
	"b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";

static void test_upload_content_length(void **unused)
{
	(void)unused;
	const char req[] = "POST /upload HTTP/1.1\r\nHost: x\r\n"
			   "Content-Length: 11\r\n\r\nhello world";
	for (size_t piece = 1; piece <= sizeof(req); piece++) {
		struct session s;
		session_open(&s);
		feed(&s, req, sizeof(req) - 1, piece);
		check_upload_reply(&s, 11, hello_sha);
		assert_int_equal(s.counters.http_body_received, 11);
		assert_int_equal(state(&s), NSD_SVC_ACTIVE);
		session_close(&s);
	}
}

/* sha256 of nothing. */
static const char empty_sha[] =
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

static void test_upload_empty(void **unused)
{
	(void)unused;
	static const char *const reqs[] = {
		"POST /upload HTTP/1.1\r\nHost: x\r\n\r\n",
		"PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
		("POST /upload HTTP/1.1\r\nHost: x\r\n"
		 "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
	};
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		struct session s;
		session_open(&s);
		feed_str(&s, reqs[i]);
		check_upload_reply(&s, 0, empty_sha);
		session_close(&s);
	}
}

static void test_upload_chunked(void **unused)
{
	(void)unused;
	/* Sizes in both cases, an extension, a bare-LF line, trailers. */
	const char req[] = "PUT /upload HTTP/1.1\r\nHost: x\r\n"
			   "Transfer-Encoding: gzip-no, chunked\r\n\r\n";
	const char ok[] = "PUT /upload HTTP/1.1\r\nHost: x\r\n"
			  "Transfer-Encoding: chunked\r\n\r\n"
			  "5;name=\"v\"\r\nhello\r\n"
			  "1\n \n"
			  "0000005\r\nworld\r\n"
			  "0\r\nX-Trailer: 1\r\nY: 2\r\n\r\n"
			  "GET /zeros/1 HTTP/1.1\r\nHost: x\r\n\r\n";
	for (size_t piece = 1; piece <= sizeof(ok); piece++) {
		struct session s;
		session_open(&s);
		feed(&s, ok, sizeof(ok) - 1, piece);
		check_upload_reply(&s, 11, hello_sha);
		const char *next = strstr(s.out + 1, "HTTP/1.1 200 OK");
		assert_non_null(next);
		assert_non_null(strstr(next, "Content-Length: 1\r\n"));
		session_close(&s);
	}
	/* gzip is not a coding we decode. */
	struct session s;
	session_open(&s);
	feed_str(&s, req);
	assert_string_equal(status_line(s.out), "HTTP/1.1 501 Not Implemented");
	assert_int_equal(state(&s), NSD_SVC_DONE);
	session_close(&s);
}

static void test_discard_and_continue(void **unused)
{
	(void)unused;
	struct session s;
	session_open(&s);
	feed_str(&s,
		 "POST /discard HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
		 "Content-Length: 4\r\n\r\n");
	/* Nothing of the body yet: the interim response only. */
	assert_string_equal(s.out, "HTTP/1.1 100 Continue\r\n\r\n");
	feed_str(&s, "abcd");
	const char *final = s.out + strlen("HTTP/1.1 100 Continue\r\n\r\n");
	assert_string_equal(status_line(final), "HTTP/1.1 200 OK");
	size_t len;
	const char *body = body_of(final, &len);
	assert_int_equal(len, strlen("{\"bytes\":4}\n"));
	assert_memory_equal(body, "{\"bytes\":4}\n", len);
	session_close(&s);
}

static void test_stats_and_methods(void **unused)
{
	(void)unused;
	struct session s;
	session_open(&s);
	feed_str(&s, "GET /stats HTTP/1.1\r\nHost: x\r\n\r\n");
	size_t len;
	const char *body = body_of(s.out, &len);
	assert_memory_equal(body, "{\"fake\":1}\n", len);
	assert_non_null(strstr(s.out, "application/json"));
	s.out_len = 0;

	feed_str(&s, "DELETE /bytes/1 HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_string_equal(status_line(s.out),
			    "HTTP/1.1 405 Method Not Allowed");
	assert_non_null(strstr(s.out, "\r\nAllow: GET, HEAD\r\n"));
	s.out_len = 0;
	feed_str(&s, "GET /upload HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_non_null(strstr(s.out, "\r\nAllow: POST, PUT\r\n"));
	s.out_len = 0;
	feed_str(&s, "BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_string_equal(status_line(s.out), "HTTP/1.1 501 Not Implemented");
	s.out_len = 0;
	/* None of these ends the connection. */
	assert_int_equal(state(&s), NSD_SVC_ACTIVE);
	feed_str(&s, "GET /bytes/x1 HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_string_equal(status_line(s.out), "HTTP/1.1 404 Not Found");
	s.out_len = 0;
	feed_str(&s, "GET /bytes/9007199254740993 HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_string_equal(status_line(s.out), "HTTP/1.1 404 Not Found");
	assert_int_equal(state(&s), NSD_SVC_ACTIVE);
	session_close(&s);
}

static void test_connection_management(void **unused)
{
	(void)unused;
	struct session s;
	session_open(&s);
	feed_str(
		&s,
		"GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Close\r\n\r\n"
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_non_null(strstr(s.out, "Connection: close\r\n"));
	assert_int_equal(state(&s), NSD_SVC_DONE);
	/* The second request is read past, not answered. */
	assert_int_equal(s.counters.http_requests, 1);
	session_close(&s);

	session_open(&s);
	feed_str(&s, "GET / HTTP/1.0\r\n\r\n");
	assert_non_null(strstr(s.out, "Connection: close\r\n"));
	assert_int_equal(state(&s), NSD_SVC_DONE);
	session_close(&s);

	session_open(&s);
	feed_str(&s, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
	assert_non_null(strstr(s.out, "Connection: keep-alive\r\n"));
	assert_int_equal(state(&s), NSD_SVC_ACTIVE);
	session_close(&s);

	/* A request, then the client's FIN before the answer was taken. */
	session_open(&s);
	const char get[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	nsd_http_ops.input(s.st, (const uint8_t *)get, strlen(get));
	nsd_http_ops.input_end(s.st);
	drain(&s, 100);
	assert_string_equal(status_line(s.out), "HTTP/1.1 200 OK");
	assert_int_equal(state(&s), NSD_SVC_DONE);
	session_close(&s);

	/* The client's FIN in the middle of a body. */
	session_open(&s);
	feed_str(
		&s,
		"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
	nsd_http_ops.input_end(s.st);
	assert_int_equal(state(&s), NSD_SVC_DONE);
	assert_int_equal(s.counters.http_incomplete, 1);
	assert_int_equal(s.out_len, 0);
	session_close(&s);
}

/* Requests that must be refused with `status` and end the connection. */
static void expect_refusal(const char *req, size_t len, const char *status)
{
	struct session s;
	session_open(&s);
	feed(&s, req, len, len + 1);
	if (strcmp(status_line(s.out), status) != 0)
		fail_msg("`%s`: got `%s`, want `%s`", req, status_line(s.out),
			 status);
	assert_non_null(strstr(s.out, "Connection: close\r\n"));
	assert_int_equal(state(&s), NSD_SVC_DONE);
	/* Whatever follows is drained, never parsed. */
	assert_int_equal(
		nsd_http_ops.input(
			s.st, (const uint8_t *)"GET / HTTP/1.1\r\n\r\n", 18),
		18);
	session_close(&s);
}

#define REFUSED(req, status) expect_refusal(req, sizeof(req) - 1, status)

static void test_refusals(void **unused)
{
	(void)unused;
	const char *bad = "HTTP/1.1 400 Bad Request";
	REFUSED("GET / HTTP/1.1\r\n\r\n", bad); /* no Host */
	REFUSED("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", bad);
	REFUSED("GET / HTTP/1.1\r\nHost: x\r\nA: b\r\n c\r\n\r\n", bad);
	REFUSED("GET / HTTP/1.1\r\nHost : x\r\n\r\n", bad);
	REFUSED("GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", bad);
	REFUSED("GET / HTTP/1.1\r\nHost: x\r\nA: b\rc\r\n\r\n", bad);
	REFUSED("GET / HTTP/1.1\r\nHost: x\r\nA: \x01\r\n\r\n", bad);
	REFUSED("GET / HTTP/1.1\r\nHost: \0x\r\n\r\n", bad);
	REFUSED("GET /  HTTP/1.1\r\nHost: x\r\n\r\n", bad);
	REFUSED("GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n", bad);
	REFUSED("G@T / HTTP/1.1\r\nHost: x\r\n\r\n", bad);
	REFUSED("GET / HTTX/1.1\r\nHost: x\r\n\r\n", bad);
	REFUSED("GET\r\n\r\n", bad);
	REFUSED("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
		bad);
	REFUSED("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1 2\r\n\r\n",
		bad);
	REFUSED("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
		bad);
	REFUSED("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		bad);
	REFUSED("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
		bad);
	REFUSED("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
		"HTTP/1.1 501 Not Implemented");
	REFUSED("POST /upload HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
		bad);
	REFUSED("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
		"1234567890abcdef\r\n",
		bad);
	REFUSED("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
		"x\r\n",
		bad);
	REFUSED("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
		"2\r\nabX",
		bad);
	REFUSED("GET / HTTP/2.0\r\nHost: x\r\n\r\n",
		"HTTP/1.1 505 HTTP Version Not Supported");
	REFUSED("GET / HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\n\r\n",
		"HTTP/1.1 417 Expectation Failed");
	/* A refused request with a body is answered without reading it. */
	REFUSED("POST /nope HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nabcde",
		"HTTP/1.1 404 Not Found");

	/* Too long a head. */
	size_t n = NSD_HTTP_HEAD_MAX + 100;
	char *big = malloc(n);
	assert_non_null(big);
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	memset(big + 19, 'a', n - 19);
	expect_refusal(big, n, "HTTP/1.1 431 Request Header Fields Too Large");
	/* Too long a chunk extension, and endless trailers. */
	const char head[] = "POST /upload HTTP/1.1\r\nHost: x\r\n"
			    "Transfer-Encoding: chunked\r\n\r\n1;";
	memcpy(big, head, sizeof(head) - 1);
	memset(big + sizeof(head) - 1, 'e', n - sizeof(head) + 1);
	expect_refusal(big, n, "HTTP/1.1 400 Bad Request");
	const char trailers[] = "POST /upload HTTP/1.1\r\nHost: x\r\n"
				"Transfer-Encoding: chunked\r\n\r\n0\r\n";
	memcpy(big, trailers, sizeof(trailers) - 1);
	for (size_t i = sizeof(trailers) - 1; i + 1 < n; i += 6)
		memcpy(big + i, "A: b\r\n", i + 6 < n ? 6 : n - i);
	expect_refusal(big, n, "HTTP/1.1 400 Bad Request");
	free(big);
}

/* Random bytes and mutated requests, fed in random pieces: the engine
 * never stalls (feed() fails on that) and never crashes; ASan checks the
 * memory. */
static void test_garbage(void **unused)
{
	(void)unused;
	static const char seed[] = "POST /upload HTTP/1.1\r\nHost: x\r\n"
				   "Transfer-Encoding: chunked\r\n\r\n"
				   "3\r\nabc\r\n0\r\n\r\n"
				   "GET /bytes/10 HTTP/1.1\r\nHost: x\r\n\r\n";
	uint64_t x = 88172645463325252ULL;
	for (int round = 0; round < 2000; round++) {
		char buf[sizeof(seed)];
		memcpy(buf, seed, sizeof(seed));
		for (int k = 0; k < 1 + round % 8; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[x % (sizeof(seed) - 1)] = (char)(x >> 32);
		}
		struct session s;
		session_open(&s);
		feed(&s, buf, sizeof(seed) - 1, 1 + (x >> 40) % 16);
		nsd_http_ops.input_end(s.st);
		drain(&s, 65536);
		assert_int_not_equal(state(&s), NSD_SVC_ACTIVE);
		session_close(&s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index_and_keep_alive),
		cmocka_unit_test(test_bytes_match_openssl),
		cmocka_unit_test(test_zeros_head_and_small_pieces),
		cmocka_unit_test(test_pipelining_in_order),
		cmocka_unit_test(test_upload_content_length),
		cmocka_unit_test(test_upload_empty),
		cmocka_unit_test(test_upload_chunked),
		cmocka_unit_test(test_discard_and_continue),
		cmocka_unit_test(test_stats_and_methods),
		cmocka_unit_test(test_connection_management),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests_name("nsd/http", tests, NULL, NULL);
}
