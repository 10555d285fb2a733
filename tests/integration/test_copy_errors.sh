# `myshift copy` refusals and --if-exists: an unknown schema in the rules, a
# target table copy did not create (refused, then skip / truncate / drop /
# resume), a source user without the binlog privilege, two source tables
# mapped onto one target name, and bad option values. Every refusal must
# name what is wrong, exit 2 (usage/config), and leave the target untouched.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/copy_lib.sh"
need_sandbox

if ! "$MYSHIFT_BIN" copy --help >/dev/null 2>&1; then
	echo "SKIP: this myshift has no 'copy' command yet"
	exit 77
fi

weak_pw='ce-Weak-Pw-7'
drop_all() {
	sql source "DROP DATABASE IF EXISTS ce_err; DROP DATABASE IF EXISTS ce_a;
		DROP DATABASE IF EXISTS ce_b; DROP USER IF EXISTS 'ce_weak'@'%'"
	reset_target
}
reset_target() {
	sql target "DROP DATABASE IF EXISTS ce_err; DROP DATABASE IF EXISTS ce_merged;
		DROP DATABASE IF EXISTS ce_a; DROP DATABASE IF EXISTS ce_b;
		DROP DATABASE IF EXISTS _myshift"
}
cleanup() {
	[ "${MYSHIFT_KEEP_FIXTURES:-0}" = 1 ] || drop_all || true
	rm -rf "$scratch"
}
trap cleanup EXIT
drop_all

sql source "CREATE DATABASE ce_err;
	USE ce_err;
	CREATE TABLE ce_err.t1 (id INT PRIMARY KEY, v VARCHAR(20)) COMMENT 'from source';
	CREATE TABLE ce_err.t2 (id INT PRIMARY KEY, v VARCHAR(20));
	INSERT INTO ce_err.t1 SELECT seq, CONCAT('src', seq) FROM seq_1_to_1000;
	INSERT INTO ce_err.t2 SELECT seq, CONCAT('two', seq) FROM seq_1_to_500;
	CREATE DATABASE ce_a; CREATE DATABASE ce_b;
	CREATE TABLE ce_a.t (id INT PRIMARY KEY); CREATE TABLE ce_b.t (id INT PRIMARY KEY);
	CREATE TABLE ce_a.only_a (id INT PRIMARY KEY);
	CREATE USER 'ce_weak'@'%' IDENTIFIED BY '$weak_pw';
	GRANT SELECT ON ce_err.* TO 'ce_weak'@'%';" ||
	{ fail "creating the fixture on the source"; finish; }

target_schemas() {
	sql target "SELECT GROUP_CONCAT(SCHEMA_NAME ORDER BY SCHEMA_NAME) FROM information_schema.SCHEMATA
		WHERE SCHEMA_NAME IN ('ce_err', 'ce_merged', 'ce_a', 'ce_b', '_myshift')"
}

# 1. An unknown schema in the rules: exit 2 naming it, nothing created.
copy_run --include ce_err --include nosuchdb
assert_eq "unknown schema exit code" 2 "$rc"
assert_contains "unknown schema message" "$err" "nosuchdb"
assert_eq "unknown schema: target untouched" NULL "$(target_schemas)"
cat >"$scratch/unknown.json" <<'EOF'
{"rules": [{"rule-type": "selection", "rule-id": "1", "rule-name": "ghost",
  "object-locator": {"schema-name": "ghost_db", "table-name": "%"}, "rule-action": "include"}]}
EOF
copy_run --table-mappings "$scratch/unknown.json"
assert_eq "unknown schema in a mapping file exit code" 2 "$rc"
assert_contains "unknown schema in a mapping file message" "$err" "ghost_db"

