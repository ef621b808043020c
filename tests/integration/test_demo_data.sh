# catlens demo-data through the real executable: help, refusals that write nothing, byte-identical
# output for a seed on one or two threads, another seed gives other data, 53-week years.
. "$(dirname "$0")/lib.sh"
: "${CATLENS_MAKE_SOURCE:?CATLENS_MAKE_SOURCE must point at the make_source helper}"
q() { "$CATLENS_MAKE_SOURCE" query "$1"; }
tree_hash() { (cd "$1" && find . -type f | sort | xargs sha256sum | sha256sum | cut -d' ' -f1); }
SMALL=(--weeks 60 --orders 60000 --end-week 2026-W47)

# --- help and refusals ----------------------------------------------------------------------
run demo-data --help
expect_rc 0 "demo-data --help succeeds"
expect_contains "$OUT" "--orders N" "--help documents --orders"
expect_contains "$OUT" "order LINES" "--help says --orders counts order lines"

refuse() { # refuse WHAT NEEDLE ARGS...: exit 2, NEEDLE in stderr, nothing written
    local what=$1 needle=$2
    shift 2
    run demo-data "$@"
    expect_rc 2 "refused: $what"
    expect_contains "$ERR" "$needle" "the refusal names the problem: $what"
}
OUTD="$WORK/out"
refuse "no --out" "--out DIR is required" --weeks 3
refuse "unknown option" "unknown or incomplete option '--color'" --out "$OUTD" --color
refuse "--weeks 0" "--weeks '0' must be a whole number from 1 to 520" --out "$OUTD" --weeks 0
refuse "--weeks abc" "--weeks 'abc'" --out "$OUTD" --weeks abc
refuse "--orders too small" "--orders must be between 30000" --out "$OUTD" --orders 1000
refuse "--orders negative" "--orders '-5'" --out "$OUTD" --orders -5
refuse "--seed negative" "--seed '-1'" --out "$OUTD" --seed -1
refuse "--threads 0" "--threads '0'" --out "$OUTD" --threads 0
refuse "week 53 of a 52-week year" "2025-W53" --out "$OUTD" --end-week 2025-W53
refuse "malformed week" "2026-47" --out "$OUTD" --end-week 2026-47
refuse "stray argument" "unexpected argument 'extra'" --out "$OUTD" extra
[ ! -e "$OUTD" ] && pass "refusals wrote nothing" || fail "refusals wrote nothing"
mkdir -p "$WORK/precious" && echo keep >"$WORK/precious/notes.txt"
refuse "a folder that is not demo data" "refusing to replace it" --out "$WORK/precious" "${SMALL[@]}"
expect_eq "$(ls -A "$WORK/precious")" "notes.txt" "the foreign folder is untouched"

# --- a small complete tree ------------------------------------------------------------------
run demo-data --out "$WORK/a" "${SMALL[@]}" --seed 42 --threads 1
expect_rc 0 "demo-data writes a small tree"
expect_contains "$OUT" "wrote demo data to $WORK/a: 60 weeks 2025-W40..2026-W47, seed 42" "it says what it wrote"
for t in orders order_lines sessions_daily marketing_spend; do
    expect_eq "$(ls "$WORK/a/$t" | wc -l)" "60" "$t has one partition per week"
    [ -f "$WORK/a/$t/week=2026-W47/part-0.parquet" ] && pass "$t/week=2026-W47/part-0.parquet exists" \
        || fail "$t/week=2026-W47/part-0.parquet exists"
done
for f in budgets/budgets.parquet market_pulse/market_pulse.csv _watermark.json ground_truth.json; do
    [ -s "$WORK/a/$f" ] && pass "$f written" || fail "$f written"
done
expect_eq "$(ls -A "$WORK" | grep -c 'demo-tmp\|demo-old')" "0" "no staging folder left behind"
lines=$(q "SELECT count(*) FROM read_parquet('$WORK/a/order_lines/*/*.parquet')")
[ "$lines" -gt 57000 ] && [ "$lines" -lt 63000 ] && pass "--orders sizes the order lines ($lines for 60000)" \
    || fail "--orders sizes the order lines" "$lines lines"
expect_eq "$(q "SELECT json_extract_string(content, '\$.loaded_through') FROM read_text('$WORK/a/_watermark.json')")" "2026-11-22T23:59:59Z" \
    "the watermark is the end of the end week"
expect_eq "$(head -1 "$WORK/a/market_pulse/market_pulse.csv")" "category_l1,week,pulse_index,source" \
    "the pulse feed has the documented header"
