# The executable's front door: help for every command, clear refusal of unknown ones.
. "$(dirname "$0")/lib.sh"

run --help
expect_rc 0 "catlens --help succeeds"
help=$OUT
for cmd in demo-data etl app ai batch rca; do
    expect_contains "$help" "  $cmd " "--help lists $cmd"
    run "$cmd" --help
    expect_rc 0 "catlens $cmd --help succeeds"
    expect_contains "$OUT" "usage: catlens $cmd" "catlens $cmd --help prints its usage"
done

run frobnicate
expect_rc 2 "an unknown command exits 2"
expect_contains "$ERR" "unknown command 'frobnicate'" "an unknown command is named in the error"

run
expect_rc 2 "no command exits 2 with the help"

finish
