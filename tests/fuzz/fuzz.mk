# libFuzzer harnesses: one tests/fuzz/fuzz_<name>.c each. Adding one is
# that file plus its name here; its saved corpus is tests/fuzz/corpus/<name>.
FUZZ_HARNESSES := framer dispatch xfer serial

FUZZ_CC := clang
FUZZ_BUILD := $(BUILD)/fuzz
FUZZ_TIME ?= 60
FUZZ_SMOKE_TIME ?= 5
FUZZ_FLAGS := -std=c11 -g -O1 $(WARN) -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_INC := $(TARGET_INC) -Istub/src -Itests/fakes -Itests/fuzz
FUZZ_COMMON_SRCS := $(TARGET_SRCS) tests/fuzz/fuzz_target.c \
	tests/fakes/fake_uart.c
FUZZ_COMMON_OBJS := $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(FUZZ_COMMON_SRCS))
FUZZ_BINS := $(addprefix $(FUZZ_BUILD)/fuzz-,$(FUZZ_HARNESSES))

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(FUZZ_INC) \
		-MMD -MP -c $< -o $@

$(FUZZ_BUILD)/fuzz-%: $(FUZZ_BUILD)/obj/tests/fuzz/fuzz_%.o $(FUZZ_COMMON_OBJS)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer $^ -o $@

.PHONY: fuzz fuzz-smoke
# Each harness for FUZZ_TIME seconds; new inputs go to build/fuzz/corpus.
fuzz: $(FUZZ_BINS)
	@for h in $(FUZZ_HARNESSES); do \
		mkdir -p $(FUZZ_BUILD)/corpus/$$h tests/fuzz/corpus/$$h; \
		echo "== fuzz-$$h for $(FUZZ_TIME) s"; \
		$(FUZZ_BUILD)/fuzz-$$h -max_total_time=$(FUZZ_TIME) \
			-print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/ \
			$(FUZZ_BUILD)/corpus/$$h tests/fuzz/corpus/$$h 2>&1 | \
			grep -E '^#[0-9]+ +DONE|stat::|ERROR|SUMMARY' || exit 1; \
	done

# In make check: every saved input as a regression test, then a short run.
fuzz-smoke: $(FUZZ_BINS)
	@for h in $(FUZZ_HARNESSES); do \
		mkdir -p tests/fuzz/corpus/$$h; \
		$(FUZZ_BUILD)/fuzz-$$h -runs=0 tests/fuzz/corpus/$$h \
			>$(FUZZ_BUILD)/$$h-regress.log 2>&1 || \
			{ tail -30 $(FUZZ_BUILD)/$$h-regress.log; exit 1; }; \
		$(FUZZ_BUILD)/fuzz-$$h -max_total_time=$(FUZZ_SMOKE_TIME) \
			-artifact_prefix=$(FUZZ_BUILD)/ \
			>$(FUZZ_BUILD)/$$h-smoke.log 2>&1 || \
			{ tail -30 $(FUZZ_BUILD)/$$h-smoke.log; exit 1; }; \
		echo "fuzz-$$h: $$(ls tests/fuzz/corpus/$$h | wc -l) saved inputs ok;" \
			"$$(grep -Eo '^#[0-9]+' $(FUZZ_BUILD)/$$h-smoke.log | tail -1 | tr -d '#')" \
			"execs in $(FUZZ_SMOKE_TIME) s, no crash"; \
	done
