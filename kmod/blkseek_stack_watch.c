// SPDX-License-Identifier: GPL-2.0
/*
 * The watch on changes of stacked devices: kretprobes on the functions
 * through which every dm table swap, loop status change and disk removal
 * goes.  Their entry handlers run before the function changes anything
 * and mark the mappings it may change stale (blkseek_stack.c); their
 * return handlers end the change.  Where the call says which disk it
 * changes, only that disk's mapping goes stale; where it does not, every
 * mapping of its kind.
 *
 *  - dm_swap_table(md, ...) (dm_mod): the only way a table becomes live;
 *    the disk is dm_disk(md);
 *  - lo_ioctl(bdev, mode, cmd, ...) for LOOP_SET_FD, LOOP_CONFIGURE,
 *    LOOP_CHANGE_FD and LOOP_SET_CAPACITY: the loop's own bdev;
 *    loop_set_status(lo, ...) and __loop_clr_fd(lo, ...) (loop) carry
 *    only struct loop_device, private to loop.c: every loop mapping.
 *    Together, every way a loop gets, changes or loses its backing file,
 *    offset, size limit or size, autoclear included;
 *  - del_gendisk() (vmlinux): a disk goes; its mapping is dropped.
 *
 * dm_mod and loop are watched while they are loaded: a module notifier
 * arms their probes when they come and disarms them when they go.  A
 * kind that is not armed cannot be given mappings.  A kretprobe that
 * missed a call (no free instance) makes its kind unsound: its mappings
 * then answer "all data" and no more are accepted.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/device-mapper.h>
#include <linux/kprobes.h>
#include <linux/loop.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/ptrace.h>

#include <linux/blkseek_stack.h>

#include "blkseek_compat.h"
#include "blkseek_stack.h"
#include "blkseek_stack_watch.h"

/* More concurrent calls of one watched function than this are missed. */
#define WATCH_MAXACTIVE	64

static int change_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	blkseek_stack_change_end();
	return 0;
}

/*
 * dm_swap_table(md, table): only @md's table changes.  Its disk comes
 * from dm_mod's exported dm_disk(), taken for the call: dm_mod is loaded,
 * it is running this very function.
 */
static int dm_change_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct mapped_device *md =
		(struct mapped_device *)
		regs_get_kernel_argument(regs, BLKSEEK_ARG_DM_SWAP_TABLE_MD);
	struct gendisk *(*disk_of)(struct mapped_device *md);
	struct gendisk *disk = NULL;

	disk_of = symbol_get(dm_disk);
	if (disk_of) {
		disk = disk_of(md);
		symbol_put(dm_disk);
	}
	/* without its disk, every dm mapping */
	blkseek_stack_change_begin(BLKSEEK_STACK_DM, disk, false);
	return 0;
}

/* loop_set_status(lo, info), __loop_clr_fd(lo, release): all loops */
static int loop_change_entry(struct kretprobe_instance *ri,
			     struct pt_regs *regs)
{
	blkseek_stack_change_begin(BLKSEEK_STACK_LOOP, NULL, false);
	return 0;
}

/*
 * lo_ioctl(bdev, mode, cmd, arg): LOOP_SET_FD, LOOP_CONFIGURE (through
 * loop_configure()), LOOP_CHANGE_FD (inlined here) and LOOP_SET_CAPACITY
 * (the size: the mapping's length) change the mapping of @bdev's loop
 * alone; the other changes go through the functions above.  @cmd is an
 * unsigned int: the register's upper half is not part of it.
 */
static int lo_ioctl_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	unsigned int cmd = regs_get_kernel_argument(regs,
						    BLKSEEK_ARG_LO_IOCTL_CMD);
	struct block_device *bdev;

	switch (cmd) {
	case LOOP_SET_FD:
	case LOOP_CONFIGURE:
	case LOOP_CHANGE_FD:
	case LOOP_SET_CAPACITY:
		break;
	default:
		return 1;	/* not a change: no return handler */
	}
	bdev = (struct block_device *)
	       regs_get_kernel_argument(regs, BLKSEEK_ARG_LO_IOCTL_BDEV);
	blkseek_stack_change_begin(BLKSEEK_STACK_LOOP, bdev->bd_disk, false);
	return 0;
}

/* del_gendisk(disk) */
static int disk_gone_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct gendisk *disk = (struct gendisk *)
		regs_get_kernel_argument(regs, BLKSEEK_ARG_DEL_GENDISK_DISK);

	blkseek_stack_change_begin(0, disk, true);
	return 0;
}

#define WATCH(_sym, _entry) {						\
	.kp.symbol_name = _sym,						\
	.entry_handler = _entry,					\
	.handler = change_return,					\
	.maxactive = WATCH_MAXACTIVE,					\
}

static struct kretprobe vmlinux_probes[] = {
	WATCH(BLKSEEK_SYM_DEL_GENDISK, disk_gone_entry),
};

static struct kretprobe dm_probes[] = {
	WATCH(BLKSEEK_SYM_DM_SWAP_TABLE, dm_change_entry),
};

