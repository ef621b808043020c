# catlens etl --pipeline ga4 on the real Google Merchandise Store GA4 export sample: a full week
# publishes the snapshot model, its revenue, units, orders and sessions equal independent queries
# over the raw file (written here, sharing nothing with config/pipeline/ga4.yaml), the edge weeks
# are refused as partial, a re-run is idempotent, measures GA4 lacks are NULL and listed, and a
# malformed market pulse feed fails a check that names the row.
. "$(dirname "$0")/lib.sh"
: "${CATLENS_MAKE_SOURCE:?CATLENS_MAKE_SOURCE must point at the make_source helper}"
q() { "$CATLENS_MAKE_SOURCE" query "$1"; }

rel=datasets/google-merch-store/ga4_events_sampled.snappy.parquet
DATA=""
for base in "${CATLENS_SHARED:-}" "$CATLENS_SRC/../shared" /work/shared; do
    if [ -n "$base" ] && [ -f "$base/$rel" ]; then DATA="$base/$rel"; break; fi
done
if [ -z "$DATA" ]; then
    fail "the GA4 sample is present" "no $rel under \$CATLENS_SHARED (${CATLENS_SHARED:-unset}), \$CATLENS_SRC/../shared or /work/shared"
    finish
    exit 1
fi
pass "the GA4 sample is at $DATA"

SRC="$WORK/ga4"
WH="$WORK/warehouse"
WEEK=2020-W50
mkdir -p "$SRC/events"
ln -s "$DATA" "$SRC/events/"
cube() { echo "read_parquet('$WH/current/$WEEK/$1/**/*.parquet', hive_partitioning = true)"; }
SALES="$(cube sales_cube)"

# --- publish a full week -----------------------------------------------------------------------
run etl --pipeline ga4 --week "$WEEK" --source "$SRC" --warehouse "$WH"
expect_rc 0 "the ga4 pipeline publishes a full week of the sample"
id=$(printf '%s\n' "$OUT" | sed -n 's/^published snapshot \([^ ]*\) .*/\1/p')
snap="$WH/snapshots/$WEEK/$id"
manifest="$snap/manifest.json"
# mj FILE PATH: a manifest value as text (a list joined by commas; an empty list is "")
mj() { q "SELECT coalesce(array_to_string(json_extract_string(content, '\$.$2[*]'), ','), nullif(json_extract_string(content, '\$.$2'), '[]'), '') FROM read_text('$1')"; }
expect_eq "$(mj "$manifest" status) $(mj "$manifest" pipeline.name) $(mj "$manifest" source.watermark.method) $(mj "$manifest" source.watermark.loaded_through)" \
    "complete ga4 query 2021-01-30T23:59:59Z" "the manifest is complete and says the watermark came from the data"
for t in sales_cube order_attrs_cube marketing_cube budget market_pulse; do
    [ -n "$(ls -d "$snap/$t"/*=*/ 2>/dev/null)" ] && pass "snapshot holds $t" || fail "snapshot holds $t"
done
[ -n "$(ls -d "$snap"/sales_cube/region=northern_america/category_l1=Apparel/part-0.parquet 2>/dev/null)" ] \
    && pass "sales_cube is partitioned by region (sub-continent) and category_l1" \
    || fail "sales_cube is partitioned by region (sub-continent) and category_l1"
cols=$(q "SELECT string_agg(column_name, ',' ORDER BY column_name) FROM (DESCRIBE SELECT * FROM $SALES)")
expect_eq "$cols" "add_to_carts,category_l1,category_l2,channel,country,customer_type,device_type,discounts,gross_revenue,new_customers,orders,orders_l2,product_views,region,returned_units,returns,revenue,traffic_l1,traffic_l2,units,visits,week" \
    "sales_cube has the columns of the demo pipeline's"
expect_eq "$(q "SELECT string_agg(DISTINCT week, ',' ORDER BY week) FROM $SALES")" \
    "2020-W45,2020-W46,2020-W47,2020-W48,2020-W49,2020-W50" "history: the complete weeks the sample has (2020-W44 holds one day)"

# --- not available: NULL, never zero, and listed --------------------------------------------------
na() { mj "$manifest" "tables.$1.not_available"; }
expect_eq "$(na sales_cube)" "gross_revenue,discounts,returns,returned_units" "the manifest lists sales_cube's measures GA4 lacks"
expect_eq "$(na marketing_cube)" "impressions,clicks,spend" "the manifest lists marketing spend, impressions and clicks as not available"
expect_eq "$(na budget)" "marketing_budget,revenue_target" "the manifest lists the budget as not available"
expect_eq "$(na market_pulse)" "pulse_index" "without a feed, market pulse is listed as not available"
expect_eq "$(q "SELECT count(*) > 0, count(spend), count(clicks), count(impressions), count(attributed_revenue) = count(*) FROM $(cube marketing_cube)")" \
    "true|0|0|0|true" "marketing_cube has rows with attributed sales and NULL spend, clicks, impressions"
