# reseal — see README.md.  `make` builds build/reseal (static musl + BearSSL);
# `make check` builds the sanitizer test binary and runs every test.

# Target architecture: `make ARCH=aarch64` (or arm64), armhf (or arm),
# riscv64; x86_64 (amd64) is the default and the host.  Each arch builds into
# its own directory (build/ for x86_64, build-ARCH/ otherwise) with its own
# BearSSL, compiled by that arch's musl wrapper (toolchain/cross-deps.sh
# installs them; `make cross` builds all four products).  ARCH from the
# environment is ignored: it often holds a kernel build's value.
ifneq ($(origin ARCH),command line)
ARCH       := x86_64
endif
override ARCH := $(patsubst amd64,x86_64,$(patsubst arm64,aarch64,$(patsubst arm,armhf,$(ARCH))))
CROSS_ARCHES := aarch64 armhf riscv64
ARCHES     := x86_64 $(CROSS_ARCHES)
ifeq ($(filter $(ARCH),$(ARCHES)),)
$(error ARCH=$(ARCH): expected one of x86_64 (amd64), aarch64 (arm64), armhf (arm), riscv64)
endif

# musl for riscv64 is built by toolchain/cross-deps.sh into a cache keyed by
# that script's hash (Debian 12 has no riscv64 port to take it from).
MUSL_RISCV64 = /var/tmp/reseal-cache/musl-riscv64-$(shell sha256sum toolchain/cross-deps.sh | cut -c1-16)

BUILD_x86_64   := build
BUILD_aarch64  := build-aarch64
BUILD_armhf    := build-armhf
BUILD_riscv64  := build-riscv64
# GNU triplet prefix of the binutils (ar for BearSSL), musl compiler wrapper,
# and the qemu-user binary that runs the arch's binaries on the host.
CROSS_aarch64  := aarch64-linux-gnu-
CROSS_armhf    := arm-linux-gnueabihf-
CROSS_riscv64  := riscv64-linux-gnu-
MUSL_aarch64   := aarch64-linux-musl-gcc
MUSL_armhf     := arm-linux-musleabihf-gcc
MUSL_riscv64    = $(MUSL_RISCV64)/bin/riscv64-linux-musl-gcc
QEMU_aarch64   := qemu-aarch64-static
QEMU_armhf     := qemu-arm-static
QEMU_riscv64   := qemu-riscv64-static

BUILD      := $(BUILD_$(ARCH))
BEARSSL    := $(BUILD)/bearssl
ifeq ($(ARCH),x86_64)
MUSL_CC    ?= musl-gcc
else
MUSL_CC    := $(MUSL_$(ARCH))
endif
AR_TARGET  := $(CROSS_$(ARCH))ar
CC         ?= cc