# 2. A target table copy did not create is refused, named, and left as is.
make_foreign_t1() {
	reset_target
	sql target "CREATE DATABASE ce_err;
		CREATE TABLE ce_err.t1 (id INT PRIMARY KEY, v VARCHAR(20)) COMMENT 'mine';
		INSERT INTO ce_err.t1 VALUES (1, 'mine1'), (2, 'mine2'), (5000, 'only mine')"
}
make_foreign_t1
copy_run --include ce_err
assert_eq "existing table exit code" 2 "$rc"
assert_contains "existing table message" "$err" '`ce_err`.`t1`'
assert_not_contains "existing table message" "$err" '`ce_err`.`t2`'
assert_eq "existing table: its rows untouched" "1 mine1,2 mine2,5000 only mine" \
	"$(sql target "SELECT GROUP_CONCAT(id, ' ', v ORDER BY id) FROM ce_err.t1")"
assert_eq "existing table: nothing else copied" 0 \
	"$(sql target "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'ce_err' AND TABLE_NAME = 't2'")"
copy_run --include ce_err --if-exists refuse
assert_eq "--if-exists refuse exit code" 2 "$rc"

# skip: t1 left exactly as it was, t2 copied.
copy_run --include ce_err --if-exists skip
assert_eq "--if-exists skip exit code" 0 "$rc"
[ "$rc" = 0 ] || printf '%s\n' "$err" | tail -n 5 | sed 's/^/    | /'
assert_eq "--if-exists skip: t1 rows untouched" "1 mine1,2 mine2,5000 only mine" \
	"$(sql target "SELECT GROUP_CONCAT(id, ' ', v ORDER BY id) FROM ce_err.t1")"
compare_table ce_err t2

# truncate: t1 keeps its definition (comment 'mine'), holds the source rows.
make_foreign_t1
copy_run --include ce_err --if-exists truncate
assert_eq "--if-exists truncate exit code" 0 "$rc"
[ "$rc" = 0 ] || printf '%s\n' "$err" | tail -n 5 | sed 's/^/    | /'
assert_eq "--if-exists truncate: definition kept" mine \
	"$(sql target "SELECT TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'ce_err' AND TABLE_NAME = 't1'")"
compare_table ce_err t1
compare_table ce_err t2

# drop: t1 recreated from the source's definition.
make_foreign_t1
copy_run --include ce_err --if-exists drop
assert_eq "--if-exists drop exit code" 0 "$rc"
[ "$rc" = 0 ] || printf '%s\n' "$err" | tail -n 5 | sed 's/^/    | /'
assert_eq "--if-exists drop: source definition" "from source" \
	"$(sql target "SELECT TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'ce_err' AND TABLE_NAME = 't1'")"
compare_table ce_err t1

# resume: definition and rows kept, source rows written over them by key
# (the target-only row 5000 stays: resume never deletes).
make_foreign_t1
copy_run --include ce_err --if-exists resume
assert_eq "--if-exists resume exit code" 0 "$rc"
[ "$rc" = 0 ] || printf '%s\n' "$err" | tail -n 5 | sed 's/^/    | /'
assert_eq "--if-exists resume: definition kept" mine \
	"$(sql target "SELECT TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'ce_err' AND TABLE_NAME = 't1'")"
assert_eq "--if-exists resume: rows replaced by key" "src1 src2 1001" \
	"$(sql target "SELECT CONCAT_WS(' ', (SELECT v FROM ce_err.t1 WHERE id = 1),
		(SELECT v FROM ce_err.t1 WHERE id = 2), (SELECT COUNT(*) FROM ce_err.t1))")"
sql target "DELETE FROM ce_err.t1 WHERE id = 5000"
compare_table ce_err t1

# 3. A source user with SELECT on one schema only: no REPLICATION CLIENT
#    (BINLOG MONITOR on MariaDB) to read the start position.
reset_target
MYSHIFT_SOURCE_PASSWORD=$weak_pw run_myshift copy --no-progress \
	--source "mysql://ce_weak@127.0.0.1:${MYSHIFT_SOURCE##*:}" --target "$MYSHIFT_TARGET" \
	--include ce_err
