#!/bin/bash
# bench/size.sh: how big the product is, per arch, and what makes it so.
#
# For each arch whose product exists (build/reseal for x86_64,
# build-ARCH/reseal for the cross arches: `make cross`): the stripped file
# size, text/data/bss (size(1)), gzip -9 size (what an initramfs carries),
# and the ten largest contributors.  Contributors come from a relink of the
# same sources with the Makefile's own PROD_CFLAGS/PROD_LDFLAGS, minus -s,
# plus -g (no effect on the code) and a linker map: each symbol is charged
# to its input section's file, i.e. reseal (our objects, named by source
# file), BearSSL (libbearssl.a member), musl (libc.a member) or libgcc
# (gcc's runtime: 128-bit long double arithmetic for printf's %Lf on
# aarch64 and riscv64); bss costs no file bytes and is left out.  Targets (issue 9): x86_64 <= 200,000
# bytes stripped, no arch over 260,000 bytes of text; this prints, it
# does not assert.
#
# usage: bash bench/size.sh [ARCH...]     (default: every arch built)
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
W=$(mktemp -d /tmp/reseal-size.XXXXXX)
trap 'rm -rf "$W"' EXIT

die() { echo "bench/size.sh: FATAL: $*" >&2; exit 1; }
command -v python3 >/dev/null || die "python3 is not installed"

# The Makefile's value of variable V for ARCH, e.g. mk aarch64 BUILD.
mk() {
	make -s --no-print-directory -pn ARCH="$1" 2>/dev/null |
		awk -v v="$2" '$1 == v && ($2 == ":=" || $2 == "=") && !done { $1 = $2 = ""; sub(/^ +/, ""); print; done = 1 }'
}

# Symbol -> file attribution from a GNU ld map (-Wl,-Map) and nm -S -l.
cat >"$W/attr.py" <<'EOF'
import bisect, collections, os, re, sys

mapf, nmf, top, srcs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]

def defined_in(name):
    """Our source file that defines name at the start of a line (the
    style puts a function's name, and a table's declaration, there):
    for the tables, which carry no line information."""
    base = re.sub(r'\.(lto_priv|constprop|isra|part|cold)\.?\d*', '', name)
    rx = re.compile(r'^(\S[^(=;\n]*\W)?%s\s*[\[(=]' % re.escape(base), re.M)
    hit = [f for f in srcs if rx.search(open(os.path.join(top, f), errors='replace').read())]
    return hit[0] if len(hit) == 1 else '?'

def group(f):
    b = os.path.basename(f)
    if 'libbearssl.a' in f:
        return 'BearSSL', re.sub(r'.*\((.*)\)', r'\1', b)
    if 'libgcc' in f or b.startswith(('crtbegin', 'crtend')):
        return 'libgcc', re.sub(r'.*\((.*)\)', r'\1', b)
    if 'libc.a' in f or b.startswith('crt') or b == 'rcrt1.o':
        return 'musl', re.sub(r'.*\((.*)\)', r'\1', b)
    if f == '*linker*':
        return 'linker', ''
    return 'reseal', ''

# Input sections inside allocated output sections: (addr, size, file).
secs, out, pend = [], None, None
lines = open(mapf).read().split('\n')
start = lines.index('Linker script and memory map') if 'Linker script and memory map' in lines else 0
for l in lines[start:]:
    m = re.match(r'^(\.\S+)', l)
    if m:
        out, pend = m.group(1), None
        continue
    m = re.match(r'^ (\.\S+|COMMON)\s*$', l)
    if m:
        pend = m.group(1)
        continue
    m = re.match(r'^ (\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$', l)
    if m and (m.group(1) or pend) and out and not out.startswith(('.debug', '.comment')):
        size = int(m.group(3), 16)
        if size:
            secs.append((int(m.group(2), 16), size, m.group(4).strip(), out))
    pend = None
secs.sort()
addrs = [s[0] for s in secs]

tot = collections.Counter()
for a, size, f, o in secs:
    if o not in ('.bss', '.tbss'):
        tot[group(f)[0]] += size