static struct kretprobe loop_probes[] = {
	WATCH(BLKSEEK_SYM_LOOP_SET_STATUS, loop_change_entry),
	WATCH(BLKSEEK_SYM_LOOP_CLR_FD, loop_change_entry),
	WATCH(BLKSEEK_SYM_LO_IOCTL, lo_ioctl_entry),
};

/**
 * struct watch_group - the probes in one module
 * @module: its name, NULL for vmlinux
 * @kind: BLKSEEK_STACK_* it guards (0: all kinds depend on it)
 * @probes: the kretprobes
 * @ptrs: pointers to them, for register_kretprobes()
 * @nr: how many
 * @armed: registered now
 */
struct watch_group {
	const char *module;
	unsigned int kind;
	struct kretprobe *probes;
	struct kretprobe *ptrs[4];
	unsigned int nr;
	bool armed;
};

static struct watch_group groups[] = {
	{ NULL, 0, vmlinux_probes, { }, ARRAY_SIZE(vmlinux_probes) },
	{ "dm_mod", BLKSEEK_STACK_DM, dm_probes, { }, ARRAY_SIZE(dm_probes) },
	{ "loop", BLKSEEK_STACK_LOOP, loop_probes, { }, ARRAY_SIZE(loop_probes) },
};

static DEFINE_MUTEX(watch_mutex);
static unsigned int watch_armed;	/* BLKSEEK_STACK_* armed */

static void armed_update(void)
{
	unsigned int i, armed = 0;

	lockdep_assert_held(&watch_mutex);
	if (groups[0].armed)
		for (i = 1; i < ARRAY_SIZE(groups); i++)
			if (groups[i].armed)
				armed |= groups[i].kind;
	WRITE_ONCE(watch_armed, armed);
	blkseek_stack_watched(armed);
}

static void group_arm(struct watch_group *g)
{
	unsigned int i;
	int err;

	lockdep_assert_held(&watch_mutex);
	if (g->armed)
		return;
	for (i = 0; i < g->nr; i++) {
		g->probes[i].kp.addr = NULL;
		g->probes[i].kp.flags = 0;
		g->probes[i].nmissed = 0;
		g->ptrs[i] = &g->probes[i];
	}
	err = register_kretprobes(g->ptrs, g->nr);
	if (err) {
		/* -ENOENT: the module is not loaded; the notifier arms it */
		if (err != -ENOENT || !g->module)
			pr_info("stacked devices of %s not answered: cannot watch its changes (%d)\n",
				g->module ?: "the kernel", err);
		return;
	}
	g->armed = true;
	armed_update();
}

static void group_disarm(struct watch_group *g)
{
	lockdep_assert_held(&watch_mutex);
	if (!g->armed)
		return;
	/* unwatched from now on: its mappings go stale */
	blkseek_stack_change_begin(g->kind ?: ~0U, NULL, false);
	g->armed = false;
	armed_update();
	unregister_kretprobes(g->ptrs, g->nr);
	blkseek_stack_change_end();
}

static int watch_module_event(struct notifier_block *nb, unsigned long action,
			      void *data)
{
	struct module *mod = data;
	unsigned int i;

	mutex_lock(&watch_mutex);
	for (i = 1; i < ARRAY_SIZE(groups); i++) {
		if (strcmp(mod->name, groups[i].module))
			continue;
		if (action == MODULE_STATE_LIVE)
			group_arm(&groups[i]);
		else if (action == MODULE_STATE_GOING)
			group_disarm(&groups[i]);
	}
	mutex_unlock(&watch_mutex);
	return NOTIFY_DONE;
}

static struct notifier_block watch_module_nb = {
	.notifier_call = watch_module_event,
};

/**
 * blkseek_stack_watch_sound() - whether mappings of a kind may be used
 * @kind: BLKSEEK_STACK_*
 *
 * Return: true when @kind is armed and no watched call was missed.
 */
bool blkseek_stack_watch_sound(unsigned int kind)
{
	unsigned int i, j;

	if (!(READ_ONCE(watch_armed) & kind))
		return false;
	for (i = 0; i < ARRAY_SIZE(groups); i++) {
		if (groups[i].kind && groups[i].kind != kind)
			continue;
		for (j = 0; j < groups[i].nr; j++)
			if (READ_ONCE(groups[i].probes[j].nmissed))
				return false;
	}
	return true;
}

/**
 * blkseek_stack_watch_start() - arm what can be armed, and follow modules
 *
 * Return: 0 or the error of register_module_notifier().
 */
int blkseek_stack_watch_start(void)
{
	unsigned int i;
	int err;

	err = register_module_notifier(&watch_module_nb);
	if (err)
		return err;
	mutex_lock(&watch_mutex);
	/* a module not loaded now is armed by the notifier when it comes */
	for (i = 0; i < ARRAY_SIZE(groups); i++)
		group_arm(&groups[i]);
	mutex_unlock(&watch_mutex);
	return 0;
}

/**
 * blkseek_stack_watch_stop() - disarm everything
 */
void blkseek_stack_watch_stop(void)
{
	unsigned int i;

	unregister_module_notifier(&watch_module_nb);
	mutex_lock(&watch_mutex);
	for (i = ARRAY_SIZE(groups); i-- > 0; )
		group_disarm(&groups[i]);
	mutex_unlock(&watch_mutex);
}
