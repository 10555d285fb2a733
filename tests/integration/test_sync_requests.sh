# Sync control requests (<cs>.sync_requests), the idle checkpoint and the
# handover set (docs/sync.md, "Requests" and "Handover").
#
#  a. `myshift run` (the copy done, so in its sync phase) under a sysbench
#     write load; the load stops, sync catches up, `myshift sync --stop`
#     returns with the checkpoint, which equals the source's binlog end; run
#     exited 0 "stopped on request"; sync_state says running = 0, the
#     request row is gone. More writes while stopped; a restarted sync
#     (--until-caught-up --json) applies exactly the transactions in the
#     source's binlog since that checkpoint (a checkpoint short of the end
#     would replay some, one past it would lose some); tables equal
#     (CHECKSUM and every row).
#     `sync --stop` with no sync running says so, exits 0, leaves no
#     request. `sync --stop --timeout 1` against a sync_state that claims a
#     running sync (written by the test, nothing polls) exits 3 and leaves
#     its request: that stale request is deleted by the next sync, which
#     keeps running and applying.
#  c. With only writes to an unselected schema on the source, the forward
#     checkpoint reaches the source's binlog end (polled up to 5 s). That
#     sync is stopped with `sync --stop` too.
#  b. Reverse sync with <cs>.handover on the target listing one of the two
#     copied schemas: target writes to both, only the listed one reaches
#     the source; with '*' both; with no handover table both. Then a
#     reverse sync in the background is stopped with `sync --stop --reverse`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/copy_lib.sh"
. "$(dirname "$0")/sync_lib.sh"
need_sandbox
need_sync

