#!/usr/bin/env bash
# Moving sessions under load ("move under load", issue 7). The same sysbench
# tables on source and target; sysbench oltp_read_write with prepared
# statements through the proxy, 8 threads:
#   A. 30 s: mid-run `proxy-ctl move default target`, then back to source.
#      Each move must report every sysbench session moved and none failed,
#      /sessions must show them all on the new backend, and writes must then
#      land there only: the new backend's binlog grows while the old one's
#      stands still.
#   B. 15 s: pause, 3 s, resume. Statements are held, not failed: sysbench
#      ends with 0 errors, and its max latency shows the hold.
#   C. 15 s with one more session (mariadb CLI) holding a temporary table:
#      a move leaves it on the source, reported unmovable with the reason,
#      its temporary table still there; the sysbench sessions move.
# sysbench must end every run with 0 errors and 0 reconnects.
. "$MYSHIFT_ROOT/tests/integration/lib.sh"
. "$MYSHIFT_ROOT/tests/integration/proxy_load_lib.sh"
need_sandbox
need_proxy_tools

db=it_proxy_move
threads=8
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

# --- identical data on both servers -------------------------------------------
app_user_create
sql source "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db"
sql target "DROP DATABASE IF EXISTS $db"
SB_PORT=$sport sb oltp_read_write "${sbargs[@]}" prepare >"$scratch/prepare.txt" 2>&1 ||
	{ echo "FAIL: sysbench prepare on the source:"; cat "$scratch/prepare.txt"; exit 1; }
mariadb-dump --no-defaults -uroot -S "$MYSHIFT_SOURCE_SOCKET" --single-transaction \
	--databases "$db" 2>"$scratch/dump.err" |
	mariadb --no-defaults -uroot -S "$MYSHIFT_TARGET_SOCKET" 2>>"$scratch/dump.err" ||
	{ echo "FAIL: copying $db to the target:"; cat "$scratch/dump.err"; exit 1; }
tables="$db.sbtest1, $db.sbtest2, $db.sbtest3, $db.sbtest4"
assert_eq "CHECKSUM TABLE target = source before the load" \
	"$(sql source "CHECKSUM TABLE $tables")" "$(sql target "CHECKSUM TABLE $tables")"

proxy_start move --target "$MYSHIFT_TARGET"

# --- helpers --------------------------------------------------------------------
# sessions: GET /sessions as an array in $sess (an object with "sessions" is
# accepted too).
sessions() {
	admin GET /sessions
	sess=$(printf '%s' "$body" | jarr sessions 2>/dev/null)
	[ -n "$sess" ] || sess='[]'
}
# backends_of SCHEMA: "backend count" lines of the sessions whose schema is
# SCHEMA ("" = the sessions without one).
backends_of() {
	sessions
	printf '%s' "$sess" | jq -r --arg s "$1" \
		'[.[] | select((.schema // "") == $s) | .backend] | group_by(.) |
		 map("\(.[0]) \(length)") | .[]'
}
# wait_sessions SCHEMA N: until N sessions with SCHEMA exist (20 s).
wait_sessions() {
	local i n
	for i in $(seq 1 200); do
		sessions
		n=$(printf '%s' "$sess" | jq --arg s "$1" '[.[] | select((.schema // "") == $s)] | length')
		[ "$n" = "$2" ] && return 0
		sleep 0.1
	done
	fail "expected $2 sessions on schema '$1', /sessions shows ${n:-?}: $sess"
	return 1
}
binlog_end() { sql "$1" "SHOW MASTER STATUS" | cut -f1,2; }
t_start=
sb_start() { # sb_start NAME SECONDS
	sb oltp_read_write "${sbargs[@]}" --db-ps-mode=auto --threads=$threads --time="$2" \
		--report-interval=1 run >"$scratch/$1.txt" 2>&1 &
	sb_pid=$!
	t_start=$(date +%s.%N)
	sb_dl=$(deadlocks)
}
sb_wait() { # sb_wait NAME WHAT: waits for sysbench and checks its report
	wait "$sb_pid"
	local rc=$?
	sb_pid=
	sb_check "$2" "$scratch/$1.txt" "$rc" $(($(deadlocks) - sb_dl))
}
at() { # at SECONDS: sleep until SECONDS after sb_start
	local d
	d=$(awk -v s="$t_start" -v t="$1" -v n="$(date +%s.%N)" 'BEGIN { d = s + t - n; print (d > 0 ? d : 0) }')
	sleep "$d"
}
# move TO: proxy-ctl move default TO --json -> $mv (JSON), $rc
move() {
	local t0 t1
	t0=$(date +%s.%N)
	ctl move default "$1" --json
	t1=$(date +%s.%N)
	mv=$(printf '%s' "$out" | jq -c . 2>/dev/null)
	echo "   move to $1: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s, exit $rc: ${mv:-$out}"
	[ -n "$mv" ] || fail "proxy-ctl move default $1 --json: exit $rc, not JSON: $out $err"
}
mvf() { printf '%s' "$mv" | jq -r ".$1 // \"absent\""; }
check_move() { # check_move TO MOVED UNMOVABLE EXIT
	assert_eq "move to $1: proxy-ctl exit status" "$4" "$rc"
	assert_eq "move to $1: state" done "$(mvf state)"
	assert_eq "move to $1: moved" "$2" "$(mvf moved)"
	assert_eq "move to $1: failed" 0 "$(mvf failed)"
	assert_eq "move to $1: unmovable" "$3" "$(mvf unmovable)"
	assert_eq "move to $1: pending" 0 "$(mvf pending)"
	local id
	id=$(mvf id)
	admin GET "/moves?id=$id"
	assert_eq "GET /moves?id=$id" 200 "$http_code"
	assert_eq "GET /moves?id=$id moved" "$2" "$(printf '%s' "$body" | jq -r '.moved')"
}

