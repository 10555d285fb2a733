# `myshift verify` under live traffic: `myshift run` (copy, then sync) of
# four sysbench tables and a table with JSON, BLOB, FLOAT, DOUBLE,
# DATETIME(6), TIMESTAMP and nullable columns, while sysbench
# oltp_write_only writes to the sysbench tables and a second client keeps
# updating, inserting and deleting rows of the typed table. With both still
# writing and sync running, verify must report 0 differences with exit 0:
# once with 2 threads, once with 4 threads and small chunks (more chunks
# read while rows change under them).
#
# Then sync is paused (SIGSTOP) while the writes go on and verify starts;
# sync resumes once verify is under way: verify must have waited for it
# (still running when sync resumed, chunk re-checks > 0) and report 0.
#
# It must be able to fail: the source's binlog must have grown during each
# verify (the traffic really ran while it compared); with sync paused, a
# verify that does not wait for sync reports thousands of differences (run
# with another --control-schema, where it sees no sync: checked); and then,
# still with everything running, one target row is damaged as root (in a row
# no client writes): verify must report exactly that row and column, exit 1.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/copy_lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/verify_lib.sh"
need_sandbox
need_sync
need_verify

db=vf_live
cs=$sync_cs
w_pid=
v_pid=
writer_stop() {
	[ -n "$w_pid" ] || return 0
	kill "$w_pid" 2>/dev/null
	wait "$w_pid" 2>/dev/null
	w_pid=
}
drop_all() {
	sql source "DROP DATABASE IF EXISTS $db"
	sql target "DROP DATABASE IF EXISTS $db; DROP DATABASE IF EXISTS \`$cs\`"
}
cleanup() {
	sb_stop
	writer_stop
	[ -n "$bg_pid" ] && kill -CONT "$bg_pid" 2>/dev/null
	[ -n "$v_pid" ] && kill "$v_pid" 2>/dev/null
	bg_alive && bg_stop KILL 5
	[ "${MYSHIFT_KEEP_FIXTURES:-0}" = 1 ] || drop_all || true
	rm -rf "$scratch"
}
trap cleanup EXIT
drop_all

tables=4 rows=10000
sb_prepare $db $tables $rows || finish
sql source "SET SESSION max_recursive_iterations = 100000;
	CREATE TABLE $db.types (id INT NOT NULL PRIMARY KEY, j JSON NULL, b BLOB NULL,
		f FLOAT NULL, dbl DOUBLE NULL, d DATETIME(6) NULL, ts TIMESTAMP(3) NULL DEFAULT NULL,
		s VARCHAR(40) NULL, n INT NULL);
	INSERT INTO $db.types
		WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 2000)
		SELECT n, JSON_OBJECT('n', n, 'f', n / 3, 'a', JSON_ARRAY(n, NULL, 'x\"y')),
			IF(n % 7 = 0, NULL, RANDOM_BYTES(1 + n % 200)), n / 7, PI() * n,
			'2020-01-01 00:00:00.000001' + INTERVAL n MINUTE,
			IF(n % 5 = 0, NULL, FROM_UNIXTIME(1700000000 + n)),
			IF(n % 3 = 0, NULL, IF(n % 3 = 1, '', CONCAT('s', n))), IF(n % 2, NULL, n) FROM s" ||
	{ fail "creating $db.types"; finish; }

