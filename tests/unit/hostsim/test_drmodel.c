// SPDX-License-Identifier: BSD-2-Clause
/*
 * hostsim's debug-register model (hostsim/drmodel.c), driven as the
 * machine's signal handlers drive it but with made-up signal contexts:
 * DR6 B0-B3 and BS, several slots hit by one access, RF over an exec
 * breakpoint, LEN 1/2/4/8 and the address masking the CPU applies.
 * Kernel text is a page here, data breakpoints watch a real page (its
 * protection is read back from /proc/self/maps).
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "sim.h"

#define PAGE 4096u
#define DR6_BS (1u << 14)
#define RW_EXEC 0u
#define RW_WRITE 1u
#define RW_ACCESS 3u
#define INT3_SI_CODE 0x80	/* SI_KERNEL: how Linux reports int3 */

static uint8_t *text;	/* the fake kernel text */
static uint8_t *data;	/* a watched page */
static struct cpu cpu;

/* hostsim/port.c's text hooks, on the fake text page. */
bool sim_text_contains(uint64_t addr, size_t len)
{
	uint64_t lo = (uint64_t)(uintptr_t)text;

	return addr >= lo && addr < lo + PAGE && len <= lo + PAGE - addr;
}

int sim_text_patch(uint64_t addr, const void *src, size_t len)
{
	if (!sim_text_contains(addr, len))
		return KSTUB_EFAULT;
	memcpy((void *)(uintptr_t)addr, src, len);
	return 0;
}

/* The permissions /proc/self/maps shows for the page at p ("rw-p"). */
static void page_perms(const void *p, char out[5])
{
	unsigned long lo, hi, a = (unsigned long)(uintptr_t)p;
	char line[256], perms[8];
	FILE *f = fopen("/proc/self/maps", "r");

	strcpy(out, "?");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) == 3 &&
		    a >= lo && a < hi) {
			memcpy(out, perms, 4);
			out[4] = 0;
			break;
		}
	}
	fclose(f);
}

static uint64_t dr7_slot(unsigned slot, unsigned rw, unsigned len)
{
	static const unsigned len_bits[9] = { 0, 0, 1, 0, 3, 0, 0, 0, 2 };

	return (2ull << (2 * slot)) | ((uint64_t)rw << (16 + 4 * slot)) |
	       ((uint64_t)len_bits[len] << (18 + 4 * slot));
}

static void load(const uint64_t addr[4], uint64_t dr7)
{
	for (unsigned i = 0; i < 4; i++)
		dr_model_set(&cpu, i, addr[i]);
	dr_model_set(&cpu, 7, dr7);
}

static void setup(void)
{
	text = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	data = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(text != MAP_FAILED && data != MAP_FAILED);
	memset(text, 0x90, PAGE);
	memset(&cpu, 0, sizeof(cpu));
}

/* Every test leaves the model disarmed: text and data as they were. */
static void teardown(void)
{
	static const uint64_t none[4];
	char perms[5];

	load(none, 0);
	page_perms(data, perms);
	ck_assert_str_eq(perms, "rw-p");
	for (unsigned i = 0; i < PAGE; i++)
		ck_assert_uint_eq(text[i], 0x90);
	munmap(text, PAGE);
	munmap(data, PAGE);
}

/*
 * One memory access as the CPU makes it: the fault on the protected
 * page, the step over the instruction with the page open, and the trap
 * after it. Returns what the trap hands the stub (0: nothing), with
 * DR6 in *dr6. insn is the faulting instruction's encoding.
 */
