# SPDX-License-Identifier: GPL-2.0
#
# blkseek top-level Makefile.
#   make                 build blkseek.ko against KDIR
#   make check           setup, host unit tests, lint, VM selftests on 6.1 and 6.12
#   make demo            boot a VM and show a sparse scsi_debug disk mapped and copied
#   make soak            long race and removal runs in VMs
#   make fuzz            fuzz the reply parser and the walk

KDIR ?= /lib/modules/$(shell uname -r)/build
PWD  := $(shell pwd)

.PHONY: all module clean setup tools unit lint vmtest check demo soak fuzz

all: module

module:
	$(MAKE) -C $(KDIR) M=$(PWD) modules

clean:
	$(MAKE) -C $(KDIR) M=$(PWD) clean 2>/dev/null || true
	$(MAKE) -C tools clean
	$(MAKE) -C tools/unit clean

setup:
	tools/setup.sh

tools:
	$(MAKE) -C tools

unit:
	$(MAKE) -C tools/unit run

lint:
	tools/lint.sh

vmtest:
	tools/vm-run

check:
	@tools/check.sh

demo:
	tools/demo.sh

# The race test for 10^5 changes and the removal test with 50 livepatch
# cycles, on both kernels.
soak: setup
	BLKSEEK_RACE_OPS=100000 BLKSEEK_CYCLES=50 \
	BLKSEEK_TESTS="blkseek_race blkseek_removal.sh blkseek_dmesg.sh" tools/vm-run

# libFuzzer targets of the pure core, fixed budget (tools/fuzz/README.md).
fuzz:
	$(MAKE) -C tools/fuzz fuzz
