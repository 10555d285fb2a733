# `myshift run` (copy, then sync) while sysbench oltp_write_only writes to
# the source the whole time: once the workload stops and `myshift status`
# says lag_seconds = 0, every table of the source and the target is equal by
# an independent comparison (CHECKSUM TABLE and every row, as root with the
# mariadb client). SIGTERM then stops the run with exit 0 and its checkpoint
# kept: more writes and a `myshift sync --until-caught-up` converge again.
#
# The test must be able to fail: it asserts that the workload committed
# transactions after the copy had finished (so sync, not the copy, had to
# carry them), and the comparison happens only after those were applied.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/copy_lib.sh"
. "$(dirname "$0")/sync_lib.sh"
need_sandbox
need_sync

db=st_live
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

tables=4 rows=10000
sb_prepare $db $tables $rows || finish
sb_start $db $tables $rows "${MYSHIFT_SYNC_RATE:-150}"
sleep 1

run_args=(run --source "$MYSHIFT_SOURCE" --target "$MYSHIFT_TARGET" --include $db
	--control-schema "$cs" --threads 2 --chunk-time 0.05 --rate 20000 --no-progress)
bg_start run "${run_args[@]}"
if wait_copy_done 120; then
	pass "copy phase finished under load"
else
	fail "the copy did not finish within 120 s"
	bg_log_tail
	finish
fi
after_copy=$(source_end)
# Sync carries the workload alone for a while.
sleep "${MYSHIFT_SYNC_LOAD_SECONDS:-8}"
sb_stop
if ! bg_alive; then
	bg_wait 1
	fail "myshift run exited by itself during the workload (exit $bg_rc)"
	bg_log_tail
	finish
fi
n=$(count_trx source "${after_copy%%	*}" "${after_copy##*	}")
if [ "$n" -gt 0 ]; then
	pass "$n transactions committed on the source after the copy finished"
else
	fail "no transaction committed after the copy finished: the test proves nothing"
fi

if wait_caught_up "$sync_timeout"; then
	compare_schema_data $db
	# The status contract (docs/sync.md).
	assert_eq "status: lag_seconds is a number" number "$(json_get "$st_json" '.lag_seconds | type')"
	assert_match "status: applied_position.file" "$(json_get "$st_json" .applied_position.file)" \
		'^source-bin\.[0-9]+$'
	assert_eq "status: applied_position = source_position" \
		"$(json_get "$st_json" '.source_position | "\(.file):\(.pos)"')" \
		"$(json_get "$st_json" '.applied_position | "\(.file):\(.pos)"')"
	assert_eq "status: source_position = SHOW MASTER STATUS" "$(source_end | tr '\t' :)" \
		"$(json_get "$st_json" '.source_position | "\(.file):\(.pos)"')"
	assert_eq "status: events_per_second is a number" number \
		"$(json_get "$st_json" '.events_per_second | type')"
	assert_eq "status: sync_running while the run runs" true "$(json_get "$st_json" '.sync_running | tostring')"
fi

bg_stop TERM 60
assert_eq "myshift run exit code after SIGTERM" 0 "$bg_rc"
[ "$bg_rc" = 0 ] || bg_log_tail
no_dup_key_errors "myshift run" "$scratch/run.err"
status_json
assert_eq "status: sync_running after the stop" false "$(json_get "$st_json" '.sync_running | tostring')"

# The checkpoint was kept: more writes, then sync alone resumes from it.
mapfile -t sb < <(sb_args $db $tables $rows)
sysbench "${sb[@]}" --threads=2 --events=300 --time=0 run >"$scratch/sysbench2.log" 2>&1 ||
	fail "sysbench after the stop: $(tail -n 3 "$scratch/sysbench2.log")"
run_myshift sync --source "$MYSHIFT_SOURCE" --target "$MYSHIFT_TARGET" --include $db \
	--control-schema "$cs" --until-caught-up
assert_eq "sync --until-caught-up after the stop: exit code" 0 "$rc"
[ "$rc" = 0 ] || printf '%s\n' "$err" | tail -n 10 | sed 's/^/    | /'
compare_schema_data $db

finish
