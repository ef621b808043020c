# Reports end to end: the real ETL publishes a snapshot, cl_report_build (through report_doc) turns it into
# documents that validate against docs/schemas/wbr.schema.json, are byte-identical across runs and refuse bad
# requests with the right exit code; and every scenario `catlens demo-data` plants is among the top findings of
# its category x region x week with the right type and path.
. "$(dirname "$0")/lib.sh"
: "${CATLENS_MAKE_SOURCE:?CATLENS_MAKE_SOURCE must point at the make_source helper}"
DOC="$(dirname "$CATLENS_MAKE_SOURCE")/report_doc"
WEEK=2026-W47
SCHEMA="$CATLENS_SRC/docs/schemas/wbr.schema.json"

# validate FILE...: every line of every file is a document valid against the schema
validate() {
    python3 - "$SCHEMA" "$@" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
bad = 0
for path in sys.argv[2:]:
    for n, line in enumerate(open(path), 1):
        for e in v.iter_errors(json.loads(line)):
            bad += 1
            if bad <= 5:
                print(f"{path}:{n}: {list(e.path)}: {e.message[:200]}")
sys.exit(1 if bad else 0)
PY
}

# --- a snapshot of the fixture --------------------------------------------------------------
"$CATLENS_MAKE_SOURCE" "$WORK/src" $WEEK 60 >/dev/null || { fail "make the source"; finish; exit 1; }
run etl --week $WEEK --source "$WORK/src" --warehouse "$WORK/wh"
expect_rc 0 "etl publishes the fixture's 60 weeks"

n=0
for slice in "electronics north_america" "books all" "toys asia"; do
    set -- $slice
    "$DOC" "$WORK/wh" $WEEK "$1" "$2" all 2026-11-24T10:00:00Z >"$WORK/doc.$n" 2>"$WORK/err"
    [ "$(wc -l <"$WORK/doc.$n")" -eq 4 ] && pass "four windows of $1 x $2" || fail "four windows of $1 x $2" "$(cat "$WORK/err")"
    n=$((n + 1))
done
out=$(validate "$WORK"/doc.*) && pass "every document validates against wbr.schema.json" \
    || fail "every document validates against wbr.schema.json" "$out"

"$DOC" "$WORK/wh" $WEEK electronics north_america all 2026-11-24T10:00:00Z >"$WORK/again"
cmp -s "$WORK/doc.0" "$WORK/again" && pass "the same snapshot gives byte-identical documents" \
    || fail "the same snapshot gives byte-identical documents"
expect_eq "$(python3 -c "import json,sys; print(json.loads(open(sys.argv[1]).readline())['meta']['snapshot'])" "$WORK/doc.0")" \
    "$(basename "$(readlink -f "$WORK/wh/current/$WEEK")")" "meta.snapshot names the snapshot read"

# --- report frames (report/frames.h): the same documents from the frame files as from the cubes ----
# copy_snapshot NAME: a writable copy of the snapshot as warehouse $WORK/NAME (same id)
copy_snapshot() {
    local src id
    src=$(readlink -f "$WORK/wh/current/$WEEK")
    id=$(basename "$src")
    mkdir -p "$WORK/$1/snapshots/$WEEK" "$WORK/$1/current"
    cp -r "$src" "$WORK/$1/snapshots/$WEEK/$id"
    chmod -R u+w "$WORK/$1"
    ln -s "../snapshots/$WEEK/$id" "$WORK/$1/current/$WEEK"
    echo "$WORK/$1/snapshots/$WEEK/$id"
}
[ -f "$(readlink -f "$WORK/wh/current/$WEEK")/report_frames/all/category_l1=books/frame.bin" ] \
    && pass "the ETL publishes report frames (books x all)" || fail "the ETL publishes report frames"
# an older snapshot: no report_frames in its manifest nor on disk; read by scanning the cubes
old=$(copy_snapshot old)
rm -rf "$old/report_frames"
python3 - "$old/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); del m["tables"]["report_frames"]; json.dump(m, open(sys.argv[1], "w"))
PY
# frames built for another catalog or reader plan (another fingerprint): scanned as well, never misread
stale=$(copy_snapshot stale)
for f in $(find "$stale/report_frames" -name frame.bin); do
    printf '\377\377\377\377\377\377\377\377' | dd of="$f" bs=1 seek=16 conv=notrunc status=none
done
n=0
for slice in "electronics north_america" "books all" "toys asia"; do
    set -- $slice
    for wh in old stale; do
        "$DOC" "$WORK/$wh" $WEEK "$1" "$2" all 2026-11-24T10:00:00Z >"$WORK/doc.$wh" 2>"$WORK/err"
        cmp -s "$WORK/doc.$n" "$WORK/doc.$wh" && pass "$1 x $2: byte-identical documents from the frames and from the cubes ($wh)" \
            || fail "$1 x $2: byte-identical documents from the frames and from the cubes ($wh)" "$(cat "$WORK/err")"
    done
    n=$((n + 1))
done
# a damaged frame is bad data, never a wrong report
bad=$(copy_snapshot damaged)
f="$bad/report_frames/region=asia/category_l1=toys/frame.bin"
head -c 100 "$f" >"$f.cut" && mv "$f.cut" "$f"
RC=0; "$DOC" "$WORK/damaged" $WEEK toys asia WoW >/dev/null 2>"$WORK/err" || RC=$?
expect_rc 4 "a truncated frame file is refused as bad data"
expect_contains "$(cat "$WORK/err")" "a report frame file of the snapshot is not readable" "the message says so (without a server path)"