syms = []
for l in open(nmf):
    p = l.rstrip('\n').split('\t')
    f = p[0].split()
    if len(f) < 4 or f[2] in 'bBUuvwNn':
        continue
    a, size, name = int(f[0], 16), int(f[1], 16), f[3]
    i = bisect.bisect_right(addrs, a) - 1
    if i < 0 or not secs[i][0] <= a < secs[i][0] + secs[i][1]:
        continue
    g, member = group(secs[i][2])
    where = member
    if g == 'reseal':
        where = os.path.relpath(p[1].rsplit(':', 1)[0], top) if len(p) > 1 else defined_in(name)
    syms.append((size, name, g, where))
# A symbol and its aliases (weak names) share an address: count it once.
seen, top10 = set(), []
for s in sorted(syms, reverse=True):
    key = (s[0], s[2], s[3])
    if key in seen:
        continue
    seen.add(key)
    top10.append(s)
    if len(top10) == 10:
        break
all_ = sum(tot.values())
print('  file bytes by origin: ' + ', '.join('%s %d (%d%%)' % (g, n, 100 * n // max(all_, 1))
      for g, n in tot.most_common()))
print('  ten largest symbols:')
for size, name, g, where in top10:
    print('    %7d  %-40s %-8s %s' % (size, name, g, where))
EOF

arches=("$@")
[ ${#arches[@]} -gt 0 ] || arches=(x86_64 aarch64 armhf riscv64)
printf '%-8s %9s %8s %6s %8s %8s  %s\n' arch stripped text data bss gzip-9 product
for a in "${arches[@]}"; do
	build=$(mk "$a" BUILD)
	[ -n "$build" ] || die "the Makefile knows no ARCH=$a"
	bin=$build/reseal
	if [ ! -f "$bin" ]; then
		printf '%-8s %s\n' "$a" "(no $bin: make ARCH=$a)"
		continue
	fi
	cross=$(mk "$a" "CROSS_$a")
	sz=${cross}size
	command -v "$sz" >/dev/null || sz=size
	read -r text data bss _ < <("$sz" "$bin" | tail -n 1)
	printf '%-8s %9d %8d %6d %8d %8d  %s\n' "$a" "$(stat -c %s "$bin")" "$text" "$data" "$bss" \
		"$(gzip -9 -c "$bin" | wc -c)" "$bin"
done

for a in "${arches[@]}"; do
	build=$(mk "$a" BUILD)
	[ -f "$build/reseal" ] || continue
	cc=$(mk "$a" MUSL_CC)
	bearssl=$(mk "$a" BEARSSL)
	cross=$(mk "$a" "CROSS_$a")
	nm=${cross}nm
	command -v "$nm" >/dev/null || nm=nm
	# The Makefile's lists, word-split and unquoted by the shell as in its
	# recipes (PROD_CFLAGS holds -DRESEAL_VERSION='"..."').
	eval "cflags=($(mk "$a" PROD_CFLAGS))"
	eval "ldflags=($(mk "$a" PROD_LDFLAGS))"
	eval "src=($(mk "$a" SRC))"
	keep=()
	for f in "${ldflags[@]}"; do [ "$f" = -s ] || keep+=("$f"); done
	echo
	echo "== $a: contributors (unstripped relink of $build/reseal with a map)"
	if ! "$cc" "${cflags[@]}" -g -o "$W/reseal-$a" "${src[@]}" "$bearssl/libbearssl.a" \
		"${keep[@]}" -Wl,-Map="$W/reseal-$a.map" 2>"$W/cc.log"; then
		cat "$W/cc.log" >&2
		die "relink for $a failed"
	fi
	"${cross}strip" -o "$W/stripped-$a" "$W/reseal-$a" 2>/dev/null || strip -o "$W/stripped-$a" "$W/reseal-$a"
	if ! cmp -s "$W/stripped-$a" "$build/reseal"; then
		echo "  (note: $build/reseal differs from a fresh build of this tree," \
			"$(stat -c %s "$W/stripped-$a") bytes stripped; rebuild it)"
	fi
	"$nm" -S -l --size-sort -r "$W/reseal-$a" >"$W/nm-$a" 2>/dev/null
	python3 "$W/attr.py" "$W/reseal-$a.map" "$W/nm-$a" "$TOP" "${src[@]}"
done
