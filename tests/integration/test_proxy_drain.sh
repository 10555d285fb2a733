#!/usr/bin/env bash
# What cutover asks of the proxy around a move (docs/cutover.md steps 1, 2,
# 8): POST /prepare, /prepare/cancel, /end, and what /resume reports.
#   A. One client idle inside a transaction (a row inserted), one busy in
#      one (SELECT SLEEP), one whose next statement a pause holds. /end
#      ends the first two: each sees ER 1927 with the message, their rows
#      are rolled back (absent, and no lock left on them); the held client
#      is untouched and its statement runs after resume, which reports
#      released=1 and its hold time.
#   B. sysbench oltp_read_write (prepared statements, 16 threads) through
#      the proxy: prepare to the target, then move there. The move reports
#      16 moved, 0 failed, 16 over prepared connections, and the target saw
#      no backend login at move time; sysbench ends with 0 errors (beyond
#      server deadlocks) and 0 reconnects.
#   C. prepare/cancel leaves no backend connection behind; a prepared
#      connection the server kills is dropped quietly and the move opens a
#      fresh one for that session.
#   D. Bad input: unknown route 404, bad backend 400, a message over 400
#      bytes 400; proxy-ctl exit 2.
. "$MYSHIFT_ROOT/tests/integration/lib.sh"
. "$MYSHIFT_ROOT/tests/integration/proxy_load_lib.sh"
need_sandbox
need_proxy_tools

