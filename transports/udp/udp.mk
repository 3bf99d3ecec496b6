# The UDP transport, target half (freestanding). So far: HMAC-SHA-256
# for the authenticated mode, plain mode over datagrams, and the
# Ethernet/ARP/IPv4/UDP/ICMP layer under it over a polled NIC (issue 14).
KSTUB_UDP_DIR ?= transports/udp
KSTUB_UDP_SRCS = $(KSTUB_UDP_DIR)/hmac_sha256.c $(KSTUB_UDP_DIR)/udp_plain.c \
	$(KSTUB_UDP_DIR)/udp_net.c $(KSTUB_UDP_DIR)/udp_link.c
KSTUB_UDP_INCLUDES = $(KSTUB_UDP_DIR)
