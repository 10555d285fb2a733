# Helpers for the `myshift proxy` load tests (test_proxy_sysbench,
# test_proxy_move, test_proxy_admin, test_proxy_shadow; sourced after
# lib.sh, instead of proxy_lib.sh: these tests start each proxy with their
# own arguments and wait for its admin API too, and their client user may
# use the schemas each test creates; both files name their helpers alike,
# so source one of them). What decides whether a test passes is read from sysbench's own
# report, the servers (as root over their sockets) and the admin API with
# curl; proxy-ctl is exercised, not trusted.
#
#   need_proxy_tools               skip (77) without sysbench, jq, curl or
#                                  a proxy command
#   app_user_create                the client user APP_USER on both servers
#   free_port                      a loopback TCP port nobody listens on
#   proxy_start NAME ARGS...       myshift proxy in the background with
#                                  --source, --listen, --admin-listen, the
#                                  token file and --user APP; ARGS added.
#                                  Skips (77) when this myshift has no proxy
#                                  engine yet. Sets proxy_port, admin_port,
#                                  proxy_log.
#   proxy_stop                     SIGTERM, wait (30 s) -> $proxy_rc; fails
#                                  the test on a sanitizer report
#   proxy_alive                    is it running?
#   admin METHOD PATH [TOKEN]      curl the admin API -> $http_code, $body
#   ctl ARGS...                    myshift proxy-ctl ARGS -> $out $err $rc
#   metric NAME [LABEL_RE]         sum of a /metrics sample's values whose
#                                  labels match LABEL_RE ("" when absent)
#   pcli ARGS...                   mariadb client through the proxy as APP
#   sb ARGS...                     sysbench with the driver and APP through
#                                  the proxy (SB_PORT overrides the port)
#   sb_val FILE KEY                a figure of a sysbench report: queries,
#                                  transactions, errors (ignored errors),
#                                  reconnects, max, p95/p99 (the percentile
#                                  line), avg
#   sess_open NAME [ARGS...]       a mariadb client through the proxy kept
#                                  open (ARGS: e.g. a default schema)
#   sess_sql NAME SQL              runs SQL in it; prints what it printed
#                                  (batch format), rc 1 after 20 s
#   sess_send NAME SQL, sess_recv NAME [SECONDS]
#                                  the same in two steps
#   jarr KEY                       stdin's JSON array, or its member KEY
#   sess_close NAME                quit it -> its exit status
#   sess_close_all                 for cleanup
#   deadlocks                      Innodb_deadlocks, source + target
#   sb_check WHAT FILE RC [DL]     assert rc 0, no FATAL, 0 reconnects, and
#                                  no errors but DL server deadlocks (the
#                                  Innodb_deadlocks delta over the run; 0)

APP_USER=app_proxy_it
APP_PW='app-Pw-proxy-7a1e'
: "${proxy_timeout:=${MYSHIFT_PROXY_TIMEOUT:-30}}"

need_proxy_tools() {
	local tool
	for tool in sysbench jq curl; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			echo "SKIP: $tool is not installed (scripts/deps)"
			exit 77
		fi
	done
	if ! "$MYSHIFT_BIN" proxy --help 2>&1 | grep -q -- '--listen'; then
		echo "SKIP: this myshift has no 'proxy' command yet"
		exit 77
	fi
}

# The client user: mysql_native_password on both servers, as the proxy
# logs in to a backend as the client's own user.
app_user_create() {
	local role
	for role in source target; do
		sql "$role" "SET SESSION sql_log_bin = 0;
			CREATE USER IF NOT EXISTS '$APP_USER'@'%'
				IDENTIFIED VIA mysql_native_password USING PASSWORD('$APP_PW');
			ALTER USER '$APP_USER'@'%'
				IDENTIFIED VIA mysql_native_password USING PASSWORD('$APP_PW');
			GRANT ALL PRIVILEGES ON *.* TO '$APP_USER'@'%'" ||
			{ echo "FAIL: cannot create $APP_USER on $role"; exit 1; }
	done
}

free_port() {
	local p i
	for i in $(seq 1 200); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		if [ -z "$(ss -Htan "sport = :$p" 2>/dev/null)" ]; then
			echo "$p"
			return 0
		fi
	done
	echo "FAIL: no free port found" >&2
	return 1
}

proxy_pid=
proxy_port=
admin_port=
proxy_log=
proxy_rc=
proxy_token_file=$scratch/admin-token
printf 'it-token-%s-0123456789abcdef\n' "$$" >"$proxy_token_file"
chmod 600 "$proxy_token_file"
proxy_token=$(head -n 1 "$proxy_token_file")

