// SPDX-License-Identifier: GPL-2.0
/*
 * blkseek: lseek(SEEK_DATA/SEEK_HOLE) on SCSI disks through GET LBA STATUS.
 *
 * A livepatch named "blkseek" replaces blkdev_llseek(); it is switched with
 * /sys/kernel/livepatch/blkseek/enabled.  See Documentation/blkseek.rst.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sysfs.h>

#include "blkseek_cmd_watch.h"
#include "blkseek_compat.h"
#include "blkseek_hook.h"
#include "blkseek_ioctl.h"
#include "blkseek_params.h"
#include "blkseek_stack.h"
#include "blkseek_stack_watch.h"
#include "blkseek_stats.h"
#include "blkseek_support.h"
#include "blkseek_thin.h"

unsigned int blkseek_timeout_ms = 30000;
unsigned int blkseek_max_queries = 4096;
unsigned int blkseek_answer_ms = 60000;

static int uint_range_set(const char *val, const struct kernel_param *kp)
{
	const struct blkseek_uint_range *r = kp->arg;
	unsigned int v;
	int err;

	err = kstrtouint(val, 0, &v);
	if (err)
		return err;
	if (v < r->min || v > r->max)
		return -ERANGE;
	WRITE_ONCE(*r->value, v);
	return 0;
}

static int uint_range_get(char *buf, const struct kernel_param *kp)
{
	const struct blkseek_uint_range *r = kp->arg;

	return sysfs_emit(buf, "%u\n", READ_ONCE(*r->value));
}

const struct kernel_param_ops blkseek_uint_range_ops = {
	.set = uint_range_set,
	.get = uint_range_get,
};

static struct blkseek_uint_range timeout_range = {
	.value = &blkseek_timeout_ms, .min = 100, .max = 600000,
};
module_param_cb(timeout_ms, &blkseek_uint_range_ops, &timeout_range, 0644);
MODULE_PARM_DESC(timeout_ms,
		 "Timeout of each SCSI command, ms (100..600000, default 30000)");

static struct blkseek_uint_range queries_range = {
	.value = &blkseek_max_queries, .min = 1, .max = 1048576,
};
module_param_cb(max_queries, &blkseek_uint_range_ops, &queries_range, 0644);
MODULE_PARM_DESC(max_queries,
		 "Most GET LBA STATUS commands per lseek; past it the rest is data (1..1048576, default 4096)");

static struct blkseek_uint_range answer_range = {
	.value = &blkseek_answer_ms, .min = 100, .max = 3600000,
};
module_param_cb(answer_ms, &blkseek_uint_range_ops, &answer_range, 0644);
MODULE_PARM_DESC(answer_ms,
		 "No command is started once an lseek or extent query has taken this long, ms; the rest is data (100..3600000, default 60000)");

static bool cache_watch = true;
module_param(cache_watch, bool, 0444);
MODULE_PARM_DESC(cache_watch,
		 "Watch the SCSI commands dispatched to disks, so that a reply can be cached; 0: no reply is cached (default 1)");

/*
 * The function replaced.  The selftests build a variant naming a function
 * no kernel has (BLKSEEK_PATCHED) to see the load refused.
 */
#ifndef BLKSEEK_PATCHED
#define BLKSEEK_PATCHED "blkdev_llseek"
#endif

static struct klp_func blkseek_funcs[] = {
	{
		.old_name = BLKSEEK_PATCHED,
		.new_func = blkseek_llseek,
	},
	{ }
};

static struct klp_object blkseek_objs[] = {
	{
		/* .name NULL: vmlinux */
		.funcs = blkseek_funcs,
	},
	{ }
};

static struct klp_patch blkseek_patch = {
	.mod = THIS_MODULE,
	.objs = blkseek_objs,
};

static int __init blkseek_init(void)
{
	const char *hooked = blkseek_funcs[0].old_name;
	int err;

	/* refuse before touching anything, naming what the kernel lacks */
	err = blkseek_kernel_has_function(hooked);
	if (err) {
		pr_err("not loading: this kernel has no patchable %s() (register_kprobe: %d); blkseek replaces it\n",
		       hooked, err);
		return -ENOENT;
	}
	err = blkseek_stats_register(&THIS_MODULE->mkobj.kobj);
	if (err)
		return err;
	err = blkseek_support_register(&THIS_MODULE->mkobj.kobj);
	if (err)
		goto out_stats;
	err = blkseek_stack_register(&THIS_MODULE->mkobj.kobj);
	if (err)
		goto out_support;
	err = cache_watch ? blkseek_cmd_watch_start() : 0;
	if (err)
		goto out_stack_file;
	err = blkseek_stack_watch_start();
	if (err)
		goto out_cmd_watch;
	err = blkseek_thin_start();
	if (err)
		goto out_watch;
	err = blkseek_ioctl_register();
	if (err)
		goto out_watch;
	err = klp_enable_patch(&blkseek_patch);
	if (err)
		goto out_ioctl;
	return 0;

out_ioctl:
	blkseek_ioctl_unregister();
out_watch:
	blkseek_stack_watch_stop();
	blkseek_stack_exit();
	blkseek_thin_stop();
out_cmd_watch:
	blkseek_cmd_watch_stop();
out_stack_file:
	blkseek_stack_unregister(&THIS_MODULE->mkobj.kobj);
out_support:
	blkseek_support_unregister(&THIS_MODULE->mkobj.kobj);
out_stats:
	blkseek_stats_unregister();
	return err;
}

/* Runs only once the patch is disabled: no lseek is inside the module. */
static void __exit blkseek_exit(void)
{
	blkseek_ioctl_unregister();
	blkseek_stack_watch_stop();
	blkseek_stack_exit();
	blkseek_thin_stop();
	blkseek_cmd_watch_stop();
	blkseek_stack_unregister(&THIS_MODULE->mkobj.kobj);
	blkseek_support_unregister(&THIS_MODULE->mkobj.kobj);
	blkseek_stats_unregister();
}

module_init(blkseek_init);
module_exit(blkseek_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lseek SEEK_DATA/SEEK_HOLE on SCSI disks via GET LBA STATUS");
MODULE_INFO(livepatch, "Y");
MODULE_VERSION(BLKSEEK_VERSION);
