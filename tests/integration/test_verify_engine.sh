# The edge cases of verify's checksum engine, no traffic: after `myshift
# copy` of tables built to be awkward, verify must find no difference where
# the data is the same and every one where it is not.
#  - Equal although the bytes could differ: a latin1 source column (and a
#    latin1 key) against a utf8mb4 target column with the same accented
#    text; TIMESTAMPs with the two servers' global time_zone set apart;
#    FLOAT and DOUBLE values; a VIRTUAL generated column that only the
#    target computes (not compared).
#  - Keys: composite (INT, VARCHAR), a utf8mb4_general_ci VARCHAR key with
#    case-different values, sparse BIGINTs from -5e18 to 9e18, a BIGINT
#    UNSIGNED up to 2^64-1 (keyset chunks: it does not fit int64), an empty
#    table, a one-row table, and a keyless table (warned, one whole-table
#    chunk). verify_chunks must partition each table: the chunks' source
#    rows add up to its COUNT(*), several chunks where the table is big.
#  - Schema differences: a column dropped on the target and a table
#    missing there are warned by name, counted (2) and exit 1, while the
#    shared columns are still compared.
#  - Damage on the target, each reported with its key: NULL turned into
#    '', a FLOAT, a TIMESTAMP, a latin1 text; rows deleted and extra rows
#    beyond the source's smallest and largest key (open first and last
#    chunks) and in an empty table; a case-only change of a general_ci key
#    (the bytes differ: missing + extra).
#  - A DMS mapping file renaming the schema and a table: the pair is found,
#    a damaged row names both tables.
#  - A sync reported running (sync_state edited): ahead of the source, the
#    re-checks happen and count; behind it, the wait times out (exit 3).
#  - SIGINT while it runs (slowed by --rate): exit 3, the run recorded as
#    'interrupted' with the chunks it checked; `myshift status` shows the
#    last finished run.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/copy_lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/verify_lib.sh"
need_sandbox
need_verify

