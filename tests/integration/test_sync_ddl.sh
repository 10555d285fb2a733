# DDL replayed by sync in stream order, through a schema rename
# (--table-mappings: st_ddl -> st_ddl_m), while rows are written before,
# after and (from a background writer) during each statement: ADD COLUMN in
# the middle of a table, CREATE INDEX, ALTER ... ADD INDEX (unqualified, after
# USE), RENAME TABLE and ALTER ... RENAME, DROP TABLE, CREATE TABLE and
# CREATE TABLE ... LIKE with rows, TRUNCATE. DDL on excluded tables
# (t_excl%, renamed among themselves) and in a schema that is not selected
# is ignored (those objects never appear on the target, and sync goes on).
# Then definitions (compare_defs: columns, indexes, options) and data
# (CHECKSUM TABLE and every row) are equal.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/copy_lib.sh"
. "$(dirname "$0")/sync_lib.sh"
need_sandbox
need_sync

db=st_ddl
tdb=st_ddl_m
xdb=st_ddl_x
cs=$sync_cs
drop_all() {
	sql source "DROP DATABASE IF EXISTS $db; DROP DATABASE IF EXISTS $xdb"
	sql target "DROP DATABASE IF EXISTS $db; DROP DATABASE IF EXISTS $tdb;
		DROP DATABASE IF EXISTS $xdb; DROP DATABASE IF EXISTS \`$cs\`"
}
writer_pid=
stop_writer() {
	[ -n "$writer_pid" ] || return 0
	kill "$writer_pid" 2>/dev/null
	wait "$writer_pid" 2>/dev/null
	writer_pid=
}
cleanup() {
	stop_writer
	bg_alive && bg_stop KILL 5
	[ "${MYSHIFT_KEEP_FIXTURES:-0}" = 1 ] || drop_all || true
	rm -rf "$scratch"
}
trap cleanup EXIT
drop_all

sql source "CREATE DATABASE $db; CREATE DATABASE $xdb;
	CREATE TABLE $db.t1 (id INT PRIMARY KEY, a INT, b VARCHAR(40));
	CREATE TABLE $db.t2 (id INT PRIMARY KEY, a INT, s VARCHAR(40));
	CREATE TABLE $db.t_old (id INT PRIMARY KEY, v VARCHAR(40));
	CREATE TABLE $db.t_drop (id INT PRIMARY KEY, v VARCHAR(40));
	CREATE TABLE $db.t_trunc (id INT PRIMARY KEY, v VARCHAR(40));
	CREATE TABLE $db.t_excl (id INT PRIMARY KEY, v VARCHAR(40));
	CREATE TABLE $xdb.t (id INT PRIMARY KEY, v VARCHAR(40));
	INSERT INTO $db.t1 SELECT seq, seq % 10, CONCAT('b', seq) FROM $db.seq_1_to_1000;
	INSERT INTO $db.t2 SELECT seq, seq % 7, CONCAT('s', seq) FROM $db.seq_1_to_1000;
	INSERT INTO $db.t_old SELECT seq, CONCAT('o', seq) FROM $db.seq_1_to_500;
	INSERT INTO $db.t_drop SELECT seq, CONCAT('d', seq) FROM $db.seq_1_to_500;
	INSERT INTO $db.t_trunc SELECT seq, CONCAT('t', seq) FROM $db.seq_1_to_500;
	INSERT INTO $db.t_excl SELECT seq, CONCAT('e', seq) FROM $db.seq_1_to_500;
	INSERT INTO $xdb.t SELECT seq, CONCAT('x', seq) FROM $db.seq_1_to_100" ||
	{ fail "creating the fixture"; finish; }

cat >"$scratch/rules.json" <<EOF
{"rules": [
 {"rule-type": "selection", "rule-id": "1", "rule-name": "all",
  "object-locator": {"schema-name": "$db", "table-name": "%"}, "rule-action": "include"},
 {"rule-type": "selection", "rule-id": "2", "rule-name": "not-excl",
  "object-locator": {"schema-name": "$db", "table-name": "t[_]excl%"}, "rule-action": "exclude"},
 {"rule-type": "transformation", "rule-id": "3", "rule-name": "rename",
  "rule-action": "rename", "rule-target": "schema",
  "object-locator": {"schema-name": "$db"}, "value": "$tdb"}
]}
EOF

bg_start run run --source "$MYSHIFT_SOURCE" --target "$MYSHIFT_TARGET" \
	--table-mappings "$scratch/rules.json" --control-schema "$cs" --no-progress
if ! wait_copy_done 120; then
	fail "the copy did not finish within 120 s"
	bg_log_tail
	finish
fi
wait_caught_up "$sync_timeout" || finish

# A writer on t1 and t2 during all the DDL (columns named, so its statements
# stay valid across ADD COLUMN), one transaction per round.
(
	i=0
	while :; do
		i=$((i + 1))
		sql source "BEGIN;
			INSERT INTO $db.t1 (id, a, b) VALUES ($((100000 + i)), $i, 'w$i');
			UPDATE $db.t1 SET a = a + 1 WHERE id = $((i % 1000 + 1));
			DELETE FROM $db.t1 WHERE id = $((100000 + i - 5)) AND $i % 3 = 0;
			INSERT INTO $db.t2 (id, a, s) VALUES ($((100000 + i)), $i, 'w$i');
			UPDATE $db.t2 SET s = CONCAT('u', $i) WHERE id = $((i * 7 % 1000 + 1));
			COMMIT" 2>/dev/null
		sleep 0.03
	done
) &
writer_pid=$!

# writes N: a round of inserts, updates and deletes on every table the
# step list below says exists at that point ($live).
live="t1 t2 t_old t_drop t_trunc"
round=0
writes() {
	local t id
	round=$((round + 1))
	for t in $live; do
		id=$((10000 * round))
		case $t in
		t1 | t2) ;; # the background writer's
		*)
			sql source "INSERT INTO $db.$t (id, v) VALUES ($id, 'r$round'), ($((id + 1)), 'r$round');
				UPDATE $db.$t SET v = CONCAT(v, '+') WHERE id = $((round * 3));
				DELETE FROM $db.$t WHERE id = $((round * 5))" ||
				fail "writes to $db.$t (round $round)"
			;;
		esac
	done
	sleep 0.3
}
ddl() { # ddl WHAT SQL: one DDL step on the source
	sql source "$2" && echo "ddl: $1" || fail "DDL on the source failed: $1"
}

writes
ddl "ADD COLUMN after a" "alter table \`$db\`.\`t1\` add column c varchar(20) not null default 'dflt' after a"
sql source "INSERT INTO $db.t1 (id, a, c, b) VALUES (50001, 1, 'with c', 'b');
	UPDATE $db.t1 SET c = CONCAT('c', id) WHERE id BETWEEN 10 AND 20"
writes
ddl "CREATE INDEX" "CREATE INDEX ix_a ON $db.t1 (a, c)"
writes
ddl "unqualified ALTER ADD INDEX, ADD COLUMN" "USE $db; ALTER TABLE t2 ADD INDEX ix_s (s), ADD COLUMN d INT NULL"
sql source "UPDATE $db.t2 SET d = id * 2 WHERE id <= 100"
writes
ddl "RENAME TABLE" "RENAME TABLE $db.t_old TO $db.t_new"
live="t1 t2 t_new t_drop t_trunc"
writes
ddl "ALTER TABLE ... RENAME TO (unqualified)" "USE $db; ALTER TABLE t_new RENAME TO t_renamed"
live="t1 t2 t_renamed t_drop t_trunc"
writes
ddl "DROP TABLE" "DROP TABLE $db.t_drop"
live="t1 t2 t_renamed t_trunc"
writes
ddl "CREATE TABLE" "CREATE TABLE $db.t_created (id INT PRIMARY KEY, v VARCHAR(40), n DECIMAL(10,2), KEY (n))"
sql source "INSERT INTO $db.t_created SELECT seq, CONCAT('new', seq), seq / 4 FROM $db.seq_1_to_300"
ddl "CREATE TABLE LIKE (unqualified)" "USE $db; CREATE TABLE t_like LIKE t_created"
sql source "INSERT INTO $db.t_like SELECT * FROM $db.t_created WHERE id % 2 = 0"
live="t1 t2 t_renamed t_trunc t_created t_like"
writes
ddl "TRUNCATE" "TRUNCATE TABLE $db.t_trunc"
writes
# Ignored: the excluded table and the schema that is not selected.
ddl "excluded table: ALTER" "ALTER TABLE $db.t_excl ADD COLUMN z INT, ADD INDEX (v)"
sql source "INSERT INTO $db.t_excl VALUES (9001, 'after alter', 1)"
ddl "excluded table: RENAME, DROP" "RENAME TABLE $db.t_excl TO $db.t_excl2; DROP TABLE $db.t_excl2;
	CREATE TABLE $db.t_excl (id INT PRIMARY KEY, v VARCHAR(40), w INT)"
sql source "INSERT INTO $db.t_excl VALUES (1, 'recreated', 2)"
ddl "unselected schema" "ALTER TABLE $xdb.t ADD COLUMN w INT; CREATE TABLE $xdb.t2 (id INT PRIMARY KEY);
	INSERT INTO $xdb.t2 VALUES (1); DROP TABLE $xdb.t"
writes
sleep 1
stop_writer
writes

if wait_caught_up "$sync_timeout"; then
	copy_skip_tables="'t_excl'"
	compare_defs $db $tdb
	compare_schema_data $db $tdb
	copy_skip_tables="''"
	assert_eq "tables on the target" "t1 t2 t_created t_like t_renamed t_trunc" \
		"$(base_tables target $tdb | tr '\n' ' ' | sed 's/ $//')"
	assert_eq "the unmapped schema name on the target" "" \
		"$(sql target "SHOW DATABASES LIKE '$db'")"
	assert_eq "the unselected schema on the target" "" \
		"$(sql target "SHOW DATABASES LIKE '$xdb'")"
	assert_eq "t1 has the added column c" 1 \
		"$(sql target "SELECT COUNT(*) FROM $tdb.t1 WHERE id = 50001 AND c = 'with c'")"
fi
bg_stop TERM 60
assert_eq "myshift run exit code after SIGTERM" 0 "$bg_rc"
[ "$bg_rc" = 0 ] || bg_log_tail

finish