static int one_access(uint64_t addr, bool write, const uint8_t *insn,
		  uint64_t *dr6)
{
	ucontext_t uc;
	siginfo_t si;
	int r;

	memset(&uc, 0, sizeof(uc));
	memset(&si, 0, sizeof(si));
	si.si_signo = SIGSEGV;
	si.si_addr = (void *)(uintptr_t)addr;
	uc.uc_mcontext.gregs[REG_ERR] = write ? 6 : 4;
	uc.uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)insn;
	if (!dr_model_sigsegv(&cpu, &uc, &si))
		return -1;
	ck_assert(uc.uc_mcontext.gregs[REG_EFL] & KSTUB_RFLAGS_TF);
	si.si_signo = SIGTRAP;
	si.si_code = TRAP_TRACE;
	r = dr_model_sigtrap(&cpu, &uc, &si);
	ck_assert(!(uc.uc_mcontext.gregs[REG_EFL] & KSTUB_RFLAGS_TF));
	*dr6 = cpu.dr[6];
	return r;
}

/* mov %eax,(%rdi); mov %al,(%rdi); mov %ax,(%rdi); mov %rax,(%rdi) */
static const uint8_t MOV32[] = { 0x89, 0x07 }, MOV8[] = { 0x88, 0x07 };
static const uint8_t MOV16[] = { 0x66, 0x89, 0x07 };
static const uint8_t MOV64[] = { 0x48, 0x89, 0x07 };

static const uint8_t *mov_of(unsigned size)
{
	return size == 1 ? MOV8 : size == 2 ? MOV16 : size == 4 ? MOV32 : MOV64;
}

/* Each slot reports its own B bit, and only it. */
START_TEST(test_b_bit_per_slot)
{
	uint64_t addr[4] = { 0 }, dr6 = 0;
	char perms[5];

	addr[_i] = (uint64_t)(uintptr_t)data + 64;
	load(addr, dr7_slot((unsigned)_i, RW_WRITE, 4));
	page_perms(data, perms);
	ck_assert_str_eq(perms, "r--p");
	ck_assert_int_eq(one_access(addr[_i], true, MOV32, &dr6), KSTUB_TRAP_DB);
	ck_assert_uint_eq(dr6, KSTUB_DR6_CLEAN | (1u << _i));
	/* The page is watched again after the step. */
	page_perms(data, perms);
	ck_assert_str_eq(perms, "r--p");
}
END_TEST

/* One access that overlaps two slots reports both; a third stays out. */
START_TEST(test_several_hits)
{
	uint64_t base = (uint64_t)(uintptr_t)data + 128, dr6 = 0;
	uint64_t addr[4] = { base, base + 8, base + 2, 0 };

	load(addr, dr7_slot(0, RW_WRITE, 4) | dr7_slot(1, RW_WRITE, 4) |
			   dr7_slot(2, RW_ACCESS, 2));
	ck_assert_int_eq(one_access(base, true, MOV32, &dr6), KSTUB_TRAP_DB);
	ck_assert_uint_eq(dr6, KSTUB_DR6_CLEAN | 1u | 4u);
}
END_TEST

/* A write-only slot ignores reads; an access slot takes them. */
START_TEST(test_read_vs_write)
{
	uint64_t a = (uint64_t)(uintptr_t)data + 256, dr6 = 0;
	uint64_t addr[4] = { a, a, 0, 0 };
	char perms[5];

	load(addr, dr7_slot(0, RW_WRITE, 4));
	page_perms(data, perms);
	ck_assert_str_eq(perms, "r--p");	/* reads do not even fault */
	load(addr, dr7_slot(0, RW_WRITE, 4) | dr7_slot(1, RW_ACCESS, 4));
	page_perms(data, perms);
	ck_assert_str_eq(perms, "---p");
	ck_assert_int_eq(one_access(a, false, MOV32, &dr6), KSTUB_TRAP_DB);
	ck_assert_uint_eq(dr6, KSTUB_DR6_CLEAN | 2u);
}
END_TEST

/*
 * LEN 1, 2, 4 and 8 with an aligned DRn, and a DRn whose low bits the
 * CPU ignores (SDM vol. 3 18.2.5): DR0 = base + 3 with LEN 4 watches
 * base..base+3, so a byte at base hits and one at base + 4 does not.
 */
