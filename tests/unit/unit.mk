# Check-based unit tests: one suite per module, listed in suites.def.
UNIT_SRCS := tests/unit/main.c
UNIT_SRCS += tests/unit/serial/test_serial.c

UNIT_FAKE_SRCS :=
UNIT_FAKE_SRCS += tests/fakes/fake_uart.c

UNIT_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(UNIT_SRCS) $(UNIT_FAKE_SRCS))
UNIT_INC := $(TARGET_INC) -Itests/fakes -Itests/unit -Istub/src

$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(CC) $(HOSTED) $(SAN) -D_GNU_SOURCE $(UNIT_INC) \
		$(shell pkg-config --cflags check) -MMD -MP -c $< -o $@

$(BUILD)/unit-tests: $(UNIT_OBJS) $(BUILD)/libkstub.a
	$(CC) $(SAN) -o $@ $(UNIT_OBJS) $(BUILD)/libkstub.a \
		$(shell pkg-config --libs check)
