# tests/lib.sh: sourced by every tests/t-*.sh.
#
# A test file reports each behaviour with `check NAME CMD...` (passes when CMD
# exits 0) or `pass NAME` / `fail NAME [why]`.  tests/run.sh counts the
# "ok " and "FAIL " lines.  Variables: TOP (repo), RESEAL (the static
# product), RESEAL_ASAN (sanitizer build of the same CLI), RTEST (unit/tool
# binary), ORACLES (tests/oracles: oracles written in this repository),
# T (a fresh scratch dir, removed at exit).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
RESEAL=${RESEAL:-$TOP/build/reseal}
RESEAL_ASAN=${RESEAL_ASAN:-$TOP/build/reseal-asan}
RTEST=${RTEST:-$TOP/build/reseal-test}
ORACLES=$TOP/tests/oracles
T=$(mktemp -d /tmp/reseal-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
TNAME=$(basename "$0" .sh)

pass() { echo "ok   $TNAME: $1"; }
fail() { echo "FAIL $TNAME: $1${2:+ ($2)}"; }
check() {
	_n=$1; shift
	if "$@" >"$T/.check.out" 2>&1; then pass "$_n"; else
		fail "$_n" "rc=$?: $*"; sed 's/^/    | /' "$T/.check.out" | tail -n 15; fi
}
# check_fails NAME CMD...: passes when CMD exits non-zero
check_fails() {
	_n=$1; shift
	if "$@" >"$T/.check.out" 2>&1; then fail "$_n" "unexpected success: $*"; else pass "$_n"; fi
}
# Checksum every file (content, mode, owner, link target) under a directory.
tree_sum() {
	(cd "$1" && find . -printf '%p %m %U:%G %y %l\n' | LC_ALL=C sort &&
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum) | sha256sum | cut -d' ' -f1
}
