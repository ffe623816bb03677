# t-install.sh: `make install DESTDIR=... PREFIX=/usr` into a scratch root:
#   - exactly the binary (0755, the same bytes as build/reseal), the two
#     man pages (0644) and the integrations (initramfs-tools hook and boot
#     scripts, dracut's 90reseal, the initramfs refresh unit and script:
#     docs/integrations.md) land where a package puts them, naming the
#     installed paths, and every script parses;
#   - each page renders with `man -l` without a single warning;
#   - the pages cannot drift from the code: reseal(8) has an entry for every
#     command, option and operation `reseal --help` lists (and no other
#     operation, in the same order), reseal.conf(5) one for every section and
#     key of the table in hook/config.c (and no other).
# The pages are rendered from docs/*.scd into $T (MAN_DIR), and -o keeps make
# from rebuilding build/reseal, so nothing in the working tree is written.
. "$(dirname "$0")/lib.sh"

for tool in make scdoc man groff; do
	command -v "$tool" >/dev/null || { fail "needs $tool (toolchain/deps.sh)"; exit 0; }
done
[ -x "$TOP/build/reseal" ] || { fail "needs build/reseal (make)"; exit 0; }

D=$T/root
if make -C "$TOP" -o build/reseal install DESTDIR="$D" PREFIX=/usr MAN_DIR="$T/man" \
	>"$T/make.out" 2>&1; then
	pass "make install DESTDIR=... PREFIX=/usr"
else
	fail "make install DESTDIR=... PREFIX=/usr"; tail -n 15 "$T/make.out" | sed 's/^/    | /'; exit 0
fi

# 1. The files, their modes, nothing else.
(cd "$D" && find . ! -type d -printf '%P %m %y\n' | LC_ALL=C sort) >"$T/files"
cat >"$T/files.want" <<'EOF'
usr/lib/dracut/modules.d/90reseal/module-setup.sh 755 f
usr/lib/dracut/modules.d/90reseal/reseal-dracut.sh 755 f
usr/lib/dracut/modules.d/90reseal/reseal-find.sh 755 f
usr/lib/dracut/modules.d/90reseal/reseal-initrd.service 644 f
usr/lib/dracut/modules.d/90reseal/reseal-pre-mount.sh 755 f
usr/lib/reseal/initramfs-refresh 755 f
usr/lib/systemd/system/reseal-initramfs-refresh.service 644 f
usr/sbin/reseal 755 f
usr/share/initramfs-tools/hooks/reseal 755 f
usr/share/initramfs-tools/scripts/local-premount/reseal 755 f
usr/share/initramfs-tools/scripts/local-top/reseal 755 f
usr/share/man/man5/reseal.conf.5 644 f
usr/share/man/man8/reseal.8 644 f
EOF
if cmp -s "$T/files" "$T/files.want"; then
	pass "installs sbin/reseal, the man pages, the initramfs-tools and dracut integrations and the refresh unit, nothing else"
else
	fail "installed files"; diff "$T/files.want" "$T/files" | sed 's/^/    | /'
fi
# The integrations name the installed paths, and parse.
check "no @PLACEHOLDER@ is left in the installed integration files" \
	sh -c '! grep -rl "@[A-Z]*@" "$1/usr/lib/dracut" "$1/usr/lib/reseal" "$1/usr/lib/systemd" "$1/usr/share/initramfs-tools"' - "$D"
check "the initramfs-tools hook copies the installed binary" \
	grep -qx 'RESEAL_BIN=/usr/sbin/reseal' "$D/usr/share/initramfs-tools/hooks/reseal"
check "the refresh unit runs the installed script" \
	grep -qx 'ExecStart=/usr/lib/reseal/initramfs-refresh' "$D/usr/lib/systemd/system/reseal-initramfs-refresh.service"
for f in "$D"/usr/share/initramfs-tools/hooks/reseal "$D"/usr/share/initramfs-tools/scripts/*/reseal \
	"$D"/usr/lib/dracut/modules.d/90reseal/*.sh "$D"/usr/lib/reseal/initramfs-refresh; do
	case $f in *module-setup.sh) sh=bash ;; *) sh=sh ;; esac
	check "$sh -n ${f#"$D/"}" $sh -n "$f"
done
PREFIX_LOCAL=$T/local
if make -C "$TOP" -o build/reseal install DESTDIR="$PREFIX_LOCAL" MAN_DIR="$T/man" >"$T/make.out" 2>&1; then
	check "PREFIX=/usr/local: initramfs-tools files in /etc/initramfs-tools, naming /usr/local/sbin/reseal" \
		grep -qx 'RESEAL_BIN=/usr/local/sbin/reseal' "$PREFIX_LOCAL/etc/initramfs-tools/hooks/reseal"
	check "PREFIX=/usr/local: the unit in /usr/local/lib/systemd/system" \
		test -f "$PREFIX_LOCAL/usr/local/lib/systemd/system/reseal-initramfs-refresh.service"
else
	fail "make install (PREFIX=/usr/local)"
fi
check "the installed binary is build/reseal" cmp "$D/usr/sbin/reseal" "$TOP/build/reseal"
check "the installed binary runs" \
	sh -c '[ "$("$1" --version)" = "reseal $(cat "$2/VERSION")" ]' sh "$D/usr/sbin/reseal" "$TOP"

# 2. Each page renders, with its own name in the title, and no warning.
# Hyphenation off and wide lines, so that every name stays whole on a line.
render() {
	LC_ALL=C.UTF-8 MANWIDTH=200 MANROFFOPT=-rHY=0 man -l --warnings=w "$1" 2>"$T/warn"
}
for p in man8/reseal.8 man5/reseal.conf.5; do
	f=$D/usr/share/man/$p
	name=${p#*/}
	title="${name%.*}(${name##*.})"
	if ! render "$f" >"$T/$name.txt"; then
		fail "man -l $p" "rc=$?"; continue
	fi
	if [ -s "$T/warn" ]; then
		fail "man -l $p renders without warnings"; sed 's/^/    | /' "$T/warn" | head -n 15
	elif [ "$(head -n 1 "$T/$name.txt" | awk '{print $1}')" != "$title" ]; then
		fail "man -l $p renders as $title" "first line: $(head -n 1 "$T/$name.txt")"
	else
		pass "man -l $p renders as $title without warnings"
	fi
