/* The string form of a link (drivers/spec.h): a small tokenizer over a
 * private copy of the text, and one table of options per kind that says
 * where each value goes in the kind's config struct and how to read it. */
#include "drivers/spec.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "drv_impl.h"

enum opt_type {
	T_IFNAME,   /* char[IFNAMSIZ] */
	T_STR,	    /* const char *, into the spec's text */
	T_U32,	    /* uint32_t within [min, max] */
	T_U64,	    /* uint64_t */
	T_INT,	    /* int within [min, max] (an fd) */
	T_BOOL,	    /* bool */
	T_MAC,	    /* uint8_t[6] */
	T_RATE,	    /* double in [0, 1] */
	T_DURATION, /* uint64_t nanoseconds */
	T_SIZE,	    /* uint32_t bytes */
	T_ENUM,	    /* an enum (int-sized) indexing `names` */
};

struct opt {
	const char *key;
	enum opt_type type;
	size_t offset; /* in the layer's config */
	uint64_t min, max;
	const char *const *names; /* T_ENUM, NULL-terminated */
};

_Static_assert(sizeof(enum drv_afpacket_mode) == sizeof(int) &&
		       sizeof(enum ns_link_type) == sizeof(int) &&
		       sizeof(enum drv_fault_dir) == sizeof(int) &&
		       sizeof(enum drv_dpdk_poll) == sizeof(int) &&
		       sizeof(enum drv_dpdk_tx) == sizeof(int) &&
		       sizeof(enum drv_dpdk_pmd) == sizeof(int),
	       "enum options are stored as int");

#define OPT(key, type, st, field)                          \
	{                                                  \
		key, type, offsetof(st, field), 0, 0, NULL \
	}
#define OPT_RANGE(key, type, st, field, lo, hi)              \
	{                                                    \
		key, type, offsetof(st, field), lo, hi, NULL \
	}
#define OPT_ENUM(key, st, field, names)                       \
	{                                                     \
		key, T_ENUM, offsetof(st, field), 0, 0, names \
	}

static const char *const afp_modes[] = { "mmsg", "ring", NULL };
static const char *const dpdk_polls[] = { "auto", "interrupt", "hybrid", "busy",
					  NULL };
static const char *const dpdk_tx_modes[] = { "copy", "extbuf", NULL };
static const char *const dpdk_pmds[] = { "af_packet", "af_xdp", NULL };
static const char *const link_types[] = { "ethernet", "ip", NULL };
static const char *const fault_dirs[] = { "both", "tx", "rx", NULL };

static const struct opt tap_opts[] = {
	OPT("name", T_IFNAME, struct drv_tap_config, name),
	OPT("netns", T_STR, struct drv_tap_config, netns),
	OPT("mac", T_MAC, struct drv_tap_config, mac),
	OPT_RANGE("mtu", T_U32, struct drv_tap_config, mtu, DRV_MIN_MTU,
		  DRV_MAX_MTU),
	OPT_RANGE("txqlen", T_U32, struct drv_tap_config, txqlen, 1,
		  DRV_MAX_TXQ),
	OPT("vnet_hdr", T_BOOL, struct drv_tap_config, vnet_hdr),
	OPT("offload", T_BOOL, struct drv_tap_config, offload),
	OPT("transient", T_BOOL, struct drv_tap_config, transient),
	{ NULL, 0, 0, 0, 0, NULL },
};

static const struct opt afpacket_opts[] = {
	OPT("iface", T_IFNAME, struct drv_afpacket_config, iface),
	OPT("netns", T_STR, struct drv_afpacket_config, netns),
	OPT_ENUM("mode", struct drv_afpacket_config, mode, afp_modes),
	OPT("mac", T_MAC, struct drv_afpacket_config, mac),
	OPT("promisc", T_BOOL, struct drv_afpacket_config, promisc),
	OPT("qdisc", T_BOOL, struct drv_afpacket_config, use_qdisc),
	OPT_RANGE("ring_frames", T_U32, struct drv_afpacket_config, ring_frames,
		  8, 1u << 20),
	OPT_RANGE("sock_buf", T_SIZE, struct drv_afpacket_config, sock_buf,
		  4096, INT32_MAX),
	OPT_RANGE("txqlen", T_U32, struct drv_afpacket_config, txqlen, 1,
		  DRV_MAX_TXQ),
	{ NULL, 0, 0, 0, 0, NULL },
};

