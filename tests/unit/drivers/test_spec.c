/* The string form of a link: every option lands in its config, defaults
 * are those of a zeroed config (with the documented exceptions), quoting
 * works, bad input of every kind is an error that names what is wrong,
 * and a parsed chain opens and runs. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "drivers/spec.h"
#include "drv_test.h"

static void parse_ok(const char *text, struct drv_spec *spec)
{
	struct rs_error *err = NULL;
	int r = drv_spec_parse(text, spec, &err);
	if (r < 0) {
		char buf[512];
		fail_msg("%s: %s", text,
			 rs_error_format(err, buf, sizeof(buf)));
	}
}

/* Parses text, expecting an error whose message contains `want`. */
static void parse_bad(const char *text, const char *want)
{
	struct drv_spec spec;
	struct rs_error *err = NULL;
	int r = drv_spec_parse(text, &spec, &err);
	drv_spec_release(&spec);
	if (r == 0)
		fail_msg("`%s` parsed", text);
	assert_int_equal(r, -EINVAL);
	assert_non_null(err);
	if (strstr(err->msg, want) == NULL)
		fail_msg("`%s`: message `%s` lacks `%s`", text, err->msg, want);
	/* The message quotes the whole spec for context. */
	assert_non_null(strstr(err->msg, "driver spec"));
	rs_error_free(err);
}

static void test_tap_and_afpacket_options(void **state)
{
	(void)state;
	struct drv_spec spec;
	parse_ok("tap:name=tap0,netns=/run/netns/x,mac=02:aa:bb:cc:dd:0e,"
		 "mtu=9000,txqlen=500,vnet_hdr,offload=off",
		 &spec);
	assert_int_equal(spec.nlayers, 1);
	const struct drv_tap_config *tap = &spec.layers[0].tap;
	assert_int_equal(spec.layers[0].kind, DRV_SPEC_TAP);
	assert_string_equal(tap->name, "tap0");
	assert_string_equal(tap->netns, "/run/netns/x");
	const uint8_t mac[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x0e };
	assert_memory_equal(tap->mac, mac, 6);
	assert_int_equal(tap->mtu, 9000);
	assert_int_equal(tap->txqlen, 500);
	assert_true(tap->vnet_hdr);
	assert_false(tap->offload);
	drv_spec_release(&spec);

	parse_ok("afpacket:iface=veth0", &spec);
	const struct drv_afpacket_config *afp = &spec.layers[0].afpacket;
	assert_string_equal(afp->iface, "veth0");
	assert_int_equal(afp->mode, DRV_AFPACKET_MMSG);
	assert_null(afp->netns);
	assert_false(afp->promisc);
	assert_false(afp->use_qdisc);
	drv_spec_release(&spec);

	parse_ok("afpacket:iface=eth1,mode=ring,ring_frames=4096,"
		 "sock_buf=8M,promisc=yes,qdisc=true",
		 &spec);
	afp = &spec.layers[0].afpacket;
	assert_int_equal(afp->mode, DRV_AFPACKET_RING);
	assert_int_equal(afp->ring_frames, 4096);
	assert_int_equal(afp->sock_buf, 8u << 20);
	assert_true(afp->promisc);
	assert_true(afp->use_qdisc);
	drv_spec_release(&spec);

	parse_ok("loopback", &spec);
	assert_int_equal(spec.layers[0].kind, DRV_SPEC_LOOPBACK);
	assert_int_equal(spec.layers[0].loopback.type, NS_LINK_ETHERNET);
	drv_spec_release(&spec);
	parse_ok("loopback:type=ip,mtu=65536,queue=10", &spec);
	assert_int_equal(spec.layers[0].loopback.type, NS_LINK_IP);
	assert_int_equal(spec.layers[0].loopback.mtu, 65536);
	drv_spec_release(&spec);
}

