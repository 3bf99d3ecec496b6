# Check-based unit tests: one suite per module, listed in suites.def.
UNIT_SRCS := tests/unit/main.c \
	tests/unit/arch/test_arch_regs.c \
	tests/unit/arch/test_arch_fpu.c \
	tests/unit/arch/test_arch_xml.c \
	tests/unit/arch/test_arch_dr.c \
	tests/unit/arch/test_arch_step.c \
	tests/unit/arch/test_arch_stop.c
UNIT_SRCS += tests/unit/serial/test_serial.c
UNIT_SRCS += tests/unit/serial/test_linkfault.c
UNIT_SRCS += tests/unit/serial/test_uart_model.c
UNIT_SRCS += tests/unit/serial/test_uart_flow.c
UNIT_SRCS += tests/unit/serial/model_util.c
UNIT_SRCS += tests/unit/core/core_fixture.c
UNIT_SRCS += tests/unit/core/test_core_rsp.c
UNIT_SRCS += tests/unit/core/test_core_cmds.c
UNIT_SRCS += tests/unit/core/test_core_debug.c
UNIT_SRCS += tests/unit/core/test_core_step.c
UNIT_SRCS += tests/unit/core/test_core_session.c
UNIT_SRCS += tests/unit/core/test_core_badinput.c
UNIT_SRCS += tests/unit/core/test_core_nested.c
UNIT_SRCS += tests/unit/core/test_core_link.c
UNIT_SRCS += tests/unit/agent/test_agent.c
UNIT_SRCS += tests/unit/agent/test_agent_eval.c
UNIT_SRCS += tests/unit/agent/agent_machine.c

UNIT_FAKE_SRCS :=
UNIT_FAKE_SRCS += tests/fakes/fake_uart.c

# hostsim's UART model and fault injector, built here for their own tests
# (hosted C, pthreads); hostsim.mk builds them for the machine.
UNIT_HOSTSIM_SRCS := hostsim/uart.c hostsim/uart_io.c hostsim/uart_far.c \
	hostsim/linkfault.c

UNIT_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(UNIT_SRCS) $(UNIT_FAKE_SRCS))
UNIT_OBJS += $(patsubst %.c,$(BUILD)/obj/unit-hostsim/%.o,$(UNIT_HOSTSIM_SRCS))
# hostsim's debug-register model, against a fake kernel text.
UNIT_OBJS += $(BUILD)/obj/tests/unit/hostsim/test_drmodel.o \
	$(BUILD)/obj/unit-hostsim-dr/hostsim/drmodel.o
UNIT_INC := $(TARGET_INC) -Itests/fakes -Itests/unit -Istub/src -Ihostsim

$(BUILD)/obj/unit-hostsim/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(HOSTED) $(SAN) -D_GNU_SOURCE -pthread -Ihostsim \
		-MMD -MP -c $< -o $@

$(BUILD)/obj/unit-hostsim-dr/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(HOSTED) $(SAN) -D_GNU_SOURCE -pthread $(TARGET_INC) -Ihostsim \
		-MMD -MP -c $< -o $@

$(BUILD)/obj/tests/%.o: tests/%.c
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
