# Top-level build: plain GNU make, one static library per component.
#
#   make            build every library and runsc into build/
#   make test       install deps, build with -Werror, run unit + integration
#                   tests, print "N passed, N failed"
#   make unit       build and run the cmocka unit tests only
#   make asan       build into $(O)-asan/ with ASan+UBSan, run unit tests
#   make asan-integration   the integration tests on that build
#   make fuzz       build the libFuzzer harnesses, run each FUZZ_SECONDS
#                   (FUZZ=fuzz_<name> for one)
#   make lint       clang-format --dry-run and cppcheck over the tree
#   make deps       apt-get install what the build and the tests need
#   make demo       the main job: a sandboxed workload on embedded defaults
#
# Sources are found by wildcard, so adding a .c file to a component needs no
# edit here. A component may add flags or sources in <component>/build.mk.

SHELL := /bin/bash
.DEFAULT_GOAL := all

# Quiet build lines ("  CC netstack/csum.c"); V=1 shows the commands.
ifeq ($(V),1)
Q :=
quiet = @true
else
Q := @
quiet = @printf '  %-6s %s\n'
endif

O ?= build
CC ?= cc
AR ?= ar

WARNINGS := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wcast-align -Wpointer-arith -Wundef -Wwrite-strings
OPTFLAGS ?= -O2 -g
# `make test` is what CI runs, and CI builds with -Werror.
ifneq ($(filter test,$(MAKECMDGOALS)),)
WERROR ?= 1
endif
ifeq ($(WERROR),1)
WARNINGS += -Werror
endif
SANFLAGS ?=
BASE_CFLAGS := -std=gnu11 $(WARNINGS) $(OPTFLAGS) $(SANFLAGS) -fPIC \
	-D_GNU_SOURCE -MMD -MP $(EXTRA_CFLAGS)
BASE_LDFLAGS := $(SANFLAGS) $(EXTRA_LDFLAGS)

# External libraries, each where it belongs (see ../shared/DESIGN.md).
PKGS := libseccomp jansson libpcap cmocka libmnl
ifneq ($(filter-out deps lint clean distclean,$(MAKECMDGOALS)),)
NEED_PKGS := 1
endif
ifeq ($(MAKECMDGOALS),)
NEED_PKGS := 1
endif
ifeq ($(NEED_PKGS),1)
MISSING_PKGS := $(foreach p,$(PKGS),$(if $(shell pkg-config --exists $(p) && echo y),,$(p)))
endif
# DPDK is optional: the DPDK driver is built only when libdpdk is found.
HAVE_DPDK := $(shell pkg-config --exists libdpdk 2>/dev/null && echo 1)
pkg_cflags = $(shell pkg-config --cflags $(1) 2>/dev/null)
pkg_libs = $(shell pkg-config --libs $(1) 2>/dev/null)

# Components and their dependencies. A component sees only its own headers,
# its private sources and the public include/ of what it depends on.
# rsutil (runsc/util) is the small control-plane support library: the error
# type, the logger and cleanup helpers shared by gofer, sentry and runsc.
COMPONENTS := netstack drivers gofer sentry rsutil

netstack_DIR := netstack
netstack_SRCS := $(wildcard netstack/*.c)
netstack_DEPS :=
netstack_PKGS :=

drivers_DIR := drivers
drivers_SRCS := $(filter-out drivers/dpdk%.c,$(wildcard drivers/*.c))
drivers_DEPS := netstack rsutil
drivers_PKGS := libpcap libmnl
ifeq ($(HAVE_DPDK),1)
drivers_SRCS += $(wildcard drivers/dpdk*.c)
drivers_PKGS += libdpdk
drivers_CFLAGS += -DHAVE_DPDK=1
endif

gofer_DIR := gofer
gofer_SRCS := $(wildcard gofer/*.c)
gofer_DEPS := rsutil
gofer_PKGS := libseccomp

sentry_DIR := sentry
sentry_SRCS := $(wildcard sentry/*.c sentry/*/*.c)
sentry_DEPS := netstack drivers gofer rsutil
sentry_PKGS := libseccomp libmnl

