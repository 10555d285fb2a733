#!/usr/bin/env bash
# Cutover faults (docs/cutover.md, "Preconditions" and "Resume and
# rollback"). Schema it_ct_faults: a table w whose AFTER INSERT trigger
# writes w_audit (with @@server_id: where it fired), and an event; the copy
# defers both (deferred_objects), cutover moves them. `myshift run` syncs it;
# the proxy's default route carries a writer inserting numbered rows.
#   a1. The proxy cannot reach its target backend: cutover is refused
#       (exit 1) naming the target; the route stays on the source; the
#       writer through that proxy sees no error.
#   a2. --target names a port nothing listens on: refused (exit 1), naming
#       that target; nothing moves.
#   b.  For each step and each of before/after: `MYSHIFT_CUTOVER_CRASH=
#       STEP:WHEN myshift cutover` must SIGKILL itself (exit 137) with the
#       journal's run stopped at that step; the same command without the
#       hook must then switch (exit 0): the route and the writer's session
#       on the target, every row the writer had acknowledged on the target,
#       the trigger on the target only, the event enabled on the target and
#       disabled on the source, one reverse sync process and no forward one,
#       and the crashed run marked rolled_back (or done when the flip had
#       started). `myshift failback` then switches back (exit 0, every
#       acknowledged row on the source, the trigger on the source only, one
#       forward sync and no reverse one) for the next case.
#       One writer session runs through all cases and must never see an
#       error. At the end both sides hold each acknowledged row exactly
#       once, w_audit holds one row per row of w from the server that ran
#       the INSERT (a trigger that fired twice, or on a replayed row, shows),
#       and the schema is the same on both servers.
# The cases run are MYSHIFT_CUTOVER_CASES (default: all sixteen, "STEP:WHEN
# ..."), to stay within the test's time budget set it to fewer.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/copy_lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/proxy_load_lib.sh"
. "$(dirname "$0")/cutover_lib.sh"
. "$(dirname "$0")/cutover_check_lib.sh"
ct_need

db=it_ct_faults
cs=$sync_cs
rules=(--include "$db")
steps=(prepare pause stop_writes catch_up stop_sync objects start_sync flip)
cases=${MYSHIFT_CUTOVER_CASES:-$(for s in "${steps[@]}"; do printf '%s:before %s:after ' "$s" "$s"; done)}

drop_all() {
	local role
	for role in source target; do
		sql $role "DROP DATABASE IF EXISTS $db; DROP DATABASE IF EXISTS \`$cs\`"
	done
}
trust_src=$(sql source "SELECT @@GLOBAL.log_bin_trust_function_creators")
trust_tgt=$(sql target "SELECT @@GLOBAL.log_bin_trust_function_creators")
cleanup() {
	writer_stop_all
	bg_alive && bg_stop TERM 30
	co_stop_syncs
	proxy_stop
	sql source "SET GLOBAL read_only = OFF" 2>/dev/null
	sql target "SET GLOBAL read_only = OFF" 2>/dev/null
	sql source "SET GLOBAL log_bin_trust_function_creators = ${trust_src:-0}" 2>/dev/null
	sql target "SET GLOBAL log_bin_trust_function_creators = ${trust_tgt:-0}" 2>/dev/null
	sql source "SET SESSION sql_log_bin = 0;
		REVOKE INSERT ON $db.w_audit FROM 'myshift'@'%'" >/dev/null 2>&1
	[ "${MYSHIFT_KEEP_FIXTURES:-0}" = 1 ] || drop_all 2>/dev/null
	rm -rf "$scratch"
}
trap cleanup EXIT
co_stop_syncs >/dev/null
drop_all

