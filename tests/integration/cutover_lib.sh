# Helpers for the cutover / failback tests (test_cutover_*; sourced after
# lib.sh, copy_lib.sh, sync_lib.sh and proxy_load_lib.sh, in that order).
# The set-up every cutover test needs: sysbench tables on the source,
# `myshift run` copying and syncing them into the target, `myshift proxy`
# in front of both servers with its default route on the source, and
# sysbench oltp_read_write through the proxy. Whether a switch worked is
# read from the servers (as root over their sockets), the proxy's admin API
# and sysbench's own report; the cutover report is checked against them.
#
#   co_need                        skip (77) without a sandbox, sysbench, jq,
#                                  curl, a proxy, sync, or a `cutover`
#                                  command (MYSHIFT_CUTOVER_HARNESS=1 runs
#                                  the set-up anyway, up to the cutover call)
#   co_db                          the schema with the sysbench tables
#                                  (default co_<test>), co_tables, co_rows
#   co_prepare                     app user on both servers; read_only off,
#                                  co_db and the control schema ($sync_cs)
#                                  dropped on both; sysbench tables created
#                                  on the source only
#   co_run_start [ARGS]            `myshift run --include co_db` in the
#                                  background (bg_start from sync_lib);
#                                  waits for the copy and lag 0
#   co_proxy_start [ARGS]          `myshift proxy` with both backends, the
#                                  default route on the source
#   co_verify [ARGS]               `myshift verify --json` (ARGS e.g.
#                                  --reverse) -> $out $err $rc
#   co_sb_start NAME THREADS [CAP] sysbench oltp_read_write
#                                  --db-ps-mode=auto through the proxy,
#                                  --report-interval=1 --percentile=100 (each
#                                  per-second line shows that second's max
#                                  latency); runs until co_sb_stop (CAP
#                                  seconds at most, default 900)
#   co_sb_stop NAME WHAT           ends it between two transactions (it
#                                  prints its report) and checks it with
#                                  sb_check: exit 0, no FATAL, 0 reconnects,
#                                  errors = the Innodb_deadlocks growth
#   co_sb_pause / co_sb_resume     SIGSTOP / SIGCONT sysbench
#   co_sb_t                        seconds since sysbench started
#   co_wait_sessions N             until the proxy has N sessions on co_db
#   co_backends                    "backend count" of the co_db sessions
#   co_routes                      "route backend" lines of GET /routes
#   co_switch KIND [ARGS]          `myshift cutover|failback --json` with
#                                  this set-up's options -> $co_json, $rc,
#                                  $out, $err; co_sw_from/co_sw_to: its start
#                                  and end in co_sb_t seconds
#   co_jf FILTER                   jq -r FILTER on $co_json ("absent" when
#                                  null)
#   co_check_switch KIND SESSIONS  exit 0, errors 0, sessions_moved
#                                  SESSIONS, the report's figures printed
#   co_interval_max NAME FROM TO   the largest per-second max latency (ms)
#                                  of sysbench's report lines that overlap
#                                  [FROM, TO] (co_sb_t seconds)
#   co_interval_lines NAME FROM TO those lines, shortened
#   co_pause_window                "FROM TO" around the last switch's pause
#                                  (steps 2-8), for co_interval_max
#   co_binlog_end ROLE             "file<TAB>pos" of SHOW MASTER STATUS
#   co_client_trx ROLE FILE POS    transactions in ROLE's binlog after
#                                  FILE:POS that do not touch the control
#                                  schema, i.e. not written by myshift
#   co_compare [WHAT]              each co_db table on both servers: CHECKSUM
#                                  TABLE and the sha256 of every row ordered
#                                  by id (no sync needed to be stopped:
#                                  callers wait for lag 0 with writes held)
#   co_wait_synced [--reverse]     until status says lag 0 and the applied
#                                  position is the read side's binlog end
#   co_stop_syncs                  stops every sync of this control schema
#                                  (the ones cutover and failback spawned)
#                                  with `myshift sync --stop`; returns 1
#                                  when some had to be killed
#   co_sync_pids                   the pids of those syncs
#   co_cleanup                     everything above undone (for the trap)