static const struct opt dpdk_opts[] = {
	OPT("args", T_STR, struct drv_dpdk_config, args),
	OPT("vdev", T_STR, struct drv_dpdk_config, vdev),
	OPT("iface", T_IFNAME, struct drv_dpdk_config, iface),
	OPT_ENUM("pmd", struct drv_dpdk_config, pmd, dpdk_pmds),
	OPT("netns", T_STR, struct drv_dpdk_config, netns),
	OPT("port", T_STR, struct drv_dpdk_config, port),
	OPT("mac", T_MAC, struct drv_dpdk_config, mac),
	OPT_RANGE("mtu", T_U32, struct drv_dpdk_config, mtu, DRV_MIN_MTU,
		  DRV_MAX_MTU),
	OPT_RANGE("rx_ring", T_U32, struct drv_dpdk_config, rx_ring, 32, 32768),
	OPT_RANGE("tx_ring", T_U32, struct drv_dpdk_config, tx_ring, 32, 32768),
	OPT_RANGE("mbufs", T_U32, struct drv_dpdk_config, mbufs, 256, 1u << 22),
	OPT_RANGE("txqlen", T_U32, struct drv_dpdk_config, txqlen, 1,
		  DRV_MAX_TXQ),
	OPT_ENUM("poll", struct drv_dpdk_config, poll, dpdk_polls),
	OPT("budget", T_DURATION, struct drv_dpdk_config, budget_ns),
	OPT("sleep", T_DURATION, struct drv_dpdk_config, sleep_ns),
	OPT_ENUM("tx", struct drv_dpdk_config, tx, dpdk_tx_modes),
	OPT("no_offload", T_BOOL, struct drv_dpdk_config, no_offload),
	OPT("promisc", T_BOOL, struct drv_dpdk_config, promisc),
	{ NULL, 0, 0, 0, 0, NULL },
};

static const struct opt loopback_opts[] = {
	OPT_ENUM("type", struct drv_loopback_config, type, link_types),
	OPT_RANGE("mtu", T_U32, struct drv_loopback_config, mtu, DRV_MIN_MTU,
		  NS_LINK_GSO_MAX + 1),
	OPT("mac", T_MAC, struct drv_loopback_config, mac),
	OPT_RANGE("queue", T_U32, struct drv_loopback_config, queue_len, 1,
		  DRV_MAX_TXQ),
	{ NULL, 0, 0, 0, 0, NULL },
};

static const struct opt pcap_opts[] = {
	OPT("file", T_STR, struct drv_pcap_config, path),
	OPT_RANGE("fd", T_INT, struct drv_pcap_config, fd, 0, INT_MAX),
	OPT_RANGE("snaplen", T_U32, struct drv_pcap_config, snaplen, 1,
		  DRV_PCAP_MAX_SNAPLEN),
	OPT("filter", T_STR, struct drv_pcap_config, filter),
	OPT("flush", T_DURATION, struct drv_pcap_config, flush_ns),
	OPT_RANGE("buffer", T_SIZE, struct drv_pcap_config, buffer_bytes, 4096,
		  1u << 30),
	{ NULL, 0, 0, 0, 0, NULL },
};

