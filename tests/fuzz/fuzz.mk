# libFuzzer harnesses. Every tests/fuzz/fuzz_<name>.c (but the shared
# fuzz_target.c) is a harness, linked with the stub core and the fake
# machine (tests/fakes, as the unit suites use it); its saved corpus is tests/fuzz/corpus/<name>. A harness that
# needs more (a transport's target half, a fake device) names it in one
# FUZZ_SRCS_<name> line here; the directories of those sources are on
# the include path.
FUZZ_SRCS_serial := $(KSTUB_SERIAL_SRCS) tests/fakes/fake_uart.c
FUZZ_SRCS_udp := $(KSTUB_UDP_SRCS)
FUZZ_SRCS_netif := $(KSTUB_UDP_SRCS) tests/fakes/fake_nic.c
FUZZ_SRCS_udpauth := $(KSTUB_UDP_SRCS)
FUZZ_SRCS_fw := $(KSTUB_FW_SRCS)

FUZZ_HARNESSES := $(filter-out target,$(patsubst tests/fuzz/fuzz_%.c,%,\
	$(wildcard tests/fuzz/fuzz_*.c)))

FUZZ_CC ?= clang
FUZZ_BUILD := $(BUILD)/fuzz
FUZZ_TIME ?= 60
FUZZ_SMOKE_TIME ?= 3
FUZZ_FLAGS := -std=c11 -g -O1 $(WARN) -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_EXTRA_SRCS := $(sort $(foreach h,$(FUZZ_HARNESSES),$(FUZZ_SRCS_$(h))))
FUZZ_FAKE_SRCS := tests/fakes/fake_machine.c tests/fakes/fake_link.c \
	tests/fakes/fake_port.c tests/fakes/fake_rsp.c
FUZZ_INC := $(addprefix -I,$(KSTUB_INCLUDES) $(patsubst %/,%,\
	$(sort $(dir $(FUZZ_EXTRA_SRCS) $(FUZZ_FAKE_SRCS))))) -Istub/src \
	-Itests/fuzz
FUZZ_CORE_SRCS := $(KSTUB_SRCS) $(FUZZ_FAKE_SRCS) tests/fuzz/fuzz_target.c
fuzz_objs = $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(1))
FUZZ_BINS := $(addprefix $(FUZZ_BUILD)/fuzz-,$(FUZZ_HARNESSES))

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(FUZZ_INC) \
		-MMD -MP -c $< -o $@

# One explicit link rule per harness: its objects are then ordinary
# targets, not intermediates make would delete after every build.
define fuzz_link
$(FUZZ_BUILD)/fuzz-$(1): $(call fuzz_objs,tests/fuzz/fuzz_$(1).c \
		$(FUZZ_CORE_SRCS) $(FUZZ_SRCS_$(1)))
	$$(FUZZ_CC) $$(FUZZ_FLAGS) -fsanitize=fuzzer $$^ -o $$@
endef
$(foreach h,$(FUZZ_HARNESSES),$(eval $(call fuzz_link,$(h))))

.PHONY: fuzz fuzz-smoke fuzz-seeds
# Each harness for FUZZ_TIME seconds from its saved corpus; new inputs
# go to build/fuzz/corpus/<name>, crashes to build/fuzz/crashes/<name>.
fuzz: $(FUZZ_BINS)
	@tests/fuzz/run.sh fuzz $(FUZZ_BUILD) $(FUZZ_TIME) $(FUZZ_HARNESSES)

# In make check: every saved input once as a regression test, then a
# FUZZ_SMOKE_TIME run from a copy of the saved corpus.
fuzz-smoke: $(FUZZ_BINS)
	@tests/fuzz/run.sh smoke $(FUZZ_BUILD) $(FUZZ_SMOKE_TIME) $(FUZZ_HARNESSES)

# Record what gdb and lldb send in the e2e scenarios and turn it into
# the gdb-* and lldb-* seeds of the saved corpora.
fuzz-seeds: all
	$(PYTHON) scripts/record_e2e_sessions.py $(FUZZ_BUILD)/sessions
	$(PYTHON) scripts/rsp_log_to_seeds.py $(FUZZ_BUILD)/sessions tests/fuzz/corpus
