# catlens etl end to end on a tiny source: publish, reconcile, idempotent re-run, partial-week
# refusal, failing checks, hostile parameters, missing source.
. "$(dirname "$0")/lib.sh"
: "${CATLENS_MAKE_SOURCE:?CATLENS_MAKE_SOURCE must point at the make_source helper}"

# CATLENS_ETL_SOURCE (+ CATLENS_ETL_WEEK) runs the publish, reconciliation and re-run checks on another
# source, e.g. `catlens demo-data` output; the partial-data and hostile-input checks always use the fixture.
q() { "$CATLENS_MAKE_SOURCE" query "$1"; }
FWEEK=2026-W47 # the fixture week
WEEK=$FWEEK
SRC="$WORK/source"
WH="$WORK/warehouse"
"$CATLENS_MAKE_SOURCE" "$SRC" "$FWEEK" 6 || { fail "make the source tree"; finish; exit 1; }
FIXTURE="$SRC"
if [ -n "${CATLENS_ETL_SOURCE:-}" ]; then
    SRC=$CATLENS_ETL_SOURCE
    WEEK=${CATLENS_ETL_WEEK:?CATLENS_ETL_WEEK must name the week to publish from CATLENS_ETL_SOURCE}
fi

# --- publish -------------------------------------------------------------------------------
run etl --week "$WEEK" --source "$SRC" --warehouse "$WH"
expect_rc 0 "etl publishes a complete week"
expect_contains "$OUT" "published snapshot $WEEK." "etl says which snapshot it published"
id=$(printf '%s\n' "$OUT" | sed -n 's/^published snapshot \([^ ]*\) .*/\1/p')
snap="$WH/snapshots/$WEEK/$id"
expect_eq "$(readlink "$WH/current/$WEEK")" "../snapshots/$WEEK/$id" "current/$WEEK points at the snapshot"
manifest="$snap/manifest.json"
expect_eq "$(q "SELECT status || ' ' || week || ' ' || pipeline.name || ' ' || snapshot_id FROM read_json('$manifest')")" \
    "complete $WEEK demo $id" "the manifest says complete, week, pipeline and id"
for t in sales_cube order_attrs_cube marketing_cube budget market_pulse; do
    [ -d "$snap/$t" ] && pass "snapshot holds $t" || fail "snapshot holds $t"
done
[ -n "$(ls -d "$snap"/sales_cube/region=*/category_l1=*/part-0.parquet 2>/dev/null)" ] \
    && pass "sales_cube is partitioned by region and category" || fail "sales_cube is partitioned by region and category"
[ -z "$(find "$snap" -type f -perm /222)" ] && pass "published files are read-only" || fail "published files are read-only"
[ -z "$(ls -A "$WH/.tmp" 2>/dev/null)" ] && pass "no staging left behind" || fail "no staging left behind"

# every file's sha256 in the manifest matches the file
bad=0
while IFS='|' read -r path sha; do
    got=$(sha256sum "$snap/$path" | cut -d' ' -f1)
    [ "$got" = "$sha" ] || bad=$((bad + 1))
done < <(q "SELECT f->>'path', f->>'sha256' FROM (SELECT unnest(json_extract(json(content), '\$.tables.*.files[*]')) AS f FROM read_text('$manifest'))")
nfiles=$(find "$snap" -type f \( -name '*.parquet' -o -name 'frame.bin' \) | wc -l)
[ "$nfiles" -gt 0 ] && [ "$bad" -eq 0 ] && pass "manifest checksums match all $nfiles files" || fail "manifest checksums match" "$bad mismatches"
listed=$(q "SELECT count(*) FROM (SELECT unnest(json_extract(json(content), '\$.tables.*.files[*]')) FROM read_text('$manifest'))")
expect_eq "$listed" "$nfiles" "the manifest lists every data file"
# the report frames (report/frames.h): one per category x region of sales_cube and one per category x all
nframes=$(find "$snap/report_frames" -name frame.bin | wc -l)
nslices=$(find "$snap/sales_cube" -mindepth 2 -maxdepth 2 -type d | wc -l)
ncats=$(find "$snap/sales_cube" -mindepth 2 -maxdepth 2 -type d -printf '%f\n' | sort -u | wc -l)
expect_eq "$nframes" "$((nslices + ncats))" "a report frame per slice and per category over every region"
expect_eq "$(q "SELECT json_extract(json(content), '\$.tables.report_frames.slices') FROM read_text('$manifest')")" \
    "$nframes" "the manifest lists the report frames"