#define FAULT(field) fault.field
static const struct opt fault_opts[] = {
	OPT("seed", T_U64, struct drv_fault_link_config, FAULT(seed)),
	OPT("drop", T_RATE, struct drv_fault_link_config, FAULT(drop)),
	OPT("dup", T_RATE, struct drv_fault_link_config, FAULT(duplicate)),
	OPT("corrupt", T_RATE, struct drv_fault_link_config, FAULT(corrupt)),
	OPT("reorder", T_RATE, struct drv_fault_link_config, FAULT(reorder)),
	OPT("delay", T_DURATION, struct drv_fault_link_config, FAULT(delay_ns)),
	OPT("delay_rate", T_RATE, struct drv_fault_link_config, FAULT(delay)),
	OPT("jitter", T_DURATION, struct drv_fault_link_config,
	    FAULT(jitter_ns)),
	OPT("reorder_hold", T_DURATION, struct drv_fault_link_config,
	    FAULT(reorder_hold_ns)),
	OPT_RANGE("limit", T_U32, struct drv_fault_link_config, FAULT(limit), 1,
		  DRV_MAX_TXQ),
	OPT_ENUM("dir", struct drv_fault_link_config, dir, fault_dirs),
	{ NULL, 0, 0, 0, 0, NULL },
};

struct kind {
	const char *name;
	enum drv_spec_kind kind;
	bool wrapper;
	const struct opt *opts;
};

static const struct kind kinds[] = {
	{ "tap", DRV_SPEC_TAP, false, tap_opts },
	{ "afpacket", DRV_SPEC_AFPACKET, false, afpacket_opts },
	{ "dpdk", DRV_SPEC_DPDK, false, dpdk_opts },
	{ "loopback", DRV_SPEC_LOOPBACK, false, loopback_opts },
	{ "pcap", DRV_SPEC_PCAP, true, pcap_opts },
	{ "fault", DRV_SPEC_FAULT, true, fault_opts },
};

static const struct kind *find_kind(const char *name)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].name, name) == 0)
			return &kinds[i];
	return NULL;
}

/* Tokenizer state over the private copy of the text. Values are
 * unquoted in place (never longer than their source) and NUL-terminated
 * where their delimiter was; the delimiter is kept in `delim`. */
struct cursor {
	char *p;
	char delim; /* the character that ended the last token */
};

static bool is_delim(char c, const char *stops)
{
	return c == 0 || strchr(stops, c) != NULL;
}

/* Reads a token up to one of `stops` (or the end). Quoted parts are
 * unescaped. Returns the token, or NULL for an unterminated quote. */
static char *token(struct cursor *c, const char *stops)
{
	char *start = c->p, *out = c->p;
	while (!is_delim(*c->p, stops)) {
		if (*c->p != '"') {
			*out++ = *c->p++;
			continue;
		}
		c->p++;
		while (*c->p != '"') {
			if (*c->p == 0)
				return NULL;
			if (*c->p == '\\' &&
			    (c->p[1] == '"' || c->p[1] == '\\'))
				c->p++;
			*out++ = *c->p++;
		}
		c->p++;
	}
	c->delim = *c->p;
	if (*c->p)
		c->p++;
	*out = 0;
	return start;
}

static int bad(struct rs_error **err, const char *kind, const char *key,
	       const char *value, const char *why)
{
	return rs_error_set(err, EINVAL, "%s: option `%s`: `%s` %s", kind, key,
			    value, why);
}

static bool parse_u64(const char *s, uint64_t *v)
{
	if (*s < '0' || *s > '9')
		return false;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*v = x;
	return true;
}

static bool parse_bool(const char *s, bool *v)
{
	static const char *const yes[] = { "on", "yes", "true", "1" };
	static const char *const no[] = { "off", "no", "false", "0" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (strcmp(s, yes[i]) == 0)
			return *v = true, true;
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (strcmp(s, no[i]) == 0)
			return *v = false, true;
	return false;
}

/* A finite non-negative decimal, followed by `rest` (the unit). */
static bool parse_number(const char *s, double *v, const char **rest)
{
	if ((*s < '0' || *s > '9') && *s != '.')
		return false;
	char *end;
	*v = strtod(s, &end);
	*rest = end;
	return end != s && isfinite(*v) && *v >= 0;
}

static bool parse_rate(const char *s, double *v)
{
	const char *unit;
	if (!parse_number(s, v, &unit))
		return false;
	if (strcmp(unit, "%") == 0)
		*v /= 100;
	else if (*unit)
		return false;
	return *v <= 1;
}

static bool parse_duration(const char *s, uint64_t *ns)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = { { "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 } };
	double v;
	const char *unit;
	if (!parse_number(s, &v, &unit))
		return false;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(unit, units[i].unit) == 0) {
			double x = v * units[i].ns;
			if (x > 1e18) /* about 31 years */
				return false;
			*ns = (uint64_t)x;
			return true;
		}
	}
	return false;
}

