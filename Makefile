# SPDX-License-Identifier: GPL-2.0
#
# blkseek top-level Makefile.  Its targets, one line each; `make help`
# prints the lines that start with "#   make " below, and
# tools/testing/host/test-knobs.sh checks that every target is there.
#   make all             build blkseek.ko against KDIR (the default goal)
#   make module          the same; KVER=V: for release V of any tested line, build/ko/V/blkseek.ko
#   make kbuild          what DKMS builds with: blkseek.ko against KDIR, never KVER
#   make clean           remove the build files of the module, the tools and the unit tests
#   make clean-module    what DKMS cleans with: the module's build files
#   make tools           build blkseek-map, blkseek-copy and blkseek-stack
#   make install         module, tools, uapi header, man pages, docs (DESTDIR, PREFIX, KDIR)
#   make uninstall       remove what make install installed, for every kernel (DESTDIR, PREFIX)
#   make dkms-install    register, build and install with DKMS (KVER=, default the running kernel)
#   make dkms-remove     remove what make dkms-install added
#   make deb             Debian packages blkseek-dkms and blkseek-tools in build/deb
#   make setup           install what the test machinery needs (tools/testing/setup.sh)
#   make unit            the host unit tests of the pure core
#   make lint            checkpatch, kernel-doc, rst, W=1 and sparse builds (tools/testing/lint.sh)
#   make vmtest          the selftests in VMs on 6.1 and 6.12 (tools/testing/vm/vm-run)
#   make vm              KVER=V CMD=C: boot kernel V in a VM and run the shell command C in it
#   make check           setup, host tests, lint, selftests in VMs (6.1, newest 7.x; 6.12: a subset)
#   make check-all       make check with the whole suite on 6.1, 6.12, sid and bpo
#   make canary          map, edges and ioctl selftests on experimental's newest rc
#   make demo            boot a VM and show a sparse scsi_debug disk mapped and copied
#   make soak            long race, removal and stack runs in VMs
#   make check-debug     the selftests under a 6.12 KASAN/lockdep/kmemleak kernel (built, cached)
#   make upstream-check  upstream/'s series on linux-source-7.3: built, its tests run in a VM
#   make fuzz            fuzz the reply parser and the walk
#   make bench           benchmarks in VMs; tables in Documentation/blkseek-bench.md
#   make help            this list

KDIR ?= /lib/modules/$(shell uname -r)/build
PWD  := $(shell pwd)

# A missing kernel build directory, said with the package that provides
# it (Debian: linux-headers-RELEASE, /lib/modules/RELEASE/build is its
# symlink), instead of make's "No such file or directory".
kdir_release = $(or $(patsubst /lib/modules/%/build,%,$(filter /lib/modules/%/build,$(KDIR:%/=%))),$(patsubst /usr/src/linux-headers-%,%,$(filter /usr/src/linux-headers-%,$(KDIR:%/=%))))
define check_kdir
	@test -f "$(KDIR)/Makefile" || { \
		echo "blkseek: no kernel headers at $(KDIR): $(if $(kdir_release),apt install linux-headers-$(kdir_release),install the kernel's headers or set KDIR)" >&2; \
		exit 1; }
endef

PREFIX ?= /usr/local

.PHONY: all module vm clean clean-module setup tools unit lint vmtest check check-all canary check-debug demo \
	soak fuzz bench upstream-check \
	install uninstall dkms-install dkms-remove kbuild deb help

all: module

module:
ifdef KVER
	tools/build/kernel-line.sh module $(KVER)
else
	$(check_kdir)
	$(MAKE) -C $(KDIR) M=$(PWD) modules
endif

# What DKMS runs (dkms.conf): the module against KDIR only.  It never
# looks at KVER, which a DKMS build started from make (make dkms-install
# KVER=...) inherits through MAKEFLAGS, and which would send "module" to
# tools/build/kernel-line.sh, absent from DKMS's copy of the sources.
kbuild:
	$(check_kdir)
	$(MAKE) -C $(KDIR) M=$(PWD) modules