# --- reconciliation, computed here from the source files ------------------------------------
first=$(q "SELECT first_week FROM read_json('$manifest')")
src_sales=$(q "SELECT sum(gross_revenue::DECIMAL(18,2) - discount::DECIMAL(18,2)), sum(units), sum(returned_revenue::DECIMAL(18,2)) FROM read_parquet('$SRC/order_lines/*/*.parquet', hive_partitioning = true) WHERE week BETWEEN '$first' AND '$WEEK'")
snap_sales=$(q "SELECT sum(revenue), sum(units), sum(returns) FROM read_parquet('$WH/current/$WEEK/sales_cube/*/*/*.parquet', hive_partitioning = true)")
expect_eq "$snap_sales" "$src_sales" "revenue, units and returns in the snapshot equal the source exactly"
src_visits=$(q "SELECT sum(sessions) FROM read_parquet('$SRC/sessions_daily/*/*.parquet', hive_partitioning = true) WHERE week BETWEEN '$first' AND '$WEEK'")
snap_visits=$(q "SELECT sum(visits) FROM read_parquet('$WH/current/$WEEK/sales_cube/*/*/*.parquet', hive_partitioning = true)")
expect_eq "$snap_visits" "$src_visits" "visits in the snapshot equal the source sessions"
src_spend=$(q "SELECT sum(spend::DECIMAL(18,2)) FROM read_parquet('$SRC/marketing_spend/*/*.parquet', hive_partitioning = true) WHERE week BETWEEN '$first' AND '$WEEK'")
snap_spend=$(q "SELECT sum(spend) FROM read_parquet('$WH/current/$WEEK/marketing_cube/*/*/*.parquet', hive_partitioning = true)")
expect_eq "$snap_spend" "$src_spend" "marketing spend in the snapshot equals the source"
cat=$(q "SELECT min(category_l1) FROM read_parquet('$SRC/order_lines/*/*.parquet', hive_partitioning = true) WHERE week = '$WEEK'")
src_orders=$(q "SELECT count(DISTINCT order_id) FROM read_parquet('$SRC/order_lines/*/*.parquet', hive_partitioning = true) WHERE week = '$WEEK' AND category_l1 = '$cat'")
snap_orders=$(q "SELECT sum(orders) FROM read_parquet('$WH/current/$WEEK/sales_cube/*/*/*.parquet', hive_partitioning = true) WHERE week = '$WEEK' AND category_l1 = '$cat'")
expect_eq "$snap_orders" "$src_orders" "orders of a category ($cat) and week are exact distinct orders"
weeks=$(q "SELECT count(DISTINCT week) FROM read_parquet('$WH/current/$WEEK/sales_cube/*/*/*.parquet', hive_partitioning = true)")
src_weeks=$(q "SELECT count(DISTINCT week) FROM read_parquet('$SRC/order_lines/*/*.parquet', hive_partitioning = true) WHERE week BETWEEN '$first' AND '$WEEK'")
expect_eq "$weeks" "$src_weeks" "the snapshot carries the history the source has"

# --- the same files as the whole-window pipeline ----------------------------------------------
# tests/fixtures/etl/demo_whole_window.yaml is the demo pipeline before it went week by week:
# the week-by-week one must publish byte-identical Parquet files (it is the specification).
files_of() { (cd "$1" && find . -name '*.parquet' | sort | xargs sha256sum); }
run etl --week "$WEEK" --source "$SRC" --warehouse "$WORK/wh-whole" \
    --pipeline "$CATLENS_SRC/tests/fixtures/etl/demo_whole_window.yaml"
expect_rc 0 "the whole-window pipeline publishes the same week"
whole=$(readlink -f "$WORK/wh-whole/current/$WEEK")
expect_eq "$(files_of "$snap")" "$(files_of "$whole")" \
    "the week-by-week pipeline publishes byte-identical files to the whole-window one"
