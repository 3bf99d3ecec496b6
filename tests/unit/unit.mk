# Check-based unit tests: one suite per module, listed in suites.def.
UNIT_SRCS := tests/unit/main.c \
	tests/unit/arch/test_arch_regs.c \
	tests/unit/arch/test_arch_fpu.c \
	tests/unit/arch/test_arch_xml.c \
	tests/unit/arch/test_arch_dr.c \
	tests/unit/arch/test_arch_step.c \
	tests/unit/arch/test_arch_stop.c

UNIT_FAKE_SRCS :=

UNIT_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(UNIT_SRCS) $(UNIT_FAKE_SRCS))
UNIT_INC := $(TARGET_INC) -Itests/fakes -Itests/unit -Istub/src

$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(CC) $(HOSTED) $(SAN) -D_GNU_SOURCE $(UNIT_INC) \
		$(shell pkg-config --cflags check) -MMD -MP -c $< -o $@

$(BUILD)/unit-tests: $(UNIT_OBJS) $(BUILD)/libkstub.a
	$(CC) $(SAN) -o $@ $(UNIT_OBJS) $(BUILD)/libkstub.a \
		$(shell pkg-config --libs check)

# Prints target.xml for tests/arch/check_tdesc.sh.
$(BUILD)/dump-target-xml: $(BUILD)/obj/tests/tools/dump_target_xml.o \
		$(BUILD)/libkstub.a
	$(CC) $(SAN) -o $@ $^

# target.xml as the real gdb and lldb read it (needs gdb; lldb optional).
.PHONY: check-tdesc
check-tdesc: $(BUILD)/dump-target-xml
	tests/arch/check_tdesc.sh $(BUILD)/dump-target-xml