db=it_proxy_drain
threads=16
sbargs=(--mysql-db="$db" --tables=4 --table-size=10000)
sport=${MYSHIFT_SOURCE##*:}
sport=${sport%%[/?]*}
tport=${MYSHIFT_TARGET##*:}
tport=${tport%%[/?]*}
sb_pid=

cleanup() {
	[ -n "$sb_pid" ] && kill "$sb_pid" 2>/dev/null
	sess_close_all
	proxy_stop
	sql source "DROP DATABASE IF EXISTS $db" 2>/dev/null
	sql target "DROP DATABASE IF EXISTS $db" 2>/dev/null
	rm -rf "$scratch"
}
trap cleanup EXIT

# wait_until WHAT CMD...: polls CMD for 20 s; fails the test when it never
# succeeds.
wait_until() {
	local what=$1 i
	shift
	for i in $(seq 1 200); do
		"$@" && return 0
		sleep 0.1
	done
	fail "$what: not within 20 s"
	return 1
}
sessions() {
	admin GET /sessions
	sess=$(printf '%s' "$body" | jarr sessions 2>/dev/null)
	[ -n "$sess" ] || sess='[]'
}
# sess_field ID FIELD: a field of session ID in /sessions.
sess_field() {
	sessions
	printf '%s' "$sess" | jq -r --argjson id "$1" ".[] | select(.id == \$id) | .$2"
}
# the id of the newest session (the one just opened)
newest_id() {
	sessions
	printf '%s' "$sess" | jq -r 'map(.id) | max'
}
# app_conns ROLE: the client user's connections on a server
app_conns() {
	sql "$1" "SELECT COUNT(*) FROM information_schema.processlist WHERE user = '$APP_USER'"
}
thread_gone() { [ "$(sql source "SELECT COUNT(*) FROM information_schema.processlist WHERE id = $1")" = 0 ]; }
is_held() { [ "$(sess_field "$1" state)" = held ]; }
out_has() { grep -q -- "$2" "$scratch/s-$1.out"; }
metric_is() { [ "$(metric "$1" "${3:-}")" = "$2" ]; }
status_prepared_is() { admin GET /status && [ "$(printf '%s' "$body" | jq -r .prepared)" = "$1" ]; }

app_user_create
for role in source target; do
	sql "$role" "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db;
		CREATE TABLE $db.t (id INT PRIMARY KEY, v VARCHAR(20))"
done
proxy_start drain --target "$MYSHIFT_TARGET"

# --- A: end what is left inside a transaction ----------------------------------------
echo "A: /end after a pause; a held client beside it"
sess_open idle "$db" --skip-reconnect
assert_eq "the idle client's transaction" "open" \
	"$(sess_sql idle "BEGIN; INSERT INTO t VALUES (1, 'idle'); SELECT 'open'")"
idle_id=$(newest_id)
idle_thread=$(sess_field "$idle_id" backend_thread)
sess_open busy "$db" --skip-reconnect
assert_eq "the busy client's transaction" "open" \
	"$(sess_sql busy "BEGIN; INSERT INTO t VALUES (3, 'busy'); SELECT 'open'")"
busy_id=$(newest_id)
busy_thread=$(sess_field "$busy_id" backend_thread)
sess_open held "$db"
assert_eq "the third client" "ready" "$(sess_sql held "SELECT 'ready'")"
held_id=$(newest_id)
assert_eq "/sessions: the idle client is in a transaction" true "$(sess_field "$idle_id" in_transaction)"
assert_eq "/sessions: prepared is null" null "$(sess_field "$idle_id" prepared)"
assert_eq "/sessions: held_ms of a session not held" 0 "$(sess_field "$held_id" held_ms)"

sess_send busy "SELECT SLEEP(3)"
wait_until "the busy client's SLEEP under way" eval '[ "$(sess_field "$busy_id" state)" = busy ]'
ctl pause default
assert_eq "proxy-ctl pause exit status" 0 "$rc"
sess_send held "INSERT INTO t VALUES (2, 'held')"
wait_until "the third client's statement held" is_held "$held_id"
held_ms=$(sess_field "$held_id" held_ms)
if awk -v h="$held_ms" 'BEGIN { exit !(h > 0) }'; then pass "/sessions: held_ms $held_ms of the held session"; else fail "held_ms of the held session: '$held_ms'"; fi

msg="drain test: your transaction was rolled back"
ctl end default --message "$msg" --json
assert_eq "proxy-ctl end exit status" 0 "$rc"
assert_eq "ended" 2 "$(printf '%s' "$out" | jq -r .ended)"
assert_eq "ended sessions" "$(printf '%s\n' "$idle_id" "$busy_id" | sort -n | tr '\n' ' ')" \
	"$(printf '%s' "$out" | jq -r '.sessions[]' | sort -n | tr '\n' ' ')"
# the busy client's SLEEP is answered by the error; the idle one sees it on
# its next statement
wait_until "the busy client's error" out_has busy "ERROR 1927 (70100)"
sess_send idle "SELECT 'after the end'"
wait_until "the idle client's error" out_has idle "ERROR 1927 (70100)"
sed 's/^/   idle client | /' "$scratch/s-idle.out"
for n in idle busy; do
	o=$(cat "$scratch/s-$n.out")
	assert_contains "$n client's output" "$o" "$msg"
	assert_eq "$n client: result rows after the end" 0 "$(printf '%s\n' "$o" | grep -cx 'after the end')"
done
wait_until "the idle client's backend thread gone" thread_gone "$idle_thread"
wait_until "the busy client's backend thread gone" thread_gone "$busy_thread"
assert_eq "rows of the ended transactions on the source" 0 \
	"$(sql source "SELECT COUNT(*) FROM $db.t WHERE id IN (1, 3)")"
# rolled back, not left open: nobody holds their row locks any more
assert_eq "the same keys inserted directly" "" \
	"$(sql source "SET SESSION innodb_lock_wait_timeout = 2;
		INSERT INTO $db.t VALUES (1, 'direct'), (3, 'direct'); DELETE FROM $db.t WHERE id IN (1, 3)" 2>&1)"
assert_eq "metric sessions_ended_total" 2 "$(metric myshift_proxy_sessions_ended_total)"
assert_eq "the held client is still held" held "$(sess_field "$held_id" state)"
assert_eq "the held client's row is not written yet" 0 "$(sql source "SELECT COUNT(*) FROM $db.t WHERE id = 2")"

ctl resume default --json
assert_eq "proxy-ctl resume exit status" 0 "$rc"
assert_eq "resume: released" 1 "$(printf '%s' "$out" | jq -r .released)"
hmax=$(printf '%s' "$out" | jq -r .hold_ms_max)
hp50=$(printf '%s' "$out" | jq -r .hold_ms_p50)
if awk -v m="$hmax" -v p="$hp50" 'BEGIN { exit !(m > 0 && p == m) }'; then
	pass "resume: hold_ms_p50 = hold_ms_max = $hmax for one session"
else
	fail "resume: hold_ms_p50 '$hp50', hold_ms_max '$hmax'"
fi
assert_eq "the held client's statement ran after resume" "" "$(sess_recv held)"
assert_eq "its row" "held	$sport" "$(sess_sql held "SELECT v, @@port FROM t WHERE id = 2")"
ctl resume default
assert_match "proxy-ctl resume text" "$out" '^resumed route default: 0 held statements released'
sess_close held
assert_eq "the held client's exit status" 0 "$?"
sess_close idle
sess_close busy

# --- B: prepare, then move under sysbench --------------------------------------------------
echo "B: sysbench $threads threads; prepare to target, then move"
sql source "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db"
sql target "DROP DATABASE IF EXISTS $db"
SB_PORT=$sport sb oltp_read_write "${sbargs[@]}" prepare >"$scratch/prepare.txt" 2>&1 ||
	{ echo "FAIL: sysbench prepare on the source:"; cat "$scratch/prepare.txt"; exit 1; }
mariadb-dump --no-defaults -uroot -S "$MYSHIFT_SOURCE_SOCKET" --single-transaction \
	--databases "$db" 2>"$scratch/dump.err" |
	mariadb --no-defaults -uroot -S "$MYSHIFT_TARGET_SOCKET" 2>>"$scratch/dump.err" ||
	{ echo "FAIL: copying $db to the target:"; cat "$scratch/dump.err"; exit 1; }

sb_dl=$(deadlocks)
sb oltp_read_write "${sbargs[@]}" --db-ps-mode=auto --threads=$threads --time=12 \
	run >"$scratch/sb.txt" 2>&1 &
sb_pid=$!
sb_count() {
	sessions
	[ "$(printf '%s' "$sess" | jq --arg s "$db" '[.[] | select(.schema == $s)] | length')" = "$threads" ]
}
wait_until "$threads sysbench sessions" sb_count
l0=$(metric myshift_proxy_backend_logins_total 'backend="target"')
ctl prepare default target --json
assert_eq "proxy-ctl prepare exit status" 0 "$rc"
assert_eq "prepare: prepared" "$threads" "$(printf '%s' "$out" | jq -r .prepared)"
assert_eq "prepare: skipped" 0 "$(printf '%s' "$out" | jq -r .skipped)"
wait_until "$threads target logins" metric_is myshift_proxy_backend_logins_total $((l0 + threads)) 'backend="target"'
sessions
assert_eq "/sessions: prepared" "target $threads" \
	"$(printf '%s' "$sess" | jq -r --arg s "$db" '[.[] | select(.schema == $s) | .prepared] | group_by(.) | map("\(.[0]) \(length)") | .[]')"
assert_eq "/sessions: still on" "source $threads" \
	"$(printf '%s' "$sess" | jq -r --arg s "$db" '[.[] | select(.schema == $s) | .backend] | group_by(.) | map("\(.[0]) \(length)") | .[]')"
admin GET /routes
assert_eq "the route after prepare" "source false" \
	"$(printf '%s' "$body" | jarr routes | jq -r '.[] | select(.name == "default") | "\(.backend) \(.paused)"')"
q0=$(metric myshift_proxy_queries_total 'backend="source"')
sleep 1
q1=$(metric myshift_proxy_queries_total 'backend="source"')
if [ "$q1" -gt "$q0" ]; then pass "sessions with a prepared connection keep running ($q0 -> $q1 queries)"; else fail "no query ran after prepare ($q0 -> $q1)"; fi
l1=$(metric myshift_proxy_backend_logins_total 'backend="target"')
ctl move default target --json
mv=$out
assert_eq "proxy-ctl move exit status" 0 "$rc"
assert_eq "move: moved" "$threads" "$(printf '%s' "$mv" | jq -r .moved)"
assert_eq "move: failed" 0 "$(printf '%s' "$mv" | jq -r .failed)"
assert_eq "move: over prepared connections" "$threads" "$(printf '%s' "$mv" | jq -r .prepared)"
assert_eq "target backend logins during the move" "$l1" "$(metric myshift_proxy_backend_logins_total 'backend="target"')"
assert_eq "metric prepared_used_total" "$threads" "$(metric myshift_proxy_prepared_used_total)"
echo "   move: pause p50 $(printf '%s' "$mv" | jq -r .pause_ms_p50) ms, max $(printf '%s' "$mv" | jq -r .pause_ms_max) ms"
wait "$sb_pid"
sbrc=$?
sb_pid=
sb_check "B: oltp_read_write through prepare and move" "$scratch/sb.txt" "$sbrc" $(($(deadlocks) - sb_dl))
assert_eq "metric prepare_failures_total after B" 0 "$(metric myshift_proxy_prepare_failures_total)"

# --- C: cancel, and a prepared connection that dies ----------------------------------------
echo "C: prepare/cancel, a killed prepared connection"
wait_until "sysbench's sessions closed" eval '[ "$(app_conns target)" = 0 ]'
for n in c1 c2 c3; do
	sess_open "$n" "$db"
	assert_eq "client $n on the target" "$tport" "$(sess_sql "$n" "SELECT @@port")"
done
p0=$(app_conns source)
ctl prepare default source
assert_eq "proxy-ctl prepare exit status" 0 "$rc"
assert_eq "proxy-ctl prepare text" "route default: 3 sessions have a connection to source ready for a move, 0 skipped" "$out"
wait_until "3 prepared connections on the source" eval '[ "$(app_conns source)" = $((p0 + 3)) ]'
ctl unprepare default
assert_eq "proxy-ctl unprepare exit status" 0 "$rc"
assert_eq "proxy-ctl unprepare text" "route default: 3 prepared connections closed" "$out"
wait_until "source connections back to $p0" eval '[ "$(app_conns source)" = "$p0" ]'
status_prepared_is 0 && pass "/status: prepared 0 after cancel" || fail "/status after cancel: $body"
admin POST /prepare/cancel
assert_eq "a second cancel" 0 "$(printf '%s' "$body" | jq -r .cancelled)"
assert_eq "client c1 after cancel" "$tport" "$(sess_sql c1 "SELECT @@port")"

ctl prepare default source --json
wait_until "3 prepared connections on the source again" eval '[ "$(app_conns source)" = $((p0 + 3)) ]'
victim=$(sql source "SELECT id FROM information_schema.processlist WHERE user = '$APP_USER' ORDER BY id LIMIT 1")
sql source "KILL $victim"
wait_until "the killed prepared connection counted" metric_is myshift_proxy_prepare_failures_total 1
status_prepared_is 2 && pass "/status: 2 prepared left" || fail "/status after the kill: $body"
assert_match "the drop is logged at info" "$(cat "$proxy_log")" 'level=info .*event=prepared_dropped'
for n in c1 c2 c3; do
	assert_eq "client $n after the kill" "$tport" "$(sess_sql "$n" "SELECT @@port")"
done
ctl move default source --json
assert_eq "move back: exit status" 0 "$rc"
assert_eq "move back: moved" 3 "$(printf '%s' "$out" | jq -r .moved)"
assert_eq "move back: over prepared connections" 2 "$(printf '%s' "$out" | jq -r .prepared)"
for n in c1 c2 c3; do
	assert_eq "client $n after the move" "$sport" "$(sess_sql "$n" "SELECT @@port")"
done

# --- D: bad input ----------------------------------------------------------------------------
echo "D: bad input"
admin POST "/prepare?route=nosuch&to=target"
assert_eq "POST /prepare unknown route" 404 "$http_code"
admin POST "/prepare?to=elsewhere"
assert_eq "POST /prepare bad backend" 400 "$http_code"
assert_contains "its error" "$body" "elsewhere"
admin POST "/prepare?route=default"
assert_eq "POST /prepare without to" 400 "$http_code"
admin POST "/prepare/cancel?route=nosuch"
assert_eq "POST /prepare/cancel unknown route" 404 "$http_code"
admin POST "/end?route=nosuch"
assert_eq "POST /end unknown route" 404 "$http_code"
admin POST "/end?message=$(printf 'm%.0s' $(seq 1 401))"
assert_eq "POST /end with a 401-byte message" 400 "$http_code"
admin GET /end
assert_eq "GET /end" 405 "$http_code"
ctl prepare nosuch target
assert_eq "proxy-ctl prepare with an unknown route: exit" 2 "$rc"
assert_contains "its message" "$err" "nosuch"
ctl end --message "$(printf 'm%.0s' $(seq 1 401))"
assert_eq "proxy-ctl end --message over 400 bytes: exit" 2 "$rc"
ctl status --message x
assert_eq "proxy-ctl status --message: exit" 2 "$rc"
for n in c1 c2 c3; do sess_close "$n"; done
proxy_stop
assert_eq "proxy exit status after SIGTERM" 0 "$proxy_rc"
finish
