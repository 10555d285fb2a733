# Helpers for the `myshift sync` / `myshift run` integration tests (sourced
# after lib.sh and copy_lib.sh). Like copy_lib.sh, everything that decides
# whether a test passes reads the servers as root with the mariadb client;
# `myshift status` is only used to know WHEN to compare (lag_seconds = 0).
#
#   need_sync                      skip (77) when this myshift has no sync
#   sync_cs                        the test's control schema (_ms_<test>)
#   bg_start NAME ARGS...          myshift ARGS in the background; stdout and
#                                  stderr in $scratch/NAME.out / .err
#   bg_stop [SIGNAL [SECONDS]]     signal it (TERM), wait (60 s) -> $bg_rc
#   bg_wait SECONDS                wait for it to exit by itself -> $bg_rc
#   bg_alive                       is it running?
#   status_json [ARGS...]          `myshift status --json` -> $st_json, $st_rc
#   wait_caught_up SECONDS [ARGS]  poll status until lag_seconds = 0
#   wait_copy_done SECONDS         poll <cs>.copy_state.finished_at
#   sb_prepare SCHEMA TABLES ROWS  sysbench oltp_write_only tables
#   sb_start SCHEMA TABLES ROWS RATE
#                                  the workload in the background (2 threads)
#   sb_stop                        stop it; prints its transaction count
#   source_end                     "file<TAB>pos" of SHOW MASTER STATUS
#   count_trx ROLE FILE POS        transactions (GTID events) in ROLE's
#                                  binlog from FILE:POS to its end
#   binlog_trx ROLE FILE POS       per transaction there: the tables its row
#                                  events touch, or its statement
#   servers_up                     restart any sandbox server that is down
#   no_dup_key_errors WHAT FILE... assert no duplicate-key error in the logs
#   sync_state_row ROLE DIR COLS   COLS of <cs>.sync_state (DIR forward|reverse)
#                                  on ROLE, tab-separated ("" when no row)
#   wait_sync_running ROLE DIR SECONDS
#                                  until that row says running = 1 with
#                                  progress written in the last 5 s
#   sb_run SCHEMA TABLES ROWS EVENTS
#                                  EVENTS sysbench transactions, then returns

: "${sync_timeout:=${MYSHIFT_SYNC_TIMEOUT:-120}}"

need_sync() {
	local help
	help=$("$MYSHIFT_BIN" sync --help 2>&1)
	if [ $? -ne 0 ] || printf '%s' "$help" | grep -qiE 'planned|not available'; then
		echo "SKIP: this myshift has no 'sync' command yet"
		exit 77
	fi
	for tool in sysbench jq; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			echo "SKIP: $tool is not installed (scripts/deps)"
			exit 77
		fi
	done
}

# The control schema of this test: independent of every other test's.
sync_cs=_ms_${test_name#test_}

# uri_port URI: the port of a mysql:// URI.
uri_port() {
	local hp=${1#*://}
	hp=${hp#*@}
	hp=${hp%%[/?]*}
	echo "${hp##*:}"
}

# scripts/sandbox must restart the servers of THIS sandbox: its ports come
# from the URIs the environment gives (the sandbox's own defaults belong to
# another sandbox when several run on one machine).
export MYSHIFT_SANDBOX_SOURCE_PORT MYSHIFT_SANDBOX_TARGET_PORT
MYSHIFT_SANDBOX_SOURCE_PORT=$(uri_port "${MYSHIFT_SOURCE:-}")
MYSHIFT_SANDBOX_TARGET_PORT=$(uri_port "${MYSHIFT_TARGET:-}")

bg_pid=
bg_name=
bg_rc=
bg_start() {
	bg_name=$1
	shift
	"$MYSHIFT_BIN" "$@" >"$scratch/$bg_name.out" 2>"$scratch/$bg_name.err" &
	bg_pid=$!
}

bg_alive() { [ -n "$bg_pid" ] && kill -0 "$bg_pid" 2>/dev/null; }

# bg_wait SECONDS: waits for the background myshift to exit; bg_rc is its
# exit status, or "timeout" (it is then still running).
bg_wait() {
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		bg_alive || break
		sleep 0.1
	done
	if bg_alive; then
		bg_rc=timeout
		return 1
	fi
	wait "$bg_pid" 2>/dev/null
	bg_rc=$?
	bg_pid=
}

# bg_stop [SIGNAL [SECONDS]]: sends SIGNAL (TERM), waits SECONDS (60) for the
# exit, then kills it with SIGKILL (bg_rc is then "timeout").
bg_stop() {
	local sig=${1:-TERM} secs=${2:-60}
	if [ -z "$bg_pid" ]; then
		bg_rc=none
		return
	fi
	kill -"$sig" "$bg_pid" 2>/dev/null
	if ! bg_wait "$secs"; then
		kill -9 "$bg_pid" 2>/dev/null
		wait "$bg_pid" 2>/dev/null
		bg_pid=
		bg_rc=timeout
	fi
}

# bg_log_tail [N]: the last lines of the background run's stderr, indented.
bg_log_tail() {
	tail -n "${1:-15}" "$scratch/$bg_name.err" 2>/dev/null | cut -c1-400 | sed 's/^/    | /'
}

# status_json [ARGS...]: status of this test's job, both servers given.
status_json() {
	"$MYSHIFT_BIN" status --json --source "$MYSHIFT_SOURCE" --target "$MYSHIFT_TARGET" \
		--control-schema "$sync_cs" "$@" >"$scratch/status.out" 2>"$scratch/status.err"
	st_rc=$?
	st_json=$(cat "$scratch/status.out")
}

# wait_caught_up SECONDS [STATUS ARGS...]: polls `status --json` every half
# second until lag_seconds is 0. On timeout it fails naming the last status
# and the tail of the background run's log, and returns 1.
wait_caught_up() {
	local secs=$1 i lag
	shift
	for ((i = 0; i < secs * 2; i++)); do
		status_json "$@"
		lag=$(printf '%s' "$st_json" | jq -r '.lag_seconds // "null"' 2>/dev/null)
		if [ "$st_rc" = 0 ] && [ -n "$lag" ] && [ "$lag" != null ] &&
			[ "$(printf '%s' "$st_json" | jq '.lag_seconds == 0' 2>/dev/null)" = true ]; then
			pass "caught up after $((i / 2)).$((i % 2 * 5)) s (applied $(printf '%s' "$st_json" |
				jq -c '.applied_position'), source $(printf '%s' "$st_json" | jq -c '.source_position'))"
			return 0
		fi
		if [ -n "$bg_pid" ] && ! bg_alive; then
			fail "waiting for lag_seconds = 0: the sync process ($bg_name) exited; its log:"
			bg_log_tail
			return 1
		fi
		sleep 0.5
	done
	fail "lag_seconds did not reach 0 within $secs s; last status (exit $st_rc): $(printf '%s' "$st_json" |
		jq -c '{lag_seconds, applied_position, source_position, bytes_behind, sync_running}' 2>/dev/null ||
		printf '%s' "$st_json" | head -c 600) $(head -c 300 "$scratch/status.err")"
	[ -n "$bg_name" ] && bg_log_tail
	return 1
}