static bool parse_size(const char *s, uint64_t *bytes)
{
	char *end;
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	int shift = 0;
	if (*end == 'K')
		shift = 10;
	else if (*end == 'M')
		shift = 20;
	else if (*end == 'G')
		shift = 30;
	if (errno || (shift && end[1]) || (!shift && *end) ||
	    v > (UINT64_MAX >> shift))
		return false;
	*bytes = (uint64_t)v << shift;
	return true;
}

static bool parse_mac(const char *s, uint8_t mac[6])
{
	unsigned b[6];
	char tail;
	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &tail) != 6)
		return false;
	for (int i = 0; i < 6; i++) {
		if (s[3 * i] == '+' || s[3 * i] == '-' || s[3 * i] == ' ')
			return false;
		mac[i] = (uint8_t)b[i];
	}
	return true;
}

/* Linux's dev_valid_name(): 1 to 15 bytes, not . or .., no '/', ':' or
 * white space. */
static bool valid_ifname(const char *s)
{
	size_t len = strlen(s);
	if (len == 0 || len >= IFNAMSIZ || strcmp(s, ".") == 0 ||
	    strcmp(s, "..") == 0)
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || *s == ' ' || *s == '\t' ||
		    *s == '\n')
			return false;
	return true;
}

static int set_option(void *cfg, const struct opt *o, const char *kind,
		      const char *value, struct rs_error **err)
{
	char *field = (char *)cfg + o->offset;
	uint64_t u;
	double d;
	bool b;
	switch (o->type) {
	case T_IFNAME:
		if (!valid_ifname(value))
			return bad(err, kind, o->key, value,
				   "is not an interface name");
		strcpy(field, value);
		return 0;
	case T_STR:
		if (*value == 0)
			return bad(err, kind, o->key, value, "is empty");
		memcpy(field, &value, sizeof(value));
		return 0;
	case T_U32:
	case T_U64:
	case T_INT:
		if (!parse_u64(value, &u))
			return bad(err, kind, o->key, value, "is not a number");
		if (o->max && (u < o->min || u > o->max))
			return rs_error_set(err, EINVAL,
					    "%s: option `%s`: %s out of range "
					    "(%llu..%llu)",
					    kind, o->key, value,
					    (unsigned long long)o->min,
					    (unsigned long long)o->max);
		if (o->type == T_U64)
			memcpy(field, &u, sizeof(u));
		else if (o->type == T_INT)
			*(int *)(void *)field = (int)u;
		else
			*(uint32_t *)(void *)field = (uint32_t)u;
		return 0;
	case T_BOOL:
		if (!parse_bool(value, &b))
			return bad(err, kind, o->key, value,
				   "is not on or off");
		*(bool *)field = b;
		return 0;
	case T_MAC:
		if (!parse_mac(value, (uint8_t *)field))
			return bad(err, kind, o->key, value,
				   "is not a MAC address (02:00:00:00:00:01)");
		return 0;
	case T_RATE:
		if (!parse_rate(value, &d))
			return bad(err, kind, o->key, value,
				   "is not a rate in [0, 1] (0.02 or 2%)");
		memcpy(field, &d, sizeof(d));
		return 0;
	case T_DURATION:
		if (!parse_duration(value, &u))
			return bad(err, kind, o->key, value,
				   "is not a duration (ns, us, ms, s)");
		memcpy(field, &u, sizeof(u));
		return 0;
	case T_SIZE:
		if (!parse_size(value, &u) || u < o->min || u > o->max)
			return rs_error_set(err, EINVAL,
					    "%s: option `%s`: `%s` is not a "
					    "size in %llu..%llu bytes",
					    kind, o->key, value,
					    (unsigned long long)o->min,
					    (unsigned long long)o->max);
		*(uint32_t *)(void *)field = (uint32_t)u;
		return 0;
	case T_ENUM:
		for (int i = 0; o->names[i]; i++) {
			if (strcmp(value, o->names[i]) == 0) {
				*(int *)(void *)field = i;
				return 0;
			}
		}
		return bad(err, kind, o->key, value, "is not a valid choice");
	}
	return -EINVAL;
}

