#include "runsc/netparse.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* A port: decimal digits only, 1..65535 (strtol would take signs, blanks
 * and hex prefixes). */
static bool parse_port(const char *s, size_t len, uint16_t *port)
{
	if (len == 0 || len > 5)
		return false;
	unsigned v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

static bool parse_ip(const char *s, size_t len, int *family, uint8_t out[16])
{
	char buf[INET6_ADDRSTRLEN];
	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = 0;
	memset(out, 0, 16);
	if (inet_pton(AF_INET, buf, out) == 1) {
		*family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, buf, out) == 1) {
		*family = AF_INET6;
		return true;
	}
	return false;
}

int rs_parse_port_map(const char *s, struct rs_port_map *m,
		      struct rs_error **err)
{
	static const char form[] = "[HOSTIP:]HOSTPORT:SANDBOXPORT[/tcp|/udp]";
	*m = (struct rs_port_map){ .family = AF_UNSPEC, .proto = IPPROTO_TCP };
	size_t len = strlen(s);
	const char *slash = memchr(s, '/', len);
	if (slash) {
		const char *proto = slash + 1;
		if (strcmp(proto, "tcp") == 0)
			m->proto = IPPROTO_TCP;
		else if (strcmp(proto, "udp") == 0)
			m->proto = IPPROTO_UDP;
		else
			return rs_error_set(err, 0,
					    "-p `%s`: protocol `%s`: must be "
					    "tcp or udp",
					    s, proto);
		len = (size_t)(slash - s);
	}
	const char *p = s;
	size_t left = len;
	if (left && p[0] == '[') {
		const char *close = memchr(p, ']', left);
		if (close == NULL || (size_t)(close - p) + 1 >= left ||
		    close[1] != ':')
			return rs_error_set(err, 0, "-p `%s`: want %s", s,
					    form);
		if (!parse_ip(p + 1, (size_t)(close - p - 1), &m->family,
			      m->host_ip) ||
		    m->family != AF_INET6)
			return rs_error_set(err, 0,
					    "-p `%s`: `%.*s` is not an IPv6 "
					    "address",
					    s, (int)(close - p - 1), p + 1);
		left -= (size_t)(close - p) + 2;
		p = close + 2;
	} else {
		/* Two colons: HOSTIP:HOSTPORT:SANDBOXPORT. More: a bare IPv6
		 * address, which must be bracketed to be told apart. */
		unsigned colons = 0;
		for (size_t i = 0; i < left; i++)
			colons += p[i] == ':';
		if (colons > 2)
			return rs_error_set(err, 0,
					    "-p `%s`: an IPv6 HOSTIP goes in "
					    "brackets ([::1]:8080:80)",
					    s);
		if (colons == 2) {
			const char *c = memchr(p, ':', left);
			size_t iplen = (size_t)(c - p);
			if (!parse_ip(p, iplen, &m->family, m->host_ip) ||
			    m->family != AF_INET)
				return rs_error_set(err, 0,
						    "-p `%s`: `%.*s` is not "
						    "an IPv4 address",
						    s, (int)iplen, p);
			left -= iplen + 1;
			p = c + 1;
		}
	}
	const char *c = memchr(p, ':', left);
	if (c == NULL)
		return rs_error_set(err, 0, "-p `%s`: want %s", s, form);
	size_t hlen = (size_t)(c - p);
	if (!parse_port(p, hlen, &m->host_port))
		return rs_error_set(err, 0,
				    "-p `%s`: host port `%.*s`: must be "
				    "1..65535",
				    s, (int)hlen, p);
	size_t slen = left - hlen - 1;
	if (!parse_port(c + 1, slen, &m->sandbox_port))
		return rs_error_set(err, 0,
				    "-p `%s`: sandbox port `%.*s`: must be "
				    "1..65535",
				    s, (int)slen, c + 1);
	return 0;
}

void rs_port_map_format(const struct rs_port_map *m, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN + 3] = "";
	if (m->family == AF_INET6) {
		char a[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, m->host_ip, a, sizeof(a));
		snprintf(ip, sizeof(ip), "[%s]:", a);
	} else if (m->family == AF_INET) {
		char a[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, m->host_ip, a, sizeof(a));
		snprintf(ip, sizeof(ip), "%s:", a);
	}
	snprintf(buf, len, "%s%u->%u/%s", ip, m->host_port, m->sandbox_port,
		 m->proto == IPPROTO_UDP ? "udp" : "tcp");
}

int rs_parse_cidr(const char *flag, const char *s, struct rs_cidr *c,
		  struct rs_error **err)
{
	*c = (struct rs_cidr){ 0 };
	const char *slash = strchr(s, '/');
	if (slash == NULL ||
	    !parse_ip(s, (size_t)(slash - s), &c->family, c->addr))
		return rs_error_set(err, 0, "%s `%s`: want ADDRESS/LENGTH",
				    flag, s);
	unsigned max = c->family == AF_INET ? 32 : 128;
	const char *l = slash + 1;
	unsigned v = 0;
	size_t n = strlen(l);
	bool ok = n > 0 && n <= 3;
	for (size_t i = 0; ok && i < n; i++) {
		ok = l[i] >= '0' && l[i] <= '9';
		v = v * 10 + (unsigned)(l[i] - '0');
	}
	if (!ok || v > max)
		return rs_error_set(err, 0,
				    "%s `%s`: prefix length must be "
				    "0..%u",
				    flag, s, max);
	c->prefix_len = (uint8_t)v;
	uint8_t net[16];
	memcpy(net, c->addr, 16);
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = v > i * 8 ? v - i * 8 : 0;
		if (bits < 8)
			net[i] &= (uint8_t)(0xff00u >> bits);
	}
	if (memcmp(net, c->addr, 16) != 0) {
		char txt[INET6_ADDRSTRLEN];
		inet_ntop(c->family, net, txt, sizeof(txt));
		return rs_error_set(err, 0,
				    "%s `%s`: host bits set (the network is "
				    "%s/%u)",
				    flag, s, txt, v);
	}
	return 0;
}