# wait_copy_done SECONDS: until the copy recorded its end in copy_state.
wait_copy_done() {
	local i
	for ((i = 0; i < $1 * 5; i++)); do
		[ "$(copy_done)" = 1 ] && return 0
		sleep 0.2
	done
	return 1
}
copy_done() {
	sql target "SELECT COUNT(*) FROM \`$sync_cs\`.copy_state WHERE finished_at IS NOT NULL" \
		2>/dev/null || echo 0
}

# sysbench oltp_write_only on the source, as root over the socket.
sb_args() { # sb_args SCHEMA TABLES ROWS
	printf '%s\n' oltp_write_only --db-driver=mysql --mysql-socket="$MYSHIFT_SOURCE_SOCKET" \
		--mysql-user=root --mysql-db="$1" --tables="$2" --table-size="$3"
}
sb_prepare() {
	local args
	mapfile -t args < <(sb_args "$@")
	sql source "CREATE DATABASE IF NOT EXISTS \`$1\`" &&
		sysbench "${args[@]}" prepare >"$scratch/sb_prepare.log" 2>&1 ||
		{ fail "sysbench prepare: $(tail -n 5 "$scratch/sb_prepare.log")"; return 1; }
}
sb_pid=
sb_start() { # sb_start SCHEMA TABLES ROWS RATE
	local args
	mapfile -t args < <(sb_args "$1" "$2" "$3")
	sysbench "${args[@]}" --threads=2 --rate="$4" --time=0 --events=0 \
		--report-interval=0 run >"$scratch/sysbench.log" 2>&1 &
	sb_pid=$!
}
sb_stop() {
	[ -n "$sb_pid" ] || return 0
	kill "$sb_pid" 2>/dev/null
	wait "$sb_pid" 2>/dev/null
	sb_pid=
}

source_end() { sql source "SHOW MASTER STATUS" | cut -f1,2; }

# count_trx ROLE FILE POS: GTID events (one per transaction) in ROLE's
# binlog from FILE:POS to the end of the last file.
count_trx() {
	local role=$1 file=$2 pos=$3 f n=0 c started=0
	while IFS=$'\t' read -r f _; do
		[ "$f" = "$file" ] && started=1
		[ $started = 1 ] || continue
		if [ "$f" = "$file" ]; then
			c=$(sql "$role" "SHOW BINLOG EVENTS IN '$f' FROM $pos" | awk -F'\t' '$3 == "Gtid" { n++ } END { print n + 0 }')
		else
			c=$(sql "$role" "SHOW BINLOG EVENTS IN '$f'" | awk -F'\t' '$3 == "Gtid" { n++ } END { print n + 0 }')
		fi
		n=$((n + c))
	done < <(sql "$role" "SHOW BINARY LOGS")
	echo "$n"
}