static void *config_of(struct drv_spec_layer *l)
{
	switch (l->kind) {
	case DRV_SPEC_TAP:
		return &l->tap;
	case DRV_SPEC_AFPACKET:
		return &l->afpacket;
	case DRV_SPEC_DPDK:
		return &l->dpdk;
	case DRV_SPEC_LOOPBACK:
		return &l->loopback;
	case DRV_SPEC_PCAP:
		return &l->pcap;
	default:
		return &l->fault;
	}
}

/* Whether the option named `key` was given (bit i of `seen` stands for
 * the kind's option i). */
static bool given(const struct kind *k, uint64_t seen, const char *key)
{
	for (unsigned i = 0; k->opts[i].key; i++)
		if (strcmp(k->opts[i].key, key) == 0)
			return seen & (1ull << i);
	return false;
}

/* Defaults that differ from a zeroed config, and checks across options,
 * once a layer is complete. */
static int finish_layer(struct drv_spec_layer *l, const struct kind *k,
			uint64_t seen, struct rs_error **err)
{
	switch (l->kind) {
	case DRV_SPEC_AFPACKET:
		if (!given(k, seen, "iface"))
			return rs_error_set(err, EINVAL,
					    "afpacket: needs iface=NAME");
		return 0;
	case DRV_SPEC_PCAP:
		if (given(k, seen, "file") == given(k, seen, "fd"))
			return rs_error_set(err, EINVAL,
					    "pcap: needs file=PATH or fd=N "
					    "(one of them)");
		if (!given(k, seen, "fd"))
			l->pcap.fd = -1;
		return 0;
	case DRV_SPEC_FAULT:
		if (!given(k, seen, "delay_rate") &&
		    (l->fault.fault.delay_ns || l->fault.fault.jitter_ns))
			l->fault.fault.delay = 1;
		return 0;
	default:
		return 0;
	}
}

static int parse_layer(struct cursor *c, struct drv_spec_layer *l, bool first,
		       struct rs_error **err)
{
	char *name = token(c, ":+");
	if (name == NULL || *name == 0)
		return rs_error_set(err, EINVAL, "empty driver name");
	const struct kind *k = find_kind(name);
	if (k == NULL)
		return rs_error_set(err, EINVAL,
				    "unknown driver `%s` (tap, afpacket, "
				    "dpdk, loopback; wrappers pcap, fault)",
				    name);
	if (first == k->wrapper)
		return rs_error_set(err, EINVAL,
				    first ? "`%s` wraps a link: put a driver "
					    "(tap, afpacket, dpdk, loopback) "
					    "first"
					  : "`%s` is a driver, not a wrapper: "
					    "only pcap and fault stack",
				    name);
	memset(l, 0, sizeof(*l));
	l->kind = k->kind;
	void *cfg = config_of(l);
	uint64_t seen = 0;
	while (c->delim == ':' || c->delim == ',') {
		char *key = token(c, "=,+");
		if (key == NULL)
			return rs_error_set(err, EINVAL,
					    "%s: unterminated "
					    "quote",
					    k->name);
		if (*key == 0)
			return rs_error_set(err, EINVAL, "%s: empty option",
					    k->name);
		/* A bare key (no '=') is a boolean turned on. */
		const char *value = NULL;
		if (c->delim == '=') {
			value = token(c, ",+");
			if (value == NULL)
				return rs_error_set(err, EINVAL,
						    "%s: option `%s`: "
						    "unterminated quote",
						    k->name, key);
		}
		unsigned i = 0;
		while (k->opts[i].key && strcmp(k->opts[i].key, key) != 0)
			i++;
		if (k->opts[i].key == NULL)
			return rs_error_set(err, EINVAL,
					    "%s: unknown option `%s`", k->name,
					    key);
		if (seen & (1ull << i))
			return rs_error_set(err, EINVAL,
					    "%s: option `%s` given twice",
					    k->name, key);
		seen |= 1ull << i;
		if (value == NULL) {
			if (k->opts[i].type != T_BOOL)
				return rs_error_set(err, EINVAL,
						    "%s: option `%s` needs a "
						    "value",
						    k->name, key);
			value = "on";
		}
		int r = set_option(cfg, &k->opts[i], k->name, value, err);
		if (r < 0)
			return r;
	}
	return finish_layer(l, k, seen, err);
}

