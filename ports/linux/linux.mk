# The Linux port's build, included by the top Makefile.
#   make linux-module   build/linux/module/kstub.ko and
#                       build/linux/demo/kstub_demo.ko for KSTUB_LINUX_ABI
#   make e2e-linux      boot Debian's kernel in QEMU and run the gdb scenarios
# KDIR overrides the kernel build tree (default: that ABI's headers).
include ports/linux/abi.mk

KDIR ?= /usr/src/linux-headers-$(KSTUB_LINUX_ABI)
LINUX_BUILD := $(BUILD)/linux
LINUX_MOD_DIR := $(LINUX_BUILD)/module
LINUX_MOD_SRCS := $(KSTUB_SRCS) $(KSTUB_SERIAL_SRCS) \
	ports/linux/kstub_main.c ports/linux/kstub_port.c ports/linux/kstub_lsmod.c \
	ports/linux/kstub_hwbp.c ports/linux/kstub_dr_tramp.S
LINUX_MOD_DEPS := $(LINUX_MOD_SRCS) ports/linux/Kbuild ports/linux/kstub_linux.h \
	ports/linux/kstub_linux_types.h $(wildcard stub/include/*.h stub/src/*.h \
	stub/arch/x86_64/*.h transports/serial/*.h)

# Kbuild writes objects next to the sources it is given; an out-of-tree
# module cannot name another output directory on 6.1. So the module is
# built in a tree of symlinks, one per source file: the same files as
# every other port (no copies), and nothing written into the tree. The
# headers beside them too: "" includes are looked up beside the link.
$(LINUX_MOD_DIR)/kstub.ko: $(LINUX_MOD_DEPS)
	@for f in $(LINUX_MOD_SRCS) $(wildcard $(sort $(addsuffix *.h,$(dir $(LINUX_MOD_SRCS))))) ; do \
		mkdir -p $(LINUX_MOD_DIR)/$$(dirname $$f) ; \
		ln -sf $(CURDIR)/$$f $(LINUX_MOD_DIR)/$$f ; \
	done
	ln -sf $(CURDIR)/ports/linux/Kbuild $(LINUX_MOD_DIR)/Kbuild
	$(MAKE) -C $(KDIR) M=$(CURDIR)/$(LINUX_MOD_DIR) KSTUB_ROOT=$(CURDIR) modules

$(LINUX_BUILD)/demo/kstub_demo.ko: ports/linux/demo/kstub_demo.c ports/linux/demo/Kbuild
	@mkdir -p $(@D)
	ln -sf $(CURDIR)/ports/linux/demo/kstub_demo.c $(CURDIR)/ports/linux/demo/Kbuild $(@D)/
	$(MAKE) -C $(KDIR) M=$(CURDIR)/$(@D) modules

.PHONY: linux-module e2e-linux
linux-module: $(LINUX_MOD_DIR)/kstub.ko $(LINUX_BUILD)/demo/kstub_demo.ko

e2e-linux: linux-module
	KSTUB_LINUX_ABI=$(KSTUB_LINUX_ABI) $(PYTHON) tests/e2e/linux/run_linux.py