expect_eq "$(q "SELECT count(*) > 0, count(gross_revenue), count(discounts), count(returns), count(returned_units) FROM $SALES")" \
    "true|0|0|0|0" "gross revenue, discounts and returns are NULL in every sales_cube row"
expect_eq "$(q "SELECT count(*) > 0, count(marketing_budget), count(revenue_target) FROM $(cube budget)")" \
    "true|0|0" "budget has rows with NULL budget and target"
expect_eq "$(q "SELECT count(*) > 0, count(pulse_index) FROM $(cube market_pulse)")" "true|0" \
    "market_pulse has rows with a NULL index"
warned() { q "SELECT string_agg(c.sample, ' ') FROM (SELECT unnest(checks) AS c FROM read_json('$manifest')) WHERE c.status = 'warn' AND c.\"check\" = '$1'"; }
expect_contains "$(warned feed_present)" "no market_pulse/market_pulse.csv" "the missing pulse feed is a recorded warning"

# --- the real mess, handled and recorded -----------------------------------------------------------
expect_contains "$(warned duplicate_transaction_ids)" "duplicate_events=4, transactions=4" \
    "duplicate transaction ids are dropped and counted (4 up to 2020-W50)"
expect_contains "$(warned purchases_without_transaction_id)" "purchase_events=" "purchases without a transaction id are counted"
expect_contains "$(warned items_without_category)" "items=" "purchased items without a category are counted"
expect_contains "$(warned history_weeks_present)" "history_starts=2020-W45" "fewer weeks than etl.history_weeks is a recorded warning"
expect_contains "$(warned placeholder_values)" "dimension=traffic_l2, value=(other), events=" "placeholder values are recorded"
expect_eq "$(q "SELECT count(*) FROM $SALES WHERE category_l1 IN ('', '<Other>') OR region = '' OR traffic_l1 IN ('', '<Other>') OR traffic_l2 IN ('', '<Other>')")" \
    "0" "no empty or '<Other>' value reaches the snapshot (they read '(not set)' / '(other)')"

# --- independent queries over the raw file ----------------------------------------------------------
# An order is a purchase event with a transaction id (event_params.transaction_id, else
# ecommerce.transaction_id; '' and '(not set)' are none), counted at its first event; revenue is
# item_revenue_in_usd of its items.
RAW="read_parquet('$DATA')"
PURCHASES="SELECT strftime(strptime(event_date, '%Y%m%d'), '%G-W%V') AS week, event_timestamp, items,
    coalesce(nullif(nullif(trim((SELECT coalesce(x.value.string_value, x.value.int_value::VARCHAR)
                                 FROM (SELECT unnest(event_params) AS x) WHERE x.key = 'transaction_id')), ''), '(not set)'),
             nullif(nullif(trim(ecommerce.transaction_id), ''), '(not set)')) AS tid
  FROM $RAW WHERE event_name = 'purchase'"
FIRSTS="SELECT * FROM ($PURCHASES) WHERE tid IS NOT NULL QUALIFY row_number() OVER (PARTITION BY tid ORDER BY event_timestamp) = 1"
LINES="SELECT week, tid, it.item_category AS cat, it.item_revenue_in_usd AS rev, it.quantity AS qty
  FROM (SELECT week, tid, unnest(items) AS it FROM ($FIRSTS))"
WEEKS="'2020-W45','2020-W46','2020-W47','2020-W48','2020-W49','2020-W50'"
# per_week WHAT RAW_SQL SNAPSHOT_SQL: both give rows (week, v); they must agree week by week, exactly.
per_week() {
    local agg="SELECT string_agg(week || '=' || v, ' ' ORDER BY week) FROM"
    expect_eq "$(q "$agg ($3)")" "$(q "$agg ($2)")" "$1"
}

RAW_REVENUE="SELECT week, sum(rev::DECIMAL(18,2)) || '/' || sum(qty) AS v FROM ($LINES) WHERE week IN ($WEEKS) GROUP BY week"
per_week "weekly revenue and units equal the raw file's" "$RAW_REVENUE" \
    "SELECT week, sum(revenue) || '/' || sum(units) AS v FROM $SALES GROUP BY week"
