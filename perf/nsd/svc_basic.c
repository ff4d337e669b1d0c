/* The classic small services: echo (RFC 862), discard (RFC 863) and the
 * character generator (RFC 864), as stream services (svc.h). */
#include <stdlib.h>
#include <string.h>

#include "svc.h"

/* ---- echo: what arrives goes back, through a bounded ring ------------- */

#define ECHO_RING 65536 /* a power of two */

struct echo {
	size_t head, tail; /* free-running; tail - head bytes held */
	bool ended;
	uint8_t ring[ECHO_RING];
};

static void *echo_open(const struct nsd_svc_env *env)
{
	(void)env;
	return calloc(1, sizeof(struct echo));
}

static size_t echo_input(void *st, const uint8_t *data, size_t len)
{
	struct echo *e = st;
	size_t room = ECHO_RING - (e->tail - e->head);
	size_t n = len < room ? len : room;
	for (size_t done = 0; done < n;) {
		size_t at = (e->tail + done) % ECHO_RING;
		size_t k =
			ECHO_RING - at < n - done ? ECHO_RING - at : n - done;
		memcpy(e->ring + at, data + done, k);
		done += k;
	}
	e->tail += n;
	return n;
}

static void echo_input_end(void *st)
{
	struct echo *e = st;
	e->ended = true;
}

static size_t echo_output(void *st, uint8_t *dst, size_t cap)
{
	struct echo *e = st;
	size_t held = e->tail - e->head;
	size_t n = held < cap ? held : cap;
	for (size_t done = 0; done < n;) {
		size_t at = (e->head + done) % ECHO_RING;
		size_t k =
			ECHO_RING - at < n - done ? ECHO_RING - at : n - done;
		memcpy(dst + done, e->ring + at, k);
		done += k;
	}
	e->head += n;
	return n;
}

/* After the peer's FIN, echo what is left and close: RFC 862 has the
 * server echo until the client stops sending. */
static enum nsd_svc_state echo_state(const void *st)
{
	const struct echo *e = st;
	return e->ended && e->tail == e->head ? NSD_SVC_DONE : NSD_SVC_ACTIVE;
}

const struct nsd_svc_ops nsd_echo_ops = {
	.open = echo_open,
	.input = echo_input,
	.input_end = echo_input_end,
	.output = echo_output,
	.state = echo_state,
	.close = free,
};

/* ---- discard: everything is consumed, nothing is sent ----------------- */

struct discard {
	bool ended;
};

static void *discard_open(const struct nsd_svc_env *env)
{
	(void)env;
	return calloc(1, sizeof(struct discard));
}

static size_t discard_input(void *st, const uint8_t *data, size_t len)
{
	(void)st;
	(void)data;
	return len;
}

static void discard_input_end(void *st)
{
	struct discard *d = st;
	d->ended = true;
}

static size_t nothing_output(void *st, uint8_t *dst, size_t cap)
{
	(void)st;
	(void)dst;
	(void)cap;
	return 0;
}

static enum nsd_svc_state discard_state(const void *st)
{
	const struct discard *d = st;
	return d->ended ? NSD_SVC_DONE : NSD_SVC_ACTIVE;
}

const struct nsd_svc_ops nsd_discard_ops = {
	.open = discard_open,
	.input = discard_input,
	.input_end = discard_input_end,
	.output = nothing_output,
	.state = discard_state,
	.close = free,
};

/* ---- chargen ---------------------------------------------------------- */

/* RFC 864: lines of 72 printable characters (the 95 from ' ' to '~'),
 * each starting one character further along the set, ending in CR LF.
 * The stream repeats after 95 lines, so one period is built once and
 * output copies from it. Input is discarded; the stream goes on until the
 * peer closes or resets the connection. */
#define CHARGEN_LINE   72
#define CHARGEN_CHARS  95
#define CHARGEN_PERIOD (CHARGEN_CHARS * (CHARGEN_LINE + 2))

struct chargen {
	size_t pos; /* offset in the period */
	uint8_t period[CHARGEN_PERIOD];
};

static void *chargen_open(const struct nsd_svc_env *env)
{
	(void)env;
	struct chargen *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	uint8_t *p = c->period;
	for (int line = 0; line < CHARGEN_CHARS; line++) {
		for (int i = 0; i < CHARGEN_LINE; i++)
			*p++ = (uint8_t)(' ' + (line + i) % CHARGEN_CHARS);
		*p++ = '\r';
		*p++ = '\n';
	}
	return c;
}

static size_t chargen_output(void *st, uint8_t *dst, size_t cap)
{
	struct chargen *c = st;
	size_t done = 0;
	while (done < cap) {
		size_t k = CHARGEN_PERIOD - c->pos;
		if (k > cap - done)
			k = cap - done;
		memcpy(dst + done, c->period + c->pos, k);
		done += k;
		c->pos = (c->pos + k) % CHARGEN_PERIOD;
	}
	return done;
}

static void chargen_input_end(void *st)
{
	(void)st;
}

static enum nsd_svc_state chargen_state(const void *st)
{
	(void)st;
	return NSD_SVC_ACTIVE;
}

const struct nsd_svc_ops nsd_chargen_ops = {
	.open = chargen_open,
	.input = discard_input,
	.input_end = chargen_input_end,
	.output = chargen_output,
	.state = chargen_state,
	.close = free,
};
