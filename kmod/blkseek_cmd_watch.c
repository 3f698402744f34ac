// SPDX-License-Identifier: GPL-2.0
/*
 * Watch the SCSI commands dispatched to disks, for the reply cache.
 *
 * Probes on the SCSI midlayer's tracepoints scsi_dispatch_cmd_start,
 * scsi_dispatch_cmd_done and scsi_dispatch_cmd_timeout, attached with
 * tracepoint_probe_register().  Every command the midlayer hands to a
 * host driver passes the first (filesystem and page-cache I/O and SG_IO
 * passthrough alike), and then either the second when the driver
 * completes it or the third when it times out.  A command that may change
 * provisioning state (blkseek_cdb_keeps_provisioning() says which do not)
 * is reported to the cache at each of those points.
 *
 * The tracepoints are not exported symbols: they are found by name among
 * the tracepoints of scsi_mod, through the tracepoint module notifier
 * (scsi_mod a module, as on Debian) or for_each_kernel_tracepoint()
 * (scsi_mod built in).  blkseek uses scsi_mod's exports, so scsi_mod
 * stays loaded while blkseek is.  Unless all three are attached, none is,
 * and the cache keeps no reply (blkseek_cache.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <scsi/scsi_cmnd.h>

#include "blkseek_cache.h"
#include "blkseek_cmd_watch.h"
#include "blkseek_compat.h"
#include "blkseek_gls.h"
#include "blkseek_stats.h"
#include "blkseek_timeouts.h"

static void on_dispatch(void *data, struct scsi_cmnd *cmd)
{
	if (!blkseek_cdb_keeps_provisioning(cmd->cmnd, cmd->cmd_len))
		blkseek_cache_device_changed(cmd->device, false);
}

static void on_timeout(void *data, struct scsi_cmnd *cmd)
{
	if (blkseek_cdb_keeps_provisioning(cmd->cmnd, cmd->cmd_len))
		return;
	blkseek_timeouts_note(cmd->device);
	blkseek_cache_device_changed(cmd->device, true);
}

static struct {
	const char *name;
	void *probe;
	struct tracepoint *tp;
} watched[] = {
	{ BLKSEEK_TP_DISPATCH_START, on_dispatch },
	{ BLKSEEK_TP_DISPATCH_DONE, on_dispatch },
	{ BLKSEEK_TP_DISPATCH_TIMEOUT, on_timeout },
};

static bool attached;

static void find_tracepoint(struct tracepoint *tp, void *priv)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(watched); i++)
		if (!watched[i].tp && !strcmp(tp->name, watched[i].name))
			watched[i].tp = tp;
}

/* Called for each module with tracepoints, those loaded first included. */
static int find_in_module(struct notifier_block *nb, unsigned long val,
			  void *data)
{
	struct module *mod = ((struct tp_module *)data)->mod;
	unsigned int i;

	if (val != MODULE_STATE_COMING || strcmp(mod->name, BLKSEEK_TP_MODULE))
		return NOTIFY_OK;
	for (i = 0; i < mod->num_tracepoints; i++)
		find_tracepoint(tracepoint_ptr_deref(&mod->tracepoints_ptrs[i]),
				NULL);
	return NOTIFY_OK;
}

static struct notifier_block find_nb = {
	.notifier_call = find_in_module,
};

static void detach(unsigned int n)
{
	while (n--)
		tracepoint_probe_unregister(watched[n].tp, watched[n].probe,
					    NULL);
	tracepoint_synchronize_unregister();
}

/**
 * blkseek_cmd_watch_start() - attach the dispatch probes, if possible
 *
 * Never fails the load: without the probes the cache keeps no reply.
 *
 * Return: 0.
 */
int blkseek_cmd_watch_start(void)
{
	unsigned int i;
	int err;

	for_each_kernel_tracepoint(find_tracepoint, NULL);
	if (!register_tracepoint_module_notifier(&find_nb))
		unregister_tracepoint_module_notifier(&find_nb);
	for (i = 0; i < ARRAY_SIZE(watched); i++) {
		err = watched[i].tp ? tracepoint_probe_register(watched[i].tp,
								watched[i].probe,
								NULL) : -ENOENT;
		if (err) {
			pr_warn("reply cache off: cannot attach to tracepoint %s (%d)\n",
				watched[i].name, err);
			detach(i);
			return 0;
		}
	}
	attached = true;
	blkseek_cache_dispatch_mode(true);
	blkseek_stats_set_dispatch_mode(true);
	return 0;
}

/**
 * blkseek_cmd_watch_stop() - detach the dispatch probes
 *
 * Returns once no probe runs any more, and the devices they recorded
 * (blkseek_timeouts.c) are released.
 */
void blkseek_cmd_watch_stop(void)
{
	if (!attached)
		return;
	attached = false;
	blkseek_cache_dispatch_mode(false);
	blkseek_stats_set_dispatch_mode(false);
	detach(ARRAY_SIZE(watched));
	blkseek_timeouts_exit();
}