# proxy_start NAME ARGS...: the proxy with this test's defaults; waits until
# the admin API answers /status and the client port accepts connections.
proxy_start() {
	local name=$1 i
	shift
	proxy_port=$(free_port) && admin_port=$(free_port) || exit 1
	proxy_log=$scratch/proxy-$name.log
	: >"$proxy_log"
	"$MYSHIFT_BIN" proxy --source "$MYSHIFT_SOURCE" \
		--listen "127.0.0.1:$proxy_port" --admin-listen "127.0.0.1:$admin_port" \
		--admin-token-file "$proxy_token_file" --user "$APP_USER:$APP_PW" \
		--log-level info "$@" >>"$proxy_log" 2>&1 </dev/null &
	proxy_pid=$!
	for i in $(seq 1 $((proxy_timeout * 10))); do
		if ! kill -0 "$proxy_pid" 2>/dev/null; then
			wait "$proxy_pid"
			proxy_rc=$?
			proxy_pid=
			if grep -q 'not built yet' "$proxy_log"; then
				echo "SKIP: this myshift has no proxy engine yet"
				exit 77
			fi
			echo "FAIL [$test_name]: proxy ($name) exited $proxy_rc at start:"
			sed 's/^/    | /' "$proxy_log"
			exit 1
		fi
		if [ "$(curl -s -o /dev/null -w '%{http_code}' -m 2 \
			-H "Authorization: Bearer $proxy_token" \
			"http://127.0.0.1:$admin_port/status")" = 200 ] &&
			(exec 3<>"/dev/tcp/127.0.0.1/$proxy_port") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "FAIL [$test_name]: proxy ($name) did not answer within ${proxy_timeout}s:"
	sed 's/^/    | /' "$proxy_log"
	proxy_stop
	exit 1
}

proxy_alive() { [ -n "$proxy_pid" ] && kill -0 "$proxy_pid" 2>/dev/null; }

proxy_stop() {
	local i
	proxy_rc=
	[ -n "$proxy_pid" ] || return 0
	kill -TERM "$proxy_pid" 2>/dev/null
	for i in $(seq 1 300); do
		kill -0 "$proxy_pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$proxy_pid" 2>/dev/null; then
		echo "FAIL [$test_name]: proxy did not stop within 30 s of SIGTERM"
		failures=$((failures + 1))
		kill -KILL "$proxy_pid" 2>/dev/null
	fi
	wait "$proxy_pid" 2>/dev/null
	proxy_rc=$?
	proxy_pid=
	# Under the ASan+UBSan build a report lands in the proxy's log.
	if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$proxy_log"; then
		fail "sanitizer report in the proxy's log:"
		grep -E -A 20 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$proxy_log" |
			head -n 40 | sed 's/^/    | /'
	fi
}

# admin METHOD PATH [TOKEN]: TOKEN "-" sends no Authorization header.
admin() {
	local method=$1 path=$2 token=${3-$proxy_token} hdr=()
	[ "$token" = - ] || hdr=(-H "Authorization: Bearer $token")
	http_code=$(curl -s -m 30 -X "$method" "${hdr[@]}" -o "$scratch/admin.body" \
		-w '%{http_code}' "http://127.0.0.1:$admin_port$path")
	body=$(cat "$scratch/admin.body" 2>/dev/null)
}

ctl() {
	"$MYSHIFT_BIN" proxy-ctl --admin "127.0.0.1:$admin_port" \
		--admin-token-file "$proxy_token_file" "$@" >"$scratch/ctl.out" 2>"$scratch/ctl.err"
	rc=$?
	out=$(cat "$scratch/ctl.out")
	err=$(cat "$scratch/ctl.err")
}

# metric NAME [LABEL_RE]: the sum over NAME's samples whose label set
# matches the ERE LABEL_RE (e.g. 'backend="source"').
metric() {
	local name=$1 re=${2:-}
	admin GET /metrics
	printf '%s\n' "$body" | awk -v n="$name" -v re="$re" '
		/^#/ { next }
		{
			s = $1; lab = ""
			i = index(s, "{")
			if (i > 0) { lab = substr(s, i); s = substr(s, 1, i - 1) }
			if (s != n || (re != "" && lab !~ re)) next
			sum += $2; seen = 1
		}
		END { if (seen) printf "%.0f\n", sum }'
}

pcli() {
	MYSQL_PWD=$APP_PW mariadb --no-defaults -h 127.0.0.1 -P "$proxy_port" \
		-u "$APP_USER" -N -B "$@"
}

sb() {
	sysbench --db-driver=mysql --mysql-host=127.0.0.1 \
		--mysql-port="${SB_PORT:-$proxy_port}" --mysql-user="$APP_USER" \
		--mysql-password="$APP_PW" "$@"
}

sb_val() { # sb_val FILE KEY
	local f=$1
	case $2 in
	queries) sed -n 's/^ *queries: *\([0-9]*\).*/\1/p' "$f" ;;
	transactions) sed -n 's/^ *transactions: *\([0-9]*\).*/\1/p' "$f" ;;
	errors) sed -n 's/^ *ignored errors: *\([0-9]*\).*/\1/p' "$f" ;;
	reconnects) sed -n 's/^ *reconnects: *\([0-9]*\).*/\1/p' "$f" ;;
	max) sed -n 's/^ *max: *\([0-9.]*\).*/\1/p' "$f" ;;
	avg) sed -n 's/^ *avg: *\([0-9.]*\).*/\1/p' "$f" ;;
	p[0-9]*) sed -n "s/^ *${2#p}th percentile: *\([0-9.]*\).*/\1/p" "$f" ;;
	qps) sed -n 's/^ *queries: *[0-9]* *(\([0-9.]*\) per sec.).*/\1/p' "$f" ;;
	esac | head -n 1
}