static const struct {
	unsigned len, dr_off, at, size;
	bool hit;
} lens[] = {
	{ 1, 0, 0, 1, true },	{ 1, 0, 1, 1, false },
	{ 2, 0, 1, 1, true },	{ 2, 0, 2, 1, false },
	{ 4, 0, 3, 1, true },	{ 4, 0, 4, 4, false },
	{ 8, 0, 7, 1, true },	{ 8, 0, 8, 8, false },
	{ 8, 0, 4, 8, true },	{ 4, 0, 2, 4, true },	/* overlap from inside */
	{ 1, 0, 0, 8, true },	{ 2, 4, 0, 4, false },	/* wide access */
	{ 4, 3, 0, 1, true },	{ 4, 3, 4, 1, false },	/* unaligned DRn */
	{ 8, 5, 0, 1, true },	{ 8, 5, 8, 1, false },
	{ 2, 1, 0, 1, true },	{ 2, 1, 2, 1, false },
};

START_TEST(test_lengths_and_alignment)
{
	uint64_t base = (uint64_t)(uintptr_t)data + 512, dr6 = 0;
	uint64_t addr[4] = { base + lens[_i].dr_off, 0, 0, 0 };
	int r;

	load(addr, dr7_slot(0, RW_WRITE, lens[_i].len));
	r = one_access(base + lens[_i].at, true, mov_of(lens[_i].size), &dr6);
	if (lens[_i].hit) {
		ck_assert_msg(r == KSTUB_TRAP_DB, "row %d: no hit", _i);
		ck_assert_uint_eq(dr6, KSTUB_DR6_CLEAN | 1u);
	} else {
		/* The page faulted, but the model steps on silently. */
		ck_assert_msg(r == 0, "row %d: a hit", _i);
	}
}
END_TEST

/* A single step that no slot explains is BS. */
START_TEST(test_single_step_bs)
{
	ucontext_t uc;
	siginfo_t si;

	memset(&uc, 0, sizeof(uc));
	memset(&si, 0, sizeof(si));
	si.si_signo = SIGTRAP;
	si.si_code = TRAP_TRACE;
	ck_assert_int_eq(dr_model_sigtrap(&cpu, &uc, &si), KSTUB_TRAP_DB);
	ck_assert_uint_eq(cpu.dr[6], KSTUB_DR6_CLEAN | DR6_BS);
}
END_TEST

/* The int3 the CPU hit, as the SIGTRAP handler sees it. */
static int exec_hit(ucontext_t *uc, uint64_t at)
{
	siginfo_t si;

	memset(uc, 0, sizeof(*uc));
	memset(&si, 0, sizeof(si));
	si.si_signo = SIGTRAP;
	si.si_code = INT3_SI_CODE;
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(at + 1);
	return dr_model_sigtrap(&cpu, uc, &si);
}

static int trace_trap(ucontext_t *uc)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = SIGTRAP;
	si.si_code = TRAP_TRACE;
	return dr_model_sigtrap(&cpu, uc, &si);
}

/*
 * An exec slot faults before the instruction (rip = DRn, Bn). Resuming
 * with RF runs that instruction once without a trap, then the slot is
 * armed again and the next arrival traps.
 */
