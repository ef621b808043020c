# lib.sh — a tiny harness for integration tests that drive the real `catlens` executable.
# Each check prints "ok N - what" or "not ok N - what"; the script exits non-zero if any check failed.
set -u
: "${CATLENS_BIN:?CATLENS_BIN must point at the catlens executable}"
: "${CATLENS_SRC:?CATLENS_SRC must point at the source tree}"

checks=0
failures=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/catlens-it-XXXXXX")
trap 'rm -rf "$WORK"' EXIT

pass() { checks=$((checks + 1)); echo "ok $checks - $1"; }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); echo "not ok $checks - $1"; [ $# -gt 1 ] && printf '#   %s\n' "$2"; }

# run CMD...: runs catlens, capturing stdout in $OUT, stderr in $ERR, exit code in $RC.
run() {
    RC=0
    "$CATLENS_BIN" "$@" >"$WORK/.out" 2>"$WORK/.err" || RC=$?
    OUT=$(cat "$WORK/.out")
    ERR=$(cat "$WORK/.err")
}

expect_rc() { # expect_rc WANT WHAT
    if [ "$RC" -eq "$1" ]; then pass "$2"; else fail "$2" "exit $RC, want $1; stderr: ${ERR:0:400}"; fi
}
expect_contains() { # expect_contains HAYSTACK NEEDLE WHAT
    case "$1" in *"$2"*) pass "$3" ;; *) fail "$3" "'${2}' not in: ${1:0:400}" ;; esac
}
expect_eq() { # expect_eq GOT WANT WHAT
    if [ "$1" = "$2" ]; then pass "$3"; else fail "$3" "got '$1', want '$2'"; fi
}

finish() {
    echo "1..$checks"
    [ "$failures" -eq 0 ]
}
