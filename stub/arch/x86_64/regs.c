/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The x86-64 register file as gdb sees it: one table in enum kstub_regno
 * order drives the g/p/P value layout and target.xml (GDB manual, "Target
 * Descriptions" and "i386 Features"). x87/SSE conversion is in fpu.c.
 */
#include "arch_int.h"

#define FEAT_CORE KSTUB_FEAT_CORE
#define FEAT_SSE KSTUB_FEAT_SSE
#define FEAT_SEG KSTUB_FEAT_SEGMENTS
#define FEAT_SYS KSTUB_FEAT_SYSTEM
#define RO KSTUB_REG_RO

#define GPR(nm, ty) { nm, ty, "general", 64, FEAT_CORE, 0 }
#define SEG(nm) { nm, "int32", "general", 32, FEAT_CORE, 0 }
#define ST(nm) { nm, "i387_ext", "float", 80, FEAT_CORE, 0 }
#define X87(nm) { nm, "int", "float", 32, FEAT_CORE, 0 }
#define XMM(nm) { nm, "vec128", "vector", 128, FEAT_SSE, 0 }
#define SYS(nm) { nm, "int", "system", 64, FEAT_SYS, RO }

/*
 * Names and types are the ones gdb's amd64 code looks up (amd64_init_abi
 * validates the core and sse features by register name); "int" lets gdb
 * pick the integer type of the register's size.
 */
const struct kstub_reg_desc kstub_arch_regs[KSTUB_NREGS] = {
	GPR("rax", "int64"), GPR("rbx", "int64"),
	GPR("rcx", "int64"), GPR("rdx", "int64"),
	GPR("rsi", "int64"), GPR("rdi", "int64"),
	GPR("rbp", "data_ptr"), GPR("rsp", "data_ptr"),
	GPR("r8", "int64"), GPR("r9", "int64"),
	GPR("r10", "int64"), GPR("r11", "int64"),
	GPR("r12", "int64"), GPR("r13", "int64"),
	GPR("r14", "int64"), GPR("r15", "int64"),
	GPR("rip", "code_ptr"),
	{ "eflags", "i386_eflags", "general", 32, FEAT_CORE, 0 },
	SEG("cs"), SEG("ss"), SEG("ds"), SEG("es"), SEG("fs"), SEG("gs"),
	ST("st0"), ST("st1"), ST("st2"), ST("st3"),
	ST("st4"), ST("st5"), ST("st6"), ST("st7"),
	X87("fctrl"), X87("fstat"), X87("ftag"), X87("fiseg"),
	X87("fioff"), X87("foseg"), X87("fooff"), X87("fop"),
	XMM("xmm0"), XMM("xmm1"), XMM("xmm2"), XMM("xmm3"),
	XMM("xmm4"), XMM("xmm5"), XMM("xmm6"), XMM("xmm7"),
	XMM("xmm8"), XMM("xmm9"), XMM("xmm10"), XMM("xmm11"),
	XMM("xmm12"), XMM("xmm13"), XMM("xmm14"), XMM("xmm15"),
	{ "mxcsr", "i386_mxcsr", "vector", 32, FEAT_SSE, 0 },
	{ "fs_base", "int", "general", 64, FEAT_SEG, 0 },
	{ "gs_base", "int", "general", 64, FEAT_SEG, 0 },
	SYS("k_gs_base"),
	SYS("cr0"), SYS("cr2"), SYS("cr3"), SYS("cr4"), SYS("cr8"),
	SYS("efer"),
	SYS("dr0"), SYS("dr1"), SYS("dr2"), SYS("dr3"),
	SYS("dr6"), SYS("dr7"),
};

const uint8_t kstub_arch_expedite[KSTUB_ARCH_NEXPEDITE] = {
	KSTUB_REG_RBP, KSTUB_REG_RSP, KSTUB_REG_RIP,
};

unsigned kstub_arch_reg_size(unsigned n)
{
	if (n >= KSTUB_NREGS)
		return 0;
	return kstub_arch_regs[n].bits / 8u;
}

static bool is_fpu(unsigned n)
{
	return n >= KSTUB_REG_ST0 && n <= KSTUB_REG_MXCSR;
}

static uint64_t dr_value(const struct kstub_dr_view *dr, unsigned n)
{
	if (n <= KSTUB_REG_DR3)
		return dr->dr[n - KSTUB_REG_DR0];
	return n == KSTUB_REG_DR6 ? dr->dr6 : dr->dr7;
}

/* The integer registers kept as fields of the frame itself. */
static uint64_t frame_value(const struct kstub_frame *f, unsigned n)
{
	if (n < 16)
		return f->gpr[n];
	if (n >= KSTUB_REG_CS && n <= KSTUB_REG_GS)
		return f->seg[n - KSTUB_REG_CS];
	switch (n) {
	case KSTUB_REG_RIP:
		return f->rip;
	case KSTUB_REG_EFLAGS:
		return f->rflags & 0xffffffffu;
	case KSTUB_REG_FS_BASE:
		return f->fs_base;
	case KSTUB_REG_GS_BASE:
		return f->gs_base;
	case KSTUB_REG_K_GS_BASE:
		return f->k_gs_base;
	case KSTUB_REG_CR0:
		return f->cr0;
	case KSTUB_REG_CR2:
		return f->cr2;
	case KSTUB_REG_CR3:
		return f->cr3;
	case KSTUB_REG_CR4:
		return f->cr4;
	case KSTUB_REG_CR8:
		return f->cr8;
	case KSTUB_REG_EFER:
		return f->efer;
	default:
		return 0;
	}
}

long kstub_arch_reg_get(const struct kstub_frame *f,
			const struct kstub_dr_view *dr, unsigned n,
			uint8_t *out)
{
	unsigned size = kstub_arch_reg_size(n);

	if (size == 0)
		return KSTUB_EINVAL;
	if (n >= KSTUB_REG_DR0) {
		/* The stub's own state, not the frame's. */
		if (dr == NULL || !dr->valid)
			return KSTUB_ENOENT;
		arch_put_le(out, size, dr_value(dr, n));
		return size;
	}
	if (!kstub_frame_is_valid(f, n))
		return KSTUB_ENOENT;
	if (is_fpu(n))
		kstub_arch_fpu_get(f, n, out);
	else
		arch_put_le(out, size, frame_value(f, n));
	return size;
}

bool kstub_arch_reg_writable(const struct kstub_frame *f, unsigned n)
{
	return n < KSTUB_NREGS && !(kstub_arch_regs[n].flags & KSTUB_REG_RO) &&
	       n != KSTUB_REG_CS && n != KSTUB_REG_SS && !kstub_frame_is_ro(f, n);
}

/*
 * A data segment selector the port can load with mov without #GP in its
 * trap exit path: 16 bits, and an RPL equal to the CPL (cs's RPL), which
 * a ring-0 kernel's own selectors and the null selector have. Whether
 * the index names a usable descriptor needs the GDT, which the stub
 * never reads; such a selector is the port's to refuse with .ro.
 */
static bool seg_ok(const struct kstub_frame *f, uint64_t v)
{
	return v <= 0xffff && (v & 3) == (f->seg[0] & 3);
}

/*
 * Store a writable integer register. RIP and the FS/GS bases must stay
 * canonical: the port loads them back with IRETQ and WRMSR, which raise
 * #GP on a non-canonical value inside the kernel's trap exit path.
 */
static int frame_store(struct kstub_frame *f, unsigned n, uint64_t v)
{
	if (n < 16) {
		f->gpr[n] = v;
		return 0;
	}
	if (n >= KSTUB_REG_DS && n <= KSTUB_REG_GS) {
		if (!seg_ok(f, v))
			return KSTUB_EINVAL;
		f->seg[n - KSTUB_REG_CS] = (uint32_t)v;
		return 0;
	}
	if ((n == KSTUB_REG_RIP || n == KSTUB_REG_FS_BASE ||
	     n == KSTUB_REG_GS_BASE) && !arch_canonical(v))
		return KSTUB_EINVAL;
	switch (n) {
	case KSTUB_REG_RIP:
		f->rip = v;
		break;
	case KSTUB_REG_EFLAGS:
		/* RFLAGS bits 63..32 are reserved (SDM vol. 1 3.4.3). */
		f->rflags = (f->rflags & ~0xffffffffull) | v;
		break;
	case KSTUB_REG_FS_BASE:
		f->fs_base = v;
		break;
	case KSTUB_REG_GS_BASE:
		f->gs_base = v;
		break;
	default:
		return KSTUB_EPERM;
	}
	return 0;
}

int kstub_arch_reg_set(struct kstub_frame *f, unsigned n, const uint8_t *in,
		       size_t len)
{
	unsigned size = kstub_arch_reg_size(n);
	int err;

	if (size == 0)
		return KSTUB_EINVAL;
	if (!kstub_arch_reg_writable(f, n))
		return KSTUB_EPERM;
	if (len != size)
		return KSTUB_EINVAL;
	if (is_fpu(n))
		err = kstub_arch_fpu_set(f, n, in);
	else
		err = frame_store(f, n, arch_get_le(in, size));
	if (err)
		return err;
	kstub_frame_set_valid(f, n);
	return 0;
}

/* ---- target.xml (GDB manual, "Target Description Format") ---- */

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct xml_out {
	kstub_emit_fn emit;
	void *arg;
};

struct xml_bit {
	const char *name;
	uint8_t bit;
};

/* The lanes of an xmm register, as gdb's own amd64 description has them. */
struct xml_lane {
	const char *id;		/* vector type */
	const char *elem;	/* gdb's predefined element type */
	const char *field;	/* member of the vec128 union */
	uint8_t count;
};

static const char *const feature_names[] = {
	[KSTUB_FEAT_CORE] = "org.gnu.gdb.i386.core",
	[KSTUB_FEAT_SSE] = "org.gnu.gdb.i386.sse",
	[KSTUB_FEAT_SEGMENTS] = "org.gnu.gdb.i386.segments",
	[KSTUB_FEAT_SYSTEM] = "org.kstub.x86.system",
};

/* RFLAGS (SDM vol. 1 3.4.3); reserved bit 1 is left out. */
static const struct xml_bit eflags_bits[] = {
	{ "CF", 0 }, { "PF", 2 }, { "AF", 4 }, { "ZF", 6 }, { "SF", 7 },
	{ "TF", 8 }, { "IF", 9 }, { "DF", 10 }, { "OF", 11 }, { "NT", 14 },
	{ "RF", 16 }, { "VM", 17 }, { "AC", 18 }, { "VIF", 19 },
	{ "VIP", 20 }, { "ID", 21 },
};

/* MXCSR (SDM vol. 1 10.2.3). */
static const struct xml_bit mxcsr_bits[] = {
	{ "IE", 0 }, { "DE", 1 }, { "ZE", 2 }, { "OE", 3 }, { "UE", 4 },
	{ "PE", 5 }, { "DAZ", 6 }, { "IM", 7 }, { "DM", 8 }, { "ZM", 9 },
	{ "OM", 10 }, { "UM", 11 }, { "PM", 12 }, { "FZ", 15 },
};

static const struct xml_lane vec128_lanes[] = {
	{ "v8bf16", "bfloat16", "v8_bfloat16", 8 },
	{ "v8h", "ieee_half", "v8_half", 8 },
	{ "v4f", "ieee_single", "v4_float", 4 },
	{ "v2d", "ieee_double", "v2_double", 2 },
	{ "v16i8", "int8", "v16_int8", 16 },
	{ "v8i16", "int16", "v8_int16", 8 },
	{ "v4i32", "int32", "v4_int32", 4 },
	{ "v2i64", "int64", "v2_int64", 2 },
};

static bool kstub_streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* Never hands emit an empty piece, as kstub_arch_target_xml promises. */
static void put(const struct xml_out *o, const char *s)
{
	size_t len = 0;

	while (s[len] != '\0')
		len++;
	if (len != 0)
		o->emit(o->arg, s, len);
}

static void put_uint(const struct xml_out *o, unsigned v)
{
	char buf[10];
	unsigned i = sizeof(buf);

	do {
		buf[--i] = (char)('0' + v % 10u);
		v /= 10u;
	} while (v != 0);
	o->emit(o->arg, buf + i, sizeof(buf) - i);
}

/* name="value", with the space before it; names and values need no escaping. */
static void put_attr(const struct xml_out *o, const char *name,
		     const char *value)
{
	put(o, " ");
	put(o, name);
	put(o, "=\"");
	put(o, value);
	put(o, "\"");
}

static void put_attr_uint(const struct xml_out *o, const char *name,
			  unsigned value)
{
	put(o, " ");
	put(o, name);
	put(o, "=\"");
	put_uint(o, value);
	put(o, "\"");
}

static void put_flags(const struct xml_out *o, const char *id,
		      const struct xml_bit *bits, size_t n)
{
	size_t i;

	put(o, "<flags");
	put_attr(o, "id", id);
	put_attr(o, "size", "4");
	put(o, ">");
	for (i = 0; i < n; i++) {
		put(o, "<field");
		put_attr(o, "name", bits[i].name);
		put_attr_uint(o, "start", bits[i].bit);
		put_attr_uint(o, "end", bits[i].bit);
		put(o, "/>");
	}
	put(o, "</flags>");
}

static void put_vec128(const struct xml_out *o)
{
	size_t i;

	for (i = 0; i < NELEM(vec128_lanes); i++) {
		put(o, "<vector");
		put_attr(o, "id", vec128_lanes[i].id);
		put_attr(o, "type", vec128_lanes[i].elem);
		put_attr_uint(o, "count", vec128_lanes[i].count);
		put(o, "/>");
	}
	put(o, "<union id=\"vec128\">");
	for (i = 0; i < NELEM(vec128_lanes); i++) {
		put(o, "<field");
		put_attr(o, "name", vec128_lanes[i].field);
		put_attr(o, "type", vec128_lanes[i].id);
		put(o, "/>");
	}
	put(o, "<field name=\"uint128\" type=\"uint128\"/></union>");
}

/*
 * One <reg>. Its regnum is the remote number gdb uses for p/P and the g
 * layout; written only where it is not the previous one plus one (the
 * default, for gdb and lldb alike), since every byte of target.xml is
 * paid for at attach on a serial line. Read-only registers are left out
 * of gdb's save and restore groups, so an inferior call never tries to
 * write them back.
 */
static void put_reg(const struct xml_out *o, unsigned n, unsigned implied)
{
	const struct kstub_reg_desc *d = &kstub_arch_regs[n];

	put(o, "<reg");
	put_attr(o, "name", d->name);
	put_attr_uint(o, "bitsize", d->bits);
	if (!kstub_streq(d->type, "int"))
		put_attr(o, "type", d->type);
	if (n != implied)
		put_attr_uint(o, "regnum", n);
	if (!kstub_streq(d->group, "general"))
		put_attr(o, "group", d->group);
	/*
	 * lldb 14 calls the flags "rflags" (register read rflags) and finds
	 * a register by its altname too; gdb skips attributes it does not
	 * know.
	 */
	if (n == KSTUB_REG_EFLAGS)
		put_attr(o, "altname", "rflags");
	if (d->flags & KSTUB_REG_RO)
		put_attr(o, "save-restore", "no");
	put(o, "/>");
}

void kstub_arch_target_xml(kstub_emit_fn emit, void *arg)
{
	struct xml_out o = { emit, arg };
	unsigned feat, n, next = 0;

	put(&o, "<target><architecture>i386:x86-64</architecture>");
	for (feat = 0; feat < NELEM(feature_names); feat++) {
		put(&o, "<feature");
		put_attr(&o, "name", feature_names[feat]);
		put(&o, ">");
		/* Types first: gdb resolves a reg's type when it reads it. */
		if (feat == KSTUB_FEAT_CORE)
			put_flags(&o, "i386_eflags", eflags_bits,
				  NELEM(eflags_bits));
		if (feat == KSTUB_FEAT_SSE) {
			put_vec128(&o);
			put_flags(&o, "i386_mxcsr", mxcsr_bits,
				  NELEM(mxcsr_bits));
		}
		for (n = 0; n < KSTUB_NREGS; n++)
			if (kstub_arch_regs[n].feature == feat) {
				put_reg(&o, n, next);
				next = n + 1;
			}
		put(&o, "</feature>");
	}
	put(&o, "</target>");
}
