# The 16550 serial transport, target half (freestanding).
KSTUB_SERIAL_DIR ?= transports/serial
KSTUB_SERIAL_SRCS = $(KSTUB_SERIAL_DIR)/serial16550.c
KSTUB_SERIAL_INCLUDES = $(KSTUB_SERIAL_DIR)
