# `myshift run` under sysbench oltp_write_only, killed with SIGKILL five
# times at random moments (during the copy and during sync) and restarted
# with the same command each time. Once the workload stops and lag_seconds
# is 0, the source and the target are equal by an independent comparison
# (CHECKSUM TABLE and every row), and no run's log holds a duplicate-key
# error: the checkpoint committed with the data makes replays harmless.
#
# The kill delays are random (printed, with the seed: MYSHIFT_KILL_SEED=N
# reproduces a sequence). The test fails when no kill landed during the copy
# or none during sync: it must exercise both resumes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/copy_lib.sh"
. "$(dirname "$0")/sync_lib.sh"
need_sandbox
need_sync

db=st_kill
cs=$sync_cs
drop_all() {
	sql source "DROP DATABASE IF EXISTS $db"
	sql target "DROP DATABASE IF EXISTS $db; DROP DATABASE IF EXISTS \`$cs\`"
}
cleanup() {
	sb_stop
	bg_alive && bg_stop KILL 5
	[ "${MYSHIFT_KEEP_FIXTURES:-0}" = 1 ] || drop_all || true
	rm -rf "$scratch"
}
trap cleanup EXIT
drop_all

tables=4 rows=20000
sb_prepare $db $tables $rows || finish
# A table sysbench does not touch, with a composite key, a secondary unique
# key and rows that change keys: replays after a kill must not collide.
sql source "CREATE TABLE $db.t_keys (a INT NOT NULL, b VARCHAR(20) NOT NULL,
		u INT NOT NULL, v VARCHAR(40), PRIMARY KEY (a, b), UNIQUE KEY (u));
	INSERT INTO $db.t_keys SELECT seq % 50, CONCAT('k', seq), seq, MD5(seq)
		FROM $db.seq_1_to_2000" || { fail "creating t_keys"; finish; }
sb_start $db $tables $rows "${MYSHIFT_SYNC_RATE:-150}"
# Key changes and unique-key swaps on t_keys, one transaction each.
keys_pid=
(
	i=0
	while :; do
		i=$((i + 1))
		x=$((i % 2000 + 1)) y=$((i * 7 % 2000 + 1))
		[ $x = $y ] && continue
		sql source "BEGIN;
			UPDATE $db.t_keys SET u = 0 WHERE u = $x;
			UPDATE $db.t_keys SET u = $x WHERE u = $y;
			UPDATE $db.t_keys SET u = $y WHERE u = 0;
			UPDATE $db.t_keys SET b = CONCAT('k', u, '-', $((i % 1000))), v = '$i'
				WHERE a = $((i % 50)) LIMIT 3;
			COMMIT" 2>/dev/null
		sleep 0.05
	done
) &
keys_pid=$!
stop_keys() {
	[ -n "$keys_pid" ] || return 0
	kill "$keys_pid" 2>/dev/null
	wait "$keys_pid" 2>/dev/null
	keys_pid=
}
trap 'stop_keys; cleanup' EXIT
sleep 1

seed=${MYSHIFT_KILL_SEED:-$(($(date +%s) % 32768))}
RANDOM=$seed
echo "kill seed: $seed (MYSHIFT_KILL_SEED=$seed reproduces the delays)"
run_args=(run --source "$MYSHIFT_SOURCE" --target "$MYSHIFT_TARGET" --include $db
	--control-schema "$cs" --threads 2 --chunk-time 0.05 --rate 10000 --no-progress)

# Kills 1-2 aim at the copy (300-1500 ms after a start); kills 3-5 wait for
# the copy to finish, then land 200-3000 ms into sync. A kill counts as
# "during the copy" only when copy_state had no end before AND after it.
kills_copy=0 kills_sync=0 runs=0 logs=()
for k in 1 2 3 4 5; do
	runs=$((runs + 1))
	bg_start "run$runs" "${run_args[@]}"
	logs+=("$scratch/run$runs.err")
	if [ $k -le 2 ]; then
		ms=$((300 + RANDOM % 1201))
	else
		if ! wait_copy_done 120; then
			fail "the copy did not finish within 120 s (run $runs)"
			bg_log_tail
			finish
		fi
		ms=$((200 + RANDOM % 2801))
	fi
	sleep_ms $ms
	before=$(copy_done)
	if ! bg_alive; then
		bg_wait 1
		fail "run $runs exited by itself (exit $bg_rc) before kill $k"
		bg_log_tail
		finish
	fi
	kill -9 "$bg_pid"
	wait "$bg_pid" 2>/dev/null
	bg_pid=
	after=$(copy_done)
	if [ "$before" = 0 ] && [ "$after" = 0 ]; then
		kills_copy=$((kills_copy + 1))
		phase=copy
	elif [ "$before" = 1 ]; then
		kills_sync=$((kills_sync + 1))
		phase=sync
	else
		phase="copy end"
	fi
	echo "run $runs: killed after $ms ms ($phase)"
done
if [ $kills_copy -ge 1 ]; then pass "$kills_copy kill(s) during the copy"; else fail "no kill landed during the copy"; fi
if [ $kills_sync -ge 1 ]; then pass "$kills_sync kill(s) during sync"; else fail "no kill landed during sync"; fi

# The last run: the workload goes on a little, then stops.
runs=$((runs + 1))
bg_start "run$runs" "${run_args[@]}"
logs+=("$scratch/run$runs.err")
wait_copy_done 120 || fail "the copy did not finish after the kills"
sleep 3
sb_stop
stop_keys
if wait_caught_up "$sync_timeout"; then
	compare_schema_data $db
	assert_eq "t_keys rows" "$(count_rows source $db t_keys)" "$(count_rows target $db t_keys)"
fi
bg_stop TERM 60
assert_eq "last run exit code after SIGTERM" 0 "$bg_rc"
[ "$bg_rc" = 0 ] || bg_log_tail
no_dup_key_errors "runs 1-$runs" "${logs[@]}"

finish
