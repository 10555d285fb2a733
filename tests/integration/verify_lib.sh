# Helpers for the `myshift verify` integration tests (sourced after lib.sh,
# copy_lib.sh and sync_lib.sh). What a test expects is written down in the
# test (keys, kinds, columns), never taken from verify's own output; what
# decides that two tables are equal is read as root with the mariadb
# client (copy_lib.sh's compare_* helpers).
#
#   need_verify                    skip (77) when this myshift has no verify
#                                  command at all ("not available in this
#                                  version"); a verify that runs and fails
#                                  is a failure, never a skip
#   verify_run ARGS...             myshift verify --source/--target ... ARGS
#                                  -> $out (stdout), $err, $rc
#   vj FILTER                      jq -r FILTER on $out ('' when invalid)
#   verify_json_ok WHAT            $out is one object with the contract keys
#   assert_counts WHAT M X D [C]   missing, extra, different (and, when given,
#                                  mismatched_chunks) of $out
#   assert_clean WHAT              exit 0 and every difference count 0
#   diff_lines [JSON]              .differences as sorted lines:
#                                  KIND SOURCE TARGET [COLUMNS] KEY
#   assert_diffs WHAT EXPECTED     diff_lines equal to EXPECTED (sorted here)
#   assert_lines WHAT EXP ACTUAL   two sets of lines equal
#   target_sums SCHEMA             "table count checksum" per table, target
#   vf_corrupt_fixture DB CS       tables on the source, copy, source writes,
#                                  sync --until-caught-up, then the damage
#                                  below on the target
#   vf_corrupt_expected DB         the differences that damage must give, as
#                                  diff_lines prints them

need_verify() {
	local help
	help=$("$MYSHIFT_BIN" verify --help 2>&1)
	if printf '%s' "$help" | grep -qiE 'not available in this version|^planned'; then
		echo "SKIP: this myshift has no 'verify' command yet"
		exit 77
	fi
	for tool in jq sysbench; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			echo "SKIP: $tool is not installed (scripts/deps)"
			exit 77
		fi
	done
}

verify_run() {
	run_myshift verify --source "$MYSHIFT_SOURCE" --target "$MYSHIFT_TARGET" "$@"
}

vj() {
	printf '%s' "$out" | jq -r "$1" 2>/dev/null
}