checks_of() {
    q "SELECT string_agg(c.step || '.' || c.\"check\" || '=' || c.status, ' ' ORDER BY c.step, c.\"check\")
       FROM (SELECT unnest(checks) AS c FROM read_json('$1'))"
}
week_checks=$(checks_of "$manifest")
expect_contains "$week_checks" "src_lines.lines_have_orders=pass" "the manifest lists the checks and their outcome"
expect_eq "$week_checks" "$(checks_of "$whole/manifest.json")" "and the same checks with the same outcome"

# --- idempotent re-run ----------------------------------------------------------------------
before=$(cd "$snap" && find . -type f | sort | xargs sha256sum)
run etl --week "$WEEK" --source "$SRC" --warehouse "$WH"
expect_rc 0 "re-running the same week succeeds"
expect_contains "$OUT" "unchanged: snapshot $id" "re-running recognises the identical snapshot"
after=$(cd "$snap" && find . -type f | sort | xargs sha256sum)
expect_eq "$after" "$before" "the published snapshot is untouched by the re-run"
expect_eq "$(ls "$WH/snapshots/$WEEK" | wc -l)" "1" "no second snapshot for the same content"
run etl --week "$WEEK" --source "$SRC" --warehouse "$WORK/other"
expect_contains "$OUT" "published snapshot $id " "a fresh warehouse gets the byte-identical snapshot (same id)"
expect_eq "$(ls "$WH/runs/$WEEK" | wc -l)" "2" "every attempt is recorded"

# --- partial and late data ------------------------------------------------------------------
"$CATLENS_MAKE_SOURCE" "$WORK/late" "$FWEEK" 2 --short-days 1 >/dev/null
run etl --week "$FWEEK" --source "$WORK/late" --warehouse "$WORK/wh-late"
expect_rc 5 "a watermark before the week's end exits 5"
expect_contains "$ERR" "missing days 2026-11-22" "the message names the missing day"
expect_contains "$ERR" "orders" "the message names the lagging table"
[ ! -e "$WORK/wh-late/current/$FWEEK" ] && [ -z "$(ls -A "$WORK/wh-late/snapshots" 2>/dev/null)" ] \
    && pass "nothing is published for a late week" || fail "nothing is published for a late week"
rec=$(ls "$WORK/wh-late/runs/$FWEEK/"*.json | head -1)
expect_eq "$(q "SELECT status FROM read_json('$rec')")" "partial" "the refused attempt is recorded as partial"

"$CATLENS_MAKE_SOURCE" "$WORK/gap" "$FWEEK" 2 --drop-day marketing_spend >/dev/null
run etl --week "$FWEEK" --source "$FIXTURE" --warehouse "$WORK/wh-gap"
fixture_id=$(printf '%s\n' "$OUT" | sed -n 's/^published snapshot \([^ ]*\) .*/\1/p')
run etl --week "$FWEEK" --source "$WORK/gap" --warehouse "$WORK/wh-gap"
expect_rc 5 "a day missing from one table exits 5"
expect_contains "$ERR" "source_table=marketing_spend, missing_day=2026-11-22" "the message names table and day"
expect_eq "$(readlink "$WORK/wh-gap/current/$FWEEK")" "../snapshots/$FWEEK/$fixture_id" \
    "the earlier complete snapshot stays current"

# --- a failing check stops the run ----------------------------------------------------------
cat >"$WORK/strict.yaml" <<'EOF'
name: strict
version: 1
steps:
  - id: orders_week
    description: orders of the week
    table: orders_week
    sql: |
      CREATE TABLE orders_week AS SELECT * FROM read_parquet($orders_glob, hive_partitioning = true)
      WHERE week = $week
    checks:
      - id: no_big_orders
        description: an impossible rule, to see a failure
        sql: SELECT order_id FROM orders_week WHERE order_id > 0
params:
  orders_glob: "{source}/orders/*/*.parquet"
outputs:
  - table: orders_week
    description: orders
    key: [order_id]
EOF
run etl --week "$FWEEK" --source "$FIXTURE" --warehouse "$WORK/wh-strict" --pipeline "$WORK/strict.yaml"
expect_rc 4 "a failed check exits 4"
expect_contains "$ERR" "step 'orders_week', check 'no_big_orders' failed" "the message names step and check"
[ -z "$(ls -A "$WORK/wh-strict/snapshots" 2>/dev/null)" ] && pass "nothing is published after a failed check" \
    || fail "nothing is published after a failed check"

