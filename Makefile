# reseal — see README.md.  `make` builds build/reseal (static musl + BearSSL);
# `make check` builds the sanitizer test binary and runs every test.

BUILD      := build
BEARSSL    := $(BUILD)/bearssl
MUSL_CC    ?= musl-gcc
CC         ?= cc

SRC        := $(sort $(wildcard hook/*.c hook/ops/*.c hook/blk/*.c hook/boot/*.c crypto/*.c))
LIB_SRC    := $(filter-out hook/main.c,$(SRC))
HDR        := $(wildcard hook/*.h hook/ops/*.h hook/blk/*.h hook/boot/*.h crypto/*.h)
TEST_SRC   := $(sort $(wildcard tests/unit/*.c))

WARN       := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
INC        := -Ihook -Ihook/blk -Ihook/boot -Icrypto
VERSION    := $(shell cat VERSION)

PROD_CFLAGS  := $(WARN) $(INC) -I$(BEARSSL)/inc -Os -ffunction-sections -fdata-sections \
                -fno-asynchronous-unwind-tables -DRESEAL_VERSION='"$(VERSION)"'
PROD_LDFLAGS := -static -Wl,--gc-sections -s

TEST_CFLAGS  := $(WARN) $(INC) -Itests/unit -O1 -g -fno-omit-frame-pointer \
                -fsanitize=address,undefined -fno-sanitize-recover=all \
                -DRESEAL_VERSION='"$(VERSION)-test"'
TEST_LIBS    := -lbearssl

.PHONY: all deps check check-powercut unit fuzz fuzz-build bench clean demo initramfs man install
all: $(BUILD)/reseal

deps:
	@sh toolchain/deps.sh
	@sh toolchain/qemu-deps.sh

$(BEARSSL)/libbearssl.a:
	sh toolchain/bearssl.sh $(BEARSSL)

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
# each page to PREFIX/share/man/manSECTION.
PREFIX     ?= /usr/local
MANPREFIX  ?= $(PREFIX)/share/man

install: $(BUILD)/reseal $(MAN)
	install -d $(DESTDIR)$(PREFIX)/sbin
	install -m 0755 $(BUILD)/reseal $(DESTDIR)$(PREFIX)/sbin/reseal
	@set -e; for m in $(MAN); do \
		d=$(DESTDIR)$(MANPREFIX)/man$${m##*.}; \
		echo "install -m 0644 $$m $$d/"; \
		install -d $$d; install -m 0644 $$m $$d/; \
	done

# Unit-test binary: glibc + ASan/UBSan, all product code but main.c.
$(BUILD)/reseal-test: $(LIB_SRC) $(HDR) $(TEST_SRC) $(wildcard tests/unit/*.h) VERSION Makefile
	@mkdir -p $(BUILD)
	$(CC) $(TEST_CFLAGS) -o $@ $(LIB_SRC) $(TEST_SRC) $(TEST_LIBS)

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
FUZZ_SECONDS ?= 300

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

# Longer runs: `make fuzz FUZZ_SECONDS=3600`.  make check runs each briefly.
fuzz: deps $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do \
		mkdir -p $(BUILD)/corpus/$${f##*/}; \
		echo "== $$f ($(FUZZ_SECONDS) s)"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -max_len=1048576 $(BUILD)/corpus/$${f##*/} \
			tests/fuzz/seeds/$${f##*/fuzz_} || exit 1; \
	done

check: deps $(BUILD)/reseal $(BUILD)/reseal-test $(BUILD)/reseal-asan $(BUILD)/reseal-fault $(FUZZ_BIN) $(MAN)
	@sh tests/run.sh

# Every N of the power-cut test (make check runs a stride of them).
check-powercut: deps $(BUILD)/reseal $(BUILD)/reseal-fault
	POWERCUT_STRIDE=1 bash tests/qemu/t-powercut.sh

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
	$(BUILD)/reseal-test all

bench: deps $(BUILD)/reseal
	@sh bench/run.sh

clean:
	rm -rf $(BUILD)