# The keys of the --json contract; a missing key fails (the rest of the
# assertions would then compare against '').
verify_json_ok() {
	local missing
	missing=$(printf '%s' "$out" | jq -r '
		["run_id", "tables", "keyless_tables", "chunks", "rows_checked",
		 "rechecks", "mismatched_chunks", "missing_on_target",
		 "extra_on_target", "different", "schema_differences", "repaired",
		 "differences", "warnings", "seconds"] - keys | join(",")' 2>/dev/null)
	if [ $? -ne 0 ] || [ -z "$out" ]; then
		fail "$1: stdout is not one JSON object (exit $rc): $(printf '%s' "$out" | head -c 400)"
		printf '%s\n' "$err" | tail -n 15 | cut -c1-400 | sed 's/^/    | /'
		return 1
	fi
	if [ -n "$missing" ]; then
		fail "$1: --json lacks $missing"
		return 1
	fi
	pass "$1: --json has every contract key"
}

# assert_counts WHAT MISSING EXTRA DIFFERENT [MISMATCHED_CHUNKS]
assert_counts() {
	local got want
	want="missing=$2 extra=$3 different=$4"
	got=$(vj '"missing=\(.missing_on_target) extra=\(.extra_on_target) different=\(.different)"')
	if [ $# -ge 5 ]; then
		want="$want mismatched_chunks=$5"
		got="$got mismatched_chunks=$(vj .mismatched_chunks)"
	fi
	assert_eq "$1: counts" "$want" "$got"
}

# assert_clean WHAT: the run found nothing and said so with exit 0.
assert_clean() {
	assert_eq "$1: exit code" 0 "$rc"
	[ "$rc" = 0 ] || printf '%s\n' "$err" | tail -n 15 | cut -c1-400 | sed 's/^/    | /'
	assert_counts "$1" 0 0 0 0
	assert_eq "$1: schema_differences" 0 "$(vj .schema_differences)"
	assert_eq "$1: differences listed" 0 "$(vj '.differences | length')"
}

# diff_lines [JSON]: one line per listed difference, sorted bytewise.
diff_lines() {
	printf '%s' "${1:-$out}" | jq -r '.differences[] |
		"\(.kind) \(.source_table) \(.target_table) [\((.columns // []) | join(","))] \(.key)"' |
		LC_ALL=C sort
}

# assert_diffs WHAT EXPECTED: EXPECTED holds diff_lines' lines, any order.
assert_diffs() {
	local got want
	got=$(diff_lines)
	want=$(printf '%s\n' "$2" | sed '/^$/d' | LC_ALL=C sort)
	if [ "$got" = "$want" ]; then
		pass "$1: the $(printf '%s\n' "$want" | wc -l) expected differences, each with its kind, tables, columns and key"
	else
		fail "$1: differences (< expected, > reported by verify):"
		diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | grep '^[<>]' | sed 's/^/    | /'
	fi
}

# assert_lines WHAT EXPECTED ACTUAL: two sets of lines equal (any order);
# prints how many on success, the differing lines on failure.
assert_lines() {
	local a b
	a=$(printf '%s\n' "$2" | sed '/^$/d' | LC_ALL=C sort)
	b=$(printf '%s\n' "$3" | sed '/^$/d' | LC_ALL=C sort)
	if [ "$a" = "$b" ]; then
		pass "$1 ($(printf '%s\n' "$a" | grep -c .) lines equal)"
	else
		fail "$1 (< expected, > actual):"
		diff <(printf '%s\n' "$a") <(printf '%s\n' "$b") | grep '^[<>]' | head -n 40 | sed 's/^/    | /'
	fi
}

# target_sums SCHEMA: every base table's row count and CHECKSUM TABLE on the
# target, one "table count checksum" line each.
target_sums() {
	local t
	while IFS= read -r t; do
		printf '%s %s %s\n' "$t" "$(count_rows target "$1" "$t")" \
			"$(csql target "CHECKSUM TABLE $(qident "$1").$(qident "$t") EXTENDED" | cut -f2)"
	done < <(base_tables target "$1")
}

# vf_corrupt_fixture DB CS: five tables on the source (an integer key over
# several chunks; JSON, BLOB, FLOAT, DATETIME(6), DATETIME and nullable
# columns; a VARCHAR key with a quote, a backslash and a tab in values; a composite
# key; a VARBINARY key), copied with `myshift copy`, then written to on the
# source and carried over by `myshift sync --until-caught-up` (stopped:
# nothing writes from here on), then damaged on the target as root.
# Returns 1 (after a fail) when copy or sync did not work.
vf_corrupt_fixture() {
	local db=$1 cs=$2
	sql source "SET SESSION max_recursive_iterations = 100000;
	DROP DATABASE IF EXISTS $db; CREATE DATABASE $db;
	CREATE TABLE $db.big (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
		k INT NOT NULL, c CHAR(120) NOT NULL, pad CHAR(60) NOT NULL, KEY (k));
	INSERT INTO $db.big (k, c, pad)
		WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 5000)
		SELECT n * 7 % 1000, MD5(n), SHA1(n) FROM s;
	CREATE TABLE $db.types (id INT NOT NULL PRIMARY KEY, j JSON NULL, b BLOB NULL,
		f FLOAT NULL, d DATETIME(6) NULL, dt DATETIME NULL, s VARCHAR(40) NULL,
		dbl DOUBLE NULL);
	INSERT INTO $db.types
		WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 100)
		SELECT n, JSON_OBJECT('n', n, 'name', CONCAT('row ', n), 'tags', JSON_ARRAY(n, 'x')),
			UNHEX(SHA2(n, 256)), n / 8, TIMESTAMP('2024-02-29 12:00:00.123456') + INTERVAL n HOUR,
			TIMESTAMP('1999-12-31 23:59:59') + INTERVAL n DAY,
			IF(n % 10 = 0, '', IF(n % 10 = 5, NULL, CONCAT('s', n))), n * 1.5e-3 FROM s;
	CREATE TABLE $db.vc (code VARCHAR(32) NOT NULL PRIMARY KEY, name VARCHAR(64) NOT NULL,
		qty INT NOT NULL) DEFAULT CHARSET utf8mb4 COLLATE utf8mb4_general_ci;
	INSERT INTO $db.vc
		WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 200)
		SELECT CONCAT('k-', LPAD(n, 4, '0')), CONCAT('name ', n), n FROM s;
	INSERT INTO $db.vc VALUES ('it''s', 'quote', 1), ('back\\\\slash', 'backslash', 2),
		('ünï', 'utf8', 3), (CONCAT('tab', CHAR(9), 'here'), 'control byte', 4);
	CREATE TABLE $db.comp (a INT NOT NULL, b VARCHAR(10) NOT NULL, v INT NOT NULL,
		note TEXT NULL, PRIMARY KEY (a, b));
	INSERT INTO $db.comp
		WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 60)
		SELECT n DIV 3, ELT(n % 3 + 1, 'x', 'y', 'z'), n, IF(n % 2, NULL, REPEAT('t', n)) FROM s;
	CREATE TABLE $db.bin (k VARBINARY(16) NOT NULL PRIMARY KEY, v INT NOT NULL);
	INSERT INTO $db.bin VALUES (X'0102', 1), (X'4142', 2), (X'00', 3), (X'FF10', 4), (X'99', 5)" ||
		{ fail "fixture: creating $db on the source"; return 1; }

	copy_run --include "$db" --control-schema "$cs" --threads 2 --chunk-time 0.05
	if [ "$rc" != 0 ]; then
		fail "fixture: myshift copy of $db: exit $rc"
		printf '%s\n' "$err" | tail -n 10 | sed 's/^/    | /'
		return 1
	fi
	# Writes sync has to carry (the rows damaged below among them).
	sql source "UPDATE $db.big SET k = k + 1 WHERE id <= 100 OR id = 2500;
		UPDATE $db.types SET j = JSON_SET(j, '$.synced', true), f = f + 1 WHERE id IN (10, 30);
		INSERT INTO $db.types VALUES (101, '[]', '', 0, NULL, NULL, NULL, NULL);
		DELETE FROM $db.types WHERE id = 99;
		UPDATE $db.vc SET qty = qty + 1000 WHERE code IN ('k-0100', 'it''s');
		INSERT INTO $db.comp VALUES (50, 'new', 1, NULL)" ||
		{ fail "fixture: writes on the source"; return 1; }
	run_myshift sync --source "$MYSHIFT_SOURCE" --target "$MYSHIFT_TARGET" --include "$db" \
		--control-schema "$cs" --until-caught-up
	if [ "$rc" != 0 ]; then
		fail "fixture: myshift sync --until-caught-up: exit $rc"
		printf '%s\n' "$err" | tail -n 10 | sed 's/^/    | /'
		return 1
	fi
	# The copy and sync must be right before the damage means anything.
	local before=$failures
	compare_schema_data "$db" >"$scratch/fixture_compare" 2>&1
	if [ "$failures" != "$before" ]; then
		cat "$scratch/fixture_compare"
		fail "fixture: the target differs from the source before any damage"
		return 1
	fi
	pass "fixture: $db copied and synced, equal by CHECKSUM TABLE and every row"

	sql target "SET SESSION sql_log_bin = 0;
	DELETE FROM $db.big WHERE id IN (5, 2500, 5000);
	UPDATE $db.types SET j = JSON_SET(j, '$.n', 999) WHERE id = 10;
	UPDATE $db.types SET b = REVERSE(b) WHERE id = 20;
	UPDATE $db.types SET f = f + 0.5 WHERE id = 30;
	UPDATE $db.types SET d = d + INTERVAL 1 MICROSECOND WHERE id = 40;
	UPDATE $db.types SET dt = dt + INTERVAL 1 SECOND, s = NULL WHERE id = 50;
	INSERT INTO $db.types (id, j, f) VALUES (1001, '{\"extra\": 1}', 1), (1002, NULL, NULL);
	UPDATE $db.vc SET name = 'damaged' WHERE code = 'it''s';
	UPDATE $db.vc SET qty = -1 WHERE code = 'k-0100';
	DELETE FROM $db.vc WHERE code IN ('back\\\\slash', CONCAT('tab', CHAR(9), 'here'));
	UPDATE $db.comp SET v = v + 1 WHERE a = 3 AND b = 'x';
	INSERT INTO $db.comp VALUES (99, 'zz', 0, 'extra');
	DELETE FROM $db.bin WHERE k = X'0102';
	UPDATE $db.bin SET v = 20 WHERE k = X'4142'" ||
		{ fail "fixture: damaging the target"; return 1; }
}