# a transform that loses rows (here: the sales of every line but each order's first in its
# category) is caught by reconciliation against the source totals
sed '0,/            FROM week_facts GROUP BY ALL/s//            FROM week_facts WHERE anchor_l1 GROUP BY ALL/' \
    "$CATLENS_SRC/config/pipeline/demo.yaml" >"$WORK/lossy.yaml"
grep -q 'FROM week_facts WHERE anchor_l1 GROUP BY ALL' "$WORK/lossy.yaml" \
    && pass "the lossy pipeline is made" || fail "the lossy pipeline is made"
run etl --week "$FWEEK" --source "$FIXTURE" --warehouse "$WORK/wh-lossy" --pipeline "$WORK/lossy.yaml"
expect_rc 4 "a lossy transform fails reconciliation with exit 4"
expect_contains "$ERR" "check 'reconciles_with_source' failed: " "the reconciliation check names itself"
expect_contains "$ERR" "failing row(s): measure=revenue, source_total=" \
    "the message shows the measure and both totals"
[ -z "$(ls -A "$WORK/wh-lossy/snapshots" 2>/dev/null)" ] && pass "nothing is published after a reconciliation failure" \
    || fail "nothing is published after a reconciliation failure"

# --- a broken source fails the same check, with the same evidence, as the whole-window pipeline ---
# corrupt NAME TABLE WEEK SQL: a copy of the fixture whose TABLE file of WEEK is replaced by SQL
# (a query over the original as t)
corrupt() {
    local f="$WORK/bad-$1/$2/week=$3/part-0.parquet"
    cp -r "$FIXTURE" "$WORK/bad-$1"
    q "COPY (WITH t AS (SELECT * FROM read_parquet('$f')) $4) TO '$f.new' (FORMAT parquet)" && mv "$f.new" "$f"
}
# refused NAME EVIDENCE [whole]: the pipeline exits 4 with EVIDENCE in its message (and so does
# the whole-window one, with "whole")
refused() {
    run etl --week "$FWEEK" --source "$WORK/bad-$1" --warehouse "$WORK/wh-bad-$1"
    expect_rc 4 "$1: the source is refused"
    expect_contains "$ERR" "$2" "$1: the message names the check and the evidence"
    [ -z "$(ls -A "$WORK/wh-bad-$1/snapshots" 2>/dev/null)" ] && pass "$1: nothing is published" \
        || fail "$1: nothing is published"
    [ "${3:-}" = whole ] || return 0
    run etl --week "$FWEEK" --source "$WORK/bad-$1" --warehouse "$WORK/wh-bad-$1-whole" \
        --pipeline "$CATLENS_SRC/tests/fixtures/etl/demo_whole_window.yaml"
    expect_contains "$ERR" "$2" "$1: as the whole-window pipeline does"
}
W46="$FIXTURE/orders/week=2026-W46/part-0.parquet"
L46="$FIXTURE/order_lines/week=2026-W46/part-0.parquet"
corrupt dup_in_week orders 2026-W47 "SELECT * FROM t UNION ALL SELECT * FROM t WHERE order_id = 430"
refused dup_in_week "check 'order_id_unique' failed: 1 failing row(s): order_id=430, copies=2" whole
# an id of another week: found by reading again only the weeks whose id ranges overlap
corrupt dup_across_weeks orders 2026-W47 "SELECT * FROM t UNION ALL SELECT * FROM read_parquet('$W46') WHERE order_id = 400"
refused dup_across_weeks "check 'order_id_unique' failed: 1 failing row(s): order_id=400, copies=2" whole
corrupt null_key orders 2026-W47 "SELECT * REPLACE (CASE WHEN order_id = 430 THEN NULL ELSE region END AS region) FROM t"
refused null_key "check 'keys_not_null' failed: 1 failing row(s): rows_with_null_keys=1" whole
corrupt line_dup_across_weeks order_lines 2026-W47 "SELECT * FROM t UNION ALL SELECT * FROM read_parquet('$L46') WHERE order_id = 400 AND line_no = 1"
refused line_dup_across_weeks "check 'line_unique' failed: 1 failing row(s): order_id=400, line_no=1, copies=2" whole
corrupt orphan order_lines 2026-W47 "SELECT * REPLACE (CASE WHEN order_id = 430 THEN 999999 ELSE order_id END AS order_id) FROM t"
refused orphan "check 'lines_have_orders' failed: 1 failing row(s): orphan_lines=" whole
corrupt negative order_lines 2026-W47 "SELECT * REPLACE (CASE WHEN order_id = 430 AND line_no = 1 THEN -1 ELSE units END AS units) FROM t"
refused negative "check 'measures_sane' failed: 1 failing row(s): bad_lines=1" whole
# a line filed under another week than its order's: the whole-window pipeline moved it to its
# order's week; the week-by-week one refuses it, naming the order (docs/etl.md)
corrupt line_elsewhere order_lines 2026-W47 "SELECT * FROM t UNION ALL SELECT * FROM read_parquet('$L46') WHERE order_id = 400"
q "COPY (SELECT * FROM read_parquet('$L46') WHERE order_id <> 400) TO '$WORK/l46.parquet' (FORMAT parquet)" \
    && mv "$WORK/l46.parquet" "$WORK/bad-line_elsewhere/order_lines/week=2026-W46/part-0.parquet"