# deadlocks: Innodb_deadlocks of source + target. sysbench ignores (and
# counts as "ignored errors") deadlocks, which oltp_read_write meets now and
# then straight to the server as well; an error the proxy made up would not
# be in this counter.
deadlocks() {
	local r n sum=0
	for r in source target; do
		n=$(sql "$r" "SELECT variable_value FROM information_schema.global_status
			WHERE variable_name = 'INNODB_DEADLOCKS'") || n=0
		sum=$((sum + ${n:-0}))
	done
	echo "$sum"
}

sb_check() { # sb_check WHAT FILE RC [DEADLOCKS]
	local what=$1 f=$2 rc=$3 dl=${4:-0} e r
	e=$(sb_val "$f" errors)
	r=$(sb_val "$f" reconnects)
	if [ "$rc" = 0 ] && [ "$e" = "$dl" ] && [ "$r" = 0 ] && ! grep -q FATAL "$f"; then
		pass "$what: sysbench exit 0, $(sb_val "$f" queries) queries, $e errors$([ "$e" = 0 ] ||
			echo " (all of them server deadlocks: Innodb_deadlocks +$dl)"), 0 reconnects"
	else
		fail "$what: sysbench exit $rc, errors '${e}' (server deadlocks meanwhile: $dl), reconnects '${r}':"
		grep -E 'FATAL|ignored errors|reconnects|queries:|transactions:' "$f" | head -n 8 | sed 's/^/    | /'
		[ -n "$proxy_log" ] && tail -n 15 "$proxy_log" | sed 's/^/    proxy | /'
	fi
}

# Kept-open client sessions: a mariadb client reading a FIFO. Each sess_sql
# appends a marker SELECT and waits for it, so the output of one call is
# what its statements printed (errors included, the client goes on with
# --force).
declare -A sess_pid=() sess_fd=()
sess_open() { # sess_open NAME [mariadb args...]
	local n=$1 fd
	shift
	rm -f "$scratch/s-$n.in"
	mkfifo "$scratch/s-$n.in"
	# The client must not hold the other sessions' FIFOs open: they would
	# never see the end of their input.
	(
		for fd in "${sess_fd[@]}"; do exec {fd}>&-; done
		MYSQL_PWD=$APP_PW exec mariadb --no-defaults -h 127.0.0.1 -P "$proxy_port" \
			-u "$APP_USER" -N -B --unbuffered --force "$@" \
			<"$scratch/s-$n.in" >"$scratch/s-$n.out" 2>&1
	) &
	sess_pid[$n]=$!
	exec {fd}>"$scratch/s-$n.in"
	sess_fd[$n]=$fd
}
# sess_send NAME SQL: sends without waiting; sess_recv NAME [SECONDS]
# waits (20 s) for the answer of the last send and prints it. What they
# share lives in files, as both are often called in $(...) subshells.
sess_send() {
	local n=$1 mark
	mark="--end-$(date +%s%N)-$RANDOM--"
	echo "$mark $(($(wc -l <"$scratch/s-$n.out") + 1))" >"$scratch/s-$n.mark"
	# A client that exited must not take the test down with SIGPIPE.
	(
		trap '' PIPE
		printf '%s;\nSELECT %s;\n' "$2" "'$mark'" >&"${sess_fd[$n]}"
	) 2>/dev/null
}
sess_recv() {
	local n=$1 mark from i
	read -r mark from <"$scratch/s-$n.mark"
	for i in $(seq 1 $((${2:-20} * 10))); do
		if grep -qx -- "$mark" "$scratch/s-$n.out"; then
			tail -n +"$from" "$scratch/s-$n.out" | grep -vx -- "$mark"
			return 0
		fi
		if ! kill -0 "${sess_pid[$n]}" 2>/dev/null; then
			cat "$scratch/s-$n.out"
			echo "(session $n: the client exited)"
			return 1
		fi
		sleep 0.1
	done
	echo "(no answer from session $n within ${2:-20} s)"
	return 1
}
sess_sql() { # sess_sql NAME SQL
	sess_send "$1" "$2"
	sess_recv "$1"
}
sess_close() { # sess_close NAME
	local n=$1 r fd
	[ -n "${sess_pid[$n]:-}" ] || return 0
	fd=${sess_fd[$n]}
	exec {fd}>&-
	wait "${sess_pid[$n]}"
	r=$?
	unset "sess_pid[$n]"
	return $r
}
sess_close_all() {
	local n
	for n in "${!sess_pid[@]}"; do
		kill "${sess_pid[$n]}" 2>/dev/null
		sess_close "$n"
	done
}

# jarr KEY: a JSON array on stdin, or the array in member KEY of an object
# (GET /sessions may answer either way).
jarr() { jq -c --arg k "$1" 'if type == "array" then . else .[$k] end'; }
