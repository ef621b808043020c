# catlens rca: a tiny case of each benchmark format (ratio RS, additive S), the output file, the
# printed metrics, the synthetic ratio benchmark (bench/rca_synth), and bad input (missing files,
# bad columns, a label for an unknown case).
. "$(dirname "$0")/lib.sh"

rs="$WORK/rs" s="$WORK/s"
mkdir -p "$rs" "$s"
t=1600000000
# ratio: cdn x bitrate, 1000 viewers a leaf, ~2% stall; at minute t the stall rate of cdn=c2 jumps
awk -v t="$t" 'BEGIN {
    print "min,cdn,bitrate,p2p,value,cnt"
    for (k = 4; k >= 0; k--) for (c = 1; c <= 3; c++) for (b = 1; b <= 4; b++) for (p = 0; p <= 1; p++) {
        n = 900 + ((c * 7 + b * 13 + p * 5 + k * 3) % 200)
        v = int(n * 0.02) + ((c + b + p + k) % 3)
        if (k == 0 && c == 2) v = int(n * 0.15)
        printf "%d,c%d,%d,%d,%d,%d\n", t - 60 * k, c, b * 500, p, v, n
    }
}' >"$rs/case one.csv"
printf 'case,anomaly_timestamp,root_cause\ncase one,%s,cdn=c2\n' "$t" >"$rs/labels.csv"

run rca --data-dir "$rs" --labels "$rs/labels.csv" --out "$WORK/rs.out"
expect_rc 0 "rca runs a ratio case"
expect_contains "$OUT" "precision 1.0000  recall 1.0000  F1 1.0000" "the ratio case is found and scored"
expect_eq "$(head -1 "$WORK/rs.out")" "case,root_cause,seconds" "the output has its header"
expect_eq "$(sed -n 2p "$WORK/rs.out" | cut -d, -f1,2)" "case one,cdn=c2" "the output names the element"

# additive: a x b x e with small noise; a=a2&b=b3 drops to 30 %
awk 'BEGIN {
    print "a,b,e,real,predict"
    for (a = 1; a <= 5; a++) for (b = 1; b <= 4; b++) for (e = 1; e <= 3; e++) {
        f = 100 + ((a * 37 + b * 11 + e * 7) % 50)
        r = f * (1 + (((a * 7 + b * 3 + e) % 5) - 2) * 0.005)
        if (a == 2 && b == 3) r = f * 0.3
        printf "a%d,b%d,e%d,%.4f,%.4f\n", a, b, e, r, f
    }
}' >"$s/100001.csv"
printf 'case,n_root_cause_elements,root_cause\n100001,1,b=b3&a=a2\n' >"$s/labels.csv"
run rca --data-dir "$s" --labels "$s/labels.csv" --out "$WORK/s.out"
expect_rc 0 "rca runs an additive case"
expect_contains "$OUT" "TP 1  FP 0  FN 0" "the additive case is found (labels normalised)"
expect_eq "$(sed -n 2p "$WORK/s.out" | cut -d, -f2)" "a=a2&b=b3" "elements are written with sorted attributes"

# the synthetic ratio benchmark: the same arguments give the same files, which the runner reads
"$CATLENS_RCA_SYNTH" --out "$WORK/synth" --cases 3 --seed 5 >/dev/null 2>&1
expect_eq "$?" "0" "rca_synth writes a benchmark folder"
expect_eq "$(ls "$WORK/synth/data" | wc -l | tr -d ' ')" "3" "one case file per case"
"$CATLENS_RCA_SYNTH" --out "$WORK/synth2" --cases 3 --seed 5 >/dev/null 2>&1
expect_eq "$(cat "$WORK/synth/labels.csv" "$WORK"/synth/data/*.csv | cksum)" \
    "$(cat "$WORK/synth2/labels.csv" "$WORK"/synth2/data/*.csv | cksum)" "rca_synth is deterministic"
run rca --data-dir "$WORK/synth/data" --labels "$WORK/synth/labels.csv" --out "$WORK/synth.out"
expect_rc 0 "rca runs the synthetic cases"
expect_contains "$OUT" "cases 3" "and scores all three"
run rca --data-dir "$WORK/synth/data" --labels "$WORK/synth/labels.csv" --out "$WORK/synth.out" \
    --worse up
expect_rc 0 "rca --worse up runs"
run rca --data-dir "$WORK/synth/data" --labels "$WORK/synth/labels.csv" --out "$WORK/synth.out" \
    --worse sideways
expect_rc 2 "rca --worse with a bad value exits 2"
expect_contains "$ERR" "--worse" "and names the option"
"$CATLENS_RCA_SYNTH" --cases 3 >/dev/null 2>&1
expect_eq "$?" "2" "rca_synth without --out is a usage error"

printf 'case\n100001\n' >"$s/nolabels.csv"
run rca --data-dir "$s" --labels "$s/nolabels.csv" --out "$WORK/s2.out"
expect_rc 0 "labels without a root cause still run"
expect_contains "$OUT" "nothing to score" "and say there is nothing to score"

run rca --data-dir "$s" --labels "$WORK/missing.csv" --out "$WORK/x.out"
expect_rc 2 "a missing label file exits 2"
expect_contains "$ERR" "missing.csv" "and names the file"

printf 'case,root_cause\n999999,a=a1\n' >"$s/unknown.csv"
run rca --data-dir "$s" --labels "$s/unknown.csv" --out "$WORK/x.out"
expect_rc 2 "a label for an unknown case exits 2"
expect_contains "$ERR" "label for case '999999' but no file" "and says which case"

printf 'a,b,amount\na1,b1,3\n' >"$s/bad.csv"
printf 'case\nbad\n' >"$s/badlabels.csv"
run rca --data-dir "$s" --labels "$s/badlabels.csv" --out "$WORK/x.out"
expect_rc 2 "a case with unknown columns exits 2"
expect_contains "$ERR" "columns must hold either min, value, cnt" "and says which columns are wanted"

printf 'case\ncase one\n' >"$rs/nots.csv"
run rca --data-dir "$rs" --labels "$rs/nots.csv" --out "$WORK/x.out"
expect_rc 2 "a ratio case without an anomaly timestamp exits 2"
expect_contains "$ERR" "anomaly_timestamp" "and asks for it"

printf 'a,b,real,predict\na1,"b1,1,2\n' >"$s/broken.csv"
printf 'case\nbroken\n' >"$s/brokenlabels.csv"
run rca --data-dir "$s" --labels "$s/brokenlabels.csv" --out "$WORK/x.out"
expect_rc 2 "a malformed case file exits 2"
expect_contains "$ERR" "unterminated quoted field" "and says what is wrong"

run rca --data-dir "$s"
expect_rc 2 "missing options exit 2"
run rca --help
expect_rc 0 "rca --help succeeds"
expect_contains "$OUT" "case,root_cause,seconds" "and describes the output"

finish