dba=st_req_a
dbb=st_req_b
other=st_req_other
cs=$sync_cs
drop_all() {
	local r
	for r in source target; do
		sql $r "DROP DATABASE IF EXISTS $dba; DROP DATABASE IF EXISTS $dbb;
			DROP DATABASE IF EXISTS $other; DROP DATABASE IF EXISTS \`$cs\`"
	done
}
cleanup() {
	sb_stop
	bg_alive && bg_stop KILL 5
	[ "${MYSHIFT_KEEP_FIXTURES:-0}" = 1 ] || drop_all || true
	rm -rf "$scratch"
}
trap cleanup EXIT
drop_all

sb_prepare $dba 2 1000 || finish
sql source "CREATE DATABASE $dbb; CREATE DATABASE $other;
	CREATE TABLE $dbb.t (id INT PRIMARY KEY, v VARCHAR(40) NOT NULL);
	CREATE TABLE $other.t (id INT AUTO_INCREMENT PRIMARY KEY, v INT);
	INSERT INTO $dbb.t SELECT seq, 'initial' FROM $dbb.seq_1_to_100" ||
	{ fail "creating the fixture"; finish; }

tgt=(--source "$MYSHIFT_SOURCE" --target "$MYSHIFT_TARGET" --control-schema "$cs")
fwd=("${tgt[@]}" --include $dba --include $dbb)
run_myshift copy "${fwd[@]}" --no-progress
assert_eq "copy exit code" 0 "$rc"
[ "$rc" = 0 ] || { printf '%s\n' "$err" | tail -n 10; finish; }

# request_rows ROLE: rows in <cs>.sync_requests.
request_rows() { sql "$1" "SELECT COUNT(*) FROM \`$cs\`.sync_requests"; }

# --- a. stop on request under load ------------------------------------------------
bg_start run run "${fwd[@]}" --no-progress --log-level info
sb_start $dba 2 1000 20
wait_sync_running target forward 60 || { fail "run did not report its sync running"; bg_log_tail; finish; }
for ((i = 0; i < 300; i++)); do # until it has applied some of the load
	[ "$(sync_state_row target forward 'transactions >= 20')" = 1 ] && break
	sleep 0.1
done
assert_eq "run applied sysbench transactions before the stop" 1 \
	"$(sync_state_row target forward 'transactions >= 20')"
sb_stop
wait_caught_up "$sync_timeout" || finish
end=$(source_end)
t0=$(date +%s%N)
run_myshift sync --stop --target "$MYSHIFT_TARGET" --control-schema "$cs" --timeout 30
t1=$(date +%s%N)
assert_eq "sync --stop exit code" 0 "$rc"
[ "$rc" = 0 ] || printf '%s\n' "$err" | tail -n 5 | sed 's/^/    | /'
echo "sync --stop returned after $(((t1 - t0) / 1000000)) ms"
assert_eq "sync --stop output" "forward sync stopped; checkpoint ${end%%	*}:${end##*	}" "$out"
bg_wait 30
assert_eq "run exit code after the stop request" 0 "$bg_rc"
assert_contains "run's summary" "$(cat "$scratch/run.out")" "forward sync stopped on request (myshift pid"
assert_eq "checkpoint after the stop = the source's end" "$end" "$(sync_state_row target forward 'file, pos')"
assert_eq "sync_state after the stop: running, last_error, peer recorded" "0	1	1" \
	"$(sync_state_row target forward 'running, last_error IS NULL, peer_file IS NOT NULL')"
assert_eq "request rows after the stop" 0 "$(request_rows target)"
assert_contains "run's log names who asked" "$(cat "$scratch/run.err")" "stop requested at"

# Writes while stopped; the restart must apply exactly those.
sb_run $dba 2 1000 300 || finish
n_trx=$(count_trx source "${end%%	*}" "${end##*	}")
run_myshift sync "${fwd[@]}" --until-caught-up --json
assert_eq "restarted sync exit code" 0 "$rc"
[ "$rc" = 0 ] || printf '%s\n' "$err" | tail -n 5 | sed 's/^/    | /'
if [ "$n_trx" -ge 300 ]; then
	pass "$n_trx transactions in the source's binlog since the stop checkpoint"
else
	fail "only $n_trx transactions in the source's binlog since the stop checkpoint (sysbench ran 300)"
fi
assert_eq "transactions the restarted sync applied (no replay, no loss)" "$n_trx" \
	"$(printf '%s' "$out" | jq -r .transactions)"
compare_schema_data $dba
compare_schema_data $dbb

# No sync running: --stop says so and leaves nothing behind.
run_myshift sync --stop --target "$MYSHIFT_TARGET" --control-schema "$cs"
assert_eq "sync --stop without a running sync: exit code" 0 "$rc"
assert_contains "sync --stop without a running sync: output" "$out" "no forward sync is running"
assert_eq "request rows after --stop without a running sync" 0 "$(request_rows target)"

# A sync_state that claims a running sync nobody runs: --stop times out.
sql target "UPDATE \`$cs\`.sync_state SET running = 1, progress_at = UTC_TIMESTAMP(6)
	WHERE direction = 'forward'"
run_myshift sync --stop --target "$MYSHIFT_TARGET" --control-schema "$cs" --timeout 1
assert_eq "sync --stop --timeout 1 with nothing polling: exit code" 3 "$rc"
assert_contains "its message" "$err" "forward sync did not stop within 1 s (--timeout)"
assert_eq "the request stays" 1 "$(request_rows target)"
sql target "UPDATE \`$cs\`.sync_state SET running = 0 WHERE direction = 'forward'"

# That stale request is not for the next sync: it deletes it and runs on.
bg_start fwd2 sync "${fwd[@]}"
wait_sync_running target forward 60 || { fail "the sync after a stale request did not report running"; bg_log_tail; }
assert_eq "request rows once the sync runs" 0 "$(request_rows target)"
sql source "UPDATE $dbb.t SET v = 'after-stale' WHERE id <= 10" || fail "source write"
wait_caught_up "$sync_timeout"
compare_table $dbb t
if bg_alive; then pass "the sync started over a stale request keeps running"; else
	fail "the sync started over a stale request exited"
	bg_log_tail
fi
assert_contains "its log" "$(cat "$scratch/fwd2.err")" "deleting a request left from before it started"

# --- c. idle checkpoint over unselected writes --------------------------------------
sql source "INSERT INTO $other.t (v) SELECT seq FROM $other.seq_1_to_50;
	UPDATE $other.t SET v = v + 1; DELETE FROM $other.t WHERE id % 3 = 0" || fail "unselected writes"
end=$(source_end)
reached=
for ((i = 0; i < 50; i++)); do
	if [ "$(sync_state_row target forward 'file, pos')" = "$end" ]; then
		reached=$i
		break
	fi
	sleep 0.1
done
if [ -n "$reached" ]; then
	pass "checkpoint reached the source's end ($end) over unselected writes within $((reached * 100)) ms"
else
	fail "checkpoint $(sync_state_row target forward 'file, pos') did not reach the source's end $end within 5 s"
fi
run_myshift sync --stop --target "$MYSHIFT_TARGET" --control-schema "$cs" --json
assert_eq "sync --stop --json exit code" 0 "$rc"
assert_eq "sync --stop --json" "forward true true $end" \
	"$(printf '%s' "$out" | jq -r '"\(.direction) \(.was_running) \(.stopped) \(.checkpoint.file)\t\(.checkpoint.pos)"')"
bg_wait 30
assert_eq "sync exit code after the stop request" 0 "$bg_rc"

# --- b. handover --------------------------------------------------------------------
rev=(sync --reverse --source "$MYSHIFT_SOURCE_ADMIN" --target "$MYSHIFT_TARGET" --control-schema "$cs")
# target_writes ROUND: on the target, to both schemas.
target_writes() {
	sql target "UPDATE $dba.sbtest1 SET k = k + $1 WHERE id <= 20;
		INSERT INTO $dbb.t VALUES (1000 + $1, 'target-$1')" || fail "target writes (round $1)"
}
# reverse_round ROUND WHAT: writes, reverse --until-caught-up; $dba always
# arrives; $dbb's row of the round arrives when WHAT is "both".
reverse_round() {
	local r=$1 want=0
	[ "$2" = both ] && want=1
	target_writes "$r"
	run_myshift "${rev[@]}" --until-caught-up --log-level info
	assert_eq "reverse ($2, round $r) exit code" 0 "$rc"
	[ "$rc" = 0 ] || printf '%s\n' "$err" | tail -n 5 | sed 's/^/    | /'
	compare_table $dba sbtest1
	assert_eq "round $r: $dbb.t row written on the target, on the source" "$want" \
		"$(sql source "SELECT COUNT(*) FROM $dbb.t WHERE id = 1000 + $r")"
}
sql target "CREATE TABLE \`$cs\`.handover (target_schema VARCHAR(64) NOT NULL PRIMARY KEY,
	run_id BIGINT UNSIGNED NULL, since DATETIME(6) NULL) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
	INSERT INTO \`$cs\`.handover VALUES ('$dba', 1, UTC_TIMESTAMP(6))" || fail "creating handover"
reverse_round 1 "only $dba"
assert_contains "reverse's log" "$err" "handed-over schemas"
sql target "DELETE FROM \`$cs\`.handover; INSERT INTO \`$cs\`.handover VALUES ('*', 2, NULL)"
reverse_round 2 both
sql target "DROP TABLE \`$cs\`.handover"
reverse_round 3 both
assert_eq "$dbb.t rows from the target on the source (round 1 was not handed over)" "1002 1003" \
	"$(sql source "SELECT GROUP_CONCAT(id ORDER BY id SEPARATOR ' ') FROM $dbb.t WHERE id > 1000")"

# A reverse sync stops on request too (its request goes to the source).
bg_start rev "${rev[@]}"
wait_sync_running source reverse 60 || { fail "reverse sync did not report running"; bg_log_tail; }
run_myshift sync --stop --reverse --source "$MYSHIFT_SOURCE_ADMIN" --control-schema "$cs" --timeout 30
assert_eq "sync --stop --reverse exit code" 0 "$rc"
assert_contains "sync --stop --reverse output" "$out" "reverse sync stopped; checkpoint"
bg_wait 30
assert_eq "reverse sync exit code after the stop request" 0 "$bg_rc"
assert_eq "reverse request rows on the source" 0 "$(request_rows source)"
no_dup_key_errors "syncs" "$scratch"/*.err

finish