done

# The entries of one section of a rendered page: a tagged paragraph is a line
# indented 7 spaces followed by its text indented 11; a subsection title
# (indented 3) is printed as "== TITLE".
entries() {
	awk -v sec="$2" '
		/^[A-Z]/ { on = ($0 == sec); next }
		!on { next }
		/^   [^ ]/ { sub(/^ +/, ""); print "== " $0; next }
		prev != "" && /^           [^ ]/ { print prev }
		{ prev = ($0 ~ /^       [^ ]/) ? substr($0, 8) : "" }
	' "$1"
}

# 3. reseal(8) against `reseal --help`.
"$TOP/build/reseal" --help >"$T/help" 2>&1
P8=$T/reseal.8.txt
# Commands: the word after "reseal" on each usage line, but the options.
sed -n 's/^\(usage:\)\{0,1\} *reseal \([a-z][a-z-]*\).*/\2/p' "$T/help" | LC_ALL=C sort -u >"$T/cmds.help"
entries "$P8" COMMANDS | LC_ALL=C sort -u >"$T/cmds.man"
if [ "$(wc -l <"$T/cmds.help")" -ge 6 ] && cmp -s "$T/cmds.help" "$T/cmds.man"; then
	pass "reseal(8) COMMANDS has exactly the $(wc -l <"$T/cmds.help") commands of --help"
else
	fail "reseal(8) COMMANDS matches --help"; diff "$T/cmds.help" "$T/cmds.man" | sed 's/^/    | /'
fi
# Options: every --word on the usage lines, and every --word the OPTIONS
# entries name.
sed -n '/^usage:/,/^$/p' "$T/help" | grep -o -- '--[a-z][a-z-]*' | LC_ALL=C sort -u >"$T/opts.help"
entries "$P8" OPTIONS | grep -o -- '--[a-z][a-z-]*' | LC_ALL=C sort -u >"$T/opts.man"
if [ "$(wc -l <"$T/opts.help")" -ge 8 ] && cmp -s "$T/opts.help" "$T/opts.man"; then
	pass "reseal(8) OPTIONS has exactly the $(wc -l <"$T/opts.help") options of --help"
else
	fail "reseal(8) OPTIONS matches --help"; diff "$T/opts.help" "$T/opts.man" | sed 's/^/    | /'
fi
# Operations: the first word of each line after "operations:", in order.
sed -n '/^operations:/,$p' "$T/help" | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' >"$T/ops.help"
entries "$P8" OPERATIONS >"$T/ops.man"
if [ "$(wc -l <"$T/ops.help")" -ge 10 ] && cmp -s "$T/ops.help" "$T/ops.man"; then
	pass "reseal(8) OPERATIONS lists the $(wc -l <"$T/ops.help") operations of --help in order"
else
	fail "reseal(8) OPERATIONS matches --help"; diff "$T/ops.help" "$T/ops.man" | sed 's/^/    | /'
fi
# Exit codes: the ones hook/cmds.h defines.
sed -n 's/^#define RS_EXIT_[A-Z]* *\([0-9][0-9]*\).*/\1/p' "$TOP/hook/cmds.h" | LC_ALL=C sort -u >"$T/exit.code"
entries "$P8" "EXIT STATUS" | LC_ALL=C sort -u >"$T/exit.man"
if [ "$(wc -l <"$T/exit.code")" -ge 3 ] && cmp -s "$T/exit.code" "$T/exit.man"; then
	pass "reseal(8) EXIT STATUS has exactly the codes of hook/cmds.h ($(tr '\n' ' ' <"$T/exit.code"| sed 's/ $//'))"
else
	fail "reseal(8) EXIT STATUS matches hook/cmds.h"; diff "$T/exit.code" "$T/exit.man" | sed 's/^/    | /'
fi

# 4. reseal.conf(5) against hook/config.c's table ({ "section", "key", set_x }).
sed -n 's/^[[:space:]]*{ *"\([a-z-]*\)", *"\([a-z-]*\)", *set_[a-z_]* *},.*/[\1] \2/p' \
	"$TOP/hook/config.c" | LC_ALL=C sort >"$T/keys.code"
entries "$T/reseal.conf.5.txt" "SECTIONS AND KEYS" | awk '
	/^== \[/ { s = $2; next }
	{ print s " " $1 }' | LC_ALL=C sort >"$T/keys.man"
if [ "$(wc -l <"$T/keys.code")" -ge 7 ] && cmp -s "$T/keys.code" "$T/keys.man"; then
	pass "reseal.conf(5) has exactly the $(wc -l <"$T/keys.code") keys of hook/config.c"
else
	fail "reseal.conf(5) matches hook/config.c"; diff "$T/keys.code" "$T/keys.man" | sed 's/^/    | /'
fi