static void test_wrappers_quoting_and_defaults(void **state)
{
	(void)state;
	struct drv_spec spec;
	parse_ok("afpacket:iface=veth0+pcap:file=/tmp/a b.pcap,"
		 "filter=\"tcp port 80 and (ip[2:2] + 1 > 100, \\\"x\\\")\","
		 "snaplen=96,flush=250ms,buffer=64K"
		 "+fault:drop=2%,dup=0.01,corrupt=0,reorder=1.5%,seed=42,"
		 "delay=1.5ms,jitter=200us,dir=tx,limit=50,reorder_hold=1s",
		 &spec);
	assert_int_equal(spec.nlayers, 3);
	const struct drv_pcap_config *pc = &spec.layers[1].pcap;
	assert_int_equal(spec.layers[1].kind, DRV_SPEC_PCAP);
	assert_string_equal(pc->path, "/tmp/a b.pcap");
	assert_int_equal(pc->fd, -1);
	assert_string_equal(pc->filter,
			    "tcp port 80 and (ip[2:2] + 1 > 100, \"x\")");
	assert_int_equal(pc->snaplen, 96);
	assert_int_equal(pc->flush_ns, 250000000u);
	assert_int_equal(pc->buffer_bytes, 65536);
	const struct drv_fault_link_config *fc = &spec.layers[2].fault;
	assert_int_equal(spec.layers[2].kind, DRV_SPEC_FAULT);
	assert_true(fc->fault.drop == 0.02);
	assert_true(fc->fault.duplicate == 0.01);
	assert_true(fc->fault.corrupt == 0);
	assert_true(fc->fault.reorder == 0.015);
	assert_int_equal(fc->fault.seed, 42);
	assert_int_equal(fc->fault.delay_ns, 1500000);
	assert_int_equal(fc->fault.jitter_ns, 200000);
	/* A delay without delay_rate applies to every frame. */
	assert_true(fc->fault.delay == 1);
	assert_int_equal(fc->fault.limit, 50);
	assert_int_equal(fc->fault.reorder_hold_ns, 1000000000u);
	assert_int_equal(fc->dir, DRV_FAULT_TX);
	drv_spec_release(&spec);

	parse_ok("tap+pcap:fd=1+fault:delay=10ms,delay_rate=10%", &spec);
	assert_int_equal(spec.layers[0].tap.name[0], 0);
	assert_int_equal(spec.layers[1].pcap.fd, 1);
	assert_null(spec.layers[1].pcap.path);
	assert_true(spec.layers[2].fault.fault.delay == 0.1);
	assert_int_equal(spec.layers[2].fault.dir, DRV_FAULT_BOTH);
	drv_spec_release(&spec);
}

