# drivers/: the driver micro-benchmark, perf/drivers_bench.c, built with
# `all` into $(O)/perf/drivers-bench (run it as root; see its header).
# Library paths are spelled out: this file is read before the Makefile
# defines its helper functions.
DRIVERS_BENCH := $(O)/perf/drivers-bench
DRIVERS_BENCH_LIBS := $(O)/libdrivers.a $(O)/libnetstack.a $(O)/librsutil.a
$(DRIVERS_BENCH): perf/drivers_bench.c $(DRIVERS_BENCH_LIBS) | check-pkgs
	@mkdir -p $(@D)
	$(quiet) LD $@
	$(Q)$(CC) $(BASE_CFLAGS) -Idrivers/include -Inetstack/include \
		-Irunsc/include -o $@ $< -Wl,--start-group \
		$(DRIVERS_BENCH_LIBS) -Wl,--end-group \
		$(shell pkg-config --libs libpcap 2>/dev/null) -lpthread
EXTRA_BINS += $(DRIVERS_BENCH)