expect_eq "$(q "SELECT v FROM ($RAW_REVENUE) WHERE week = '$WEEK'")" "8866.00/656" "2020-W50 revenue is 8866.00 USD over 656 units"
per_week "order_attrs_cube revenue equals it too" \
    "SELECT week, sum(rev::DECIMAL(18,2)) AS v FROM ($LINES) WHERE week IN ($WEEKS) GROUP BY week" \
    "SELECT week, sum(revenue) AS v FROM $(cube order_attrs_cube) GROUP BY week"

# Orders per category: purchased items carry bare labels (checked), placed as the store's own
# category paths show them.
expect_eq "$(q "SELECT count(*) FROM ($LINES) WHERE contains(cat, '/')")" "0" "premise: purchased items carry bare category labels"
L1="CASE WHEN coalesce(trim(cat), '') IN ('', '(not set)') THEN '(not set)'
         WHEN cat IN ('Bags', 'Drinkware', 'Small Goods') THEN 'Lifestyle'
         WHEN cat IN ('Google', 'Android', 'YouTube') THEN 'Shop by Brand'
         WHEN cat IN ('Men''s / Unisex', 'Women''s', 'Kids', 'Hats', 'Socks') THEN 'Apparel'
         ELSE cat END"
per_week "weekly orders (once per order and category_l1) equal the raw file's" \
    "SELECT week, count(DISTINCT (tid, $L1)) AS v FROM ($LINES) WHERE week IN ($WEEKS) GROUP BY week" \
    "SELECT week, sum(orders) AS v FROM $SALES GROUP BY week"
per_week "weekly Apparel orders are exact distinct transactions" \
    "SELECT week, count(DISTINCT tid) AS v FROM ($LINES) WHERE week IN ($WEEKS) AND cat = 'Apparel' GROUP BY week" \
    "SELECT week, sum(orders) AS v FROM $SALES WHERE category_l1 = 'Apparel' GROUP BY week"

# Sessions: (user_pseudo_id, ga_session_id) active in the week. A session counts once under each
# category it touched (an item event other than a promotion) and under '(no item)' when it touched none.
EVENTS="SELECT strftime(strptime(event_date, '%Y%m%d'), '%G-W%V') AS week, event_name, user_pseudo_id AS u,
    (SELECT x.value.int_value FROM (SELECT unnest(event_params) AS x) WHERE x.key = 'ga_session_id') AS sid, items
  FROM $RAW"
TOUCH="SELECT week, u, sid, it.item_category AS cat FROM (SELECT week, u, sid, unnest(items) AS it FROM ($EVENTS)
  WHERE event_name NOT IN ('view_promotion', 'select_promotion'))"
APPAREL="(cat = 'Apparel' OR cat LIKE 'Home/Apparel/%' OR cat LIKE 'Apparel/%'
          OR rtrim(cat, '/') IN ('Men''s / Unisex', 'Women''s', 'Kids', 'Hats', 'Socks'))"
per_week "weekly sessions that touched no item equal the raw file's" \
    "SELECT week, count(*) AS v FROM (SELECT DISTINCT week, u, sid FROM ($EVENTS) WHERE week IN ($WEEKS) AND u IS NOT NULL AND sid IS NOT NULL) s ANTI JOIN ($TOUCH) t USING (week, u, sid) GROUP BY week" \
    "SELECT week, sum(visits) AS v FROM $SALES WHERE category_l1 = '(no item)' GROUP BY week"
per_week "weekly sessions that touched Apparel equal the raw file's" \
    "SELECT week, count(DISTINCT (u, sid)) AS v FROM ($TOUCH) WHERE week IN ($WEEKS) AND $APPAREL GROUP BY week" \
    "SELECT week, sum(visits) AS v FROM $SALES WHERE category_l1 = 'Apparel' GROUP BY week"
per_week "weekly sessions with and without items add up to the raw file's distinct sessions" \
    "SELECT week, count(DISTINCT (u, sid)) AS v FROM ($EVENTS) WHERE week IN ($WEEKS) GROUP BY week" \
    "SELECT week, sum(v) AS v FROM (SELECT week, count(DISTINCT (u, sid)) AS v FROM ($TOUCH) WHERE week IN ($WEEKS) GROUP BY week
       UNION ALL SELECT week, sum(visits) FROM $SALES WHERE category_l1 = '(no item)' GROUP BY week) GROUP BY week"