assert_match "weak source user exit code" "$rc" '^[23]$'
assert_match "weak source user message names the privilege" "$err" 'REPLICATION CLIENT|BINLOG MONITOR'
assert_not_contains "weak source user message" "$err$out" "$weak_pw"

# 4. Two source tables mapped onto one target name: refused naming both,
#    before anything is created on the target.
reset_target
cat >"$scratch/merge.json" <<'EOF'
{"rules": [
 {"rule-type": "selection", "rule-id": "1", "rule-name": "a",
  "object-locator": {"schema-name": "ce_a", "table-name": "%"}, "rule-action": "include"},
 {"rule-type": "selection", "rule-id": "2", "rule-name": "b",
  "object-locator": {"schema-name": "ce_b", "table-name": "%"}, "rule-action": "include"},
 {"rule-type": "transformation", "rule-id": "3", "rule-name": "a-to-merged",
  "rule-action": "rename", "rule-target": "schema",
  "object-locator": {"schema-name": "ce_a"}, "value": "ce_merged"},
 {"rule-type": "transformation", "rule-id": "4", "rule-name": "b-to-merged",
  "rule-action": "rename", "rule-target": "schema",
  "object-locator": {"schema-name": "ce_b"}, "value": "ce_merged"}
]}
EOF
copy_run --table-mappings "$scratch/merge.json"
assert_eq "mapping collision exit code" 2 "$rc"
assert_contains "mapping collision names the first table" "$err" '`ce_a`.`t`'
assert_contains "mapping collision names the second table" "$err" '`ce_b`.`t`'
assert_not_contains "mapping collision does not name a table without one" "$err" 'only_a'
assert_eq "mapping collision: target untouched" NULL "$(target_schemas)"
cat >"$scratch/merge_tables.json" <<'EOF'
{"rules": [
 {"rule-type": "selection", "rule-id": "1", "rule-name": "err",
  "object-locator": {"schema-name": "ce_err", "table-name": "%"}, "rule-action": "include"},
 {"rule-type": "transformation", "rule-id": "2", "rule-name": "t1-onto-t2",
  "rule-action": "rename", "rule-target": "table",
  "object-locator": {"schema-name": "ce_err", "table-name": "t1"}, "value": "t2"}
]}
EOF
copy_run --table-mappings "$scratch/merge_tables.json"
assert_eq "table rename collision exit code" 2 "$rc"
assert_contains "table rename collision names t1" "$err" '`ce_err`.`t1`'
assert_contains "table rename collision names t2" "$err" '`ce_err`.`t2`'
assert_eq "table rename collision: target untouched" NULL "$(target_schemas)"

# 5. Bad option values: exit 2 naming the option, before any connection.
bad_opt() { # bad_opt NEEDLE ARGS...
	local needle=$1
	shift
	copy_run --include ce_err "$@"
	assert_eq "copy $* exit code" 2 "$rc"
	assert_contains "copy $* message" "$err" "$needle"
}
bad_opt --threads --threads abc
bad_opt --threads --threads -1
bad_opt --if-exists --if-exists sometimes
bad_opt --load-method --load-method carrier-pigeon
bad_opt --convert-myisam --convert-myisam maybe
bad_opt --defer-indexes --defer-indexes perhaps
bad_opt --chunk-time --chunk-time -1
bad_opt --chunk-time --chunk-time soon
bad_opt --rate --rate fast
bad_opt --max-threads-running --max-threads-running many
bad_opt "$scratch/no-such-file.json" --table-mappings "$scratch/no-such-file.json"
bad_opt --no-such-copy-flag --no-such-copy-flag
bad_opt "a.b.c" --include a.b.c
MYSHIFT_TARGET= run_myshift copy --no-progress --source "$MYSHIFT_SOURCE" --include ce_err
assert_eq "missing target exit code" 2 "$rc"
assert_contains "missing target message" "$err" "target"
assert_eq "bad options: target untouched" NULL "$(target_schemas)"

finish
