# Check-based unit tests, one suite per tests/unit/<area>/test_<name>.c,
# each exporting Suite *<name>_suite(void). Nothing here lists them by
# hand: the sources are found by wildcard and the runner's list of suites
# is generated from the same file names, so a suite file cannot exist
# without being built and run. Other .c files beside them are helpers.
UNIT_SUITE_SRCS := $(sort $(wildcard tests/unit/*/test_*.c))
UNIT_SUITES := $(patsubst test_%,%,$(basename $(notdir $(UNIT_SUITE_SRCS))))
UNIT_HELPER_SRCS := $(filter-out $(UNIT_SUITE_SRCS),\
	$(sort $(wildcard tests/unit/*/*.c)))
UNIT_SRCS := tests/unit/main.c $(UNIT_SUITE_SRCS) $(UNIT_HELPER_SRCS)
# The DMA ring transport's host side plays the host in tests/unit/fw.
UNIT_SRCS += transports/fw/host/fw_host.c

UNIT_FAKE_SRCS := $(sort $(wildcard tests/fakes/*.c))

# hostsim's UART and NIC models and fault injector, built here for their
# own tests (hosted C, pthreads); hostsim.mk builds them for the machine.
# The NIC model's pcap wire (nic_pcap.c) is left to the e2e tests.
UNIT_HOSTSIM_SRCS := hostsim/uart.c hostsim/uart_io.c hostsim/uart_far.c \
	hostsim/linkfault.c hostsim/nic.c

UNIT_GEN := $(BUILD)/gen/unit
UNIT_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(UNIT_SRCS) $(UNIT_FAKE_SRCS))
UNIT_OBJS += $(patsubst %.c,$(BUILD)/obj/unit-hostsim/%.o,$(UNIT_HOSTSIM_SRCS))
# hostsim's debug-register model, against a fake kernel text.
UNIT_OBJS += $(BUILD)/obj/unit-hostsim-dr/hostsim/drmodel.o
UNIT_INC := $(TARGET_INC) -Itests/fakes -I$(UNIT_GEN) -Istub/src -Ihostsim \
	-Itransports/fw/host

# SUITE(name) for every suite file, rewritten only when the set changes
# so that adding a suite rebuilds just the files that include the list.
$(UNIT_GEN)/suites.def: FORCE
	@mkdir -p $(@D)
	@printf 'SUITE(%s)\n' $(UNIT_SUITES) > $@.tmp
	@cmp -s $@.tmp $@ 2>/dev/null && rm -f $@.tmp || mv $@.tmp $@
.PHONY: FORCE
FORCE:

$(BUILD)/obj/unit-hostsim/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(HOSTED) $(SAN) -D_GNU_SOURCE -pthread $(TARGET_INC) -Ihostsim \
		-MMD -MP -c $< -o $@

$(BUILD)/obj/unit-hostsim-dr/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(HOSTED) $(SAN) -D_GNU_SOURCE -pthread $(TARGET_INC) -Ihostsim \
		-MMD -MP -c $< -o $@

$(BUILD)/obj/tests/%.o: tests/%.c | $(UNIT_GEN)/suites.def
	@mkdir -p $(@D)
	$(CC) $(HOSTED) $(SAN) -D_GNU_SOURCE $(UNIT_INC) \
		$(shell pkg-config --cflags check) -MMD -MP -c $< -o $@

$(BUILD)/unit-tests: $(UNIT_OBJS) $(BUILD)/libkstub.a
	$(CC) $(SAN) -pthread -o $@ $(UNIT_OBJS) $(BUILD)/libkstub.a \
		$(shell pkg-config --libs check)

# Prints target.xml for tests/arch/check_tdesc.sh.
$(BUILD)/dump-target-xml: $(BUILD)/obj/tests/tools/dump_target_xml.o \
		$(BUILD)/libkstub.a
	$(CC) $(SAN) -o $@ $^

# target.xml as the real gdb and lldb read it (needs gdb; lldb optional).
.PHONY: check-tdesc
check-tdesc: $(BUILD)/dump-target-xml
	tests/arch/check_tdesc.sh $(BUILD)/dump-target-xml