# binlog_trx ROLE FILE POS: one line per transaction in ROLE's binlog from
# FILE:POS to the end: the tables of its row events (db.table, sorted,
# space-separated), or "query: STATEMENT" for a statement logged alone.
binlog_trx() {
	local role=$1 file=$2 pos=$3 f started=0
	while IFS=$'\t' read -r f _; do
		[ "$f" = "$file" ] && started=1
		[ $started = 1 ] || continue
		if [ "$f" = "$file" ]; then
			sql "$role" "SHOW BINLOG EVENTS IN '$f' FROM $pos"
		else
			sql "$role" "SHOW BINLOG EVENTS IN '$f'"
		fi
	done < <(sql "$role" "SHOW BINARY LOGS") | awk -F'\t' '
		function flush() {
			if (!open) return
			line = ""
			n = asorti(tabs, sorted)
			for (i = 1; i <= n; i++) line = line (i > 1 ? " " : "") sorted[i]
			if (line == "") line = "query: " q
			print line
			delete tabs; q = ""; open = 0
		}
		$3 == "Gtid" { flush(); open = 1; if ($6 !~ /^BEGIN/) standalone = 1; else standalone = 0; next }
		$3 == "Table_map" && match($6, /\(([^)]*)\)/) { tabs[substr($6, RSTART + 1, RLENGTH - 2)] = 1; next }
		$3 == "Query" && open && $6 != "COMMIT" && q == "" { q = substr($6, 1, 120); if (standalone) flush(); next }
		$3 == "Xid" || ($3 == "Query" && $6 == "COMMIT") { flush() }
		END { flush() }'
}

# ping ROLE: does the sandbox server answer?
ping_server() {
	local sock
	[ "$1" = source ] && sock=$MYSHIFT_SOURCE_SOCKET || sock=$MYSHIFT_TARGET_SOCKET
	mariadb-admin --no-defaults -uroot -S "$sock" --connect-timeout=2 ping >/dev/null 2>&1
}

# restart_server ROLE [-- OPTS]: scripts/sandbox restart for this sandbox.
restart_server() {
	"$MYSHIFT_ROOT/scripts/sandbox" restart "$@" >"$scratch/restart.log" 2>&1 ||
		{ echo "restarting $1 failed: $(tail -n 5 "$scratch/restart.log")"; return 1; }
}

# shutdown_server ROLE: stops one sandbox server (SHUTDOWN, then waits for
# its socket to stop answering, 60 s at most).
shutdown_server() {
	local i
	sql "$1" "SHUTDOWN" >/dev/null 2>&1
	for ((i = 0; i < 600; i++)); do
		ping_server "$1" || return 0
		sleep 0.1
	done
	return 1
}

servers_up() {
	local r
	for r in source target; do
		ping_server "$r" || restart_server "$r"
	done
}

# no_dup_key_errors WHAT FILE...: none of the logs holds a duplicate-key
# error (MySQL errno 1062 / 1586, "Duplicate entry").
no_dup_key_errors() {
	local what=$1 hits
	shift
	hits=$(grep -iHE 'duplicate entry|duplicate key|errno[ =:]*(1062|1586)\b' "$@" 2>/dev/null | head -n 5)
	if [ -z "$hits" ]; then
		pass "$what: no duplicate-key error in $# log(s)"
	else
		fail "$what: duplicate-key errors in the logs:"
		printf '%s\n' "$hits" | cut -c1-300 | sed 's/^/    | /'
	fi
}

# sleep_ms MS
sleep_ms() { sleep "$(($1 / 1000)).$(printf '%03d' $(($1 % 1000)))"; }

# sync_state_row ROLE DIRECTION COLUMNS: the row of DIRECTION in this test's
# <cs>.sync_state on ROLE (the apply side), tab-separated.
sync_state_row() {
	sql "$1" "SELECT $3 FROM \`$sync_cs\`.sync_state WHERE direction = '$2'" 2>/dev/null
}

# wait_sync_running ROLE DIRECTION SECONDS: until the sync of DIRECTION
# reports itself running (running = 1, progress fresh); 1 on timeout.
wait_sync_running() {
	local i
	for ((i = 0; i < $3 * 5; i++)); do
		[ "$(sync_state_row "$1" "$2" \
			"running = 1 AND progress_at > UTC_TIMESTAMP(6) - INTERVAL 5 SECOND")" = 1 ] && return 0
		sleep 0.2
	done
	return 1
}

# sb_run SCHEMA TABLES ROWS EVENTS: a fixed number of sysbench write
# transactions on the source (2 threads), in the foreground.
sb_run() {
	local args
	mapfile -t args < <(sb_args "$1" "$2" "$3")
	sysbench "${args[@]}" --threads=2 --events="$4" --time=0 \
		--report-interval=0 run >"$scratch/sb_run.log" 2>&1 ||
		{ fail "sysbench run: $(tail -n 5 "$scratch/sb_run.log")"; return 1; }
}