rsutil_DIR := runsc/util
rsutil_SRCS := $(wildcard runsc/util/*.c)
rsutil_DEPS :=
rsutil_PKGS :=

-include $(wildcard $(addsuffix /build.mk,netstack drivers gofer sentry runsc))

# Include path: own public headers, own private directory, and the public
# headers of dependencies (runsc/include for rsutil).
inc_of = $(if $(filter rsutil,$(1)),runsc/include,$($(1)_DIR)/include)
comp_cflags = $(foreach c,$(1) $($(1)_DEPS),-I$(call inc_of,$(c))) \
	-I$($(1)_DIR) $(call pkg_cflags,$($(1)_PKGS)) $($(1)_CFLAGS)
lib_of = $(O)/lib$(1).a
# Transitive closure of a component's dependencies, in link order.
deps_closure = $(sort $(foreach d,$($(1)_DEPS),$(d) $(call deps_closure,$(d))))
link_order := sentry drivers gofer netstack rsutil
libs_for = $(foreach c,$(link_order),$(if $(filter $(c),$(1) $(call deps_closure,$(1))),$(call lib_of,$(c))))
pkgs_for = $(sort $(foreach c,$(1) $(call deps_closure,$(1)),$($(c)_PKGS)))

define component_rules
$(1)_OBJS := $$(patsubst %.c,$(O)/obj/%.o,$$($(1)_SRCS))
$(O)/obj/$$($(1)_DIR)/%.o: $$($(1)_DIR)/%.c | check-pkgs
	@mkdir -p $$(@D)
	$$(quiet) CC $$<
	$$(Q)$$(CC) $$(BASE_CFLAGS) $$(call comp_cflags,$(1)) -c $$< -o $$@
$(call lib_of,$(1)): $$($(1)_OBJS)
	@mkdir -p $$(@D)
	$$(quiet) AR $$@
	$$(Q)rm -f $$@ && $$(AR) rcs $$@ $$^
ALL_OBJS += $$($(1)_OBJS)
endef
$(foreach c,$(COMPONENTS),$(eval $(call component_rules,$(c))))

# ---- runsc: the one installed binary ---------------------------------------
runsc_DEPS := sentry drivers gofer netstack rsutil
runsc_SRCS := $(wildcard runsc/*.c)
runsc_OBJS := $(patsubst %.c,$(O)/obj/%.o,$(runsc_SRCS))
runsc_PKGS := $(call pkgs_for,sentry) $(call pkgs_for,drivers) jansson
# Only the libraries runsc calls itself contribute compile flags; DPDK's
# (-march, -include rte_config.h) stay inside the DPDK driver.
RUNSC_CFLAGS := $(foreach c,$(runsc_DEPS),-I$(call inc_of,$(c))) -Irunsc \
	$(call pkg_cflags,jansson libseccomp libpcap)
RUNSC_LIBS := $(foreach c,$(link_order),$(call lib_of,$(c)))

$(O)/obj/runsc/%.o: runsc/%.c | check-pkgs
	@mkdir -p $(@D)
	$(quiet) CC $<
	$(Q)$(CC) $(BASE_CFLAGS) $(RUNSC_CFLAGS) -c $< -o $@
$(O)/runsc: $(runsc_OBJS) $(RUNSC_LIBS)
	$(quiet) LD $@
	$(Q)$(CC) $(BASE_LDFLAGS) -o $@ $(runsc_OBJS) -Wl,--start-group $(RUNSC_LIBS) \
		-Wl,--end-group $(call pkg_libs,$(runsc_PKGS)) -lpthread
ALL_OBJS += $(runsc_OBJS)
# runsc's own modules, main.o aside, as an archive that is not installed:
# the unit runners of tests/unit/runsc and the fuzzers link what they test
# (oci_spec.o, state.o...) from it, and the linker takes only those.
RUNSC_MODULE_LIB := $(O)/librunsc.a
$(RUNSC_MODULE_LIB): $(filter-out $(O)/obj/runsc/main.o,$(runsc_OBJS))
	$(quiet) AR $@
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# ---- unit tests: tests/unit/<component>/test_*.c, one cmocka runner each ---
# Other .c files in a component's test folder are helpers linked into every
# runner of that component.
UNIT_COMPONENTS := $(filter $(COMPONENTS) runsc,$(notdir $(wildcard tests/unit/*)))
define unit_rules
$(1)_TEST_SRCS := $$(wildcard tests/unit/$(1)/test_*.c)
$(1)_TEST_HELPERS := $$(patsubst %.c,$(O)/obj/%.o,$$(filter-out $$($(1)_TEST_SRCS),$$(wildcard tests/unit/$(1)/*.c)))
$(1)_TEST_BINS := $$(patsubst tests/unit/%.c,$(O)/tests/unit/%,$$($(1)_TEST_SRCS))
$(1)_TEST_CFLAGS := $$(if $$(filter runsc,$(1)),$$(RUNSC_CFLAGS),$$(call comp_cflags,$(1))) \
	-Itests/unit/$(1) -Itests/unit $$(call pkg_cflags,cmocka)
$(1)_TEST_LIBS := $$(if $$(filter runsc,$(1)),$$(RUNSC_MODULE_LIB) $$(RUNSC_LIBS),$$(call libs_for,$(1)))
$(1)_TEST_PKGLIBS := $$(call pkg_libs,cmocka $$(if $$(filter runsc,$(1)),$$(runsc_PKGS),$$(call pkgs_for,$(1))))
$(O)/obj/tests/unit/$(1)/%.o: tests/unit/$(1)/%.c | check-pkgs
	@mkdir -p $$(@D)
	$$(quiet) CC $$<
	$$(Q)$$(CC) $$(BASE_CFLAGS) $$($(1)_TEST_CFLAGS) -c $$< -o $$@
$(O)/tests/unit/$(1)/%: $(O)/obj/tests/unit/$(1)/%.o $$($(1)_TEST_HELPERS) $$($(1)_TEST_LIBS)
	@mkdir -p $$(@D)
	$$(quiet) LD $$@
	$$(Q)$$(CC) $$(BASE_LDFLAGS) -o $$@ $$< $$($(1)_TEST_HELPERS) -Wl,--start-group \
		$$($(1)_TEST_LIBS) -Wl,--end-group $$($(1)_TEST_PKGLIBS) -lpthread
UNIT_BINS += $$($(1)_TEST_BINS)
ALL_OBJS += $$(patsubst tests/unit/%.c,$(O)/obj/tests/unit/%.o,$$($(1)_TEST_SRCS)) $$($(1)_TEST_HELPERS)
endef
$(foreach c,$(UNIT_COMPONENTS),$(eval $(call unit_rules,$(c))))
.SECONDARY:

# ---- top-level targets -----------------------------------------------------
LIBS := $(foreach c,$(COMPONENTS),$(call lib_of,$(c)))
EXTRA_BINS ?=
-include $(wildcard perf/build.mk)

.PHONY: all libs unit-build unit integration test asan asan-integration fuzz fuzz-build lint deps demo \
	clean distclean check-pkgs format $(addprefix lib,$(COMPONENTS))
all: $(LIBS) $(O)/runsc $(UNIT_BINS) $(EXTRA_BINS)
	@echo "built: $(O)/runsc; drivers: $(DRIVERS_BUILT)"
libs: $(LIBS)
$(foreach c,$(COMPONENTS),$(eval lib$(c): $(call lib_of,$(c))))

# The link kinds this build carries, for the summary line of `make all`.
DRIVER_KINDS := tap afpacket pcap fault memlink dpdk
DRIVERS_BUILT := $(or $(filter $(DRIVER_KINDS),$(patsubst drivers/%.c,%,$(drivers_SRCS))),none)
ifneq ($(HAVE_DPDK),1)
DRIVERS_BUILT += (no dpdk: libdpdk not found)
endif

check-pkgs:
ifneq ($(strip $(MISSING_PKGS)),)
	@echo "missing libraries: $(MISSING_PKGS); run 'make deps' (as root)" >&2; exit 1
endif

unit-build: $(UNIT_BINS)

# Unit tests of one component: make unit UNIT=netstack
UNIT ?=
UNIT_SELECTED := $(if $(UNIT),$(filter $(O)/tests/unit/$(UNIT)/%,$(UNIT_BINS)),$(UNIT_BINS))
unit: $(UNIT_SELECTED)
	@LOGDIR=$(O)/test-logs tests/run-tests.sh --unit $(UNIT_SELECTED)

integration: all
	@RUNSC=$(abspath $(O)/runsc) BUILD=$(abspath $(O)) tests/run-tests.sh \
		--integration $(sort $(wildcard tests/integration/test_*.sh))

# The whole suite, as CI runs it. deps first: it may install packages that
# the rest of this make invocation's pkg-config probes need, so the build and
# the run happen in a second make.
test: deps
	@$(MAKE) --no-print-directory -j$$(nproc) WERROR=1 all
	@RUNSC=$(abspath $(O)/runsc) BUILD=$(abspath $(O)) tests/run-tests.sh \
		--unit $(UNIT_BINS) \
		--integration $(sort $(wildcard tests/integration/test_*.sh))

ASAN_MAKE = $(MAKE) --no-print-directory -j$$(nproc) O=$(O)-asan \
	OPTFLAGS="-O1 -g -fno-omit-frame-pointer" \
	SANFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined"

asan:
	@$(ASAN_MAKE) unit

# The integration scripts against runsc and nsd built with ASan+UBSan. Leak
# checking stays with `make asan`: LeakSanitizer cannot stop the world in a
# Sentry that ptraces and confines itself. A 16 MiB quarantine keeps nsd
# within the memory bound test_nsd_cli checks.
asan-integration:
	@ASAN_OPTIONS=detect_leaks=0:quarantine_size_mb=16 $(ASAN_MAKE) integration

# libFuzzer harnesses: tests/fuzz/fuzz_<name>.c, each linked against
# clang-built, instrumented copies of all libraries in $(O)-fuzz/. A seed
# corpus may sit in tests/fuzz/corpus/<name>/. FUZZ=fuzz_<name> runs one.
FUZZ_SECONDS ?= 60
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(O)/fuzz/%,$(FUZZ_SRCS))
FUZZ_CFLAGS := $(foreach c,$(COMPONENTS),-I$(call inc_of,$(c))) -Irunsc \
	$(call pkg_cflags,libpcap libseccomp jansson)
$(O)/fuzz/%: tests/fuzz/%.c $(RUNSC_MODULE_LIB) $(RUNSC_LIBS)
	@mkdir -p $(@D)
	$(quiet) LD $@
	$(Q)$(CC) $(BASE_CFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
		-Wl,--start-group $(RUNSC_MODULE_LIB) $(RUNSC_LIBS) -Wl,--end-group \
		$(call pkg_libs,$(runsc_PKGS)) -lpthread
fuzz-build: $(FUZZ_BINS)
fuzz:
	@if [ -z "$(FUZZ_SRCS)" ]; then echo "fuzz: no harnesses in tests/fuzz"; exit 0; fi; \
	$(MAKE) --no-print-directory -j$$(nproc) O=$(O)-fuzz CC=clang \
		OPTFLAGS="-O1 -g -fno-omit-frame-pointer" \
		SANFLAGS="-fsanitize=fuzzer-no-link,address,undefined" fuzz-build && \
	tests/fuzz/run-fuzzers.sh $(O)-fuzz $(FUZZ_SECONDS) \
		$(patsubst tests/fuzz/%.c,$(O)-fuzz/fuzz/%,$(if $(FUZZ),$(filter %/$(FUZZ).c,$(FUZZ_SRCS)),$(FUZZ_SRCS)))

LINT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
lint:
	@test -n "$(LINT_FILES)" || { echo "nothing to lint"; exit 0; }; \
	clang-format --dry-run --Werror $(LINT_FILES) && \
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr --suppress=missingIncludeSystem --std=c11 \
		-D__GNUC__ -D_GNU_SOURCE $(foreach d,$(wildcard */include runsc/include),-I$(d)) \
		$(LINT_FILES) && echo "lint: clean"

format:
	clang-format -i $(LINT_FILES)

deps:
	@tests/install-deps.sh

# The main job: a sandboxed workload on embedded defaults (perf/demo.sh).
demo: deps
	@$(MAKE) --no-print-directory -j$$(nproc) $(O)/runsc
	@RUNSC=$(O)/runsc perf/demo.sh

clean:
	rm -rf $(O)
distclean:
	rm -rf build build-*

-include $(ALL_OBJS:.o=.d)
