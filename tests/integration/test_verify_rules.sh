# `myshift verify` honours the mapping rules: a DMS table-mappings file that
# renames the schema (vf_rules -> vf_rules_t) and one table (orders ->
# orders_t) and excludes a table is used by `myshift copy` and then by
# verify.
#  - Right after the copy verify reports 0 differences with exit 0: it
#    compared each source table with its renamed target table, and left
#    the excluded table (absent on the target) alone.
#  - The keyless table gets a warning naming it and a whole-table compare.
#  - Damage on the target: a changed and a deleted row of the renamed
#    table are reported with source_table vf_rules.orders and target_table
#    vf_rules_t.orders_t; in the keyless table, a deleted row, one of two
#    identical rows deleted, a deleted row with a NULL and an extra row are
#    reported as missing/extra rows keyed by all their columns.
#  - Without the mappings file the same tables are schema differences
#    (target tables missing), exit 1.
#  - --include of a schema that does not exist exits 2 naming it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/copy_lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/verify_lib.sh"
need_sandbox
need_verify

src=vf_rules
tgt=vf_rules_t
cs=_ms_verify_rules
drop_all() {
	sql source "DROP DATABASE IF EXISTS $src"
	sql target "DROP DATABASE IF EXISTS $tgt; DROP DATABASE IF EXISTS $src;
		DROP DATABASE IF EXISTS \`$cs\`"
}
cleanup() {
	[ "${MYSHIFT_KEEP_FIXTURES:-0}" = 1 ] || drop_all || true
	rm -rf "$scratch"
}
trap cleanup EXIT
drop_all

sql source "CREATE DATABASE $src;
	CREATE TABLE $src.orders (id INT NOT NULL PRIMARY KEY, customer VARCHAR(30) NOT NULL,
		amount DECIMAL(10,2) NOT NULL, placed DATETIME NOT NULL);
	INSERT INTO $src.orders
		WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 300)
		SELECT n, CONCAT('c', n % 17), n * 1.25, '2023-06-01' + INTERVAL n HOUR FROM s;
	CREATE TABLE $src.items (sku VARCHAR(20) NOT NULL PRIMARY KEY, title TEXT NOT NULL);
	INSERT INTO $src.items VALUES ('a-1', 'one'), ('a-2', 'two'), ('b-1', 'three');
	CREATE TABLE $src.nokey (a INT NOT NULL, b VARCHAR(10) NULL);
	INSERT INTO $src.nokey VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, NULL), (5, 'dup'),
		(5, 'dup'), (6, 'f'), (7, NULL);
	CREATE TABLE $src.scratchpad (id INT PRIMARY KEY);
	INSERT INTO $src.scratchpad VALUES (1)" || { fail "creating $src"; finish; }

cat >"$scratch/mappings.json" <<EOF
{"rules": [
 {"rule-type": "selection", "rule-id": "1", "rule-name": "all",
  "object-locator": {"schema-name": "$src", "table-name": "%"}, "rule-action": "include"},
 {"rule-type": "selection", "rule-id": "2", "rule-name": "not-scratch",
  "object-locator": {"schema-name": "$src", "table-name": "scratchpad"}, "rule-action": "exclude"},
 {"rule-type": "transformation", "rule-id": "3", "rule-name": "schema",
  "rule-action": "rename", "rule-target": "schema",
  "object-locator": {"schema-name": "$src"}, "value": "$tgt"},
 {"rule-type": "transformation", "rule-id": "4", "rule-name": "orders",
  "rule-action": "rename", "rule-target": "table",
  "object-locator": {"schema-name": "$src", "table-name": "orders"}, "value": "orders_t"}
]}
EOF

copy_run --table-mappings "$scratch/mappings.json" --control-schema "$cs" --threads 2
assert_eq "copy with the mappings: exit code" 0 "$rc"
[ "$rc" = 0 ] || { printf '%s\n' "$err" | tail -n 10 | sed 's/^/    | /'; finish; }
assert_eq "target tables after the copy" "items nokey orders_t" \
	"$(base_tables target $tgt | tr '\n' ' ' | sed 's/ $//')"
compare_table $src orders $tgt orders_t
compare_table $src nokey $tgt nokey

v=(--table-mappings "$scratch/mappings.json" --control-schema "$cs" --threads 2 --json)

# 1. Clean, through the renames; the keyless table is warned about.
verify_run "${v[@]}"
verify_json_ok "verify with the mappings" || finish
assert_clean "verify with the mappings"
assert_eq "tables (the excluded one left out)" 3 "$(vj .tables)"
assert_eq "keyless_tables" 1 "$(vj .keyless_tables)"
n=$(vj .warnings)
if [ "${n:-0}" -ge 1 ]; then pass "warnings = $n"; else fail "warnings = '$n', expected >= 1 (keyless table)"; fi
assert_contains "the keyless table's warning" "$err" "nokey"
assert_not_contains "verify's messages" "$err$out" "scratchpad"
assert_lines "verify_tables: each source table with its mapped target table" \
	"vf_rules.items vf_rules_t.items
vf_rules.nokey vf_rules_t.nokey
vf_rules.orders vf_rules_t.orders_t" \
	"$(sql target "SELECT source_table, target_table FROM \`$cs\`.verify_tables
		WHERE run_id = $(vj '.run_id // 0')" 2>&1 | tr '\t' ' ')"

# 2. Damage on the target, named by the target's names.
sql target "SET SESSION sql_log_bin = 0;
	UPDATE $tgt.orders_t SET amount = amount + 0.01 WHERE id = 42;
	DELETE FROM $tgt.orders_t WHERE id = 43;
	DELETE FROM $tgt.nokey WHERE a = 3;
	DELETE FROM $tgt.nokey WHERE a = 5 LIMIT 1;
	DELETE FROM $tgt.nokey WHERE a = 4;
	INSERT INTO $tgt.nokey VALUES (9, 'z')"
verify_run "${v[@]}"
verify_json_ok "verify of the damaged renamed tables" || finish
assert_eq "damaged: exit code" 1 "$rc"
assert_counts "damaged" 4 1 1
assert_diffs "damaged" "different $src.orders $tgt.orders_t [amount] id=42
missing_on_target $src.orders $tgt.orders_t [] id=43
missing_on_target $src.nokey $tgt.nokey [] a=3, b='c'
missing_on_target $src.nokey $tgt.nokey [] a=5, b='dup'
missing_on_target $src.nokey $tgt.nokey [] a=4, b=NULL
extra_on_target $src.nokey $tgt.nokey [] a=9, b='z'"

# 3. The same selection without the renames: the target tables are not
#    where the source's names say, each a schema difference (so the clean
#    run above did compare through the renames).
verify_run --include $src --exclude $src.scratchpad --control-schema "$cs" --json
assert_eq "without the mappings: exit code" 1 "$rc"
assert_eq "without the mappings: schema_differences" 3 "$(vj .schema_differences)"
assert_contains "without the mappings: warning" "$err" "\`$src\`.\`orders\`"

# 4. An --include naming a schema that does not exist: a usage error.
verify_run --include vf_no_such_schema --control-schema "$cs"
assert_eq "--include vf_no_such_schema: exit code" 2 "$rc"
assert_contains "--include vf_no_such_schema: message" "$err" "vf_no_such_schema"

finish