moved=$(q "SELECT count(*) FROM read_parquet('$L46') WHERE order_id = 400")
refused line_elsewhere "check 'lines_have_orders' failed: 1 failing row(s): orphan_lines=$moved, example_order_id=400"

# --- hostile parameters and missing source --------------------------------------------------
run etl --week "2026-W47'; DROP TABLE x; --" --source "$SRC" --warehouse "$WORK/wh-evil"
expect_rc 2 "an SQL-looking week is refused"
expect_contains "$ERR" "is not of the form YYYY-Www" "the refusal says what a week looks like"
[ ! -e "$WORK/wh-evil" ] && pass "a refused week touches no warehouse" || fail "a refused week touches no warehouse"
quoted="$WORK/it's \"src\""
cp -r "$FIXTURE" "$quoted"
run etl --week "$FWEEK" --source "$quoted" --warehouse "$WORK/wh'q"
expect_rc 0 "a source and warehouse path with quotes work (bound, never spliced)"
expect_contains "$OUT" "published snapshot $fixture_id " "and give the same snapshot as a plain path"
run etl --week "$WEEK" --source "$WORK/no-such-folder" --warehouse "$WH"
expect_rc 2 "a missing source folder exits 2"
expect_contains "$ERR" "source folder '$WORK/no-such-folder' does not exist" "the message names the folder"
run etl --week "$WEEK" --source "$SRC" --warehouse "$WH" --pipeline "no such"
expect_rc 2 "a bad pipeline name is refused"
run etl --week "$WEEK" --source "$SRC" --warehouse "$WH" --pipeline nothere
expect_rc 2 "an unknown pipeline is refused"
expect_contains "$ERR" "nothere.yaml does not exist" "the message names the pipeline file"

# --- a malformed market pulse feed fails a check that names the row ---------------------------
cp -r "$FIXTURE" "$WORK/badpulse"
echo 'books,2026-W4x,101.0,fixture' >>"$WORK/badpulse/market_pulse/market_pulse.csv"
run etl --week "$FWEEK" --source "$WORK/badpulse" --warehouse "$WORK/wh-badpulse"
expect_rc 4 "a pulse feed row with a bad week key exits 4"
expect_contains "$ERR" "check 'week_key_valid' failed: 1 failing row(s): feed=market_pulse.csv, category_l1=books, week=2026-W4x" \
    "the message names the feed row"
[ -z "$(ls -A "$WORK/wh-badpulse/snapshots" 2>/dev/null)" ] && pass "nothing is published with a malformed feed" \
    || fail "nothing is published with a malformed feed"

# --- market pulse as JSON --------------------------------------------------------------------
"$CATLENS_MAKE_SOURCE" "$WORK/json" "$FWEEK" 2 --pulse-json >/dev/null
run etl --week "$FWEEK" --source "$WORK/json" --warehouse "$WORK/wh-json"
expect_rc 0 "a JSON market pulse feed is accepted"
pulse=$(q "SELECT count(*) FROM read_parquet('$WORK/wh-json/current/$FWEEK/market_pulse/*/*.parquet', hive_partitioning = true) WHERE week = '$FWEEK'")
expect_eq "$pulse" "3" "the pulse of every category is in the snapshot"

finish
