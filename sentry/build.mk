# The Sentry's differential test programs (tests/sentry/t_*.c), built
# static and dynamic so both loader paths are exercised; the integration
# tests run each natively and under `runsc do` and compare the outputs.
SENTRY_TPROGS := $(patsubst tests/sentry/%.c,%,$(wildcard tests/sentry/t_*.c))
SENTRY_TBINS := $(foreach p,$(SENTRY_TPROGS),$(O)/tests/sentry/$(p)-static $(O)/tests/sentry/$(p)-dynamic)
$(O)/tests/sentry/%-static: tests/sentry/%.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O1 -g -static -pthread -o $@ $<
$(O)/tests/sentry/%-dynamic: tests/sentry/%.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O1 -g -pthread -o $@ $<
EXTRA_BINS += $(SENTRY_TBINS)
# The inet programs share their helpers.
$(filter $(O)/tests/sentry/t_inet_%,$(SENTRY_TBINS)): tests/sentry/t_inet.h

# The benchmark program of perf/sentry_bench.sh.
$(O)/perf/sentry_bench: perf/sentry_bench.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -o $@ $<
EXTRA_BINS += $(O)/perf/sentry_bench
