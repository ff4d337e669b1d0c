/* TCP option parsing and building: see tcp_opt.h. */
#include "tcp_opt.h"

#include <errno.h>
#include <string.h>

#include "netstack/wire.h"

enum {
	LEN_MSS = 4,
	LEN_WSCALE = 3,
	LEN_SACK_PERM = 2,
	LEN_TS = 10,
	LEN_SACK_BASE = 2,
	LEN_SACK_BLOCK = 8,
};

static void parse_sack(const uint8_t *p, uint8_t optlen, struct ns_tcp_opts *o)
{
	unsigned n = (optlen - LEN_SACK_BASE) / LEN_SACK_BLOCK;
	for (unsigned i = 0; i < n && i < TCP_MAX_SACK_BLOCKS; i++) {
		const uint8_t *b = p + LEN_SACK_BASE + i * LEN_SACK_BLOCK;
		o->sack[i].start = ns_get_be32(b);
		o->sack[i].end = ns_get_be32(b + 4);
	}
	o->nsack = (uint8_t)(n < TCP_MAX_SACK_BLOCKS ? n : TCP_MAX_SACK_BLOCKS);
	o->present |= TCP_OPT_F_SACK;
}

/* One option of kind p[0] and length optlen (already bounds-checked). */
static void parse_one(const uint8_t *p, uint8_t optlen, bool syn,
		      struct ns_tcp_opts *o)
{
	switch (p[0]) {
	case TCP_KIND_MSS:
		/* A zero MSS means nothing; Linux ignores it too. */
		if (optlen == LEN_MSS && syn && ns_get_be16(p + 2) != 0) {
			o->mss = ns_get_be16(p + 2);
			o->present |= TCP_OPT_F_MSS;
		}
		break;
	case TCP_KIND_WSCALE:
		if (optlen == LEN_WSCALE && syn) {
			o->wscale =
				p[2] > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : p[2];
			o->present |= TCP_OPT_F_WSCALE;
		}
		break;
	case TCP_KIND_SACK_PERM:
		if (optlen == LEN_SACK_PERM && syn)
			o->present |= TCP_OPT_F_SACK_PERM;
		break;
	case TCP_KIND_TS:
		if (optlen == LEN_TS) {
			o->ts_val = ns_get_be32(p + 2);
			o->ts_ecr = ns_get_be32(p + 6);
			o->present |= TCP_OPT_F_TS;
		}
		break;
	case TCP_KIND_SACK:
		if (optlen >= LEN_SACK_BASE + LEN_SACK_BLOCK &&
		    (optlen - LEN_SACK_BASE) % LEN_SACK_BLOCK == 0 && !syn)
			parse_sack(p, optlen, o);
		break;
	default:
		break; /* unknown kinds are skipped by their length */
	}
}

int ns_tcp_opt_parse(const uint8_t *p, size_t len, bool syn,
		     struct ns_tcp_opts *o)
{
	o->present = 0;
	o->nsack = 0;
	size_t i = 0;
	while (i < len) {
		uint8_t kind = p[i];
		if (kind == TCP_KIND_EOL)
			break;
		if (kind == TCP_KIND_NOP) {
			i++;
			continue;
		}
		/* RFC 9293 3.1: every other option has a length octet that
		 * counts the kind and length octets themselves. */
		if (len - i < 2)
			return -EINVAL;
		uint8_t optlen = p[i + 1];
		if (optlen < 2 || optlen > len - i)
			return -EINVAL;
		parse_one(p + i, optlen, syn, o);
		i += optlen;
	}
	return 0;
}

static unsigned sack_blocks_that_fit(const struct ns_tcp_opts *o)
{
	if (!(o->present & TCP_OPT_F_SACK) || o->nsack == 0)
		return 0;
	size_t room = TCP_OPT_MAX_LEN - ((o->present & TCP_OPT_F_TS) ? 12 : 0);
	unsigned fit = (unsigned)((room - 4) / LEN_SACK_BLOCK);
	return o->nsack < fit ? o->nsack : fit;
}

size_t ns_tcp_opt_len(const struct ns_tcp_opts *o, bool syn)
{
	size_t n = 0;
	if (syn) {
		if (o->present & TCP_OPT_F_MSS)
			n += 4;
		if (o->present & TCP_OPT_F_TS)
			n += 12;
		else if (o->present & TCP_OPT_F_SACK_PERM)
			n += 4;
		if (o->present & TCP_OPT_F_WSCALE)
			n += 4;
		return n;
	}
	if (o->present & TCP_OPT_F_TS)
		n += 12;
	unsigned blocks = sack_blocks_that_fit(o);
	if (blocks)
		n += 4 + LEN_SACK_BLOCK * blocks;
	return n;
}

static uint8_t *put_ts(uint8_t *q, const struct ns_tcp_opts *o)
{
	*q++ = TCP_KIND_TS;
	*q++ = LEN_TS;
	ns_put_be32(q, o->ts_val);
	ns_put_be32(q + 4, o->ts_ecr);
	return q + 8;
}

size_t ns_tcp_opt_build(uint8_t *buf, const struct ns_tcp_opts *o, bool syn)
{
	uint8_t *q = buf;
	if (syn) {
		if (o->present & TCP_OPT_F_MSS) {
			*q++ = TCP_KIND_MSS;
			*q++ = LEN_MSS;
			ns_put_be16(q, o->mss);
			q += 2;
		}
		if (o->present & TCP_OPT_F_TS) {
			if (o->present & TCP_OPT_F_SACK_PERM) {
				*q++ = TCP_KIND_SACK_PERM;
				*q++ = LEN_SACK_PERM;
			} else {
				*q++ = TCP_KIND_NOP;
				*q++ = TCP_KIND_NOP;
			}
			q = put_ts(q, o);
		} else if (o->present & TCP_OPT_F_SACK_PERM) {
			*q++ = TCP_KIND_NOP;
			*q++ = TCP_KIND_NOP;
			*q++ = TCP_KIND_SACK_PERM;
			*q++ = LEN_SACK_PERM;
		}
		if (o->present & TCP_OPT_F_WSCALE) {
			*q++ = TCP_KIND_NOP;
			*q++ = TCP_KIND_WSCALE;
			*q++ = LEN_WSCALE;
			*q++ = o->wscale;
		}
		return (size_t)(q - buf);
	}
	if (o->present & TCP_OPT_F_TS) {
		*q++ = TCP_KIND_NOP;
		*q++ = TCP_KIND_NOP;
		q = put_ts(q, o);
	}
	unsigned blocks = sack_blocks_that_fit(o);
	if (blocks) {
		*q++ = TCP_KIND_NOP;
		*q++ = TCP_KIND_NOP;
		*q++ = TCP_KIND_SACK;
		*q++ = (uint8_t)(LEN_SACK_BASE + LEN_SACK_BLOCK * blocks);
		for (unsigned i = 0; i < blocks; i++) {
			ns_put_be32(q, o->sack[i].start);
			ns_put_be32(q + 4, o->sack[i].end);
			q += LEN_SACK_BLOCK;
		}
	}
	return (size_t)(q - buf);
}
