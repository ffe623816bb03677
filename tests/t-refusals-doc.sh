# t-refusals-doc.sh: docs/refusals.md lists every block-device refusal that
# tests/t-blk-*.sh proves (exit 100, the message, zero bytes written), and
# names no test that does not exist.  A refusal test added without its row,
# or a row whose test was renamed, fails here.
. "$(dirname "$0")/lib.sh"

DOC=$TOP/docs/refusals.md
# The NAME of every `refused "NAME" ...` / `refuses "NAME" ...` call; names
# built from a loop variable ($sig) stand for several and are left out.
for f in "$TOP"/tests/t-blk-*.sh; do
	sed -nE 's/^[[:space:]]*(attach "\$I" && )?refuse[ds] "([^"]*)".*/\2/p' "$f" | grep -v '\$'
done | LC_ALL=C sort -u >"$T/tests"
# The first column of the doc's block-device tables (section 1).
sed -n '/^## 1 /,/^## 2 /p' "$DOC" | sed -nE 's/^\| (.*) \| `.*` \|$/\1/p' |
	grep -v '^Test (refused input)$' | LC_ALL=C sort -u >"$T/doc"

check "the tests prove refusals ($(wc -l <"$T/tests") named)" test -s "$T/tests"
check "docs/refusals.md has a row for each" sh -c "! LC_ALL=C comm -23 '$T/tests' '$T/doc' | grep ."
check "each of its rows names an existing test" sh -c "! LC_ALL=C comm -13 '$T/tests' '$T/doc' | grep ."