# The second writer: one client, rows 101.. of types only (row 7 is the one
# damaged at the end): about 30 transactions/s, each updating 50 rows (most
# chunks of types change between their source and target reads), inserting
# one row and deleting one now and then.
writer_start() {
	local i=0
	{
		while :; do
			i=$((i + 1))
			echo "UPDATE $db.types SET j = JSON_SET(j, '$.n', $i, '$.w', RAND()), f = RAND() * 1000,
				dbl = RAND(), b = RANDOM_BYTES(1 + $i % 300), d = NOW(6), ts = NOW(3),
				s = IF($i % 4 = 0, NULL, IF($i % 4 = 1, '', CONCAT('w', $i))),
				n = IF($i % 2, NULL, $i)
				WHERE id BETWEEN 101 + ($i * 37) % 1850 AND 150 + ($i * 37) % 1850;"
			echo "INSERT INTO $db.types (id, j, f) VALUES (10000 + $i, JSON_ARRAY($i), $i / 3)
				ON DUPLICATE KEY UPDATE f = f + 1;"
			[ $((i % 3)) = 0 ] && echo "DELETE FROM $db.types WHERE id = 10000 + $i - 2;"
			echo "DO SLEEP(0.02);"
		done
	} | mariadb --no-defaults --force -uroot -S "$MYSHIFT_SOURCE_SOCKET" >"$scratch/writer.log" 2>&1 &
	w_pid=$!
}
writer_alive() { [ -n "$w_pid" ] && kill -0 "$w_pid" 2>/dev/null; }

sb_start $db $tables $rows "${MYSHIFT_VERIFY_RATE:-150}"
writer_start
sleep 1

bg_start run run --source "$MYSHIFT_SOURCE" --target "$MYSHIFT_TARGET" --include $db \
	--control-schema "$cs" --threads 2 --chunk-time 0.05 --no-progress
if wait_copy_done 120; then
	pass "copy phase finished under load"
else
	fail "the copy did not finish within 120 s"
	bg_log_tail
	finish
fi
# Let sync catch up with what was written during the copy; the load goes on.
if ! wait_caught_up "$sync_timeout"; then
	finish
fi

# verify_live WHAT ARGS...: verify while everything runs; the source's binlog
# must have moved during the run, and sync and both writers must still be
# alive at its end.
verify_live() {
	local what=$1 before
	shift
	before=$(source_end)
	verify_run --include $db --control-schema "$cs" --json "$@"
	n=$(count_trx source "${before%%	*}" "${before##*	}")
	if [ "$n" -gt 0 ]; then
		pass "$what: $n transactions committed on the source while it ran"
	else
		fail "$what: no transaction committed on the source while it ran: proves nothing"
	fi
	if bg_alive && writer_alive && [ -n "$sb_pid" ] && kill -0 "$sb_pid" 2>/dev/null; then
		pass "$what: sync, sysbench and the writer still running at its end"
	else
		fail "$what: sync alive: $(bg_alive && echo yes || echo no), writer: $(writer_alive &&
			echo yes || echo no), sysbench: $(kill -0 "$sb_pid" 2>/dev/null && echo yes || echo no)"
		bg_log_tail 5
		tail -n 5 "$scratch/writer.log" "$scratch/sysbench.log" 2>/dev/null | sed 's/^/    | /'
	fi
	verify_json_ok "$what"
}

verify_live "verify under load" --threads 2
assert_clean "verify under load"
assert_eq "verify under load: tables" 5 "$(vj .tables)"
assert_eq "verify under load: keyless_tables" 0 "$(vj .keyless_tables)"
n=$(vj .rows_checked)
if [ "${n:-0}" -ge $((tables * rows * 9 / 10 + 2000)) ]; then
	pass "verify under load: rows_checked = $n"
else
	fail "verify under load: rows_checked = '$n', the source has about $((tables * rows + 2000)) rows"
fi
echo "     (chunks $(vj .chunks), rechecks $(vj .rechecks), warnings $(vj .warnings), $(vj .seconds) s)"

verify_live "verify under load, 4 threads, small chunks" --threads 4 --chunk-time 0.01
assert_clean "verify under load, 4 threads, small chunks"
n=$(vj .chunks)
if [ "${n:-0}" -gt 5 ]; then
	pass "small chunks: $n chunks"
else
	fail "small chunks: chunks = '$n', expected more than one per table"
fi
echo "     (rechecks $(vj .rechecks), warnings $(vj .warnings), $(vj .seconds) s)"

