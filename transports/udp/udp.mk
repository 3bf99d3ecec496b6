# The UDP transport, target half (freestanding): HMAC-SHA-256, the
# authenticated mode (the default) and plain mode over datagrams, and
# the Ethernet/ARP/IPv4/UDP/ICMP layer under them over a polled NIC
# (issue 14). host/ holds the bridge, which is hosted and not listed.
KSTUB_UDP_DIR ?= transports/udp
KSTUB_UDP_SRCS = $(KSTUB_UDP_DIR)/hmac_sha256.c $(KSTUB_UDP_DIR)/udp_plain.c \
	$(KSTUB_UDP_DIR)/udp_net.c $(KSTUB_UDP_DIR)/udp_link.c \
	$(KSTUB_UDP_DIR)/udp_auth_wire.c $(KSTUB_UDP_DIR)/udp_auth.c \
	$(KSTUB_UDP_DIR)/udp_auth_stats.c
KSTUB_UDP_INCLUDES = $(KSTUB_UDP_DIR)
