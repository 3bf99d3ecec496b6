// SPDX-License-Identifier: BSD-2-Clause
/*
 * "monitor lsmod": for each loaded module, the add-symbol-file line gdb
 * needs, with the addresses the kernel gave its sections.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/sysfs.h>

#include "kstub_linux.h"

/*
 * mod->sect_attrs (what /sys/module/NAME/sections shows) is declared in
 * module.h but defined in kernel/module/sysfs.c. This is its 6.1 layout;
 * the module is built for one ABI (MODVERSIONS), so it cannot drift
 * under us without a rebuild against new headers.
 */
struct lsmod_sect_attr {
	struct bin_attribute battr;
	unsigned long address;
};

struct lsmod_sect_attrs {
	struct attribute_group grp;
	unsigned int nsections;
	struct lsmod_sect_attr attrs[];
};

/* Sections whose symbols gdb should place besides .text. */
static const char *const data_sections[] = { ".data", ".rodata", ".bss" };

static struct list_head *modules_head;

static void say(struct kstub *ks, const char *s)
{
	kstub_monitor_write(ks, s, strlen(s));
}

/*
 * Everything is read through kstub_linux_read: after a crash the module
 * list may be what is corrupt, and this runs in the debugger.
 */
static void lsmod_one(struct kstub *ks, struct module *mod)
{
	struct lsmod_sect_attrs *sa;
	struct lsmod_sect_attr attr;
	char line[96], modname[MODULE_NAME_LEN], name[16];
	unsigned int i, j, nsections = 0;
	void *base;

	if (!kstub_linux_read(mod->name, modname, sizeof(modname)) ||
	    !kstub_linux_read(&mod->core_layout.base, &base, sizeof(base)) ||
	    !kstub_linux_read(&mod->sect_attrs, &sa, sizeof(sa)))
		return;
	modname[sizeof(modname) - 1] = '\0';
	snprintf(line, sizeof(line), "add-symbol-file %s.ko %#lx", modname,
		 (unsigned long)base);
	say(ks, line);
	if (sa && !kstub_linux_read(&sa->nsections, &nsections,
				    sizeof(nsections)))
		nsections = 0;
	for (i = 0; sa && i < nsections; i++) {
		if (!kstub_linux_read(&sa->attrs[i], &attr, sizeof(attr)))
			break;
		/* The longest wanted name fits; a longer one matches none. */
		if (!attr.battr.attr.name ||
		    !kstub_linux_read(attr.battr.attr.name, name, sizeof(name)))
			continue;
		name[sizeof(name) - 1] = '\0';
		for (j = 0; j < ARRAY_SIZE(data_sections); j++) {
			if (strcmp(name, data_sections[j]))
				continue;
			snprintf(line, sizeof(line), " -s %s %#lx", name,
				 attr.address);
			say(ks, line);
		}
	}
	say(ks, "\n");
}

/*
 * The list is walked without module_mutex: every other CPU is parked,
 * as for the task list. Bounded as the task walk is: a module list
 * longer than this is a loop.
 */
#define LSMOD_MAX 65536

int kstub_linux_lsmod(struct kstub *ks, void *port_ctx, const char *args,
		      size_t len)
{
	struct list_head *node;
	enum module_state state;
	struct module *mod;
	unsigned int n = 0;

	if (!modules_head)
		modules_head = (void *)kstub_linux_lookup("modules");
	if (!modules_head)
		return KSTUB_ENOTSUP;
	if (!kstub_linux_read(&modules_head->next, &node, sizeof(node)))
		return KSTUB_EFAULT;
	while (node != modules_head && n++ < LSMOD_MAX) {
		mod = list_entry(node, struct module, list);
		if (!kstub_linux_read(&mod->state, &state, sizeof(state)))
			return KSTUB_EFAULT;
		if (state != MODULE_STATE_UNFORMED)
			lsmod_one(ks, mod);
		if (!kstub_linux_read(&node->next, &node, sizeof(node)))
			return KSTUB_EFAULT;
	}
	return 0;
}