# Sync paused (SIGSTOP) while the source keeps taking writes: the chunks
# verify reads then differ on the target, so it must wait for sync (which
# still counts as running: its progress is less than 10 s old) and check
# again once sync, resumed, has applied the source position of each read.
# A verify that compared without waiting would report differences; one
# that did not wait long enough would fail with a timeout.
kill -STOP "$bg_pid"
sleep 1
before=$(source_end)
"$MYSHIFT_BIN" verify --source "$MYSHIFT_SOURCE" --target "$MYSHIFT_TARGET" --include $db \
	--control-schema "$cs" --threads 2 --json >"$scratch/paused.out" 2>"$scratch/paused.err" &
v_pid=$!
# Resume sync 1 s after verify has recorded its run (it reads chunks from
# then on), at most 8 s after the pause.
for ((i = 0; i < 60; i++)); do
	[ "$(sql target "SELECT COUNT(*) FROM \`$cs\`.verify_runs WHERE status = 'running'" \
		2>/dev/null || echo 0)" -ge 1 ] && break
	kill -0 "$v_pid" 2>/dev/null || break
	sleep 0.1
done
sleep 1
if kill -0 "$v_pid" 2>/dev/null; then
	pass "sync paused: verify still running (waiting for sync) after $((i / 10 + 1)) s"
else
	fail "sync paused: verify ended while sync was stopped and the source moved on"
fi
kill -CONT "$bg_pid"
wait "$v_pid"
rc=$?
out=$(cat "$scratch/paused.out")
err=$(cat "$scratch/paused.err")
n=$(count_trx source "${before%%	*}" "${before##*	}")
if [ "$n" -gt 0 ]; then
	pass "sync paused: $n transactions committed on the source while verify ran"
else
	fail "sync paused: no transaction committed on the source while verify ran"
fi
if verify_json_ok "verify with sync paused, then resumed"; then
	assert_clean "verify with sync paused, then resumed"
	n=$(vj .rechecks)
	if [ "${n:-0}" -gt 0 ]; then
		pass "sync paused: $n chunk re-checks after waiting for sync"
	else
		fail "sync paused: rechecks = '$n': no chunk read during the pause differed?"
	fi
fi
if ! wait_caught_up "$sync_timeout"; then
	finish
fi

# It can fail: one target row damaged, nothing stopped. Row 7 of types is
# written by no client (the writer starts at 101, sysbench has its own
# tables), so sync leaves the damage in place.
sql target "SET SESSION sql_log_bin = 0; UPDATE $db.types SET f = f + 1 WHERE id = 7"
verify_live "verify with one damaged row, under load" --threads 4
assert_eq "damaged row: exit code" 1 "$rc"
assert_counts "damaged row" 0 0 1 1
assert_diffs "damaged row" "different $db.types $db.types [f] id=7"

# Repair while sync runs and the source takes writes (repair holds sync's
# checkpoint row while it writes), then a plain verify: clean.
verify_live "verify --repair under load" --threads 2 --repair
assert_eq "repair under load: exit code" 0 "$rc"
[ "$rc" = 0 ] || printf '%s\n' "$err" | tail -n 10 | cut -c1-400 | sed 's/^/    | /'
assert_counts "repair under load (found)" 0 0 1
assert_eq "repair under load: repaired" 1 "$(vj .repaired)"
assert_eq "repair under load: after_repair" "0 0 0 0" \
	"$(vj '.after_repair | "\(.mismatched_chunks) \(.missing_on_target) \(.extra_on_target) \(.different)"')"
verify_live "verify after the repair, under load" --threads 2
assert_clean "verify after the repair, under load"

sb_stop
writer_stop
# Independently of verify: once sync has applied everything, both sides
# are equal (CHECKSUM TABLE and every row).
if wait_caught_up "$sync_timeout"; then
	compare_schema_data $db
fi
bg_stop TERM 60
assert_eq "myshift run exit code after SIGTERM" 0 "$bg_rc"
[ "$bg_rc" = 0 ] || bg_log_tail

finish
