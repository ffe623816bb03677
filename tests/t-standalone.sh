# t-standalone.sh: the repository stands alone.  Makes the copy a fresh
# `git clone` would give, in a directory with nothing beside it, plus this
# working tree's changes (uncommitted edits to tracked files, deletions, and
# untracked files that .gitignore does not exclude; in CI that is the clean
# clone), then, inside the copy:
#   - no file names a document or script from outside the repository;
#   - it builds, and a representative subset of the tests passes with TOP
#     set to the copy: the unit suite, t-blk-ext4, t-keys, t-run and
#     t-probe-golden.  Each counts as one line here; a sub-test with a FAIL,
#     or with no ok, fails it, and its FAIL lines are shown.
#   - the sub-tests leave no scratch directory behind.
# About two minutes (the build of three binaries, then the tests).
. "$(dirname "$0")/lib.sh"

for tool in git make tar; do
	command -v "$tool" >/dev/null || { fail "needs $tool"; exit 0; }
done
C=$T/c/reseal               # the copy; $T/c holds nothing else beside it
mkdir "$T/c"
chmod 755 "$T" "$T/c"       # t-probe-golden reads the copy as uid 65534

# 1. The clone, then the working tree over it.
if ! git clone -q "$TOP" "$C" 2>"$T/clone.err"; then
	fail "git clone of $TOP"; sed 's/^/    | /' "$T/clone.err"; exit 0
fi
(
	cd "$TOP" || exit 1
	# Tracked files (as they are now) and untracked, not ignored ones; a
	# tracked file deleted in the working tree is deleted in the copy.
	git ls-files -z -c -o --exclude-standard | while IFS= read -r -d '' f; do
		if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
	done | tar --null -T - -cf - | tar -xf - -C "$C" || exit 1
	git ls-files -z -d | (cd "$C" && xargs -0r rm -f --)
) 2>"$T/overlay.err"
check "the copy has the working tree's changes" test ! -s "$T/overlay.err"
check "nothing is beside the copy" test "$(ls -A "$T/c")" = "reseal"

# 2. Nothing outside the repository is named.  (The patterns are bracketed
# so that this file does not contain the strings it looks for.)
grep -rnI --exclude-dir=.git -e '[.][.]/shared' -e 'shared[/]reference' -e 'shared[/]specs' \
	-e 'DESIGN[.]md' -e 'blockdev-uuids[.]md' -e 'keys-and-entropy[.]md' -e 'identity[.]md' \
	"$C" >"$T/grep.out"
if [ -s "$T/grep.out" ]; then
	fail "no file names an outside document ($(wc -l <"$T/grep.out") lines)"
	sed "s#^$C/#    | #" "$T/grep.out" | head -n 30
else
	pass "no file names an outside document"
fi

# 3. Build.  build/bearssl is a build cache of Debian's bearssl source
# package (toolchain/bearssl.sh), the same for any checkout: seeding it from
# $TOP saves minutes and changes nothing the copy's own sources decide.
mkdir -p "$C/build"
[ -f "$TOP/build/bearssl/libbearssl.a" ] && cp -a "$TOP/build/bearssl" "$C/build/"
if make -C "$C" -j2 build/reseal build/reseal-test build/reseal-asan >"$T/make.out" 2>&1; then
	pass "the copy builds (reseal, reseal-test, reseal-asan)"
else
	fail "the copy builds"; tail -n 20 "$T/make.out" | sed 's/^/    | /'; exit 0
fi

# 4. The subset.  Each sub-test's tests/lib.sh scratch dir T is made in
# $T/tmp instead of /tmp (a mktemp shim ahead in PATH rewrites just that
# template, /tmp/reseal-test.XXXXXX), so that a T a sub-test leaves behind is
# seen here, and is removed with $T whatever happens.
mkdir -p "$T/bin" "$T/tmp"
chmod 1777 "$T/tmp"
cat >"$T/bin/mktemp" <<EOF
#!/bin/bash
a=()
for x in "\$@"; do case \$x in /tmp/reseal-test.XXXXXX) x=$T/tmp/reseal-test.XXXXXX ;; esac; a+=("\$x"); done
exec $(command -v mktemp) "\${a[@]}"
EOF
chmod 755 "$T/bin/mktemp"

# sub NAME CMD...: run CMD in the copy; one ok or FAIL line for it.
sub() {
	_n=$1; shift
	_s=$(date +%s)
	(cd "$C" && env -u RESEAL -u RESEAL_ASAN -u RTEST PATH="$T/bin:$PATH" \
		TMPDIR="$T/tmp" TOP="$C" "$@") >"$T/sub.out" 2>&1
	_rc=$?
	_ok=$(grep -c '^ok ' "$T/sub.out")
	_bad=$(grep -c '^FAIL' "$T/sub.out")
	_t=$(( $(date +%s) - _s ))
	if [ "$_bad" = 0 ] && [ "$_ok" -gt 0 ]; then
		pass "in the copy: $_n ($_ok ok, exit $_rc, ${_t} s)"
	else
		fail "in the copy: $_n" "$_bad FAIL, $_ok ok, exit $_rc, ${_t} s"
		grep '^FAIL' "$T/sub.out" | head -n 25 | sed 's/^/    | /'
		[ "$_ok" = 0 ] && [ "$_bad" = 0 ] && tail -n 10 "$T/sub.out" | sed 's/^/    | /'
	fi
	_left=$(ls -A "$T/tmp")
	if [ -n "$_left" ]; then
		fail "in the copy: $_n left scratch behind" "$(echo "$_left" | tr '\n' ' ')"
		rm -rf "${T:?}/tmp/"* "${T:?}/tmp/".[!.]* 2>/dev/null
	fi
}
sub "unit suite" build/reseal-test all
for t in t-blk-ext4 t-keys t-run t-probe-golden; do
	sub "tests/$t.sh" bash "tests/$t.sh"
done
exit 0