# --- mess the sample lacks, made here: events without a session id ----------------------------------
# Every page_view of one in ten users, and both events of purchase 315721 (sent twice), lose their
# ga_session_id.
MSRC="$WORK/ga4-nosession"
mkdir -p "$MSRC/events"
q "COPY (SELECT * REPLACE (CASE WHEN (event_name = 'page_view' AND hash(user_pseudo_id) % 10 = 0)
                                 OR (event_name = 'purchase' AND ecommerce.transaction_id = '315721')
                            THEN list_filter(event_params, lambda p: p.key <> 'ga_session_id')
                            ELSE event_params END AS event_params)
       FROM read_parquet('$DATA')) TO '$MSRC/events/events.parquet' (FORMAT parquet)" >/dev/null
stripped=$(q "SELECT count(*) FROM read_parquet('$MSRC/events/events.parquet') WHERE list_filter(event_params, lambda p: p.key = 'ga_session_id') = [] AND strftime(strptime(event_date, '%Y%m%d'), '%G-W%V') IN ($WEEKS)")
run etl --pipeline ga4 --week "$WEEK" --source "$MSRC" --warehouse "$WORK/wh-nosession"
expect_rc 0 "events without a session id do not stop the run"
NM="$WORK/wh-nosession/current/$WEEK/manifest.json"
expect_contains "$(q "SELECT string_agg(c.sample, ' ') FROM (SELECT unnest(checks) AS c FROM read_json('$NM')) WHERE c.\"check\" = 'events_without_session'")" \
    "purchases=2" "events without a session id are counted, the two copies of that purchase among them"
expect_eq "$(q "SELECT sum(revenue) FROM read_parquet('$WORK/wh-nosession/current/$WEEK/sales_cube/**/*.parquet', hive_partitioning = true)")" \
    "$(q "SELECT sum(rev::DECIMAL(18,2)) FROM ($LINES) WHERE week IN ($WEEKS)")" \
    "a purchase without a session still counts its revenue (revenue equals the raw file's)"
[ "$stripped" -gt 100 ] && pass "the made-up source has $stripped events without a session id" \
    || fail "the made-up source has events without a session id" "$stripped"

# --- edge weeks are partial; nothing published ------------------------------------------------------
run etl --pipeline ga4 --week 2020-W44 --source "$SRC" --warehouse "$WH"
expect_rc 5 "2020-W44 (the sample starts on its Sunday) is refused as partial"
expect_contains "$ERR" "days_without_events=6, first_missing=2020-10-26, last_missing=2020-10-31" \
    "the message says which days have no events"
run etl --pipeline ga4 --week 2021-W04 --source "$SRC" --warehouse "$WH"
expect_rc 5 "2021-W04 (the sample ends on its Sunday) is refused as partial"
expect_contains "$ERR" "table events is loaded only through 2021-01-30T23:59:59Z; missing days 2021-01-31" \
    "the message says the last day is not proven final"
run etl --pipeline ga4 --week 2021-W05 --source "$SRC" --warehouse "$WH"
expect_rc 5 "a week after the sample is refused as partial"
[ ! -e "$WH/current/2020-W44" ] && [ ! -e "$WH/current/2021-W04" ] && [ -z "$(ls -A "$WH/snapshots/2021-W04" 2>/dev/null)" ] \
    && pass "nothing is published for the edge weeks" || fail "nothing is published for the edge weeks"
expect_eq "$(q "SELECT string_agg(status, ',') FROM read_json('$WH/runs/2021-W04/*.json')")" "partial" \
    "the refused attempt is recorded as partial"
mkdir -p "$WORK/empty"
run etl --pipeline ga4 --week "$WEEK" --source "$WORK/empty" --warehouse "$WORK/wh-empty"
expect_rc 2 "a source folder without events/ is refused"
expect_contains "$ERR" "has no events (pipeline ga4 requires it" "the message names the missing folder"

# --- a transform that loses items is caught by reconciliation with the raw file ---------------------
grep -q '^      WHERE p.counted$' "$CATLENS_SRC/config/pipeline/ga4.yaml" || fail "the lossy variant's anchor line exists in ga4.yaml"
sed 's/^      WHERE p.counted$/      WHERE p.counted AND f.item_no = 1/' "$CATLENS_SRC/config/pipeline/ga4.yaml" >"$WORK/lossy.yaml"
run etl --pipeline "$WORK/lossy.yaml" --week "$WEEK" --source "$SRC" --warehouse "$WORK/wh-lossy"
expect_rc 4 "a pipeline that drops items fails reconciliation with exit 4"
expect_contains "$ERR" "check 'reconciles_with_source' failed: " "the message names the reconciliation check"
expect_contains "$ERR" "measure=revenue, source_total=" "and shows the revenue totals"
[ -z "$(ls -A "$WORK/wh-lossy/snapshots" 2>/dev/null)" ] && pass "nothing is published after a reconciliation failure" \
    || fail "nothing is published after a reconciliation failure"