SRC        := $(sort $(wildcard hook/*.c hook/ops/*.c hook/blk/*.c hook/boot/*.c crypto/*.c))
LIB_SRC    := $(filter-out hook/main.c,$(SRC))
HDR        := $(wildcard hook/*.h hook/ops/*.h hook/blk/*.h hook/boot/*.h crypto/*.h)
TEST_SRC   := $(sort $(wildcard tests/unit/*.c))

WARN       := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
INC        := -Ihook -Ihook/blk -Ihook/boot -Icrypto
VERSION    := $(shell cat VERSION)

# Size (bench/size.sh): -flto=auto lets gcc drop and inline across files
# (=auto: parallel link-time jobs, no "serial compilation" warning); no
# unwind tables (.eh_frame: nothing unwinds C here), which aarch64's gcc
# emits unless -fno-unwind-tables is given too.
PROD_CFLAGS  := $(WARN) $(INC) -I$(BEARSSL)/inc -Os -ffunction-sections -fdata-sections \
                -fno-asynchronous-unwind-tables -fno-unwind-tables -flto=auto \
                -DRESEAL_VERSION='"$(VERSION)"'
# Linker flags, each safe for a static, non-PIE PID 1 (ARCH-independent):
# -z noseparate-code: code, rodata and ELF headers share one R+X segment
#   instead of three page-aligned ones (the pre-2.31 binutils layout), ~4 KB
#   of padding less.  rodata becomes executable: more gadgets for an
#   exploit, but still no page both writable and executable.
# --build-id=none: nothing reads the note (no debuginfod, no core dumps of
#   a stripped PID 1).
# -z norelro: static musl never applies PT_GNU_RELRO (only its dynamic
#   linker mprotects it; strace shows no mprotect at start), so the segment
#   bought nothing but padding.
# -z common-page-size=64: the data segment then starts in the file right
#   after the code (its address still a max-page-size further, so both map
#   with the same page alignment) instead of at the next 4 KB boundary,
#   which made the file size jump in 4 KB steps.
PROD_LDFLAGS := -static -Wl,--gc-sections -Wl,-z,noseparate-code -Wl,--build-id=none \
                -Wl,-z,norelro -Wl,-z,common-page-size=64 -s

TEST_CFLAGS  := $(WARN) $(INC) -Itests/unit -O1 -g -fno-omit-frame-pointer \
                -fsanitize=address,undefined -fno-sanitize-recover=all \
                -DRESEAL_VERSION='"$(VERSION)-test"'
TEST_LIBS    := -lbearssl
TEST_DEPS    :=
# How to run the arch's binaries here: directly, or through qemu-user.
RUN          := $(QEMU_$(ARCH))

# A cross arch's unit tests: static with its musl and BearSSL, no sanitizers
# (no runtime for them under musl), run through qemu-user (tests/t-cross.sh).
# The kernel's uapi headers (linux/*.h) come from Debian's
# linux-libc-dev-ARCH-cross, next to (not inside) musl's headers.
# _FILE_OFFSET_BITS=64: musl's off_t is 64-bit anyway; a 32-bit glibc build
# of the tests (CC=arm-linux-gnueabihf-gcc) needs it for large images.
ifneq ($(ARCH),x86_64)
CC           := $(MUSL_CC)
TEST_CFLAGS  := $(WARN) $(INC) -Itests/unit -I$(BEARSSL)/inc -isystem $(BUILD)/uapi \
                -O1 -g -D_FILE_OFFSET_BITS=64 -DRESEAL_VERSION='"$(VERSION)-test"'
TEST_LIBS    := $(BEARSSL)/libbearssl.a -static
TEST_DEPS    := $(BEARSSL)/libbearssl.a $(BUILD)/uapi/linux
endif

.PHONY: all deps check check-integration check-powercut check-crash unit fuzz fuzz-build bench clean demo initramfs man install \
	cross cross-deps cross-test check-cross
all: $(BUILD)/reseal

deps:
	@sh toolchain/deps.sh
	@sh toolchain/qemu-deps.sh
	@sh toolchain/arm-boot-deps.sh

# Rebuilt when the recipe changes (its flags go into every product).
$(BEARSSL)/libbearssl.a: toolchain/bearssl.sh
	rm -f $@
	sh toolchain/bearssl.sh $(BEARSSL) $(MUSL_CC) $(AR_TARGET)

$(BUILD)/reseal: $(SRC) $(HDR) $(BEARSSL)/libbearssl.a VERSION Makefile
	@mkdir -p $(BUILD)
	$(MUSL_CC) $(PROD_CFLAGS) -o $@ $(SRC) $(BEARSSL)/libbearssl.a $(PROD_LDFLAGS)

# Man pages: roff from the scdoc sources docs/NAME.SECTION.scd (the only
# source of truth), into MAN_DIR.  Dated by the source's last commit (its
# mtime outside git) so that a rebuild gives the same bytes.  Not part of
# `all`: only `make man`, `make install` and `make check` need scdoc.
SCDOC      ?= scdoc
MAN_DIR    ?= $(BUILD)/man
MAN_SRC    := $(sort $(wildcard docs/*.scd))
MAN        := $(patsubst docs/%.scd,$(MAN_DIR)/%,$(MAN_SRC))

man: $(MAN)

$(MAN_DIR)/%: docs/%.scd
	@mkdir -p $(dir $@)
	SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct -- $< 2>/dev/null | grep . || stat -c %Y $<) \
		$(SCDOC) <$< >$@.$$$$.tmp && mv $@.$$$$.tmp $@ || { rm -f $@.$$$$.tmp; exit 1; }

# `make install PREFIX=/usr DESTDIR=/tmp/pkg`: the binary to PREFIX/sbin,
# each page to PREFIX/share/man/manSECTION, and the integrations
# (docs/integrations.md) where each reads them: initramfs-tools' hook and
# boot scripts (/usr/share/initramfs-tools for PREFIX=/usr, else the
# admin's /etc/initramfs-tools), dracut's module 90reseal (dracut reads
# /usr/lib/dracut/modules.d only), the refresh unit (PREFIX/lib/systemd/
# system: systemd reads /usr/local/lib/systemd/system too) and its script.
PREFIX     ?= /usr/local
MANPREFIX  ?= $(PREFIX)/share/man
SBINDIR    ?= $(PREFIX)/sbin
LIBDIR     ?= $(PREFIX)/lib
INITRAMFS_TOOLS_DIR ?= $(if $(filter /usr,$(PREFIX)),/usr/share/initramfs-tools,/etc/initramfs-tools)
DRACUT_MODULES_DIR  ?= /usr/lib/dracut/modules.d
SYSTEMD_UNIT_DIR    ?= $(LIBDIR)/systemd/system
INTEGRATION := initramfs-tools/hooks/reseal initramfs-tools/scripts/local-top/reseal \
	initramfs-tools/scripts/local-premount/reseal \
	dracut/90reseal/module-setup.sh dracut/90reseal/reseal-dracut.sh \
	dracut/90reseal/reseal-initrd.service dracut/90reseal/reseal-pre-mount.sh \
	dracut/90reseal/reseal-find.sh \
	systemd/reseal-initramfs-refresh systemd/reseal-initramfs-refresh.service
# where each file of initramfs/ goes, and its mode
dest_of = $(patsubst initramfs-tools/%,$(INITRAMFS_TOOLS_DIR)/%,$(patsubst dracut/%,$(DRACUT_MODULES_DIR)/%,$(patsubst systemd/%.service,$(SYSTEMD_UNIT_DIR)/%.service,$(patsubst systemd/reseal-initramfs-refresh,$(LIBDIR)/reseal/initramfs-refresh,$(1)))))
mode_of = $(if $(filter %.service,$(1)),0644,0755)

install: $(BUILD)/reseal $(MAN)
	install -d $(DESTDIR)$(SBINDIR)
	install -m 0755 $(BUILD)/reseal $(DESTDIR)$(SBINDIR)/reseal
	@set -e; for m in $(MAN); do \
		d=$(DESTDIR)$(MANPREFIX)/man$${m##*.}; \
		echo "install -m 0644 $$m $$d/"; \
		install -d $$d; install -m 0644 $$m $$d/; \
	done
	@set -e; $(foreach f,$(INTEGRATION),\
		echo "install -m $(call mode_of,$(f)) initramfs/$(f) $(DESTDIR)$(call dest_of,$(f))"; \
		install -d $(dir $(DESTDIR)$(call dest_of,$(f))); \
		sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' initramfs/$(f) \
			>$(DESTDIR)$(call dest_of,$(f)); \
		chmod $(call mode_of,$(f)) $(DESTDIR)$(call dest_of,$(f));)

# Unit-test binary: glibc + ASan/UBSan, all product code but main.c.
$(BUILD)/reseal-test: $(LIB_SRC) $(HDR) $(TEST_SRC) $(wildcard tests/unit/*.h) VERSION Makefile $(TEST_DEPS)
	@mkdir -p $(BUILD)
	$(CC) $(TEST_CFLAGS) -o $@ $(LIB_SRC) $(TEST_SRC) $(TEST_LIBS)

$(BUILD)/uapi/linux:
	@mkdir -p $(BUILD)/uapi
	@set -e; for d in linux asm asm-generic; do \
		test -d /usr/$(CROSS_$(ARCH):-=)/include/$$d || \
			{ echo "missing /usr/$(CROSS_$(ARCH):-=)/include/$$d: run toolchain/cross-deps.sh" >&2; exit 1; }; \
		ln -sfn /usr/$(CROSS_$(ARCH):-=)/include/$$d $(BUILD)/uapi/$$d; \
	done

# The same with crypto/ed25519.c's portable 128-bit arithmetic forced (what
# 32-bit targets use), so that the host's sanitizer build checks that path
# too (tests/t-ed25519-oracle.sh).
$(BUILD)/reseal-test-no128: $(LIB_SRC) $(HDR) $(TEST_SRC) $(wildcard tests/unit/*.h) VERSION Makefile $(TEST_DEPS)
	@mkdir -p $(BUILD)
	$(CC) $(TEST_CFLAGS) -DED25519_NO_INT128 -o $@ $(LIB_SRC) $(TEST_SRC) $(TEST_LIBS)

# Test-only: the product with power-cut injection (reseal.fault=N, hook/fault.h).
$(BUILD)/reseal-fault: $(SRC) $(HDR) $(BEARSSL)/libbearssl.a VERSION Makefile
	@mkdir -p $(BUILD)
	$(MUSL_CC) $(PROD_CFLAGS) -DRESEAL_FAULT -o $@ $(SRC) $(BEARSSL)/libbearssl.a $(PROD_LDFLAGS)

# Sanitizer build of the whole CLI, used by the integration tests next to the product.
$(BUILD)/reseal-asan: $(SRC) $(HDR) VERSION Makefile
	@mkdir -p $(BUILD)
	$(CC) $(TEST_CFLAGS) -o $@ $(SRC) $(TEST_LIBS)

# libFuzzer harnesses, one per on-disk parser (tests/fuzz/fuzz_<fmt>.c).
# The product code is compiled once (fuzzer-no-link) and shared by all.
FUZZ_SRC     := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN     := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
FUZZ_FLAGS   := $(WARN) $(INC) -Itests/fuzz -O1 -g -fno-sanitize-recover=all -DRESEAL_VERSION='"fuzz"'
FUZZ_OBJ     := $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(LIB_SRC))
# `make fuzz`: FUZZ_RUNS executions of each harness (libFuzzer -runs).
# Inputs longer than a parser reads only slow the search down: the text
# parsers get inputs of at most FUZZ_MAX_LEN's bytes (the others 1 MiB).
# FUZZ_ONLY="journal conf" runs those harnesses only.
FUZZ_RUNS    ?= 10000000
FUZZ_ONLY    ?=
FUZZ_MAX_LEN := fuzz_journal=4096 fuzz_cmdline=2048 fuzz_conf=4096 fuzz_fstab=512

$(BUILD)/fuzz/obj/%.o: %.c $(HDR)
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link,address,undefined -c -o $@ $<

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(FUZZ_OBJ)
	@mkdir -p $(BUILD)/fuzz
	clang $(FUZZ_FLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< $(FUZZ_OBJ) $(TEST_LIBS)

# Keep the shared objects between harness builds (make would delete them
# as intermediates of the pattern chain).
.SECONDARY: $(FUZZ_OBJ)

fuzz-build: $(FUZZ_BIN)

# Each harness for FUZZ_RUNS executions from its seeds and the corpus kept
# in $(BUILD)/corpus/; prints the count and time of each, stops at the first
# crash (its log: $(BUILD)/fuzz/<harness>.log).  make check runs each
# briefly (tests/t-fuzz.sh).
FUZZ_SEL = $(if $(FUZZ_ONLY),$(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_ONLY)),$(FUZZ_BIN))
fuzz: deps $(FUZZ_SEL)
	@for f in $(FUZZ_SEL); do \
		n=$${f##*/}; mkdir -p $(BUILD)/corpus/$$n; \
		ml=1048576; for kv in $(FUZZ_MAX_LEN); do [ $${kv%=*} != $$n ] || ml=$${kv#*=}; done; \
		echo "== $$n: $(FUZZ_RUNS) runs, inputs up to $$ml bytes"; \
		$$f -runs=$(FUZZ_RUNS) -max_len=$$ml -rss_limit_mb=2048 -print_final_stats=1 \
			$(BUILD)/corpus/$$n tests/fuzz/seeds/$${n#fuzz_} >$(BUILD)/fuzz/$$n.log 2>&1 || \
			{ tail -n 40 $(BUILD)/fuzz/$$n.log; echo "FAIL $$n: crashed (log: $(BUILD)/fuzz/$$n.log)"; exit 1; }; \
		grep '^Done [0-9]* runs' $(BUILD)/fuzz/$$n.log | sed "s/^/$$n: /"; \
	done

check: deps cross-test $(BUILD)/reseal $(BUILD)/reseal-test $(BUILD)/reseal-test-no128 $(BUILD)/reseal-asan $(BUILD)/reseal-fault $(FUZZ_BIN) $(MAN)
	@sh tests/run.sh

# reseal inside initramfs-tools and dracut (systemd and shell mode) on a
# real Debian 12 image booted through GRUB (docs/integrations.md); make
# check runs it beside the other tests.  INTEGRATION_GENS="initramfs-tools
# dracut-systemd dracut-shell" picks generators.
check-integration: deps $(BUILD)/reseal $(BUILD)/reseal-fault $(MAN)
	RESEAL=$(abspath $(BUILD))/reseal bash tests/qemu/t-integration.sh

# Every N of the power-cut test (make check runs a stride of them).
check-powercut: deps $(BUILD)/reseal $(BUILD)/reseal-fault
	POWERCUT_STRIDE=1 bash tests/qemu/t-powercut.sh

# Every crash state of a recorded boot (make check boots a sample of them):
# docs/crash.md.  CRASH_MAX=N boots N of them, CRASH_SEED=S reseeds; a disk
# that writes 512-byte sectors whole (CRASH_ATOMIC=4096: 4 KiB, as make check).
check-crash: deps $(BUILD)/reseal
	RESEAL=$(abspath $(BUILD))/reseal CRASH_MAX=$${CRASH_MAX:-0} CRASH_ATOMIC=$${CRASH_ATOMIC:-512} \
		bash tests/qemu/t-crashstates.sh

# reseal's own initramfs: /init = build/reseal, plus MODULES for KVER with
# their dependencies (initramfs/README.md).  Defaults: the newest installed kernel,
# the modules a virtio VM with ext4/XFS/vfat roots needs.
KVER    ?= $(shell ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1 | sed 's|.*/vmlinuz-||')
MODULES ?= virtio_pci virtio_blk xfs vfat nls_cp437 nls_ascii nls_iso8859-1
initramfs: $(BUILD)/reseal
	sh initramfs/build.sh --init $(BUILD)/reseal --out $(BUILD)/initramfs.cpio.gz \
		--kver $(KVER) --modules "$(MODULES)"

# Seal a golden image, clone it twice, boot each under QEMU, show them side by side.
demo: deps $(BUILD)/reseal
	@bash tests/qemu/demo.sh

unit: $(BUILD)/reseal-test
	$(RUN) $(BUILD)/reseal-test all

# Every arch's product (`make cross`), and for the cross arches their unit
# test binaries (`make cross-test`, which tests/t-cross.sh runs under
# qemu-user).  Each arch is a sub-make with its own BUILD and MUSL_CC.
cross-deps:
	@sh toolchain/cross-deps.sh

cross: cross-deps
	@set -e; $(foreach a,$(ARCHES),$(MAKE) --no-print-directory ARCH=$(a) BUILD=$(BUILD_$(a)) \
		$(if $(filter x86_64,$(a)),,MUSL_CC=$(MUSL_$(a))) $(BUILD_$(a))/reseal;)

cross-test: cross
	@set -e; $(foreach a,$(CROSS_ARCHES),$(MAKE) --no-print-directory ARCH=$(a) BUILD=$(BUILD_$(a)) \
		MUSL_CC=$(MUSL_$(a)) $(BUILD_$(a))/reseal-test;)

# Only the cross part of make check (tests/t-cross.sh): every arch's unit
# tests and every shell suite under qemu-user.
check-cross: cross-test $(BUILD_x86_64)/reseal-test-no128
	bash tests/t-cross.sh

bench: deps $(BUILD)/reseal
	@sh bench/run.sh

clean:
	rm -rf $(BUILD)