# --- A: move to the target and back under load -------------------------------------
echo "A: sysbench 30 s, move to target at 6 s, back to source at 16 s"
sb_start move 30
wait_sessions "$db" "$threads"
assert_eq "sessions before the move" "source $threads" "$(backends_of "$db")"
at 6
move target
check_move target "$threads" 0 0
assert_eq "sessions after the move to target" "target $threads" "$(backends_of "$db")"
s1=$(binlog_end source)
t1=$(binlog_end target)
sleep 4
s2=$(binlog_end source)
t2=$(binlog_end target)
assert_eq "source binlog end does not move after the move to target" "$s1" "$s2"
if [ "$t1" != "$t2" ]; then pass "target binlog grows after the move ($t1 -> $t2)"; else fail "target binlog stood still at $t1 after the move to target"; fi

at 16
move source
check_move source "$threads" 0 0
assert_eq "sessions after the move back to source" "source $threads" "$(backends_of "$db")"
t3=$(binlog_end target)
s3=$(binlog_end source)
sleep 4
assert_eq "target binlog end does not move after the move back" "$t3" "$(binlog_end target)"
s4=$(binlog_end source)
if [ "$s3" != "$s4" ]; then pass "source binlog grows after the move back ($s3 -> $s4)"; else fail "source binlog stood still at $s3 after the move back"; fi
sb_wait move "A: oltp_read_write through two moves"
grep -E '^\[ *[0-9]+s \]' "$scratch/move.txt" | awk '{ printf "%s ", $7 }' |
	sed 's/^/   tps per second: /'
echo
echo "   sysbench A latency ms: avg $(sb_val "$scratch/move.txt" avg), p95 $(sb_val "$scratch/move.txt" p95), max $(sb_val "$scratch/move.txt" max)"

# --- B: pause and resume under load ------------------------------------------------
echo "B: sysbench 15 s, pause at 5 s for 3 s"
h0=$(metric myshift_proxy_held_statements_total)
sb_start pause 15
wait_sessions "$db" "$threads"
at 5
ctl pause
assert_eq "proxy-ctl pause exit status" 0 "$rc"
sleep 1.5
sessions
held=$(printf '%s' "$sess" | jq '[.[] | select((.state // "") | test("held|pause"; "i"))] | length')
if [ "${held:-0}" -gt 0 ]; then pass "$held sessions held while paused"; else fail "no session in a held state while paused: $sess"; fi
sleep 1.5
ctl resume
assert_eq "proxy-ctl resume exit status" 0 "$rc"
sb_wait pause "B: oltp_read_write through pause and resume"
h1=$(metric myshift_proxy_held_statements_total)
if [ -n "$h1" ] && [ "$h1" -gt "${h0:-0}" ]; then pass "held_total grew ($h0 -> $h1)"; else fail "held_total went '$h0' -> '$h1'"; fi
maxl=$(sb_val "$scratch/pause.txt" max)
echo "   sysbench B latency ms: avg $(sb_val "$scratch/pause.txt" avg), p95 $(sb_val "$scratch/pause.txt" p95), max $maxl"
if awk -v m="${maxl:-0}" 'BEGIN { exit !(m >= 2500) }'; then
	pass "max latency $maxl ms covers the 3 s pause (statements waited, not failed)"
else
	fail "max latency '$maxl' ms: a 3 s pause should hold some statement >= 2500 ms"
fi
zero=$(grep -cE '^\[ *[0-9]+s \].* tps: 0\.00 ' "$scratch/pause.txt")
if [ "$zero" -ge 1 ]; then pass "$zero one-second intervals with 0 tps during the pause"; else fail "no interval with 0 tps: the pause held nothing"; fi

# --- C: a session with a temporary table stays -------------------------------------
echo "C: a session holding a temporary table, sysbench 15 s, move to target at 5 s"
sess_open tmp
assert_eq "temporary-table session answers from the source" "ready	$sport" \
	"$(sess_sql tmp "CREATE TEMPORARY TABLE $db.tmp_it (a INT); INSERT INTO $db.tmp_it VALUES (42);
		SELECT 'ready', @@port")"
sb_start temp 15
wait_sessions "$db" "$threads"
at 5
move target
check_move target "$threads" 1 1
assert_eq "sysbench sessions after the move" "target $threads" "$(backends_of "$db")"
assert_eq "the temporary-table session stays" "source 1" "$(backends_of "")"
sessions
tmp_sess=$(printf '%s' "$sess" | jq -c '.[] | select((.schema // "") == "")')
assert_eq "the temporary-table session's movable" false "$(printf '%s' "$tmp_sess" | jq -r '.movable')"
assert_match "the temporary-table session's reason" "$tmp_sess" '[Tt]emporary'
assert_eq "the temporary table after the move" "42	$sport" \
	"$(sess_sql tmp "SELECT a, @@port FROM $db.tmp_it")"
sb_wait temp "C: oltp_read_write with an unmovable session beside it"
sess_close tmp
assert_eq "the temporary-table client's exit status" 0 "$?"
proxy_stop
assert_eq "proxy exit status after SIGTERM" 0 "$proxy_rc"

finish
