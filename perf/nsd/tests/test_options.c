/* nsd's flags: the link spec they compose is what drivers/spec.h parses
 * (quoting included), addresses and numbers are checked, and every bad
 * flag is an error that names it. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "drivers/spec.h"
#include "options.h"

/* A writable argv (getopt's type) copied from a NULL-terminated list;
 * free with free_argv. */
static char **argv_of(const char *const *list, int *argc)
{
	int n = 0;
	while (list[n] != NULL)
		n++;
	char **argv = calloc((size_t)n + 1, sizeof(*argv));
	assert_non_null(argv);
	for (int i = 0; i < n; i++) {
		argv[i] = strdup(list[i]);
		assert_non_null(argv[i]);
	}
	*argc = n;
	return argv;
}

static void free_argv(char **argv)
{
	for (char **p = argv; *p != NULL; p++)
		free(*p);
	free(argv);
}

/* The options point into argv, which the caller frees after them. */
static char **parse_ok(const char *const *list, struct nsd_options *o)
{
	int argc;
	char **argv = argv_of(list, &argc);
	struct rs_error *err = NULL;
	if (nsd_options_parse(argc, argv, o, &err) < 0) {
		char buf[256];
		fail_msg("%s", rs_error_format(err, buf, sizeof(buf)));
	}
	return argv;
}

/* Parses the list, expecting an error that mentions `want`. */
static void parse_bad(const char *const *list, const char *want)
{
	int argc;
	char **argv = argv_of(list, &argc);
	struct nsd_options o;
	struct rs_error *err = NULL;
	assert_int_equal(nsd_options_parse(argc, argv, &o, &err), -EINVAL);
	assert_non_null(err);
	if (strstr(err->msg, want) == NULL)
		fail_msg("error `%s` does not mention `%s`", err->msg, want);
	rs_error_free(err);
	nsd_options_release(&o);
	free_argv(argv);
}

static void spec_parses(const char *text)
{
	struct drv_spec spec;
	struct rs_error *err = NULL;
	int rc = drv_spec_parse(text, &spec, &err);
	if (rc < 0) {
		char buf[256];
		fail_msg("%s: %s", text,
			 rs_error_format(err, buf, sizeof(buf)));
	}
	drv_spec_release(&spec);
}

static void test_link_spec(void **unused)
{
	(void)unused;
	struct nsd_options o;
	const char *a1[] = { "nsd",	"--driver", "afpacket",
			     "--iface", "veth0",    NULL };
	char **argv_a1 = parse_ok(a1, &o);
	assert_string_equal(o.link_spec, "afpacket:iface=\"veth0\"");
	spec_parses(o.link_spec);
	nsd_options_release(&o);
	free_argv(argv_a1);

	const char *a2[] = { "nsd",
			     "--driver",
			     "tap",
			     "--iface",
			     "t+\"0",
			     "--pcap",
			     "/tmp/a,b+\"c\".pcap",
			     "--pcap-filter",
			     "tcp port 80 and host 10.0.0.1",
			     "--fault",
			     "drop=2%,reorder=1%,seed=7",
			     NULL };
	char **argv_a2 = parse_ok(a2, &o);
	/* The capture is the host's, not a layer of the spec. */
	assert_string_equal(o.link_spec, "tap:offload,name=\"t+\\\"0\""
					 "+fault:drop=2%,reorder=1%,seed=7");
	assert_string_equal(o.pcap, "/tmp/a,b+\"c\".pcap");
	assert_string_equal(o.pcap_filter, "tcp port 80 and host 10.0.0.1");
	struct drv_spec spec;
	struct rs_error *err = NULL;
	assert_int_equal(drv_spec_parse(o.link_spec, &spec, &err), 0);
	assert_int_equal(spec.nlayers, 2);
	assert_int_equal(spec.layers[0].kind, DRV_SPEC_TAP);
	assert_true(spec.layers[0].tap.offload);
	assert_string_equal(spec.layers[0].tap.name, "t+\"0");
	assert_int_equal(spec.layers[1].kind, DRV_SPEC_FAULT);
	drv_spec_release(&spec);
	nsd_options_release(&o);
	free_argv(argv_a2);

	const char *a3[] = { "nsd", "--driver", "afpacket:iface=v0,mode=ring",
			     NULL };
	char **argv_a3 = parse_ok(a3, &o);
	assert_string_equal(o.link_spec, "afpacket:iface=v0,mode=ring");
	nsd_options_release(&o);
	free_argv(argv_a3);
}