static void test_bad_input_is_named(void **state)
{
	(void)state;
	parse_bad("", "empty driver name");
	parse_bad("ethernet:iface=x", "unknown driver `ethernet`");
	parse_bad("pcap:file=x", "put a driver");
	parse_bad("tap+tap", "not a wrapper");
	parse_bad("afpacket", "needs iface=NAME");
	parse_bad("afpacket:", "empty option");
	parse_bad("afpacket:iface=eth0,,mode=ring", "empty option");
	parse_bad("afpacket:ifname=eth0", "unknown option `ifname`");
	parse_bad("afpacket:iface=eth0,iface=eth1", "given twice");
	parse_bad("afpacket:iface", "needs a value");
	parse_bad("afpacket:iface=", "is not an interface name");
	parse_bad("afpacket:iface=a/b", "is not an interface name");
	parse_bad("afpacket:iface=0123456789abcdef", "is not an interface");
	parse_bad("afpacket:iface=eth0,mode=turbo", "not a valid choice");
	parse_bad("afpacket:iface=eth0,sock_buf=12X", "not a size");
	parse_bad("afpacket:iface=eth0,sock_buf=1", "not a size");
	parse_bad("tap:mtu=abc", "is not a number");
	parse_bad("tap:mtu=-1", "is not a number");
	parse_bad("tap:mtu=10", "out of range");
	parse_bad("tap:mtu=99999999999999999999999", "is not a number");
	parse_bad("tap:offload=maybe", "is not on or off");
	parse_bad("tap:mac=02:00:00:00:00", "is not a MAC address");
	parse_bad("tap:mac=02:00:00:00:00:0g", "is not a MAC address");
	parse_bad("tap:mac=02:00:00:00:00:01x", "is not a MAC address");
	parse_bad("tap:netns=", "is empty");
	parse_bad("tap:name=\"tap0", "unterminated quote");
	parse_bad("tap+pcap", "needs file=PATH or fd=N");
	parse_bad("tap+pcap:file=x,fd=3", "needs file=PATH or fd=N");
	parse_bad("tap+pcap:fd=x", "is not a number");
	parse_bad("tap+pcap:file=x,snaplen=0", "out of range");
	parse_bad("tap+pcap:file=x,flush=10", "is not a duration");
	parse_bad("tap+pcap:file=x,flush=1h", "is not a duration");
	parse_bad("tap+fault:drop=120%", "is not a rate");
	parse_bad("tap+fault:drop=1.5", "is not a rate");
	parse_bad("tap+fault:drop=nan", "is not a rate");
	parse_bad("tap+fault:drop=-0.1", "is not a rate");
	parse_bad("tap+fault:delay=1e300s", "is not a duration");
	parse_bad("tap+fault:dir=up", "not a valid choice");
	parse_bad("tap+fault+fault+fault+fault+fault+fault+fault+fault",
		  "more than 8 layers");
}

static void test_chain_opens_and_runs(void **state)
{
	(void)state;
	char dir[] = "/tmp/drvspec.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char text[256], path[128];
	snprintf(path, sizeof(path), "%s/lo.pcap", dir);
	snprintf(text, sizeof(text),
		 "loopback:type=ip+pcap:file=%s+fault:dup=100%%,seed=1", path);
	struct drv_link *link;
	struct rs_error *err = NULL;
	drv_test_check_open(drv_open(text, &link, &err), &err);
	assert_string_equal(drv_kind(link), "fault");
	assert_int_equal(drv_info(link)->type, NS_LINK_IP);
	struct ns_pkt *ip = ns_pkt_alloc(NS_PKT_HEADROOM, 20);
	memset(ns_pkt_put(ip, 20), 0x45, 20);
	assert_int_equal(drv_xmit(link, ip), 0);
	/* Duplicated on the way out and on the way back in. */
	struct ns_pkt *pkts[8];
	assert_int_equal(drv_rx_burst(link, pkts, 8), 4);
	for (int i = 0; i < 4; i++)
		ns_pkt_free(pkts[i]);
	assert_int_equal(drv_test_counter(link, "fault_tx_duplicated"), 1);
	assert_int_equal(drv_test_counter(link, "fault_rx_duplicated"), 2);
	assert_int_equal(drv_test_counter(link, "pcap_frames"), 4);
	assert_int_equal(drv_test_counter(link, "tx_packets"), 2);
	drv_close(link);
	unlink(path);

	/* A failing layer leaves nothing open (LeakSanitizer watches). */
	assert_true(drv_open("loopback+pcap:file=/nonexistent/x.pcap", &link,
			     &err) < 0);
	assert_non_null(strstr(err->msg, "/nonexistent/x.pcap"));
	rs_error_clear(&err);
	assert_true(drv_open("afpacket:iface=lo", &link, &err) < 0);
	rs_error_clear(&err);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tap_and_afpacket_options),
		cmocka_unit_test(test_wrappers_quoting_and_defaults),
		cmocka_unit_test(test_bad_input_is_named),
		cmocka_unit_test(test_chain_opens_and_runs),
	};
	return cmocka_run_group_tests_name("drivers/spec", tests, NULL, NULL);
}
