/* runsc's network value parsers: -p port mappings in Docker's syntax and
 * --net-subnet prefixes, accepted and refused exactly. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "runsc/netparse.h"

static void expect_map(const char *s, const char *formatted)
{
	struct rs_error *err = NULL;
	struct rs_port_map m;
	if (rs_parse_port_map(s, &m, &err) < 0)
		fail_msg("%s: %s", s, err->msg);
	char buf[96];
	rs_port_map_format(&m, buf, sizeof(buf));
	assert_string_equal(buf, formatted);
}

static void test_port_maps(void **state)
{
	(void)state;
	expect_map("8080:80", "8080->80/tcp");
	expect_map("8080:80/tcp", "8080->80/tcp");
	expect_map("5353:53/udp", "5353->53/udp");
	expect_map("127.0.0.1:8080:80", "127.0.0.1:8080->80/tcp");
	expect_map("0.0.0.0:1:65535/udp", "0.0.0.0:1->65535/udp");
	expect_map("[::1]:8080:80", "[::1]:8080->80/tcp");
	expect_map("[::]:8443:443/tcp", "[::]:8443->443/tcp");
	struct rs_error *err = NULL;
	struct rs_port_map m;
	assert_int_equal(rs_parse_port_map("10.0.0.1:8080:80/udp", &m, &err),
			 0);
	assert_int_equal(m.family, AF_INET);
	assert_int_equal(m.host_port, 8080);
	assert_int_equal(m.sandbox_port, 80);
	assert_int_equal(m.proto, IPPROTO_UDP);
	uint8_t want[4] = { 10, 0, 0, 1 };
	assert_memory_equal(m.host_ip, want, 4);
	assert_int_equal(rs_parse_port_map("80:80", &m, &err), 0);
	assert_int_equal(m.family, AF_UNSPEC);
}

static void expect_bad_map(const char *s, const char *word)
{
	struct rs_error *err = NULL;
	struct rs_port_map m;
	assert_true(rs_parse_port_map(s, &m, &err) < 0);
	assert_non_null(err);
	if (strstr(err->msg, word) == NULL || strchr(err->msg, '\n'))
		fail_msg("%s: message `%s` lacks `%s`", s, err->msg, word);
	rs_error_free(err);
}

static void test_bad_port_maps(void **state)
{
	(void)state;
	expect_bad_map("", "want");
	expect_bad_map("80", "want");
	expect_bad_map("0:80", "host port");
	expect_bad_map("65536:80", "host port");
	expect_bad_map("+80:80", "host port");
	expect_bad_map("80:-1", "sandbox port");
	expect_bad_map("80:", "sandbox port");
	expect_bad_map("80:80/sctp", "tcp or udp");
	expect_bad_map("80:80/", "tcp or udp");
	expect_bad_map("::1:80:80", "brackets");
	expect_bad_map("[::1:80:80", "want");
	expect_bad_map("[10.0.0.1]:80:80", "IPv6");
	expect_bad_map("[::1]80:80", "want");
	expect_bad_map("localhost:80:80", "IPv4");
	expect_bad_map("1.2.3:80:80", "IPv4");
	expect_bad_map("1.2.3.4:80:80:90", "brackets");
}

static void test_cidrs(void **state)
{
	(void)state;
	struct rs_error *err = NULL;
	struct rs_cidr c;
	assert_int_equal(
		rs_parse_cidr("--net-subnet", "10.99.0.0/24", &c, &err), 0);
	assert_int_equal(c.family, AF_INET);
	assert_int_equal(c.prefix_len, 24);
	assert_int_equal(c.addr[1], 99);
	assert_int_equal(rs_parse_cidr("--net-subnet", "fd00:1::/64", &c, &err),
			 0);
	assert_int_equal(c.family, AF_INET6);
	assert_int_equal(c.prefix_len, 64);
	const char *bad[][2] = {
		{ "10.99.0.1/24", "10.99.0.0/24" }, /* host bits */
		{ "10.99.0.0", "ADDRESS/LENGTH" },
		{ "10.99.0.0/33", "0..32" },
		{ "10.99.0.0/", "0..32" },
		{ "10.99.0.0/2x", "0..32" },
		{ "fd00::/129", "0..128" },
		{ "host/24", "ADDRESS/LENGTH" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_true(rs_parse_cidr("--net-subnet", bad[i][0], &c, &err) <
			    0);
		if (strstr(err->msg, bad[i][1]) == NULL ||
		    strstr(err->msg, "--net-subnet") == NULL)
			fail_msg("%s: `%s`", bad[i][0], err->msg);
		rs_error_clear(&err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port_maps),
		cmocka_unit_test(test_bad_port_maps),
		cmocka_unit_test(test_cidrs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
