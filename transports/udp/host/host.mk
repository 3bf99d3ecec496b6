# build/kstub-udp: the UDP transport's host bridge (hosted C, libpcap for
# --pcap), linked with the same wire code, HMAC and hex digits the stub
# uses (from the hosted libkstub.a, which holds them all).
ALL_UDP_HOST := $(BUILD)/kstub-udp

$(BUILD)/obj/transports/udp/host/%.o: transports/udp/host/%.c
	@mkdir -p $(@D)
	$(CC) $(HOSTED) $(SAN) -D_GNU_SOURCE $(TARGET_INC) -Istub/src -MMD -MP -c $< -o $@

$(BUILD)/kstub-udp: $(BUILD)/obj/transports/udp/host/kstub-udp.o \
		$(BUILD)/obj/transports/udp/host/bridge_io.o \
		$(BUILD)/obj/transports/udp/host/keyfile.o $(BUILD)/libkstub.a
	$(CC) $(SAN) -o $@ $^ $(shell pkg-config --libs libpcap 2>/dev/null || echo -lpcap)