: "${co_db:=co_${test_name#test_}}"
: "${co_tables:=4}"
: "${co_rows:=10000}"
co_sb_pid=
co_sb_t0=
co_sb_dl=0
co_json=
co_sw_from=
co_sw_to=
co_stop_file=$scratch/co_sb.stop

co_need() {
	need_sandbox
	need_proxy_tools
	need_sync
	if ! "$MYSHIFT_BIN" cutover --help 2>&1 | grep -q -- '--admin'; then
		if [ "${MYSHIFT_CUTOVER_HARNESS:-0}" != 1 ]; then
			echo "SKIP: this myshift has no 'cutover' command yet"
			exit 77
		fi
		echo "note: no 'cutover' command yet; MYSHIFT_CUTOVER_HARNESS=1: set-up only"
	fi
}

co_port() {
	local p=${1##*:}
	echo "${p%%[/?]*}"
}

co_prepare() {
	local r
	app_user_create
	for r in source target; do
		sql "$r" "SET GLOBAL read_only = OFF; SET SESSION sql_log_bin = 0;
			DROP DATABASE IF EXISTS \`$co_db\`; DROP DATABASE IF EXISTS \`$sync_cs\`" ||
			{ echo "FAIL: resetting $r"; exit 1; }
	done
	sql source "CREATE DATABASE \`$co_db\`" || exit 1
	SB_PORT=$(co_port "$MYSHIFT_SOURCE") sb oltp_read_write --mysql-db="$co_db" \
		--tables="$co_tables" --table-size="$co_rows" prepare >"$scratch/co_prepare.txt" 2>&1 ||
		{ echo "FAIL: sysbench prepare on the source:"; tail -n 20 "$scratch/co_prepare.txt"; exit 1; }
}

co_run_start() {
	bg_start run run --source "$MYSHIFT_SOURCE" --target "$MYSHIFT_TARGET" --include "$co_db" \
		--control-schema "$sync_cs" --no-progress --log-level info "$@"
	if ! wait_copy_done 120; then
		fail "myshift run: the copy did not finish within 120 s"
		bg_log_tail
		finish
	fi
	wait_caught_up "$sync_timeout" || finish
}

co_proxy_start() {
	proxy_start co --target "$MYSHIFT_TARGET" "$@"
}

co_verify() {
	run_myshift verify --source "$MYSHIFT_SOURCE" --target "$MYSHIFT_TARGET" \
		--include "$co_db" --control-schema "$sync_cs" --no-progress --json "$@"
}

# The sysbench script: oltp_read_write, plus a check every 10 transactions
# of each thread for the stop file; event() returning true ends the thread
# between two transactions, and sysbench prints its report as after --time.
co_sb_script() {
	[ -f "$scratch/co_oltp.lua" ] && return 0
	cat >"$scratch/co_oltp.lua" <<'EOF'
dofile("/usr/share/sysbench/oltp_read_write.lua")
local stop_file = os.getenv("CO_SB_STOP")
local rw_event = event
local n = 0
function event(tid)
	rw_event(tid)
	n = n + 1
	if stop_file and n % 10 == 0 then
		local f = io.open(stop_file)
		if f then
			f:close()
			return true
		end
	end
end
EOF
}

co_sb_start() { # co_sb_start NAME THREADS [CAP]
	co_sb_script
	rm -f "$co_stop_file"
	# sysbench itself in the background (not the sb function: $! would be
	# a subshell, which SIGSTOP does not stop).
	CO_SB_STOP=$co_stop_file sysbench "$scratch/co_oltp.lua" --db-driver=mysql \
		--mysql-host=127.0.0.1 --mysql-port="$proxy_port" --mysql-user="$APP_USER" \
		--mysql-password="$APP_PW" --mysql-db="$co_db" \
		--tables="$co_tables" --table-size="$co_rows" --db-ps-mode=auto \
		--threads="$2" --time="${3:-900}" --report-interval=1 --percentile=100 \
		run >"$scratch/$1.txt" 2>&1 &
	co_sb_pid=$!
	co_sb_t0=$(date +%s.%N)
	co_sb_dl=$(deadlocks)
}

co_sb_t() { awk -v s="$co_sb_t0" -v n="$(date +%s.%N)" 'BEGIN { printf "%.2f\n", n - s }'; }

co_sb_pause() { [ -n "$co_sb_pid" ] && kill -STOP "$co_sb_pid" 2>/dev/null; }
co_sb_resume() { [ -n "$co_sb_pid" ] && kill -CONT "$co_sb_pid" 2>/dev/null; }

co_sb_stop() { # co_sb_stop NAME WHAT
	local i rc
	[ -n "$co_sb_pid" ] || return 0
	kill -CONT "$co_sb_pid" 2>/dev/null
	touch "$co_stop_file"
	for i in $(seq 1 600); do
		kill -0 "$co_sb_pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$co_sb_pid" 2>/dev/null; then
		fail "$2: sysbench did not end within 60 s of the stop file; killed"
		kill -KILL "$co_sb_pid" 2>/dev/null
	fi
	wait "$co_sb_pid"
	rc=$?
	co_sb_pid=
	sb_check "$2" "$scratch/$1.txt" "$rc" $(($(deadlocks) - co_sb_dl))
}

co_sessions() {
	admin GET /sessions
	sess=$(printf '%s' "$body" | jarr sessions 2>/dev/null)
	[ -n "$sess" ] || sess='[]'
}

co_backends() {
	co_sessions
	printf '%s' "$sess" | jq -r --arg s "$co_db" \
		'[.[] | select((.schema // "") == $s) | .backend] | group_by(.) |
		 map("\(.[0]) \(length)") | .[]'
}

co_wait_sessions() { # co_wait_sessions N
	local i n
	for i in $(seq 1 300); do
		co_sessions
		n=$(printf '%s' "$sess" | jq --arg s "$co_db" '[.[] | select((.schema // "") == $s)] | length')
		[ "$n" = "$1" ] && return 0
		sleep 0.1
	done
	fail "expected $1 sessions on $co_db, /sessions shows ${n:-?}: $(printf '%s' "$sess" | head -c 600)"
	return 1
}

co_routes() {
	admin GET /routes
	printf '%s' "$body" | jarr routes 2>/dev/null | jq -r '.[] | "\(.name) \(.backend)"'
}

co_switch() { # co_switch cutover|failback [ARGS]
	local kind=$1
	shift
	co_sw_from=$(co_sb_t)
	"$MYSHIFT_BIN" "$kind" --source "$MYSHIFT_SOURCE_ADMIN" --target "$MYSHIFT_TARGET" \
		--admin "127.0.0.1:$admin_port" --admin-token-file "$proxy_token_file" \
		--control-schema "$sync_cs" --include "$co_db" --sync-log "$scratch/sync-$kind.log" \
		--json "$@" >"$scratch/$kind.out" 2>"$scratch/$kind.err"
	rc=$?
	co_sw_to=$(co_sb_t)
	out=$(cat "$scratch/$kind.out")
	err=$(cat "$scratch/$kind.err")
	co_json=$(printf '%s' "$out" | jq -c . 2>/dev/null)
	echo "   $kind: exit $rc, from ${co_sw_from} s to ${co_sw_to} s of the sysbench run"
}

co_jf() { printf '%s' "$co_json" | jq -r "($1) // \"absent\"" 2>/dev/null; }

co_check_switch() { # co_check_switch KIND SESSIONS
	local kind=$1
	if [ -z "$co_json" ]; then
		fail "$kind --json: exit $rc, no JSON report: $(printf '%s' "$out" | head -c 400)"
		printf '%s\n' "$err" | tail -n 15 | cut -c1-300 | sed 's/^/    | /'
		return 1
	fi
	assert_eq "$kind: exit status" 0 "$rc"
	[ "$rc" = 0 ] || {
		printf '%s\n' "$err" | tail -n 15 | cut -c1-300 | sed 's/^/    | /'
		printf '%s' "$co_json" | jq -c '{refused, error, steps}' 2>/dev/null | sed 's/^/    | /'
	}
	assert_eq "$kind: errors" 0 "$(co_jf .errors)"
	assert_eq "$kind: sessions_moved" "$2" "$(co_jf .sessions_moved)"
	echo "   $kind report: pause_ms p50 $(co_jf .pause_ms_p50) max $(co_jf .pause_ms_max)," \
		"drained $(co_jf .drained), seconds $(co_jf .seconds), source_writes $(co_jf .source_writes)"
	echo "   $kind steps (ms): $(printf '%s' "$co_json" |
		jq -r '[.steps[]? | "\(.name) \(.ms)"] | join(", ")' 2>/dev/null)"
}

co_interval_max() { # co_interval_max NAME FROM TO
	awk -v from="$2" -v to="$3" '
		/^\[ *[0-9]+s \]/ {
			t = $0; sub(/^\[ */, "", t); sub(/s \].*/, "", t); t += 0
			if (t - 1 > to + 0 || t < from + 0) next
			if (match($0, /lat \(ms,100%\): [0-9.]+/)) {
				v = substr($0, RSTART, RLENGTH); sub(/.*: /, "", v)
				if (v + 0 > m) m = v + 0
				seen = 1
			}
		}
		END { if (seen) printf "%.2f\n", m; else print "?" }' "$scratch/$1.txt"
}

# co_interval_lines NAME FROM TO: those per-second lines, shortened to
# "second: tps, max latency, errors/s, reconnects/s".
co_interval_lines() {
	awk -v from="$2" -v to="$3" '
		/^\[ *[0-9]+s \]/ {
			t = $0; sub(/^\[ */, "", t); sub(/s \].*/, "", t); t += 0
			if (t - 1 > to + 0 || t < from + 0) next
			tps = $0; sub(/.*tps: /, "", tps); sub(/ .*/, "", tps)
			lat = $0; sub(/.*lat \(ms,100%\): /, "", lat); sub(/ .*/, "", lat)
			e = $0; sub(/.*err\/s: /, "", e); sub(/ .*/, "", e)
			r = $0; sub(/.*reconn\/s: /, "", r); sub(/ .*/, "", r)
			printf "      %3ds: tps %s, max %s ms, err/s %s, reconn/s %s\n", t, tps, lat, e, r
		}' "$scratch/$1.txt"
}

# co_pause_window: "FROM TO" in co_sb_t seconds around the pause of the
# last switch: steps 2-8 (the pause) end with the command, so the window
# is their total before co_sw_to, widened by 0.5 s on each side (sysbench's
# clock starts a little after co_sb_start).
co_pause_window() {
	local ms
	ms=$(printf '%s' "$co_json" | jq '[.steps[]? | select(.name != "prepare") | .ms] | add // 0' 2>/dev/null)
	awk -v to="$co_sw_to" -v ms="${ms:-0}" 'BEGIN { printf "%.2f %.2f\n", to - ms / 1000 - 0.5, to + 0.5 }'
}

co_binlog_end() { sql "$1" "SHOW MASTER STATUS" | cut -f1,2; }

co_client_trx() { # co_client_trx ROLE FILE POS
	binlog_trx "$1" "$2" "$3" | grep -cvF "$sync_cs."
}

co_compare() { # co_compare [WHAT]
	local i t a b ha hb what=${1:-}
	for i in $(seq 1 "$co_tables"); do
		t="\`$co_db\`.sbtest$i"
		a=$(csql source "CHECKSUM TABLE $t EXTENDED" | cut -f2)
		b=$(csql target "CHECKSUM TABLE $t EXTENDED" | cut -f2)
		ha=$(csql source "SELECT * FROM $t ORDER BY id" | sha256sum | cut -c1-16)
		hb=$(csql target "SELECT * FROM $t ORDER BY id" | sha256sum | cut -c1-16)
		if [ -n "$a" ] && [ "$a" != NULL ] && [ "$a" = "$b" ] && [ "$ha" = "$hb" ]; then
			pass "${what:+$what: }$co_db.sbtest$i equal (CHECKSUM $a, rows sha256 $ha)"
		else
			fail "${what:+$what: }$co_db.sbtest$i differs: CHECKSUM source $a target $b, rows sha256 source $ha target $hb"
		fi
	done
}

# lag_seconds = 0 alone is not enough: status may take sync's own figure
# (nothing received and not applied) while its reader is still behind, so
# the applied position must also be the read side's binlog end (as root).
# Is position "$1" (FILE<TAB>POS) at or after "$2"? Files compare by their
# numeric suffix.
co_pos_ge() {
	local fa=${1%%$'\t'*} pa=${1##*$'\t'} fb=${2%%$'\t'*} pb=${2##*$'\t'}
	[ -n "$fa" ] && [ -n "$pa" ] || return 1
	if [ "$fa" != "$fb" ]; then
		[ "$((10#${fa##*.}))" -gt "$((10#${fb##*.}))" ]
		return
	fi
	[ "$pa" -ge "$pb" ]
}

# Waits until sync has applied the read side's binlog end as it stands when
# called (the writers stopped). Not "applied = end" at some later instant:
# while both directions run, each writes its progress row once a second
# into the other's read side, so that end never stands still.
co_wait_synced() { # co_wait_synced [--reverse]
	local i role=source applied end lag
	[ "${1:-}" = --reverse ] && role=target
	end=$(co_binlog_end "$role")
	for ((i = 0; i < sync_timeout * 2; i++)); do
		status_json "$@"
		applied=$(printf '%s' "$st_json" | jq -r '.applied_position | "\(.file)\t\(.pos)"' 2>/dev/null)
		lag=$(printf '%s' "$st_json" | jq -r '.lag_seconds' 2>/dev/null)
		if [ "$st_rc" = 0 ] && [ "$lag" = 0 ] && co_pos_ge "$applied" "$end"; then
			pass "sync${1:+ $1} caught up after $((i / 2)).$((i % 2 * 5)) s: applied position $applied at or past the $role's binlog end when asked ($end)"
			return 0
		fi
		sleep 0.5
	done
	fail "sync${1:+ $1} not caught up within $sync_timeout s: status exit $st_rc, lag_seconds '$lag', applied '$applied', the $role's binlog end when asked '$end'"
	return 1
}

# The syncs cutover and failback spawned are not this shell's children:
# `myshift sync --stop` asks them to stop; any left after 30 s is found by
# its command line (this test's control schema) and killed by its pid.
co_sync_pids() {
	local f pid
	for f in /proc/[0-9]*/cmdline; do
		pid=${f#/proc/}
		pid=${pid%/cmdline}
		tr '\0' ' ' 2>/dev/null <"$f" | grep -qE "myshift sync .*--control-schema[ =]$sync_cs( |$)" &&
			echo "$pid"
	done
}

co_stop_syncs() {
	local i p dir
	if "$MYSHIFT_BIN" sync --help 2>&1 | grep -q -- '--stop'; then
		for dir in "" --reverse; do
			"$MYSHIFT_BIN" sync --stop $dir --source "$MYSHIFT_SOURCE_ADMIN" \
				--target "$MYSHIFT_TARGET" --control-schema "$sync_cs" \
				>>"$scratch/sync-stop.log" 2>&1
		done
	fi
	for i in $(seq 1 300); do
		[ -z "$(co_sync_pids)" ] && return 0
		sleep 0.1
	done
	echo "   syncs still running 30 s after myshift sync --stop: $(co_sync_pids | tr '\n' ' ')(killed)"
	for p in $(co_sync_pids); do kill -TERM "$p" 2>/dev/null; done
	sleep 2
	for p in $(co_sync_pids); do kill -KILL "$p" 2>/dev/null; done
	return 1
}

co_cleanup() {
	local r
	if [ -n "$co_sb_pid" ]; then
		touch "$co_stop_file"
		kill -CONT "$co_sb_pid" 2>/dev/null
		kill "$co_sb_pid" 2>/dev/null
		wait "$co_sb_pid" 2>/dev/null
	fi
	sess_close_all
	bg_alive && bg_stop TERM 30
	co_stop_syncs
	proxy_stop
	if [ "${MYSHIFT_KEEP_FIXTURES:-0}" != 1 ]; then
		for r in source target; do
			sql "$r" "SET GLOBAL read_only = OFF; SET SESSION sql_log_bin = 0;
				DROP DATABASE IF EXISTS \`$co_db\`;
				DROP DATABASE IF EXISTS \`$sync_cs\`" 2>/dev/null
		done
	else
		for r in source target; do sql "$r" "SET GLOBAL read_only = OFF" 2>/dev/null; done
	fi
	if [ "${MYSHIFT_KEEP_SCRATCH:-0}" = 1 ]; then
		echo "logs kept in $scratch"
	else
		rm -rf "$scratch"
	fi
}