vm: setup
	@test -n "$(KVER)" -a -n "$(CMD)" || { echo "usage: make vm KVER=<release> CMD='<command>'"; exit 2; }
	tools/build/vng-boot $(KVER) '$(CMD)'

# what DKMS runs to clean its build area
clean-module:
	$(MAKE) -C $(KDIR) M=$(PWD) clean

clean:
	$(MAKE) -C $(KDIR) M=$(PWD) clean 2>/dev/null || true
	$(MAKE) -C tools clean
	$(MAKE) -C tools/testing/unit clean

setup:
	tools/testing/setup.sh

tools:
	$(MAKE) -C tools

unit:
	$(MAKE) -C tools/testing/unit run

lint:
	tools/testing/lint.sh

vmtest:
	tools/testing/vm/vm-run

check:
	@tools/testing/check.sh

check-all:
	@BLKSEEK_CHECK_ALL=1 tools/testing/check.sh

canary: setup
	tools/testing/canary.sh

demo:
	tools/testing/demo/demo.sh

# The race test for 10^5 changes and answers, the removal test with 50 livepatch
# cycles, the stack test with 50 table moves and 200 LVs, on both kernels.
soak: setup
	BLKSEEK_RACE_OPS=100000 BLKSEEK_RACE_ANSWERS=100000 BLKSEEK_CYCLES=50 BLKSEEK_STACK_MOVES=50 \
	BLKSEEK_STACK_LVS=200 BLKSEEK_STACK_CHURN=20 \
	BLKSEEK_TIMEOUT_SCALE=3 \
	BLKSEEK_TESTS="blkseek_race blkseek_stack.sh blkseek_stack_mpath.sh blkseek_stack_lvs.sh blkseek_removal.sh blkseek_dmesg.sh" tools/testing/vm/vm-run

# The whole suite under a 6.12 debug kernel (KASAN, PROVE_LOCKING,
# DEBUG_ATOMIC_SLEEP, KMEMLEAK, DEBUG_OBJECTS) built from
# linux-source-6.12 and cached in build/debug-kernel (tools/testing/check-debug.sh).
check-debug:
	tools/testing/check-debug.sh

# The kernel series of upstream/ (the same core as patches to
# linux-source-7.3): checkpatch and W=1 after each patch, a kernel built
# for the VM, the seek, race, stacked-device and kernel-log tests against
# it with blkseek.ko not loaded; not part of make check
# (tools/testing/upstream/upstream-check.sh).
upstream-check:
	tools/testing/upstream/upstream-check.sh

# Benchmarks, one VM per kernel (tools/testing/bench/bench.sh).
bench:
	tools/testing/bench/bench.sh

# libFuzzer targets of the pure core, fixed budget (tools/testing/fuzz/README.md).
fuzz:
	$(MAKE) -C tools/testing/fuzz fuzz

# Install the module (updates/, then depmod unless DESTDIR is set), the
# tools, the uapi header, man pages and docs; uninstall removes exactly
# those (tools/packaging/install.sh).
install: module tools
	$(check_kdir)
	DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" KDIR="$(KDIR)" tools/packaging/install.sh install

uninstall:
	DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" KDIR="$(KDIR)" tools/packaging/install.sh uninstall

# DKMS with the system's trees: /usr/src/blkseek-VERSION (dkms.conf).
dkms-install:
	tools/packaging/dkms.sh install

dkms-remove:
	tools/packaging/dkms.sh remove

# Debian packages (debian/): dpkg-buildpackage -us -uc -b on a copy of the
# tree in build/deb, so the .debs land in build/deb and not beside the
# source tree, and debian/rules clean does not touch this tree's tools
# (tools/packaging/deb.sh).
deb:
	tools/packaging/deb.sh

# The target lines of the header comment above, its one source.
help:
	@sed -n 's/^#   make /make /p' $(firstword $(MAKEFILE_LIST))
