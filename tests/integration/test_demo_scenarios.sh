# The planted scenarios of catlens demo-data are in the published snapshot where ground_truth.json
# says, each against the rest of its category x region (so seasonality cancels): read by direct
# DuckDB queries on the snapshot. Thresholds are about half the planted effect.
. "$(dirname "$0")/lib.sh"
: "${CATLENS_MAKE_SOURCE:?CATLENS_MAKE_SOURCE must point at the make_source helper}"
q() { "$CATLENS_MAKE_SOURCE" query "$1"; }
WEEK=2026-W47
SRC="$WORK/source"
WH="$WORK/warehouse"
# three weeks, many orders a week: the end week against the two before it
run demo-data --out "$SRC" --weeks 3 --orders 600000 --end-week $WEEK --seed 42
expect_rc 0 "demo-data with scenarios"
CATLENS_ETL_HISTORY_WEEKS=3 run etl --week $WEEK --source "$SRC" --warehouse "$WH"
expect_rc 0 "etl publishes it"
expect_contains "$OUT" " 0 warnings" "every check passes"
GT="$SRC/ground_truth.json"
S="$WH/current/$WEEK"
tab() { echo "read_parquet('$S/$1/*/*/*.parquet', hive_partitioning = true)"; }
sc() { q "SELECT s.$2 FROM (SELECT unnest(scenarios) AS s FROM read_json('$GT')) WHERE s.id = '$1'"; }
below() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 < b + 0) }'; }
above() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 > b + 0) }'; }

# --- ground truth ---------------------------------------------------------------------------
expect_eq "$(q "SELECT seed || ' ' || end_week || ' ' || weeks || ' ' || len(scenarios) FROM read_json('$GT')")" \
    "42 $WEEK 3 6" "ground_truth.json names seed, end week, weeks and six scenarios"
expect_eq "$(q "SELECT count(*) FROM (SELECT unnest(scenarios) AS s FROM read_json('$GT')) WHERE s.finding_type NOT IN ('kpi_change', 'driver', 'root_cause', 'mix_rate', 'revenue_split', 'anomaly', 'market_pulse', 'marketing_efficiency', 'budget_pacing') OR s.week <> '$WEEK' OR s.direction NOT IN ('up', 'down') OR s.magnitude <= 0")" \
    "0" "every scenario has a contract finding type, the end week, a direction and a magnitude"
expect_eq "$(q "SELECT count(DISTINCT s.category) FROM (SELECT unnest(scenarios) AS s FROM read_json('$GT'))")" \
    "6" "each scenario has its own category"
missing=$(q "SELECT count(*) FROM (SELECT unnest(scenarios) AS s FROM read_json('$GT')) WHERE s.category NOT IN (SELECT DISTINCT category_l1 FROM $(tab sales_cube)) OR (s.region <> 'all' AND s.region NOT IN (SELECT DISTINCT region FROM $(tab sales_cube)))")
expect_eq "$missing" "0" "every scenario's category and region are in the snapshot"

# ratio of ratios: (slice now / slice before) / (rest now / rest before); before = the two weeks
# ahead of the end week, averaged. SLICE and REST are SQL conditions, MEASURE an aggregate.
rr() { # rr TABLE FILTER SLICE MEASURE
    q "WITH x AS (SELECT week = '$WEEK' AS cur, ($3) AS slice, $4 AS v FROM $(tab "$1") WHERE $2 GROUP BY ALL)
       SELECT round((max(v) FILTER (cur AND slice) / max(v) FILTER (NOT cur AND slice)) /
                    (max(v) FILTER (cur AND NOT slice) / max(v) FILTER (NOT cur AND NOT slice)), 3) FROM x"
}

# --- (a) conversion drop: one traffic source on mobile in one category x region ---------------
# (paid_search when its segment is big enough for the size, else every mobile session: the path says)
c=$(sc conversion_drop category) r=$(sc conversion_drop region) t=$(sc conversion_drop "path[2].value")
seg="device_type = 'mobile'"; [ "$t" = NULL ] && t=any || seg="$seg AND traffic_l1 = '$t'"
v=$(rr sales_cube "category_l1 = '$c' AND region = '$r'" "$seg" "sum(orders)::DOUBLE / sum(visits)")
below "$v" 0.8 && pass "conversion of $t x mobile in $c x $r fell against the rest (x$v)" \
    || fail "the conversion drop is visible in sales_cube" "ratio $v"
