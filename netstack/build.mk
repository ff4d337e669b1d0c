# netstack/: the UDP benchmark perf/netstack_udp.c, built with `all` into
# $(O)/perf/netstack-udp (it prints netstack vs host-kernel ratios).
NETSTACK_UDP_BENCH := $(O)/perf/netstack-udp
$(NETSTACK_UDP_BENCH): perf/netstack_udp.c $(O)/libnetstack.a | check-pkgs
	@mkdir -p $(@D)
	$(quiet) LD $@
	$(Q)$(CC) $(BASE_CFLAGS) -Inetstack/include -o $@ $< $(O)/libnetstack.a
EXTRA_BINS += $(NETSTACK_UDP_BENCH)
