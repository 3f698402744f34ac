/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoint blkseek:blkseek_query, one event per GET LBA STATUS sent:
 *   trace-cmd record -e blkseek:blkseek_query
 *   perf record -e blkseek:blkseek_query
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM blkseek

#if !defined(BLKSEEK_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define BLKSEEK_TRACE_H

#include <linux/kdev_t.h>
#include <linux/tracepoint.h>

TRACE_EVENT(blkseek_query,
	    TP_PROTO(dev_t dev, u64 lba, int result, u64 blocks, int state,
		     u64 latency_ns),
	    TP_ARGS(dev, lba, result, blocks, state, latency_ns),
	    TP_STRUCT__entry(__field(dev_t, dev)
			     __field(u64, lba)
			     __field(int, result)
			     __field(u64, blocks)
			     __field(int, state)
			     __field(u64, latency_ns)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->lba = lba;
			   __entry->result = result;
			   __entry->blocks = blocks;
			   __entry->state = state;
			   __entry->latency_ns = latency_ns;),
	    TP_printk("dev %d:%d lba %llu result %d blocks %llu state %s latency_ns %llu",
		      MAJOR(__entry->dev), MINOR(__entry->dev), __entry->lba,
		      __entry->result, __entry->blocks,
		      __print_symbolic(__entry->state,
				       { 0, "mapped" },
				       { 1, "deallocated" },
				       { 2, "anchored" }),
		      __entry->latency_ns)
);

#endif /* BLKSEEK_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE blkseek_trace
#include <trace/define_trace.h>