db=it_vfe
rdb=it_vfe_r
cs=_ms_verify_engine
src_tz=$(sql source "SELECT @@GLOBAL.time_zone")
tgt_tz=$(sql target "SELECT @@GLOBAL.time_zone")
drop_all() {
	sql source "DROP DATABASE IF EXISTS $db"
	sql target "DROP DATABASE IF EXISTS $db; DROP DATABASE IF EXISTS $rdb;
		DROP DATABASE IF EXISTS \`$cs\`; DROP DATABASE IF EXISTS \`${cs}_r\`"
}
cleanup() {
	sql source "SET GLOBAL time_zone = '$src_tz'"
	sql target "SET GLOBAL time_zone = '$tgt_tz'"
	[ "${MYSHIFT_KEEP_FIXTURES:-0}" = 1 ] || drop_all || true
	rm -rf "$scratch"
}
trap cleanup EXIT
drop_all

seq_rows() { # seq_rows N: a recursive CTE of n = 1..N
	echo "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < $1)"
}

sql source "SET SESSION max_recursive_iterations = 100000; SET SESSION time_zone = '+03:00';
CREATE DATABASE $db;
CREATE TABLE $db.comp (a INT NOT NULL, b VARCHAR(20) NOT NULL, v INT NULL, PRIMARY KEY (a, b));
INSERT INTO $db.comp $(seq_rows 3000) SELECT n DIV 7, CONCAT(CHAR(65 + n % 26), 'x', n), n FROM s;
CREATE TABLE $db.vc (k VARCHAR(40) NOT NULL PRIMARY KEY, v INT NOT NULL)
	DEFAULT CHARSET utf8mb4 COLLATE utf8mb4_general_ci;
INSERT INTO $db.vc $(seq_rows 2500) SELECT CONCAT(IF(n % 2, 'Key', 'key'), '-', n), n FROM s;
INSERT INTO $db.vc VALUES ('Ärger', 1), ('zeta', 2), ('Zoo', 3), ('alpha', 4), ('BETA', 5);
CREATE TABLE $db.empty (id INT NOT NULL PRIMARY KEY, v INT);
CREATE TABLE $db.one (id BIGINT NOT NULL PRIMARY KEY, v VARCHAR(10));
INSERT INTO $db.one VALUES (42, 'x');
CREATE TABLE $db.nokey (a INT NULL, b VARCHAR(10) NULL);
INSERT INTO $db.nokey VALUES (1, 'a'), (1, 'a'), (2, NULL), (NULL, 'c'), (3, '');
CREATE TABLE $db.l1 (id INT NOT NULL PRIMARY KEY, name VARCHAR(30) CHARACTER SET latin1 NULL,
	code CHAR(6) CHARACTER SET latin1 NOT NULL);
INSERT INTO $db.l1 VALUES (1, 'café', 'ÀB'), (2, 'Müller', 'ß'), (3, NULL, ''), (4, 'plain', 'x ');
CREATE TABLE $db.l1k (k VARCHAR(20) CHARACTER SET latin1 COLLATE latin1_swedish_ci NOT NULL
	PRIMARY KEY, v INT NOT NULL);
INSERT INTO $db.l1k $(seq_rows 2500) SELECT CONCAT(ELT(n % 4 + 1, 'é', 'e', 'ü', 'Z'), n), n FROM s;
CREATE TABLE $db.ts (id INT NOT NULL PRIMARY KEY, t TIMESTAMP(3) NULL, d DATETIME NULL);
INSERT INTO $db.ts VALUES (1, '2024-03-31 01:30:00.125', '2024-03-31 01:30:00'),
	(2, '2000-01-01 00:00:00', NULL), (3, NULL, '1999-12-31 23:59:59');
CREATE TABLE $db.ne (id INT NOT NULL PRIMARY KEY, s VARCHAR(10) NULL, s2 VARCHAR(10) NULL);
INSERT INTO $db.ne VALUES (1, NULL, ''), (2, '', NULL), (3, NULL, NULL), (4, '', '');
CREATE TABLE $db.fl (id INT NOT NULL PRIMARY KEY, f FLOAT NULL, d DOUBLE NULL);
INSERT INTO $db.fl VALUES (1, 0.1, 0.1), (2, 1/3, 1/3), (3, 1e-30, 1e-300), (4, 3.4e38, 1.7e308),
	(5, -0.0, -2.5), (6, 123456.789, 123456789.123456789);
CREATE TABLE $db.gen (id INT NOT NULL PRIMARY KEY, a INT NOT NULL, g INT AS (a * 2) VIRTUAL);
INSERT INTO $db.gen (id, a) VALUES (1, 1), (2, 2);
CREATE TABLE $db.sparse (id BIGINT NOT NULL PRIMARY KEY, v INT);
INSERT INTO $db.sparse VALUES (-5000000000000000000, 1), (-1, 2), (0, 3), (7, 4),
	(1000000000000000000, 5), (9000000000000000000, 6);
CREATE TABLE $db.ubig (id BIGINT UNSIGNED NOT NULL PRIMARY KEY, v INT);
INSERT INTO $db.ubig VALUES (0, 1), (1, 2), (9223372036854775808, 3), (18446744073709551615, 4);
CREATE TABLE $db.colmiss (id INT NOT NULL PRIMARY KEY, a INT NOT NULL, gone INT NULL);
INSERT INTO $db.colmiss VALUES (1, 1, 1), (2, 2, NULL);
CREATE TABLE $db.tmiss (id INT NOT NULL PRIMARY KEY);
INSERT INTO $db.tmiss VALUES (1)" || {
	fail "creating $db on the source"
	finish
}
ntables=15

copy_run --include $db --control-schema "$cs" --threads 2
assert_eq "copy exit code" 0 "$rc"
[ "$rc" = 0 ] || printf '%s\n' "$err" | tail -n 5 | sed 's/^/    | /'
# What the copy made equal, then changed on the target's schema only.
sql target "ALTER TABLE $db.l1 CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
	ALTER TABLE $db.l1k CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
	ALTER TABLE $db.colmiss DROP COLUMN gone; DROP TABLE $db.tmiss;
	ALTER TABLE $db.gen MODIFY g INT AS (a * 3) VIRTUAL" || fail "altering the target"
sql source "SET GLOBAL time_zone = '+09:30'"
sql target "SET GLOBAL time_zone = '-07:00'"

v=(--include "$db" --control-schema "$cs" --no-progress)

# --- 1. no data difference; two schema differences ----------------------
verify_run "${v[@]}" --json --threads 3
verify_json_ok "equal data, schema differences"
run1=$(vj .run_id)
assert_eq "schema differences: exit code" 1 "$rc"
assert_counts "equal data" 0 0 0 0
assert_eq "schema_differences (column gone, table missing)" 2 "$(vj .schema_differences)"
assert_eq "tables" $ntables "$(vj .tables)"
assert_eq "keyless_tables" 1 "$(vj .keyless_tables)"
assert_eq "differences listed" 0 "$(vj '.differences | length')"
assert_contains "warning names the dropped column" "$err" "gone"
assert_contains "warning names the missing table" "$err" "$db.tmiss"
assert_contains "keyless warning" "$err" \
	"\`$db\`.\`nokey\` has no primary key or NOT NULL unique key: compared as one whole-table checksum"
assert_contains "no-sync warning" "$err" "no forward sync is running under $cs"
assert_eq "warnings (column, table, keyless, no sync)" 4 "$(vj .warnings)"
assert_eq "every chunk matched at once" "match" \
	"$(sql target "SELECT GROUP_CONCAT(DISTINCT state) FROM \`$cs\`.verify_chunks WHERE run_id = $run1")"

# The chunks of each table partition it: their source rows add up to its
# rows, each seq once, the first open below and the last open above.
for t in comp vc empty one nokey l1 l1k ts ne fl gen sparse ubig colmiss; do
	assert_eq "$t: rows in its chunks" "$(count_rows source $db $t)" \
		"$(sql target "SELECT COALESCE(SUM(source_rows), 0) FROM \`$cs\`.verify_chunks
			WHERE run_id = $run1 AND source_table = '$db.$t'")"
	assert_eq "$t: one open-below and one open-above chunk, seqs 0..n-1" "1 1 1" \
		"$(sql target "SELECT CONCAT(SUM(lo IS NULL), ' ', SUM(hi IS NULL), ' ',
			MAX(seq) + 1 = COUNT(*)) FROM \`$cs\`.verify_chunks
			WHERE run_id = $run1 AND source_table = '$db.$t'")"
done
for t in comp vc l1k; do
	n=$(sql target "SELECT COUNT(*) FROM \`$cs\`.verify_chunks WHERE run_id = $run1
		AND source_table = '$db.$t'")
	if [ "$n" -ge 2 ]; then pass "$t: $n chunks"; else fail "$t: $n chunk(s), expected several"; fi
done
assert_eq "verify_tables: the notes" \
	"$db.colmiss columns differ: shared columns compared
$db.nokey no key: one whole-table checksum
$db.tmiss missing on the target: not compared" \
	"$(sql target "SELECT CONCAT(source_table, ' ', note) FROM \`$cs\`.verify_tables
		WHERE run_id = $run1 AND note IS NOT NULL ORDER BY source_table")"
assert_eq "verify_runs: status" "differences" \
	"$(sql target "SELECT status FROM \`$cs\`.verify_runs WHERE run_id = $run1")"

# --- 2. the same without the schema differences: clean, exit 0 ----------
verify_run "${v[@]}" --exclude "$db.colmiss" --exclude "$db.tmiss" --json \
	--threads 2 --chunk-time 0.01
verify_json_ok "equal data"
assert_clean "equal data, small chunks"
verify_run "${v[@]}" --exclude "$db.colmiss" --exclude "$db.tmiss"
assert_eq "human output: exit code" 0 "$rc"
assert_contains "human summary" "$out" "result: no differences"

# --- 3. damage on the target ------------------------------------------------
sql target "SET SESSION time_zone = '+00:00';
	UPDATE $db.ne SET s = '' WHERE id = 1;
	UPDATE $db.ne SET s2 = NULL WHERE id = 4;
	UPDATE $db.fl SET f = 0.2 WHERE id = 1;
	UPDATE $db.ts SET t = t + INTERVAL 1 SECOND WHERE id = 2;
	UPDATE $db.l1 SET name = 'cafe' WHERE id = 1;
	DELETE FROM $db.one;
	INSERT INTO $db.empty VALUES (1, 1);
	INSERT INTO $db.sparse VALUES (-9000000000000000000, 0), (9100000000000000000, 0);
	UPDATE $db.ubig SET v = 0 WHERE id = 18446744073709551615;
	DELETE FROM $db.comp WHERE a = 100 AND b = 'Yx700';
	UPDATE $db.vc SET k = 'KEY-7' WHERE k = 'Key-7';
	UPDATE $db.l1k SET v = -1 WHERE k = 'e5';
	DELETE FROM $db.nokey WHERE b = 'c';
	INSERT INTO $db.nokey VALUES (9, 'extra')" || fail "damaging the target"
verify_run "${v[@]}" --exclude "$db.colmiss" --exclude "$db.tmiss" --json --threads 2
verify_json_ok "damaged target"
assert_eq "damaged: exit code" 1 "$rc"
assert_counts "damaged" 4 5 7
assert_diffs "damaged, keyed tables" "$(cat <<EOF
different $db.ne $db.ne [s] id=1
different $db.ne $db.ne [s2] id=4
different $db.fl $db.fl [f] id=1
different $db.ts $db.ts [t] id=2
different $db.l1 $db.l1 [name] id=1
missing_on_target $db.one $db.one [] id=42
extra_on_target $db.empty $db.empty [] id=1
extra_on_target $db.sparse $db.sparse [] id=-9000000000000000000
extra_on_target $db.sparse $db.sparse [] id=9100000000000000000
different $db.ubig $db.ubig [v] id=18446744073709551615
missing_on_target $db.comp $db.comp [] a=100, b='Yx700'
missing_on_target $db.vc $db.vc [] k='Key-7'
extra_on_target $db.vc $db.vc [] k='KEY-7'
different $db.l1k $db.l1k [v] k='e5'
$(diff_lines | grep " $db.nokey ")
EOF
)"
assert_eq "keyless: one missing, one extra" "extra_on_target 1
missing_on_target 1" "$(diff_lines | grep " $db.nokey " | cut -d' ' -f1 | sort | uniq -c |
	awk '{print $2, $1}')"
damaged_chunks=$(vj .mismatched_chunks)

# The same from the other side (the target as the truth, no sync): the
# same chunks differ.
verify_run "${v[@]}" --exclude "$db.colmiss" --exclude "$db.tmiss" --json --reverse
assert_eq "--reverse: exit code" 1 "$rc"
assert_eq "--reverse: mismatched_chunks" "$damaged_chunks" "$(vj .mismatched_chunks)"

# --- 4. renamed schema and table through a DMS mapping file --------------
cat >"$scratch/mappings.json" <<EOF
{"rules": [
 {"rule-type": "selection", "rule-id": "1", "rule-name": "comp",
  "object-locator": {"schema-name": "$db", "table-name": "comp"}, "rule-action": "include"},
 {"rule-type": "selection", "rule-id": "2", "rule-name": "vc",
  "object-locator": {"schema-name": "$db", "table-name": "vc"}, "rule-action": "include"},
 {"rule-type": "transformation", "rule-id": "3", "rule-name": "schema",
  "rule-action": "rename", "rule-target": "schema",
  "object-locator": {"schema-name": "$db"}, "value": "$rdb"},
 {"rule-type": "transformation", "rule-id": "4", "rule-name": "table",
  "rule-action": "rename", "rule-target": "table",
  "object-locator": {"schema-name": "$db", "table-name": "comp"}, "value": "comp_r"}
]}
EOF
copy_run --table-mappings "$scratch/mappings.json" --control-schema "${cs}_r"
assert_eq "copy with the mappings: exit code" 0 "$rc"
mv_args=(--table-mappings "$scratch/mappings.json" --control-schema "${cs}_r" --json)
verify_run "${mv_args[@]}"
assert_clean "renamed pair"
assert_eq "renamed: tables" 2 "$(vj .tables)"
sql target "UPDATE $rdb.comp_r SET v = NULL WHERE a = 3 AND b = 'Zx25'"
verify_run "${mv_args[@]}"
assert_eq "renamed, damaged: exit code" 1 "$rc"
assert_diffs "renamed, damaged" "different $db.comp $rdb.comp_r [v] a=3, b='Zx25'"

# --- 5. waiting for sync ----------------------------------------------------
# A sync_state row (sync's own, then edited) that says a sync is running:
# far ahead of the source, every re-check of a damaged chunk waits for
# nothing and the damage persists through --rechecks 2; stuck behind, the
# wait ends at --wait-timeout naming both positions.
run_myshift sync --source "$MYSHIFT_SOURCE" --target "$MYSHIFT_TARGET" --include "$db" \
	--control-schema "$cs" --until-caught-up
assert_eq "sync --until-caught-up: exit code" 0 "$rc"
file=$(sql source "SHOW MASTER STATUS" | cut -f1)
fake_sync() { # fake_sync FILE POS RUNNING
	sql target "UPDATE \`$cs\`.sync_state SET file = '$1', pos = $2, running = $3,
		progress_at = UTC_TIMESTAMP(6) WHERE direction = 'forward'"
}
fake_sync "${file%.*}.999999" 4 1
verify_run --include "$db.one" --control-schema "$cs" --json --rechecks 2
assert_eq "sync ahead: exit code" 1 "$rc"
assert_eq "sync ahead: rechecks" 2 "$(vj .rechecks)"
assert_counts "sync ahead" 1 0 0 1
fake_sync "$file" 4 1
verify_run --include "$db.one" --control-schema "$cs" --wait-timeout 1
assert_eq "sync behind: exit code" 3 "$rc"
assert_contains "sync behind: message" "$err" "sync has applied $file:4 and not yet $file:"
assert_contains "sync behind: message" "$err" "--wait-timeout"
fake_sync "$file" 4 0
verify_run --include "$db.one" --control-schema "$cs" --json --rechecks 2
assert_eq "sync stopped: no re-check (nothing would change the target)" 0 "$(vj .rechecks)"
assert_counts "sync stopped" 1 0 0 1

# --- 6. SIGINT, the record, status ---------------------------------------
"$MYSHIFT_BIN" verify --source "$MYSHIFT_SOURCE" --target "$MYSHIFT_TARGET" \
	--include $db.comp --control-schema "$cs" --no-progress --threads 1 --rate 200 >"$scratch/int.out" 2>"$scratch/int.err" &
pid=$!
sleep 1.5
kill -INT $pid
wait $pid
assert_eq "SIGINT: exit code" 3 "$?"
assert_contains "SIGINT: message" "$(cat "$scratch/int.err")" "interrupted"
last=$(sql target "SELECT CONCAT(run_id, ' ', status) FROM \`$cs\`.verify_runs
	ORDER BY run_id DESC LIMIT 1")
assert_match "SIGINT: run recorded as interrupted" "$last" " interrupted$"
n=$(sql target "SELECT COUNT(*) FROM \`$cs\`.verify_chunks WHERE run_id = ${last%% *}")
# 1000 rows at 200 rows/s: the second chunk may start after 5 s only.
assert_eq "SIGINT: the chunks checked before the stop are recorded" 1 "$n"
run_myshift status --target "$MYSHIFT_TARGET" --control-schema "$cs" --json
assert_eq "status: exit code" 0 "$rc"
assert_eq "status: the last finished run" "${last%% *} interrupted" \
	"$(vj '"\(.verify.run_id) \(.verify.status)"')"
run_myshift status --target "$MYSHIFT_TARGET" --control-schema "$cs"
assert_contains "status text" "$out" "verify: run ${last%% *} finished"
finish
