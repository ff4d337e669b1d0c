# ---- perf/nsd: the netstack host program (issue 5) --------------------------
# nsd (perf/nsd/main.c) serves echo, discard, chargen, UDP echo and HTTP on
# the netstack over a link driver. Its other sources form libnsd.a, which
# the cmocka tests in perf/nsd/tests/ link as well; those join UNIT_BINS,
# so `make unit UNIT=nsd`, `make asan` and `make test` run them. Built with
# `all` into $(O)/perf/nsd.
NSD_SRCS := $(filter-out perf/nsd/main.c,$(wildcard perf/nsd/*.c))
NSD_OBJS := $(patsubst %.c,$(O)/obj/%.o,$(NSD_SRCS))
NSD_LIB := $(O)/perf/libnsd.a
NSD_BIN := $(O)/perf/nsd
NSD_CFLAGS := -Iperf/nsd $(foreach c,netstack drivers rsutil,-I$(call inc_of,$(c))) \
	$(call pkg_cflags,jansson libcrypto)
NSD_DEPLIBS := $(call libs_for,drivers)
NSD_LDLIBS := $(call pkg_libs,$(call pkgs_for,drivers) jansson libcrypto) -lpthread

$(O)/obj/perf/nsd/%.o: perf/nsd/%.c | check-pkgs
	@mkdir -p $(@D)
	$(quiet) CC $<
	$(Q)$(CC) $(BASE_CFLAGS) $(NSD_CFLAGS) -c $< -o $@
$(NSD_LIB): $(NSD_OBJS)
	@mkdir -p $(@D)
	$(quiet) AR $@
	$(Q)rm -f $@ && $(AR) rcs $@ $^
$(NSD_BIN): $(O)/obj/perf/nsd/main.o $(NSD_LIB) $(NSD_DEPLIBS)
	$(quiet) LD $@
	$(Q)$(CC) $(BASE_LDFLAGS) -o $@ $< $(NSD_LIB) -Wl,--start-group \
		$(NSD_DEPLIBS) -Wl,--end-group $(NSD_LDLIBS)
EXTRA_BINS += $(NSD_BIN)
ALL_OBJS += $(NSD_OBJS) $(O)/obj/perf/nsd/main.o

NSD_TEST_SRCS := $(wildcard perf/nsd/tests/test_*.c)
NSD_TEST_BINS := $(patsubst perf/nsd/tests/%.c,$(O)/tests/unit/nsd/%,$(NSD_TEST_SRCS))
$(O)/obj/perf/nsd/tests/%.o: perf/nsd/tests/%.c | check-pkgs
	@mkdir -p $(@D)
	$(quiet) CC $<
	$(Q)$(CC) $(BASE_CFLAGS) $(NSD_CFLAGS) $(call pkg_cflags,cmocka) -c $< -o $@
$(O)/tests/unit/nsd/%: $(O)/obj/perf/nsd/tests/%.o $(NSD_LIB) $(NSD_DEPLIBS)
	@mkdir -p $(@D)
	$(quiet) LD $@
	$(Q)$(CC) $(BASE_LDFLAGS) -o $@ $< $(NSD_LIB) -Wl,--start-group \
		$(NSD_DEPLIBS) -Wl,--end-group $(NSD_LDLIBS) $(call pkg_libs,cmocka)
UNIT_BINS += $(NSD_TEST_BINS)
ALL_OBJS += $(patsubst perf/nsd/tests/%.c,$(O)/obj/perf/nsd/tests/%.o,$(NSD_TEST_SRCS))

# ---- perf/tcp-bench: the netstack TCP benchmark (issue 4) --------------------
# Two netstacks back to back in one process over an in-memory link, against
# the host kernel over loopback: bulk throughput (MTU 1500 plain, trusted,
# TSO/GRO; MTU 65535) and short connections, per CPU second. Built with
# `all` into $(O)/perf/tcp-bench; run it without arguments (see its header).
TCP_BENCH := $(O)/perf/tcp-bench
$(TCP_BENCH): perf/tcp_bench.c $(O)/libnetstack.a | check-pkgs
	@mkdir -p $(@D)
	$(quiet) LD $@
	$(Q)$(CC) $(BASE_CFLAGS) -Inetstack/include -o $@ $< $(O)/libnetstack.a
EXTRA_BINS += $(TCP_BENCH)