START_TEST(test_exec_and_rf)
{
	uint64_t at = (uint64_t)(uintptr_t)text + 0x40;
	uint64_t addr[4] = { 0, 0, at, 0 };
	ucontext_t uc;

	load(addr, dr7_slot(2, RW_EXEC, 1));
	ck_assert_uint_eq(text[0x40], 0xcc);
	ck_assert_int_eq(exec_hit(&uc, at), KSTUB_TRAP_DB);
	ck_assert_uint_eq((uint64_t)uc.uc_mcontext.gregs[REG_RIP], at);
	ck_assert_uint_eq(cpu.dr[6], KSTUB_DR6_CLEAN | 4u);

	/* The stub resumes with RF: the real instruction runs, stepped. */
	uc.uc_mcontext.gregs[REG_EFL] = KSTUB_RFLAGS_RF;
	dr_model_resume(&cpu, &uc);
	ck_assert(!(uc.uc_mcontext.gregs[REG_EFL] & KSTUB_RFLAGS_RF));
	ck_assert(uc.uc_mcontext.gregs[REG_EFL] & KSTUB_RFLAGS_TF);
	ck_assert_uint_eq(text[0x40], 0x90);
	uc.uc_mcontext.gregs[REG_RIP] = (greg_t)(at + 1);
	ck_assert_int_eq(trace_trap(&uc), 0);	/* no stop for gdb */
	ck_assert(!(uc.uc_mcontext.gregs[REG_EFL] & KSTUB_RFLAGS_TF));
	ck_assert_uint_eq(text[0x40], 0xcc);

	/* Next time round it fires again. */
	ck_assert_int_eq(exec_hit(&uc, at), KSTUB_TRAP_DB);
	ck_assert_uint_eq(cpu.dr[6], KSTUB_DR6_CLEAN | 4u);
}
END_TEST

/* stepi from an exec breakpoint: RF and TF, so the step reports BS. */
START_TEST(test_rf_with_step)
{
	uint64_t at = (uint64_t)(uintptr_t)text + 0x80;
	uint64_t addr[4] = { at, 0, 0, 0 };
	ucontext_t uc;

	load(addr, dr7_slot(0, RW_EXEC, 1));
	ck_assert_int_eq(exec_hit(&uc, at), KSTUB_TRAP_DB);
	uc.uc_mcontext.gregs[REG_EFL] = KSTUB_RFLAGS_RF | KSTUB_RFLAGS_TF;
	dr_model_resume(&cpu, &uc);
	ck_assert_int_eq(trace_trap(&uc), KSTUB_TRAP_DB);
	ck_assert_uint_eq(cpu.dr[6], KSTUB_DR6_CLEAN | DR6_BS);
	ck_assert(uc.uc_mcontext.gregs[REG_EFL] & KSTUB_RFLAGS_TF);
	ck_assert_uint_eq(text[0x80], 0xcc);
}
END_TEST

/* An int3 that is not one of the model's is the kernel's #BP. */
START_TEST(test_foreign_int3)
{
	ucontext_t uc;

	ck_assert_int_eq(exec_hit(&uc, (uint64_t)(uintptr_t)text + 8),
			 KSTUB_TRAP_BP);
}
END_TEST

/* An exec slot outside kernel text cannot be armed: say so. */
START_TEST(test_exec_outside_text)
{
	uint64_t addr[4] = { (uint64_t)(uintptr_t)data,
			     (uint64_t)(uintptr_t)text + 1, 0, 0 };

	load(addr, dr7_slot(0, RW_EXEC, 1) | dr7_slot(1, RW_EXEC, 1));
	ck_assert_uint_eq(dr_model_unarmed(), 1u);
	ck_assert_uint_eq(text[1], 0xcc);
	ck_assert_uint_eq(data[0], 0);
	load(addr, dr7_slot(1, RW_EXEC, 1));
	ck_assert_uint_eq(dr_model_unarmed(), 0);
}
END_TEST

Suite *drmodel_suite(void);

Suite *drmodel_suite(void)
{
	Suite *s = suite_create("drmodel");
	TCase *tc = tcase_create("drmodel");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_b_bit_per_slot, 0, 4);
	tcase_add_test(tc, test_several_hits);
	tcase_add_test(tc, test_read_vs_write);
	tcase_add_loop_test(tc, test_lengths_and_alignment, 0,
			    (int)(sizeof(lens) / sizeof(lens[0])));
	tcase_add_test(tc, test_single_step_bs);
	tcase_add_test(tc, test_exec_and_rf);
	tcase_add_test(tc, test_rf_with_step);
	tcase_add_test(tc, test_foreign_int3);
	tcase_add_test(tc, test_exec_outside_text);
	suite_add_tcase(s, tc);
	return s;
}
