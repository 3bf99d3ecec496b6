# kstub core: plain source lists for any build system (Kbuild, BSD make,
# this Makefile). Paths are relative to KSTUB_DIR.
KSTUB_DIR ?= stub

KSTUB_CORE_SRCS = \
	src/init.c \
	src/rsp_cursor.c \
	src/rsp_frame.c \
	src/rsp_stream.c \
	src/rsp_tx.c \
	src/link.c \
	src/dispatch.c \
	src/session.c \
	src/stop_reply.c \
	src/hangup.c \
	src/console.c \
	src/cmd_regs.c \
	src/cmd_mem.c \
	src/cmd_bp.c \
	src/cmd_query.c \
	src/cmd_resume.c \
	src/cmd_thread.c \
	src/cmd_lldb.c \
	src/threads.c \
	src/breakpoints.c \
	src/xfer.c \
	src/monitor.c \
	src/entry.c \
	src/cpus.c \
	src/recover.c
# agent expressions (conditions, dprintf): issue 17
KSTUB_CORE_SRCS += src/agent_parse.c src/agent_verify.c src/agent_eval.c src/agent_printf.c \
	src/agent_hit.c

KSTUB_ARCH_SRCS = \
	arch/x86_64/regs.c \
	arch/x86_64/fpu.c \
	arch/x86_64/dr.c \
	arch/x86_64/dr_native.c \
	arch/x86_64/step.c \
	arch/x86_64/stop.c \
	arch/x86_64/recover.c

KSTUB_SRCS = $(addprefix $(KSTUB_DIR)/,$(KSTUB_CORE_SRCS) $(KSTUB_ARCH_SRCS))
KSTUB_INCLUDES = $(KSTUB_DIR)/include $(KSTUB_DIR)/arch/x86_64