v=$(rr sales_cube "category_l1 = '$c' AND region = '$r'" "$seg" "sum(visits)::DOUBLE")
above "$v" 0.9 && pass "... while its visits held (x$v)" || fail "visits of the conversion slice held" "ratio $v"

# --- (f) country revenue drop ----------------------------------------------------------------
c=$(sc country_drop category) r=$(sc country_drop region) k=$(sc country_drop "path[1].value")
v=$(rr sales_cube "category_l1 = '$c' AND region = '$r'" "country = '$k'" "sum(revenue)::DOUBLE")
below "$v" 0.85 && pass "revenue of $c in $k fell against the rest of $r (x$v)" \
    || fail "the country revenue drop is visible" "ratio $v"

# --- (d) price-band mix shift lowers AOV ------------------------------------------------------
c=$(sc mix_shift category) r=$(sc mix_shift region)
v=$(rr order_attrs_cube "category_l1 = '$c'" "region = '$r'" "sum(revenue) FILTER (price_band IN ('premium', 'luxury'))::DOUBLE / sum(revenue)")
below "$v" 0.8 && pass "premium and luxury lost revenue share in $c x $r (x$v)" \
    || fail "the price-band mix shift is visible" "ratio $v"
v=$(rr sales_cube "category_l1 = '$c'" "region = '$r'" "sum(revenue)::DOUBLE / sum(orders)")
below "$v" 0.93 && pass "... and AOV fell (x$v)" || fail "AOV fell with the mix shift" "ratio $v"

# --- (e) return-rate spike of one seller tier -------------------------------------------------
c=$(sc return_spike category) r=$(sc return_spike region) t=$(sc return_spike "path[1].value")
v=$(rr order_attrs_cube "category_l1 = '$c' AND region = '$r'" "seller_tier = '$t'" "sum(returned_units)::DOUBLE / sum(units)")
above "$v" 1.5 && pass "the return rate of $t sellers in $c x $r rose against the other tiers (x$v)" \
    || fail "the return spike is visible" "ratio $v"

# --- (c) budget overspend ---------------------------------------------------------------------
c=$(sc budget_overspend category) r=$(sc budget_overspend region)
util() { q "SELECT round(sum(m.spend) / sum(b.marketing_budget), 3) FROM (SELECT week, region, category_l1, sum(spend) AS spend FROM $(tab marketing_cube) GROUP BY ALL) m JOIN $(tab budget) b USING (week, region, category_l1) WHERE m.week = '$WEEK' AND m.region = '$r' AND $1"; }
v=$(util "m.category_l1 = '$c'")
above "$v" 1.25 && pass "marketing spend of $c x $r ran over budget ($v of it)" \
    || fail "the budget overspend is visible" "utilisation $v"
v=$(util "m.category_l1 <> '$c'")
above "$v" 0.85 && below "$v" 1.15 && pass "... while the other categories of $r track their budget ($v)" \
    || fail "other categories track their budget" "utilisation $v"

# --- (b) market pulse surge not matched internally --------------------------------------------
c=$(sc pulse_surge category)
pulse() { q "SELECT round(max(pulse_index) FILTER (week = '$WEEK') / max(pulse_index) FILTER (week = '2026-W46'), 3) FROM read_parquet('$S/market_pulse/*/*.parquet', hive_partitioning = true) WHERE $1"; }
v=$(pulse "category_l1 = '$c'")
above "$v" 1.12 && pass "the market pulse of $c jumped (x$v)" || fail "the pulse surge is visible" "ratio $v"
v=$(q "SELECT round(max(r), 3) FROM (SELECT max(pulse_index) FILTER (week = '$WEEK') / max(pulse_index) FILTER (week = '2026-W46') AS r FROM read_parquet('$S/market_pulse/*/*.parquet', hive_partitioning = true) WHERE category_l1 <> '$c' GROUP BY category_l1)")
below "$v" 1.08 && pass "... and no other category's pulse moved like it (max x$v)" \
    || fail "other pulses are quiet" "max ratio $v"
v=$(q "SELECT round(sum(visits) FILTER (week = '$WEEK') / (sum(visits) FILTER (week <> '$WEEK') / 2), 3) FROM $(tab sales_cube) WHERE category_l1 = '$c'")
below "$v" 1.1 && pass "... while our own visits of $c did not follow (x$v)" \
    || fail "the pulse surge is not matched internally" "ratio $v"

finish
