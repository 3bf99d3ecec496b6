# ports/baremetal: an x86-64 kernel that links the freestanding libkstub.a
# (make freestanding), booted by QEMU. Produces
#   build/baremetal/kernel.elf  ELF64 with debug info: gdb's symbol file
#   build/baremetal/kernel      the boot image for qemu -kernel (a flat
#                               multiboot image: QEMU refuses ELF64)
BM_DIR := ports/baremetal
BM_BUILD := $(BUILD)/baremetal
BM_GLUE_SRCS := main.c cpu.c mmu.c lapic.c smp.c trap.c sched.c \
	console.c port.c printf.c libc.c pci.c e1000.c fw.c
BM_ASM_SRCS := boot.S ap_tramp.S vectors.S
# Shared with hostsim, compiled once more for this machine.
BM_WORKLOAD_SRCS := workload/workload.c workload/shell.c workload/panic.c

BM_OBJS := $(patsubst %.c,$(BM_BUILD)/obj/%.o,$(BM_GLUE_SRCS)) \
	$(patsubst %.S,$(BM_BUILD)/obj/%.o,$(BM_ASM_SRCS)) \
	$(patsubst workload/%.c,$(BM_BUILD)/obj/workload/%.o,$(BM_WORKLOAD_SRCS))

# The kernel code model libkstub.a is compiled for, no red zone (traps
# push onto the current stack), no SSE (traps do not save it for C).
BM_KFLAGS := -std=gnu11 -g -ffreestanding -fno-pic -fno-pie -mcmodel=kernel \
	-mno-red-zone -mgeneral-regs-only -fno-stack-protector \
	-fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	-fno-tree-loop-distribute-patterns -fcf-protection=none $(WARN)
BM_INC := -I$(BM_DIR) -Iworkload $(TARGET_INC)

$(BM_BUILD)/obj/%.o: $(BM_DIR)/%.c
	@mkdir -p $(@D)
	$(CC) -O2 $(BM_KFLAGS) $(BM_INC) -MMD -MP -c $< -o $@

$(BM_BUILD)/obj/%.o: $(BM_DIR)/%.S
	@mkdir -p $(@D)
	$(CC) $(BM_KFLAGS) $(BM_INC) -MMD -MP -c $< -o $@

# -O0, as in hostsim: print path and finish show exactly what the source says.
$(BM_BUILD)/obj/workload/%.o: workload/%.c
	@mkdir -p $(@D)
	$(CC) -O0 $(BM_KFLAGS) $(BM_INC) -MMD -MP -c $< -o $@

$(BM_BUILD)/kernel.ld: $(BM_DIR)/kernel.ld.S $(BM_DIR)/layout.h
	@mkdir -p $(@D)
	$(CC) -E -P -x c -I$(BM_DIR) $< -o $@

$(BM_BUILD)/kernel.elf: $(BM_OBJS) $(FBUILD)/libkstub.a $(BM_BUILD)/kernel.ld
	$(LD) -n -z max-page-size=4096 --build-id=none --no-warn-rwx-segments \
		-T $(BM_BUILD)/kernel.ld -o $@ $(BM_OBJS) $(FBUILD)/libkstub.a

$(BM_BUILD)/kernel: $(BM_BUILD)/kernel.elf
	objcopy -O binary $< $@

.PHONY: baremetal e2e-qemu
baremetal: $(BM_BUILD)/kernel.elf $(BM_BUILD)/kernel

e2e-qemu: baremetal $(BUILD)/kstub-udp
	$(PYTHON) tests/e2e/qemu/run_qemu.py