cols=$(q "SELECT string_agg(column_name, ',' ORDER BY column_index) FROM (SELECT column_name, row_number() OVER () AS column_index FROM (DESCRIBE SELECT * FROM read_parquet('$WORK/a/order_lines/week=2026-W47/part-0.parquet', hive_partitioning = false)))")
expect_eq "$cols" "order_id,line_no,order_date,product_id,category_l1,category_l2,category_l3,seller_tier,price_band,promo_flag,units,gross_revenue,discount,returned_units,returned_revenue" \
    "order_lines has the columns of docs/data-model.md"
expect_eq "$(q "SELECT count(DISTINCT region) >= 8, count(DISTINCT country) >= 20, count(DISTINCT city) >= 40 FROM read_parquet('$WORK/a/orders/*/*.parquet')")" \
    "true|true|true" "8+ regions with their countries and cities"
expect_eq "$(q "SELECT count(DISTINCT category_l1) >= 10, count(DISTINCT category_l2) >= 30, count(DISTINCT category_l3) >= 60 FROM read_parquet('$WORK/a/order_lines/*/*.parquet')")" \
    "true|true|true" "10+ categories with L2 and L3"
expect_eq "$(q "SELECT count(*) FROM read_parquet('$WORK/a/orders/*/*.parquet') WHERE NOT regexp_full_match(customer_id, 'c_[0-9a-f]{16}')")" \
    "0" "customer ids are pseudonymous keys"

# --- determinism ----------------------------------------------------------------------------
run demo-data --out "$WORK/b" "${SMALL[@]}" --seed 42 --threads 2
expect_rc 0 "the same seed on two threads"
expect_eq "$(tree_hash "$WORK/b")" "$(tree_hash "$WORK/a")" "same seed => byte-identical files (1 vs 2 threads)"
run demo-data --out "$WORK/b" "${SMALL[@]}" --seed 42 --threads 2
expect_rc 0 "re-generating over earlier demo data replaces it"
expect_eq "$(tree_hash "$WORK/b")" "$(tree_hash "$WORK/a")" "... with the same bytes again"
run demo-data --out "$WORK/c" "${SMALL[@]}" --seed 43
expect_rc 0 "another seed"
[ "$(sha256sum <"$WORK/c/order_lines/week=2026-W47/part-0.parquet")" != \
  "$(sha256sum <"$WORK/a/order_lines/week=2026-W47/part-0.parquet")" ] \
    && pass "another seed => other data" || fail "another seed => other data"
expect_eq "$(q "SELECT seed FROM read_json('$WORK/c/ground_truth.json')")" "43" "the ground truth records the seed"

# --- 53-week years --------------------------------------------------------------------------
run demo-data --out "$WORK/w53" --weeks 4 --orders 8000 --end-week 2027-W01
expect_rc 0 "a range across a 53-week year end"
expect_eq "$(ls "$WORK/w53/orders" | tr '\n' ' ')" "week=2026-W51 week=2026-W52 week=2026-W53 week=2027-W01 " \
    "2026-W53 is generated between 2026-W52 and 2027-W01"
expect_eq "$(q "SELECT min(order_date)::VARCHAR || ' ' || max(order_date)::VARCHAR FROM read_parquet('$WORK/w53/orders/week=2026-W53/*.parquet')")" \
    "2026-12-28 2027-01-03" "2026-W53 holds Monday 28 December to Sunday 3 January"

# --- the ETL publishes the demo data with every check passing -------------------------------
run etl --week 2026-W47 --source "$WORK/a" --warehouse "$WORK/wh"
expect_rc 0 "catlens etl publishes the demo data"
expect_contains "$OUT" "checks: " "etl reports its checks"
expect_contains "$OUT" " 0 warnings" "no check warns on demo data (60 weeks cover the history)"
id=$(printf '%s\n' "$OUT" | sed -n 's/^published snapshot \([^ ]*\) .*/\1/p')
manifest="$WORK/wh/snapshots/2026-W47/$id/manifest.json"
expect_eq "$(q "SELECT status FROM read_json('$manifest')")" "complete" "the snapshot is complete"
expect_eq "$(q "SELECT count(*) FILTER (c.status <> 'pass') || ' of ' || (count(*) > 20)::VARCHAR FROM (SELECT unnest(checks) AS c FROM read_json('$manifest'))")" \
    "0 of true" "every check of the manifest passed, reconciliation included"
for t in sales_cube order_attrs_cube marketing_cube budget market_pulse; do
    n=$(q "SELECT tables.$t.rows FROM read_json('$manifest')")
    [ "${n:-0}" -gt 0 ] && pass "$t has rows ($n)" || fail "$t has rows"
done
run etl --week 2026-W47 --source "$WORK/b" --warehouse "$WORK/wh2"
expect_contains "$OUT" "published snapshot $id " "the same demo data in a fresh warehouse gives the same snapshot"

finish
