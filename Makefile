# nftrace: top-level build. `make` builds kmod/nftrace.ko and user/nftrace-capture.
#
#   make                 module and tool
#   make check           unit tests (Check), then the VM integration tests
#   make demo            install deps, build, boot a VM, capture, summarise
#   make check-fresh     make demo in a bare Debian 12 chroot (debootstrap), checked
#   make sparse          sparse (C=2) over the module
#   make install         module, tool, man page, udev rule (DESTDIR honoured)
#   make deb             Debian packages nftrace and nftrace-dkms, lintian-checked
#                        (tools/install-deps.sh --deb first): tools/deb.sh
#   make check-deb       them installed in a bare Debian 12 root: DKMS builds
#                        the module, purge removes it: tools/check-deb.sh
#   make check-kernels   nftrace.ko built and tested on Debian 11, 12, 13 and
#                        unstable (5.10, 6.1, 6.12, 7.x): tools/kernels.sh
#   make check-debug     nftrace.ko built and tested on Debian's 6.1 built with
#                        KASAN+lockdep+kmemleak+UBSAN and with KCSAN:
#                        tools/debug-kernels.sh
#   make bench, stress   the long runs (not part of check)

# The machines' own kernel has no headers: fall back to the newest Debian
# (non-rt) headers installed. An empty KDIR/KREL (in the environment, or
# exported by a make that ran before the headers were installed, as `make
# demo` does) counts as unset: `?=` would keep the empty value.
ifeq ($(strip $(KDIR)),)
override KDIR := $(shell d=/lib/modules/$$(uname -r)/build; [ -d $$d ] && echo $$d || \
	  ls -d /lib/modules/*/build 2>/dev/null | grep -v -- '-rt-' | sort -V | tail -n1)
endif
ifeq ($(strip $(KREL)),)
override KREL = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	  $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
endif
export KDIR KREL

PREFIX ?= /usr/local
DESTDIR ?=
export PREFIX DESTDIR

.PHONY: all module module-rt user check check-kernels check-debug unit vmcheck vmcheck-rt installcheck sparse install demo deb check-deb check-fresh bench stress clean deps

all: module user

module:
	$(MAKE) -C kmod KDIR=$(KDIR)

# The same module for the PREEMPT_RT flavour, built in a copy of the tree
# (Kbuild writes its objects beside the sources): build/rt/kmod/nftrace.ko.
KDIR_RT ?= $(shell ls -d /lib/modules/*-rt-amd64/build 2>/dev/null | sort -V | tail -n1)
module-rt:
	@[ -n "$(KDIR_RT)" ] || { echo "no -rt headers: tools/install-deps.sh --rt"; exit 1; }
	mkdir -p build/rt
	rm -rf build/rt/kmod build/rt/include
	cp -r kmod include build/rt/
	$(MAKE) -C build/rt/kmod KDIR=$(KDIR_RT) clean >/dev/null
	$(MAKE) -C build/rt/kmod KDIR=$(KDIR_RT)

user:
	$(MAKE) -C user

# The Check suites, again under ASan+UBSan, the ring stress under TSan,
# and a short fuzz of the record decoder and text formatter.
unit:
	$(MAKE) -C tests/unit check
	$(MAKE) -C tests/unit asan
	$(MAKE) -C tests/unit tsan
	$(MAKE) -C tests/unit fuzz

vmcheck: all
	$(MAKE) -C tests/vm check

# The kernel paths again on PREEMPT_RT, where bottom halves, irq_work and
# timers behave differently: the module's own tests and the capture basics.
# (The ABI, hook selection and GSO, which RT does not change, run on the
# other kernel only, to keep CI within its time.)
RT_TESTS ?= test_module_text.sh test_module_flood.sh \
	    test_module_lifecycle.sh test_capture_stats.sh \
	    test_capture_drops.sh test_fuzz_dev.sh \
	    test_soak_short.sh test_capture_ids.sh
vmcheck-rt: all
	@if [ -n "$(KDIR_RT)" ]; then \
		$(MAKE) -C tests/vm check RT=1 TESTS="$(RT_TESTS)"; \
	else \
		echo "vmcheck-rt: SKIPPED: no -rt kernel (tools/install-deps.sh --rt)"; \
	fi

# make install into a scratch DESTDIR puts every file where it belongs.
installcheck: all
	rm -rf build/installcheck
	$(MAKE) install DESTDIR=$(CURDIR)/build/installcheck PREFIX=/usr >/dev/null
	cd build/installcheck && for f in lib/modules/$(KREL)/extra/nftrace.ko \
	    lib/udev/rules.d/99-nftrace.rules usr/sbin/nftrace-capture \
	    usr/share/man/man8/nftrace-capture.8; do \
		test -s $$f || { echo "installcheck: FAIL: no $$f"; exit 1; }; done
	grep -q 'MODE="0600"' build/installcheck/lib/udev/rules.d/99-nftrace.rules
	build/installcheck/usr/sbin/nftrace-capture --version >/dev/null
	test "$$(readlink build/installcheck/usr/lib/$$($(CC) -print-multiarch)/wireshark/extcap/nftrace)" = /usr/sbin/nftrace-capture || \
		{ echo "installcheck: FAIL: no Wireshark extcap link"; exit 1; }
	@echo "installcheck: PASS"

check: all
	$(MAKE) sparse
	$(MAKE) installcheck
	$(MAKE) unit
	$(MAKE) vmcheck
	$(MAKE) vmcheck-rt

# Each kernel's own headers and compiler, in roots cached under
# $(NFTRACE_CACHE) (default /var/cache/nftrace, which `make clean` leaves
# alone); KERNELS="bullseye sid" picks suites.
KERNELS ?= bullseye bookworm trixie sid sid-rt
check-kernels: user
	$(MAKE) -C tests/vm
	bash tools/kernels.sh check $(KERNELS)

# Kernels built from linux-source-6.1 with the debug options, cached under
# $(NFTRACE_CACHE)/debug; DEBUG_KERNELS="kasan" picks flavors.
DEBUG_KERNELS ?= kasan kcsan
check-debug: user
	$(MAKE) -C tests/vm
	bash tools/debug-kernels.sh check $(DEBUG_KERNELS)

sparse:
	$(MAKE) -C kmod KDIR=$(KDIR) sparse

deps:
	bash tools/install-deps.sh

install: all
	$(MAKE) -C kmod KDIR=$(KDIR) install
	$(MAKE) -C user install

demo:
	bash tools/demo.sh

# The Debian packages nftrace and nftrace-dkms, checked by lintian (build/deb).
deb:
	bash tools/deb.sh

# The packages installed in a bare Debian 12 root: DKMS builds, purge cleans.
check-deb:
	bash tools/check-deb.sh

# The README's first command on a fresh machine (root; cache: tools/check-fresh.sh).
check-fresh:
	bash tools/check-fresh.sh

bench: all
	bash tools/bench.sh

stress: all
	$(MAKE) -C tests/vm stress

clean:
	$(MAKE) -C kmod KDIR=$(KDIR) clean
	$(MAKE) -C user clean
	$(MAKE) -C tests/unit clean
	$(MAKE) -C tests/vm clean
	rm -rf build