static void test_addresses_and_numbers(void **unused)
{
	(void)unused;
	struct nsd_options o;
	const char *a[] = { "nsd",	   "--driver",	  "loopback",
			    "--addr",	   "10.0.0.2/24", "--addr6",
			    "fd00::2/64",  "--addr",	  "10.1.0.9",
			    "--gw",	   "10.0.0.1",	  "--gw6",
			    "fe80::1",	   "--http-port", "8080",
			    "--max-conns", "10",	  "--idle-timeout",
			    "0",	   "--control",	  "/tmp/c",
			    "--nodad",	   NULL };
	char **argv_a = parse_ok(a, &o);
	assert_int_equal(o.naddrs, 3);
	assert_int_equal(o.addrs[0].family, AF_INET);
	assert_int_equal(o.addrs[0].prefix_len, 24);
	assert_memory_equal(o.addrs[0].addr, "\x0a\x00\x00\x02", 4);
	assert_int_equal(o.addrs[1].family, AF_INET6);
	assert_int_equal(o.addrs[1].prefix_len, 64);
	assert_int_equal(o.addrs[2].prefix_len, 32);
	assert_true(o.have_gw);
	assert_true(o.have_gw6);
	assert_int_equal(o.gw6[0], 0xfe);
	assert_int_equal(o.http_port, 8080);
	assert_int_equal(o.max_conns, 10);
	assert_int_equal(o.idle_ns, 0);
	assert_string_equal(o.control, "/tmp/c");
	assert_true(o.nodad);
	nsd_options_release(&o);
	free_argv(argv_a);

	const char *h[] = { "nsd", "--help", NULL };
	char **argv_h = parse_ok(h, &o);
	assert_true(o.help);
	nsd_options_release(&o);
	free_argv(argv_h);
}

static void test_bad_flags_are_named(void **unused)
{
	(void)unused;
	const char *none[] = { "nsd", NULL };
	parse_bad(none, "--driver is required");
	const char *noif[] = { "nsd", "--driver", "tap", NULL };
	parse_bad(noif, "--iface");
	const char *extra_if[] = { "nsd",     "--driver", "loopback",
				   "--iface", "x",	  NULL };
	parse_bad(extra_if, "--iface");
	const char *filt[] = { "nsd",		"--driver", "loopback",
			       "--pcap-filter", "tcp",	    NULL };
	parse_bad(filt, "--pcap-filter needs --pcap");
	const char *addr[] = { "nsd",	 "--driver",	  "loopback",
			       "--addr", "10.0.0.300/24", NULL };
	parse_bad(addr, "--addr `10.0.0.300/24`");
	const char *fam[] = { "nsd",	"--driver",   "loopback",
			      "--addr", "fd00::1/64", NULL };
	parse_bad(fam, "not an IPv4 address");
	const char *plen[] = { "nsd",	  "--driver",	 "loopback",
			       "--addr6", "fd00::1/129", NULL };
	parse_bad(plen, "--addr6 `fd00::1/129`: prefix length");
	const char *plen2[] = { "nsd",	  "--driver",  "loopback",
				"--addr", "10.0.0.1/", NULL };
	parse_bad(plen2, "prefix length");
	const char *gw[] = { "nsd",  "--driver", "loopback",
			     "--gw", "fe80::1",	 NULL };
	parse_bad(gw, "--gw `fe80::1`");
	const char *port[] = { "nsd",	      "--driver", "loopback",
			       "--http-port", "70000",	  NULL };
	parse_bad(port, "--http-port `70000`");
	const char *taken[] = { "nsd",	       "--driver", "loopback",
				"--http-port", "9",	   NULL };
	parse_bad(taken, "taken by discard");
	const char *conns[] = { "nsd",	       "--driver", "loopback",
				"--max-conns", "-1",	   NULL };
	parse_bad(conns, "--max-conns");
	const char *idle[] = { "nsd", "--driver", "loopback", "--idle-timeout",
			       "1s",  NULL };
	parse_bad(idle, "--idle-timeout `1s`");
	/* A short option in a cluster is named by itself, not by the
	 * argument before it. */
	const char *cluster[] = { "nsd", "-xfoo", NULL };
	parse_bad(cluster, "unknown flag `-x`");
	const char *later[] = { "nsd", "--driver", "loopback", "-qh", NULL };
	parse_bad(later, "unknown flag `-q`");
	const char *unknown[] = { "nsd", "--driver", "loopback", "--frobnicate",
				  NULL };
	parse_bad(unknown, "unknown flag `--frobnicate`");
	const char *value[] = { "nsd", "--driver", NULL };
	parse_bad(value, "`--driver` needs a value");
	const char *stray[] = { "nsd", "--driver", "loopback", "stray", NULL };
	parse_bad(stray, "unexpected argument `stray`");
	const char *fault[] = { "nsd",	   "--driver", "loopback",
				"--fault", "",	       NULL };
	parse_bad(fault, "--fault");
	const char *many[2 * NSD_MAX_ADDRS + 6] = { "nsd", "--driver",
						    "loopback" };
	int n = 3;
	for (int i = 0; i <= NSD_MAX_ADDRS; i++) {
		many[n++] = "--addr";
		many[n++] = "10.0.0.1/8";
	}
	many[n] = NULL;
	parse_bad(many, "at most");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_spec),
		cmocka_unit_test(test_addresses_and_numbers),
		cmocka_unit_test(test_bad_flags_are_named),
	};
	return cmocka_run_group_tests_name("nsd/options", tests, NULL, NULL);
}