# vf_corrupt_expected DB [TARGET_DB]: what the damage of vf_corrupt_fixture
# must be reported as, in diff_lines' format (18 differences: 6 missing, 3
# extra, 9 different).
vf_corrupt_expected() {
	local s=$1 t=${2:-$1}
	cat <<EOF
missing_on_target $s.big $t.big [] id=5
missing_on_target $s.big $t.big [] id=2500
missing_on_target $s.big $t.big [] id=5000
missing_on_target $s.vc $t.vc [] code='back\\\\slash'
missing_on_target $s.vc $t.vc [] code='tab\\x09here'
missing_on_target $s.bin $t.bin [] k=0x0102
extra_on_target $s.types $t.types [] id=1001
extra_on_target $s.types $t.types [] id=1002
extra_on_target $s.comp $t.comp [] a=99, b='zz'
different $s.types $t.types [j] id=10
different $s.types $t.types [b] id=20
different $s.types $t.types [f] id=30
different $s.types $t.types [d] id=40
different $s.types $t.types [dt,s] id=50
different $s.vc $t.vc [name] code='it\\'s'
different $s.vc $t.vc [qty] code='k-0100'
different $s.comp $t.comp [v] a=3, b='x'
different $s.bin $t.bin [v] k=0x4142
EOF
}