int drv_spec_parse(const char *text, struct drv_spec *spec,
		   struct rs_error **err)
{
	memset(spec, 0, sizeof(*spec));
	spec->text = strdup(text);
	if (spec->text == NULL)
		return rs_error_set(err, ENOMEM, "driver spec");
	struct cursor c = { spec->text, '+' };
	while (c.delim == '+') {
		if (spec->nlayers == DRV_SPEC_MAX_LAYERS)
			return rs_error_set(err, EINVAL,
					    "driver spec `%s`: more than %d "
					    "layers",
					    text, DRV_SPEC_MAX_LAYERS);
		int r = parse_layer(&c, &spec->layers[spec->nlayers],
				    spec->nlayers == 0, err);
		if (r < 0)
			return rs_error_wrap(err, "driver spec `%s`", text);
		spec->nlayers++;
	}
	return 0;
}

void drv_spec_release(struct drv_spec *spec)
{
	free(spec->text);
	spec->text = NULL;
	spec->nlayers = 0;
}

int drv_spec_open_base(const struct drv_spec *spec, struct drv_link **out,
		       struct rs_error **err)
{
	if (spec->nlayers == 0)
		return rs_error_set(err, EINVAL, "empty driver spec");
	const struct drv_spec_layer *l = &spec->layers[0];
	switch (l->kind) {
	case DRV_SPEC_TAP:
		return drv_tap_open(&l->tap, out, err);
	case DRV_SPEC_AFPACKET:
		return drv_afpacket_open(&l->afpacket, out, err);
	case DRV_SPEC_DPDK:
		return drv_dpdk_open(&l->dpdk, out, err);
	default:
		return drv_loopback_open(&l->loopback, out, err);
	}
}

int drv_spec_wrap(const struct drv_spec_layer *layer, struct drv_link *inner,
		  struct drv_link **out, struct rs_error **err)
{
	return layer->kind == DRV_SPEC_PCAP
		       ? drv_pcap_wrap(inner, &layer->pcap, out, err)
		       : drv_fault_wrap(inner, &layer->fault, out, err);
}

int drv_spec_open(const struct drv_spec *spec, struct drv_link **out,
		  struct rs_error **err)
{
	struct drv_link *link;
	int r = drv_spec_open_base(spec, &link, err);
	if (r < 0)
		return r;
	for (unsigned i = 1; i < spec->nlayers; i++) {
		struct drv_link *wrapped;
		r = drv_spec_wrap(&spec->layers[i], link, &wrapped, err);
		if (r < 0) {
			drv_close(link);
			return r;
		}
		link = wrapped;
	}
	*out = link;
	return 0;
}

int drv_open(const char *text, struct drv_link **out, struct rs_error **err)
{
	struct drv_spec spec;
	int r = drv_spec_parse(text, &spec, err);
	if (r == 0)
		r = drv_spec_open(&spec, out, err);
	drv_spec_release(&spec);
	return r;
}
