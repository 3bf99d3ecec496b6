# The UDP transport, target half (freestanding). So far: HMAC-SHA-256
# for the authenticated mode and plain mode over datagrams (issue 14 part 2).
KSTUB_UDP_DIR ?= transports/udp
KSTUB_UDP_SRCS = $(KSTUB_UDP_DIR)/hmac_sha256.c $(KSTUB_UDP_DIR)/udp_plain.c
KSTUB_UDP_INCLUDES = $(KSTUB_UDP_DIR)
