# hostsim: build/kstub-sim, the simulated kernel that hosts the stub.
# Kernel objects (the workload, the kernel threads, the kernel's console
# and API) are linked into one page-aligned relocatable object with
# hostsim/kern.ld, whose text alone is the kernel text breakpoints patch;
# the simulator and the (sanitized) stub into another with their
# sections renamed (hostsim/sim.ld). gdb relocates both by qOffsets.
HOSTSIM_KERN_SRCS := workload/workload.c workload/shell.c workload/panic.c \
	workload/kthreads.c \
	hostsim/kthread.c hostsim/kconsole.c
HOSTSIM_SIM_SRCS := hostsim/main.c hostsim/cpu.c hostsim/drmodel.c \
	hostsim/port.c hostsim/uart.c hostsim/uart_io.c hostsim/uart_far.c \
	hostsim/linkfault.c hostsim/nic.c hostsim/nic_pcap.c hostsim/udplink.c \
	transports/udp/host/keyfile.c \
	hostsim/fw.c
HOSTSIM_KERN_OBJS := $(patsubst %.c,$(BUILD)/hostsim/kern/%.o,$(HOSTSIM_KERN_SRCS))
HOSTSIM_SIM_OBJS := $(patsubst %.c,$(BUILD)/hostsim/sim/%.o,$(HOSTSIM_SIM_SRCS))
HOSTSIM_CFLAGS := -g -fPIE -fno-omit-frame-pointer -D_GNU_SOURCE -pthread $(WARN)

ALL_HOSTSIM := $(BUILD)/kstub-sim

# -O0: what gdb shows of the kernel (print path, finish) stays exact.
$(BUILD)/hostsim/kern/%.o: %.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O0 $(HOSTSIM_CFLAGS) $(TARGET_INC) -MMD -MP -c $< -o $@

$(BUILD)/hostsim/sim/%.o: %.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O1 $(HOSTSIM_CFLAGS) $(TARGET_INC) -Ihostsim \
		-MMD -MP -c $< -o $@

$(BUILD)/hostsim/kern.o: $(HOSTSIM_KERN_OBJS) hostsim/kern.ld
	$(LD) -r -T hostsim/kern.ld $(HOSTSIM_KERN_OBJS) -o $@

$(BUILD)/hostsim/sim.o: $(HOSTSIM_SIM_OBJS) $(BUILD)/libkstub.a hostsim/sim.ld
	$(LD) -r -T hostsim/sim.ld $(HOSTSIM_SIM_OBJS) \
		--whole-archive $(BUILD)/libkstub.a --no-whole-archive -o $@

# noseparate-code: two LOAD segments (text+rodata, data+bss). gdb then
# applies qOffsets' Text/Data to whole segments; with the four that
# separate-code gives, it relocates only .text, .data and .bss by name,
# and sim_*, .rodata and every other section keep their link addresses.
$(BUILD)/kstub-sim: $(BUILD)/hostsim/sim.o $(BUILD)/hostsim/kern.o
	$(CC) -pie -Wl,-z,noseparate-code $(SAN) -pthread $^ -lpcap -lrt -o $@

# The key file reader is kstub-udp's (one reader, one format); it uses
# the stub's hex digit from stub/src.
$(BUILD)/hostsim/sim/transports/udp/host/keyfile.o: HOSTSIM_CFLAGS += -Istub/src