RC=0; "$DOC" "$WORK/wh" $WEEK garden all WoW >/dev/null 2>"$WORK/err" || RC=$?
expect_rc 2 "an unknown category is refused (not found)"
expect_contains "$(cat "$WORK/err")" "category 'garden' is not in snapshot" "the message names the category"
RC=0; "$DOC" "$WORK/wh" $WEEK books mars WoW >/dev/null 2>"$WORK/err" || RC=$?
expect_rc 2 "an unknown region is refused"
expect_contains "$(cat "$WORK/err")" "region 'mars' is not in snapshot" "the message names the region"
expect_eq "$("$DOC" --dimensions "$WORK/wh" $WEEK | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["categories"], d["regions"])')" \
    "['books', 'electronics', 'toys'] ['asia', 'europe', 'north_america']" "dimensions list the snapshot's categories and regions"

# --- planted scenarios ----------------------------------------------------------------------
# Plain build only: generating and publishing millions of order lines under ASan would take many minutes and
# exercises no C path the fixture above does not.
if ldd "$CATLENS_BIN" | grep -q libasan; then
    pass "# SKIP planted scenarios (sanitizer build)"
    finish
    exit $?
fi

# check_scenarios WAREHOUSE GROUND_TRUTH IDS...: each scenario's report has, within its top 5 findings, one of
# the planted type (a segment finding, root_cause or driver, when the path is not empty) whose path holds every
# planted element (a finer path under it counts), and for mix_rate the planted dimension.
check_scenarios() {
    python3 - "$DOC" "$@" <<'PY'
import json, subprocess, sys
doc, wh, gt, ids = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
truth = json.load(open(gt))
for s in truth["scenarios"]:
    if s["id"] not in ids:
        continue
    r = subprocess.run([doc, wh, s["week"], s["category"], s["region"], s["window"], "x"],
                       capture_output=True, text=True)
    if r.returncode:
        print(f"not-ok {s['id']}: report failed: {r.stderr.strip()}")
        continue
    findings = json.loads(r.stdout)["findings"]
    want = {(p["dimension"], p["value"]) for p in s["path"]}
    types = {"root_cause", "driver"} if want else {s["finding_type"]}
    hit = None
    for f in findings[:5]:
        got = {(p["dimension"], p["value"]) for p in f["path"]}
        if f["type"] in types and want <= got and (want or not got) and \
           (not s.get("dimension") or f.get("dimension") == s["dimension"]):
            hit = f
            break
    where = f"{s['category']} x {s['region']} {s['window']}"
    if hit:
        print(f"ok {s['id']}: {where}: rank {hit['rank']} {hit['type']} {hit['metric']}: {hit['title']}")
    else:
        top = "; ".join(f"{f['rank']} {f['type']} {f['metric']} {[p['value'] for p in f['path']]}" for f in findings[:5])
        print(f"not-ok {s['id']}: {where}: not in the top 5 ({top})")
PY
}

report_scenarios() { # report_scenarios OUTPUT
    while IFS= read -r line; do
        case "$line" in
            ok\ *) pass "${line#ok }" ;;
            *) fail "${line#not-ok }" ;;
        esac
    done <<<"$1"
}

# Ten weeks at 400,000 order lines a week: history for WoW and MoM significance, slices big enough for the
# planted changes. The snapshot keeps ten weeks (CATLENS_ETL_HISTORY_WEEKS).
run demo-data --out "$WORK/demo" --weeks 10 --orders 4000000 --end-week $WEEK --seed 42
expect_rc 0 "demo-data: 10 weeks, 4 M order lines"
CATLENS_ETL_HISTORY_WEEKS=10 run etl --week $WEEK --source "$WORK/demo" --warehouse "$WORK/dwh"
expect_rc 0 "etl publishes the demo data"
report_scenarios "$(check_scenarios "$WORK/dwh" "$WORK/demo/ground_truth.json" country_drop mix_shift return_spike budget_overspend pulse_surge)"

# The conversion drop (x0.65 on mobile paid search) is planted in one week; at 400 k lines a week that segment
# has ~275 orders, and losing a fifth of them is within noise (Poisson z ~3, under the bar of 5 a segment
# change must clear). Two weeks at 1.5 M lines a week give it ~1,000 orders: then it must be found, exactly.
rm -rf "$WORK/demo" "$WORK/dwh"
run demo-data --out "$WORK/demo2" --weeks 2 --orders 3000000 --end-week $WEEK --seed 42
expect_rc 0 "demo-data: 2 weeks, 3 M order lines"
CATLENS_ETL_HISTORY_WEEKS=2 run etl --week $WEEK --source "$WORK/demo2" --warehouse "$WORK/dwh2"
expect_rc 0 "etl publishes them"
report_scenarios "$(check_scenarios "$WORK/dwh2" "$WORK/demo2/ground_truth.json" conversion_drop)"

# The default `make run` data: 1 M lines over 60 weeks, ~300 orders a week in the largest slices. The planted
# effects scale to the size (stronger where a segment is small, see src/etl/demo_scenarios.h), so a user who
# runs `make run` sees every scenario in its report.
rm -rf "$WORK/demo2" "$WORK/dwh2"
run demo-data --out "$WORK/demo3" --weeks 60 --orders 1000000 --end-week $WEEK --seed 42
expect_rc 0 "demo-data: the make run default (60 weeks, 1 M order lines)"
run etl --week $WEEK --source "$WORK/demo3" --warehouse "$WORK/dwh3"
expect_rc 0 "etl publishes them"
report_scenarios "$(check_scenarios "$WORK/dwh3" "$WORK/demo3/ground_truth.json" conversion_drop country_drop \
    mix_shift return_spike budget_overspend pulse_surge)"

finish
