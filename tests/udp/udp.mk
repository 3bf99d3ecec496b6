# The UDP bridge's integration test: build/udp-auth-target (the fake
# machine and the stub behind the authenticated link on a loopback UDP
# socket) and tests/udp/test_bridge.py, which drives build/kstub-udp
# against it.
UDP_TARGET_SRCS := tests/udp/udp_auth_target.c tests/fakes/fake_machine.c \
	tests/fakes/fake_link.c tests/fakes/fake_port.c tests/fakes/fake_rsp.c
UDP_TARGET_OBJS := $(patsubst %.c,$(BUILD)/obj/udp-target/%.o,$(UDP_TARGET_SRCS))

$(BUILD)/obj/udp-target/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(HOSTED) $(SAN) -D_GNU_SOURCE $(TARGET_INC) -Itests/fakes -Istub/src \
		-MMD -MP -c $< -o $@

$(BUILD)/udp-auth-target: $(UDP_TARGET_OBJS) $(BUILD)/libkstub.a
	$(CC) $(SAN) -o $@ $^

.PHONY: check-udp-bridge
check-udp-bridge: $(BUILD)/kstub-udp $(BUILD)/udp-auth-target
	$(PYTHON) tests/udp/test_bridge.py