# --- fixtures, copy and sync ------------------------------------------------------
# The objects' definer is myshift, the target user (creating them there with
# another definer needs SET USER, which an Aurora-like user lacks); without
# SUPER, CREATE TRIGGER on a binlogged server needs
# log_bin_trust_function_creators. The trigger runs as its definer, so
# myshift may insert into w_audit on the source too (for this test only).
app_user_create
sql source "SET GLOBAL log_bin_trust_function_creators = 1"
sql target "SET GLOBAL log_bin_trust_function_creators = 1"
sql source "CREATE DATABASE $db;
	CREATE TABLE $db.w (id BIGINT AUTO_INCREMENT PRIMARY KEY, n INT NOT NULL,
		tenant VARCHAR(16) NOT NULL, srv INT NOT NULL, KEY (tenant, n));
	CREATE TABLE $db.w_audit (id BIGINT AUTO_INCREMENT PRIMARY KEY, n INT NOT NULL,
		tenant VARCHAR(16) NOT NULL, srv INT NOT NULL, KEY (tenant, n));
	SET SESSION sql_log_bin = 0;
	GRANT INSERT ON $db.w_audit TO 'myshift'@'%';
	SET SESSION sql_log_bin = 1;
	CREATE DEFINER = 'myshift'@'%' TRIGGER $db.w_ai AFTER INSERT ON $db.w FOR EACH ROW
		INSERT INTO $db.w_audit (n, tenant, srv) VALUES (NEW.n, NEW.tenant, @@server_id);
	CREATE DEFINER = 'myshift'@'%' EVENT $db.ev ON SCHEDULE EVERY 1 DAY STARTS '2037-01-01 00:00:00' ENABLE
		DO DELETE FROM $db.w_audit WHERE n < -1000000;
	INSERT INTO $db.w (n, tenant, srv) SELECT -seq, 'seed', @@server_id FROM $db.seq_1_to_500" ||
	{ fail "creating $db"; finish; }
bg_start run run --source "$MYSHIFT_SOURCE" --target "$MYSHIFT_TARGET" "${rules[@]}" \
	--control-schema "$cs" --no-progress
wait_copy_done 120 || { fail "the copy did not finish within 120 s"; bg_log_tail; finish; }
wait_caught_up 60 || finish

# objects_are TRIGGERS_SRC TRIGGERS_TGT EVENT_SRC EVENT_TGT WHAT: the
# trigger count and the event's status on each side ("-" = no event).
objects_are() {
	local got r
	got=
	for r in source target; do
		got+="$(sql $r "SELECT COUNT(*) FROM information_schema.TRIGGERS
			WHERE TRIGGER_SCHEMA = '$db'") "
	done
	for r in source target; do
		got+="$(sql $r "SELECT IFNULL((SELECT STATUS FROM information_schema.EVENTS
			WHERE EVENT_SCHEMA = '$db' AND EVENT_NAME = 'ev'), '-')") "
	done
	assert_eq "$5: triggers on source, target; event on source, target" "$1 $2 $3 $4" "${got% }"
}
objects_are 1 0 ENABLED - "after the copy (deferred objects)"
closed=$(free_port)
ct_opts=(--skip-verify "${rules[@]}")

# --- a1. the proxy's target backend is down -------------------------------------------
echo "a1. the proxy's target backend is unreachable ($SECONDS s into the test)"
proxy_start badtarget --target "mysql://myshift@127.0.0.1:$closed"
ct_set_args
writer_start wa "$db"
sessions_become "$db" "source 1" "a1: the writer's session"
ct_cmd a1 cutover "${ct_opts[@]}"
assert_eq "a1: exit status (refused)" 1 "$rc"
assert_match "a1: the refusal names the target" "$(ct_rep refused) $err" '[Tt]arget'
assert_eq "a1: route default" source "$(route_backend default)"
sleep 1
writer_check wa "a1"
writer_stop wa
acked_on source "$db" wa "a1"
proxy_stop
assert_eq "a1: proxy exit status" 0 "$proxy_rc"

# --- the proxy for the rest, and the writer that runs through every case -------------
proxy_start faults --target "$MYSHIFT_TARGET"
writer_start w "$db"
sessions_become "$db" "source 1" "the writer's session"

# --- a2. --target unreachable -----------------------------------------------------------
echo "a2. --target names a closed port"
ct_set_args "mysql://myshift@127.0.0.1:$closed"
ct_cmd a2 cutover "${ct_opts[@]}"
assert_eq "a2: exit status (refused)" 1 "$rc"
assert_contains "a2: the refusal names the target" "$(ct_rep refused) $err" "$closed"
assert_eq "a2: route default" source "$(route_backend default)"
writer_check w "a2"
ct_set_args

