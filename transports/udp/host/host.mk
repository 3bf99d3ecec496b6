# build/kstub-udp: the UDP transport's host bridge (hosted C, libpcap for
# --pcap), linked with the same wire code and HMAC the stub's link uses.
UDP_HOST_SRCS := transports/udp/host/kstub-udp.c
UDP_HOST_SHARED := $(BUILD)/obj/transports/udp/hmac_sha256.o \
	$(BUILD)/obj/transports/udp/udp_auth_wire.o
ALL_UDP_HOST := $(BUILD)/kstub-udp

$(BUILD)/obj/transports/udp/host/%.o: transports/udp/host/%.c
	@mkdir -p $(@D)
	$(CC) $(HOSTED) $(SAN) -D_GNU_SOURCE $(TARGET_INC) -MMD -MP -c $< -o $@

$(BUILD)/kstub-udp: $(BUILD)/obj/transports/udp/host/kstub-udp.o \
		$(UDP_HOST_SHARED)
	$(CC) $(SAN) -o $@ $^ $(shell pkg-config --libs libpcap 2>/dev/null || echo -lpcap)
