# Server restarts during sync, with writes going on the whole time:
#  1. `myshift run` has caught up; a writer commits a transaction every
#     ~30 ms (one client per transaction, so it carries on when the source
#     is back). The source is restarted (its binlog rotates), then the
#     target. Sync must resume by itself: the same process, still running,
#     catches up and the data are equal (CHECKSUM TABLE and every row).
#  2. `myshift sync --retries 2` runs caught up, then the source is shut
#     down for good: sync must exit 3 within a bounded time, with a message
#     that names the source server.
# The servers are restarted in a trap, whatever happens.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/copy_lib.sh"
. "$(dirname "$0")/sync_lib.sh"
need_sandbox
need_sync

db=st_restart
cs=$sync_cs
drop_all() {
	sql source "DROP DATABASE IF EXISTS $db"
	sql target "DROP DATABASE IF EXISTS $db; DROP DATABASE IF EXISTS \`$cs\`"
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
	servers_up || echo "WARNING: could not restart the sandbox servers"
	[ "${MYSHIFT_KEEP_FIXTURES:-0}" = 1 ] || drop_all || true
	rm -rf "$scratch"
}
trap cleanup EXIT
drop_all

sql source "CREATE DATABASE $db;
	CREATE TABLE $db.t (id INT PRIMARY KEY, n INT NOT NULL, v VARCHAR(64), KEY (n));
	INSERT INTO $db.t SELECT seq, seq % 100, MD5(seq) FROM $db.seq_1_to_5000" ||
	{ fail "creating the fixture"; finish; }

# The writer: insert, update, delete in one transaction, ~30/s, failures
# (server down) ignored; it counts the rounds that committed.
start_writer() {
	(
		i=${1:-0} ok=0
		while :; do
			i=$((i + 1))
			if sql source "BEGIN;
				INSERT INTO $db.t VALUES ($((10000 + i)), $i % 100, 'w$i');
				UPDATE $db.t SET n = n + 1, v = CONCAT('u', $i) WHERE id = $((i * 13 % 5000 + 1));
				DELETE FROM $db.t WHERE id = $((10000 + i - 3)) AND $i % 4 = 0;
				COMMIT" 2>/dev/null; then
				ok=$((ok + 1))
				echo "$ok" >"$scratch/writer.ok"
			fi
			sleep 0.03
		done
	) &
	writer_pid=$!
}
writer_ok() { cat "$scratch/writer.ok" 2>/dev/null || echo 0; }

# --- 1. restarts during sync --------------------------------------------------
bg_start run run --source "$MYSHIFT_SOURCE" --target "$MYSHIFT_TARGET" --include $db \
	--control-schema "$cs" --retries 10 --no-progress
if ! wait_copy_done 120 || ! wait_caught_up "$sync_timeout"; then
	fail "myshift run did not get to sync"
	bg_log_tail
	finish
fi
start_writer 0
sleep 2
src_file_before=$(source_end | cut -f1)
before=$(writer_ok)
restart_server source || fail "restarting the source"
echo "source restarted; binlog $src_file_before -> $(source_end | cut -f1)"
sleep 3
if [ "$(writer_ok)" -gt "$before" ]; then
	pass "the writer committed across the source restart ($before -> $(writer_ok))"
else
	fail "the writer committed nothing after the source restart"
fi
restart_server target || fail "restarting the target"
echo "target restarted"
sleep 3
stop_writer
echo "writer committed $(writer_ok) transactions"
if ! bg_alive; then
	bg_wait 1
	fail "myshift run exited after the restarts (exit $bg_rc) instead of resuming"
	bg_log_tail
	finish
fi
pass "myshift run is still running after both restarts"
if wait_caught_up "$sync_timeout"; then
	compare_schema_data $db
fi
bg_stop TERM 60
assert_eq "myshift run exit code after SIGTERM" 0 "$bg_rc"
[ "$bg_rc" = 0 ] || bg_log_tail

# --- 2. the source gone for good: bounded retries, exit 3 ----------------------
bg_start sync sync --source "$MYSHIFT_SOURCE" --target "$MYSHIFT_TARGET" --include $db \
	--control-schema "$cs" --retries 2
start_writer 100000
sleep 2
stop_writer
wait_caught_up "$sync_timeout" || finish
shutdown_server source || fail "the source did not shut down"
echo "source shut down at $(date +%T)"
# 2 retries with the default backoff (0.5 s doubling, 10 s connect timeout
# each): well under 90 s.
if bg_wait 90; then
	assert_eq "sync exit code once the source is gone" 3 "$bg_rc"
	err=$(cat "$scratch/sync.err")
	echo "sync's last words: $(tail -n 1 "$scratch/sync.err" | cut -c1-400)"
	assert_match "the error names the source server" "$err" \
		"source|127\\.0\\.0\\.1:$MYSHIFT_SANDBOX_SOURCE_PORT"
	assert_match "the error says it gave up" "$err" \
		"[Rr]etr|attempt|gave up|giving up|unreachable|[Cc]an't connect|[Ll]ost connection"
else
	fail "sync still running 90 s after the source went away (--retries 2)"
	bg_stop KILL 5
fi
restart_server source || fail "restarting the source"

finish
