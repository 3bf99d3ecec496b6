# The DMA ring transport, target half (freestanding), issue 16. The host
# half (transports/fw/host/) is hosted C, built by the Makefile.
KSTUB_FW_DIR ?= transports/fw
KSTUB_FW_SRCS = $(KSTUB_FW_DIR)/fw_ring.c
KSTUB_FW_INCLUDES = $(KSTUB_FW_DIR)

# kstub-fw, the host half: hosted C, sanitized like the tests.
KSTUB_FW_HOST_SRCS = $(KSTUB_FW_DIR)/host/kstub-fw.c $(KSTUB_FW_DIR)/host/fw_host.c
