# kstub: a GDB remote stub for kernels. `make demo` and `make check` are
# the two commands a newcomer needs; see README.
.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:

# The compiler is yours to choose (make CC=clang); make's built-in
# default "cc" becomes gcc, which the project is tested with.
ifeq ($(origin CC),default)
CC := gcc
endif
LD ?= ld
PYTHON := python3
BUILD := build
FBUILD := $(BUILD)/freestanding

include stub/kstub.mk
include transports/serial/serial.mk
include transports/udp/udp.mk
include transports/fw/fw.mk

WARN := -Wall -Wextra -Werror -Wmissing-prototypes -Wvla
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
HOSTED := -std=c11 -g -O1 -fno-omit-frame-pointer $(WARN)
TARGET_INC := $(addprefix -I,$(KSTUB_INCLUDES) $(KSTUB_SERIAL_INCLUDES) \
	$(KSTUB_UDP_INCLUDES) $(KSTUB_FW_INCLUDES))
TARGET_SRCS := $(KSTUB_SRCS) $(KSTUB_SERIAL_SRCS) $(KSTUB_UDP_SRCS) $(KSTUB_FW_SRCS)

# ---- hosted build of the stub and the target halves (tests, hostsim) ----
STUB_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(TARGET_SRCS))

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(HOSTED) $(SAN) $(TARGET_INC) -MMD -MP -c $< -o $@

$(BUILD)/libkstub.a: $(STUB_OBJS)
	rm -f $@
	ar rcs $@ $^

include hostsim/hostsim.mk
include transports/udp/host/host.mk
include tests/udp/udp.mk

$(BUILD)/kstub-fw: $(patsubst %.c,$(BUILD)/obj/%.o,$(KSTUB_FW_HOST_SRCS))
	$(CC) $(SAN) -o $@ $^
include tests/unit/unit.mk
include tests/fuzz/fuzz.mk
include ports/baremetal/baremetal.mk
include ports/linux/linux.mk

# ---- freestanding build: what a kernel links ----
FREE_CFLAGS := -std=c11 -Os -ffreestanding -fno-asynchronous-unwind-tables -nostdlib -fno-builtin \
	-mno-red-zone -mgeneral-regs-only -mcmodel=kernel -fno-pic \
	-fno-stack-protector -fno-tree-loop-distribute-patterns \
	-fstack-usage -fcallgraph-info=su $(WARN) -Wframe-larger-than=512 \
	-Wimplicit-fallthrough=5
FREE_STUB_OBJS := $(patsubst %.c,$(FBUILD)/%.o,$(KSTUB_SRCS))
FREE_SERIAL_OBJS := $(patsubst %.c,$(FBUILD)/%.o,$(KSTUB_SERIAL_SRCS))
FREE_UDP_OBJS := $(patsubst %.c,$(FBUILD)/%.o,$(KSTUB_UDP_SRCS))
FREE_FW_OBJS := $(patsubst %.c,$(FBUILD)/%.o,$(KSTUB_FW_SRCS))
# The same sources once more with -nostdinc, as Kbuild compiles them.
NOSTDINC_OBJS := $(patsubst %.c,$(FBUILD)/nostdinc/%.o,$(TARGET_SRCS))

$(FBUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(FREE_CFLAGS) $(TARGET_INC) -MMD -MP -c $< -o $@

$(FBUILD)/nostdinc/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(FREE_CFLAGS) -nostdinc \
		-DKSTUB_TYPES_HEADER='"$(CURDIR)/tests/freestanding/types.h"' \
		$(TARGET_INC) -c $< -o $@

$(FBUILD)/kstub.o: $(FREE_STUB_OBJS)
	$(LD) -r -o $@ $^

$(FBUILD)/kstub-serial.o: $(FREE_SERIAL_OBJS)
	$(LD) -r -o $@ $^

$(FBUILD)/kstub-udp.o: $(FREE_UDP_OBJS)
	$(LD) -r -o $@ $^

$(FBUILD)/kstub-fw.o: $(FREE_FW_OBJS)
	$(LD) -r -o $@ $^

$(FBUILD)/libkstub.a: $(FREE_STUB_OBJS) $(FREE_SERIAL_OBJS) $(FREE_UDP_OBJS) $(FREE_FW_OBJS)
	rm -f $@
	ar rcs $@ $^

.PHONY: all deps check unit check-py e2e freestanding size demo bench clean

all: $(BUILD)/libkstub.a $(ALL_HOSTSIM) $(BUILD)/unit-tests $(ALL_UDP_HOST) $(BUILD)/kstub-fw

deps:
	@scripts/deps.sh

freestanding: $(FBUILD)/kstub.o $(FBUILD)/kstub-serial.o $(FBUILD)/kstub-udp.o \
		$(FBUILD)/kstub-fw.o $(FBUILD)/libkstub.a $(NOSTDINC_OBJS)
	scripts/check-freestanding.sh $(FBUILD)/kstub.o $(FBUILD)/kstub-serial.o \
		$(FBUILD)/kstub-udp.o $(FBUILD)/kstub-fw.o

size: freestanding
	scripts/size.sh $(FBUILD)

unit: $(BUILD)/unit-tests
	$(BUILD)/unit-tests

# The test harness's own Python (wire.py's framing, the e2e runner), without a machine.
check-py:
	$(PYTHON) -m unittest discover -s tests/e2e -p 'test_*.py'

e2e: all
	$(PYTHON) tests/e2e/run.py

check: deps
	$(MAKE) all
	$(MAKE) freestanding
	$(MAKE) size
	$(MAKE) unit
	$(MAKE) check-py
	$(MAKE) check-tdesc
	$(MAKE) fuzz-smoke
	$(MAKE) check-udp-bridge
	$(MAKE) e2e
	$(MAKE) e2e-qemu
	$(MAKE) e2e-linux

demo: deps
	$(MAKE) all
	scripts/demo.sh

bench: deps
	$(MAKE) all baremetal
	bench/run.sh

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