# --- b. a crash at each step, then the same command again ---------------------------------
crash() { # crash STEP WHEN
	local step=$1 when=$2 pid crc run
	# (in a group whose stderr is closed: bash reports the kill there)
	{
		MYSHIFT_CUTOVER_CRASH=$step:$when "$MYSHIFT_BIN" cutover "${ct_args[@]}" \
			"${ct_opts[@]}" --json >"$scratch/crash.out" 2>"$scratch/crash.err" </dev/null &
		pid=$!
		wait "$pid"
		crc=$?
	} 2>/dev/null
	assert_eq "$step:$when: the crashing cutover's exit status (SIGKILL)" 137 "$crc"
	[ "$crc" = 137 ] || tail -n 5 "$scratch/crash.err" | cut -c1-300 | sed 's/^/    | /'
	run=$(jsql "SELECT id FROM cutover_runs WHERE pid = $pid AND kind = 'cutover'")
	if [ -z "$run" ]; then
		fail "$step:$when: no journal run with pid $pid"
		return
	fi
	assert_eq "$step:$when: the journal's last step row of the crashed run" "$step" \
		"$(jsql "SELECT name FROM cutover_steps WHERE run_id = $run ORDER BY step DESC LIMIT 1")"
	assert_eq "$step:$when: state of the crashed run before the rerun" running \
		"$(jsql "SELECT state FROM cutover_runs WHERE id = $run")"
	ct_cmd "rerun-$step-$when" cutover "${ct_opts[@]}"
	assert_eq "$step:$when: the rerun's exit status" 0 "$rc"
	local want=rolled_back
	[ "$step" = flip ] && want='done'
	assert_eq "$step:$when: state of the crashed run after the rerun" $want \
		"$(jsql "SELECT state FROM cutover_runs WHERE id = $run")"
	jsql "SELECT name, state FROM cutover_steps WHERE run_id = $run ORDER BY step" |
		tr '\t\n' ': ' | sed 's/^/   crashed run steps: /; s/$/\n/'
	assert_eq "$step:$when: route default after the rerun" target "$(route_backend default)"
	assert_eq "$step:$when: the writer's session after the rerun" "target 1" "$(session_backends "$db")"
	acked_on target "$db" w "$step:$when: after the rerun"
	objects_are 0 1 DISABLED ENABLED "$step:$when: after the rerun"
	syncs_are 0 1 "$step:$when: after the rerun"
	[ "$rc" = 0 ] || tail -n 10 "$scratch/spawned-sync.log" 2>/dev/null | cut -c1-300 | sed 's/^/    sync | /'
	writer_check w "$step:$when: after the rerun"

	ct_cmd "back-$step-$when" failback "${ct_opts[@]}"
	assert_eq "$step:$when: failback's exit status" 0 "$rc"
	assert_eq "$step:$when: route default after failback" source "$(route_backend default)"
	assert_eq "$step:$when: the writer's session after failback" "source 1" "$(session_backends "$db")"
	acked_on source "$db" w "$step:$when: after failback"
	objects_are 1 0 ENABLED - "$step:$when: after failback"
	syncs_are 1 0 "$step:$when: after failback"
	writer_check w "$step:$when: after failback"
}

for c in $cases; do
	echo "b. crash at ${c%:*}:${c#*:} ($SECONDS s into the test)"
	crash "${c%:*}" "${c#*:}"
	# A case that left the route on the target would fail every later one.
	[ "$(route_backend default)" = source ] || { fail "route left on the target after $c"; break; }
done

# --- the end --------------------------------------------------------------------------
echo "end: the writer stops; forward sync catches up; the servers are compared"
writer_check w "at the end"
writer_stop w
assert_eq "the writer's exit status" 0 "$?"
exactly_once source "$db" w
co_wait_synced
exactly_once target "$db" w
compare_schema_data "$db"
for role in source target; do
	# joined rows, of them from another server than w's row, duplicate n
	assert_eq "$role: w_audit: one row per row of w, from the server that ran its INSERT" \
		"$(writer_last w) 0 0" "$(csql $role "SELECT COUNT(*), IFNULL(SUM(a.srv <> w.srv), 0),
			(SELECT COUNT(*) - COUNT(DISTINCT n) FROM $db.w_audit WHERE tenant = 'w')
			FROM $db.w_audit a JOIN $db.w w ON w.tenant = a.tenant AND w.n = a.n
			WHERE a.tenant = 'w'" | tr '\t' ' ')"
done
assert_eq "journal: runs not done, rolled_back or refused" "" \
	"$(jsql "SELECT id, kind, state FROM cutover_runs
		WHERE state NOT IN ('done', 'rolled_back', 'refused')")"
bg_wait 1
assert_eq "myshift run: exit status after the first cutover stopped it" 0 "$bg_rc"
proxy_stop
assert_eq "proxy exit status after SIGTERM" 0 "$proxy_rc"

finish
