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

static void lsmod_one(struct kstub *ks, struct module *mod)
{
	struct lsmod_sect_attrs *sa = (void *)mod->sect_attrs;
	char line[96];
	unsigned int i, j;

	snprintf(line, sizeof(line), "add-symbol-file %s.ko %#lx",
		 mod->name, (unsigned long)mod->core_layout.base);
	say(ks, line);
	for (i = 0; sa && i < sa->nsections; i++) {
		const char *name = sa->attrs[i].battr.attr.name;

		for (j = 0; j < ARRAY_SIZE(data_sections); j++) {
			if (!name || strcmp(name, data_sections[j]))
				continue;
			snprintf(line, sizeof(line), " -s %s %#lx", name,
				 sa->attrs[i].address);
			say(ks, line);
		}
	}
	say(ks, "\n");
}

/*
 * The list is walked without module_mutex: every other CPU is parked,
 * as for the task list.
 */
int kstub_linux_lsmod(struct kstub *ks, void *port_ctx, const char *args,
		      size_t len)
{
	struct module *mod;

	if (!modules_head)
		modules_head = (void *)kstub_linux_lookup("modules");
	if (!modules_head)
		return KSTUB_ENOTSUP;
	list_for_each_entry(mod, modules_head, list) {
		if (mod->state == MODULE_STATE_UNFORMED)
			continue;
		lsmod_one(ks, mod);
	}
	return 0;
}
