// SPDX-License-Identifier: GPL-2.0
/*
 * kstub_demo.ko: something for the e2e tests to debug. Writing a command
 * to /proc/kstub_demo runs a little code here:
 *   "count N"   demo_work() adds 1..N to demo_counter (break, watch, step)
 *   "oops"      a NULL dereference (the oops the debugger catches)
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/uaccess.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kstub demo module for the e2e tests");

unsigned long demo_counter;
struct demo_node {
	int value;
};
static struct demo_node *demo_null;

static noinline unsigned long demo_work(unsigned int n)
{
	unsigned int i;
	unsigned long sum = 0;

	for (i = 1; i <= n; i++) {
		sum += i;
		WRITE_ONCE(demo_counter, demo_counter + 1);
	}
	return sum;
}

static noinline int demo_oops(void)
{
	/* The value is read through a pointer nobody set: a NULL fault. */
	return READ_ONCE(demo_null)->value;
}

static ssize_t demo_write(struct file *file, const char __user *ubuf,
			  size_t len, loff_t *off)
{
	char buf[32];
	unsigned int n;
	size_t k = min(len, sizeof(buf) - 1);

	if (copy_from_user(buf, ubuf, k))
		return -EFAULT;
	buf[k] = '\0';
	if (sscanf(buf, "count %u", &n) == 1)
		pr_info("kstub_demo: sum %lu counter %lu\n", demo_work(n),
			demo_counter);
	else if (!strncmp(buf, "oops", 4))
		pr_info("kstub_demo: %d\n", demo_oops());
	else
		return -EINVAL;
	return len;
}

static const struct proc_ops demo_ops = {
	.proc_write = demo_write,
};

static int __init demo_init(void)
{
	if (!proc_create("kstub_demo", 0200, NULL, &demo_ops))
		return -ENOMEM;
	return 0;
}

static void __exit demo_exit(void)
{
	remove_proc_entry("kstub_demo", NULL);
}

module_init(demo_init);
module_exit(demo_exit);