# --- idempotent re-run ---------------------------------------------------------------------------
before=$(cd "$snap" && find . -type f | sort | xargs sha256sum)
run etl --pipeline ga4 --week "$WEEK" --source "$SRC" --warehouse "$WH"
expect_rc 0 "re-running the week succeeds"
expect_contains "$OUT" "unchanged: snapshot $id" "re-running recognises the identical snapshot"
expect_eq "$(cd "$snap" && find . -type f | sort | xargs sha256sum)" "$before" "the snapshot is untouched"
run etl --pipeline ga4 --week "$WEEK" --source "$SRC" --warehouse "$WORK/wh-fresh"
expect_contains "$OUT" "published snapshot $id " "a fresh warehouse gets the byte-identical snapshot"

# --- market pulse feed: used when present, malformed rows named --------------------------------------
PSRC="$WORK/ga4-pulse"
mkdir -p "$PSRC/events" "$PSRC/market_pulse"
ln -s "$DATA" "$PSRC/events/"
pulse() { printf 'category_l1,week,pulse_index,source\nApparel,2020-W50,104.5,acme\nApparel,2020-W49,101.0,acme\nLifestyle,2020-W50,98.25,acme\n%s' "$1" >"$PSRC/market_pulse/market_pulse.csv"; }
pulse ""
run etl --pipeline ga4 --week "$WEEK" --source "$PSRC" --warehouse "$WORK/wh-pulse"
expect_rc 0 "a GA4 source with a pulse feed publishes"
PM="$WORK/wh-pulse/current/$WEEK"
expect_eq "$(q "SELECT string_agg(category_l1 || '@' || week || '=' || pulse_index || '/' || source,  ' ' ORDER BY category_l1, week) FROM read_parquet('$PM/market_pulse/**/*.parquet', hive_partitioning = true) WHERE pulse_index IS NOT NULL")" \
    "Apparel@2020-W49=101.0/acme Apparel@2020-W50=104.5/acme Lifestyle@2020-W50=98.25/acme" "the feed's values are in the snapshot"
expect_eq "$(mj "$PM/manifest.json" tables.market_pulse.not_available)" "" \
    "with a feed, market pulse is not listed as not available"
bad_pulse() { # bad_pulse ROW WANT WHAT
    pulse "$1"
    run etl --pipeline ga4 --week "$WEEK" --source "$PSRC" --warehouse "$WORK/wh-badpulse"
    expect_rc 4 "$3 exits 4"
    expect_contains "$ERR" "$2" "$3 fails a check naming the row"
}
bad_pulse 'Bags,2020-W5O,100,acme' "check 'week_key_valid' failed: 1 failing row(s): feed=market_pulse.csv, category_l1=Bags, week=2020-W5O" "a bad week key"
bad_pulse 'Bags,2021-W53,100,acme' "week_key_valid' failed: 1 failing row(s): feed=market_pulse.csv, category_l1=Bags, week=2021-W53" "a week that does not exist"
bad_pulse 'Bags,2020-W50,n/a,acme' "check 'index_numeric' failed: 1 failing row(s): feed=market_pulse.csv, category_l1=Bags, week=2020-W50, pulse_index=n/a" "a non-numeric index"
bad_pulse 'Apparel,2020-W50,99,other' "check 'one_value_per_category_week' failed: 1 failing row(s): category_l1=Apparel, week=2020-W50, copies=2" "a duplicate category x week"
bad_pulse 'Bags,2020-W50,100,' "check 'keys_set' failed: 1 failing row(s): feed=market_pulse.csv, category_l1=Bags" "a row without a source name"
[ -z "$(ls -A "$WORK/wh-badpulse/snapshots" 2>/dev/null)" ] && pass "nothing is published with a malformed feed" \
    || fail "nothing is published with a malformed feed"
rm "$PSRC/market_pulse/market_pulse.csv"
printf '[{"category_l1": "Apparel", "week": "2020-W50", "pulse_index": "high", "source": "acme"}]' >"$PSRC/market_pulse/market_pulse.json"
run etl --pipeline ga4 --week "$WEEK" --source "$PSRC" --warehouse "$WORK/wh-badpulse"
expect_rc 4 "a JSON feed with a non-numeric index exits 4"
expect_contains "$ERR" "feed=market_pulse.json, category_l1=Apparel, week=2020-W50, pulse_index=high" "the JSON row is named"

finish
