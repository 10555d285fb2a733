# Helpers for the `myshift proxy` integration tests (sourced after lib.sh).
# The proxy runs in the background on free loopback ports, in front of both
# sandbox servers; clients log in as the application user `app` (or `app2`),
# which exists with the same mysql_native_password on both servers.
#
#   need_proxy                     skip (77) without a sandbox or a proxy
#   proxy_setup                    users app/app2 and schema it_proxy on both
#                                  servers (dropped again on exit)
#   free_port                      an unused loopback TCP port
#   proxy_start ARGS...            start a proxy (source, target, the users in
#                                  the array $proxy_users -- app and app2 with
#                                  their passwords unless set --, admin token,
#                                  free ports) with extra ARGS; waits until it
#                                  sends its greeting.
#                                  Sets $proxy_port, $proxy_admin_port,
#                                  $proxy_pid; its output goes to
#                                  $scratch/proxy.N.out / .err ($proxy_log)
#   proxy_stop                     SIGTERM and wait (30 s); fails the test when
#                                  the proxy exited non-zero, died of a signal,
#                                  would not stop, or a sanitizer reported
#                                  something in its log
#   proxy_alive                    is it running?
#   proxy_rss_kb                   its resident set (VmRSS, kB)
#   pmariadb ARGS...               the mariadb CLI as app through the proxy
#                                  (-N -B; the 10.11 client tries TLS unless
#                                  told --skip-ssl; killed after 300 s, exit
#                                  code 124, so a hung proxy fails the test
#                                  instead of hanging it)
#   pmariadb_as USER PW ARGS...    the same as another user
#   pm_plain ARGS... / pm_tls ARGS...
#                                  pmariadb without TLS / with TLS verifying
#                                  the proxy's certificate against the CA
#   "${tls_opts[@]}"               --tls-cert/--tls-key: the sandbox's
#                                  server certificate (CN localhost), set by
#                                  need_proxy
#   proxy_admin METHOD PATH        curl on the admin API -> stdout
#   proxy_sanitizer_check          fail on a sanitizer report in the log
#
# Fixture credentials (throwaway, local sandbox only):
app_pw='app-Pw-7c1e-proxy'
app2_pw='app2-Pw-40d9-proxy'
proxy_schema=it_proxy
proxy_pid=
proxy_port=
proxy_admin_port=
proxy_log=
proxy_runs=0
proxy_users=()
tls_opts=()

need_proxy() {
	need_sandbox
	local help
	help=$("$MYSHIFT_BIN" proxy --help 2>&1)
	if [ $? -ne 0 ] || ! printf '%s' "$help" | grep -q -- '--listen'; then
		echo "SKIP: this myshift has no 'proxy' command (with --listen) yet"
		exit 77
	fi
	tls_opts=(--tls-cert "$MYSHIFT_SANDBOX_DIR/tls/server-cert.pem"
		--tls-key "$MYSHIFT_SANDBOX_DIR/tls/server-key.pem")
}

# sql_both STATEMENTS: as root on both servers, not binlogged.
sql_both() {
	sql source "SET SESSION sql_log_bin = 0; $1" && sql target "SET SESSION sql_log_bin = 0; $1"
}

proxy_setup() {
	local u
	sql_both "SET GLOBAL max_allowed_packet = 268435456;
		DROP DATABASE IF EXISTS $proxy_schema; CREATE DATABASE $proxy_schema;
		DROP USER IF EXISTS 'app'@'%', 'app2'@'%';
		CREATE USER 'app'@'%' IDENTIFIED VIA mysql_native_password USING PASSWORD('$app_pw');
		CREATE USER 'app2'@'%' IDENTIFIED VIA mysql_native_password USING PASSWORD('$app2_pw');
		GRANT ALL PRIVILEGES ON $proxy_schema.* TO 'app'@'%', 'app2'@'%';
		FLUSH PRIVILEGES" || {
		echo "FAIL: could not create the proxy test users and schema"
		exit 1
	}
	for u in source target; do
		sql "$u" "SELECT 1" >/dev/null || exit 1
	done
}

proxy_teardown() {
	if [ -n "$proxy_pid" ] && kill -0 "$proxy_pid" 2>/dev/null; then
		kill -KILL "$proxy_pid" 2>/dev/null
		wait "$proxy_pid" 2>/dev/null
	fi
	if [ -n "${MYSHIFT_SOURCE_SOCKET:-}" ] && [ "${MYSHIFT_KEEP_FIXTURES:-0}" != 1 ]; then
		sql_both "DROP DATABASE IF EXISTS $proxy_schema;
			DROP USER IF EXISTS 'app'@'%', 'app2'@'%'" >/dev/null 2>&1
	fi
	rm -rf "$scratch"
}
trap proxy_teardown EXIT

free_port() {
	/usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# greets PORT: 0 when something on PORT sends a MySQL greeting (protocol 10)
# or an error packet within 2 s.
greets() {
	/usr/bin/python3 - "$1" <<'EOF'
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
    b = s.recv(5)
    sys.exit(0 if len(b) == 5 and b[4] in (10, 0xff) else 1)
except OSError:
    sys.exit(1)
EOF
}

proxy_start() {
	local i
	if [ ${#proxy_users[@]} -eq 0 ]; then
		proxy_users=(--user "app:$app_pw" --user "app2:$app2_pw")
	fi
	proxy_runs=$((proxy_runs + 1))
	proxy_log=$scratch/proxy.$proxy_runs
	proxy_port=$(free_port)
	proxy_admin_port=$(free_port)
	[ -f "$scratch/token" ] || {
		printf 'it-proxy-token-%s' "$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')" >"$scratch/token"
		chmod 600 "$scratch/token"
	}
	"$MYSHIFT_BIN" proxy --source "$MYSHIFT_SOURCE" --target "$MYSHIFT_TARGET" \
		--listen "127.0.0.1:$proxy_port" --admin-listen "127.0.0.1:$proxy_admin_port" \
		--admin-token-file "$scratch/token" \
		"${proxy_users[@]}" "$@" \
		>"$proxy_log.out" 2>"$proxy_log.err" </dev/null &
	proxy_pid=$!
	for i in $(seq 1 300); do
		if ! kill -0 "$proxy_pid" 2>/dev/null; then
			wait "$proxy_pid"
			local prc=$?
			proxy_pid=
			if grep -q 'not built yet' "$proxy_log.err"; then
				echo "SKIP: myshift proxy is not built yet"
				exit 77
			fi
			fail "proxy exited at start (rc $prc): $(head -c 2000 "$proxy_log.err")"
			return 1
		fi
		greets "$proxy_port" && return 0
		sleep 0.1
	done
	fail "proxy did not greet on port $proxy_port within 30 s; log:"
	tail -n 20 "$proxy_log.err" | sed 's/^/    | /'
	return 1
}

proxy_alive() { [ -n "$proxy_pid" ] && kill -0 "$proxy_pid" 2>/dev/null; }

proxy_rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$proxy_pid/status" 2>/dev/null; }

proxy_sanitizer_check() {
	local log=${1:-$proxy_log.err}
	if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: .*Sanitizer' "$log"; then
		fail "sanitizer report in the proxy's log $log:"
		grep -E -A 30 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$log" |
			head -n 60 | sed 's/^/    | /'
	else
		pass "no sanitizer report in the proxy's log"
	fi
}

proxy_stop() {
	local i prc
	if [ -z "$proxy_pid" ]; then
		return 0
	fi
	if ! kill -0 "$proxy_pid" 2>/dev/null; then
		wait "$proxy_pid"
		prc=$?
		fail "proxy was no longer running before the stop (rc $prc); last log lines:"
		tail -n 30 "$proxy_log.err" | sed 's/^/    | /'
		proxy_pid=
		proxy_sanitizer_check
		return 1
	fi
	kill -TERM "$proxy_pid"
	for i in $(seq 1 300); do
		kill -0 "$proxy_pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$proxy_pid" 2>/dev/null; then
		fail "proxy still running 30 s after SIGTERM; killed"
		kill -KILL "$proxy_pid"
	fi
	wait "$proxy_pid"
	prc=$?
	proxy_pid=
	if [ "$prc" -eq 0 ]; then
		pass "proxy stopped cleanly on SIGTERM"
	else
		fail "proxy exit code after SIGTERM: expected 0, got $prc; last log lines:"
		tail -n 30 "$proxy_log.err" | sed 's/^/    | /'
	fi
	proxy_sanitizer_check
}

pmariadb_as() {
	local u=$1 pw=$2
	shift 2
	timeout 300 mariadb --no-defaults -h127.0.0.1 -P"$proxy_port" -u"$u" \
		--password="$pw" --connect-timeout=10 -N -B "$@"
}

pmariadb() { pmariadb_as app "$app_pw" "$@"; }
pm_plain() { pmariadb --skip-ssl "$@"; }
pm_tls() { pmariadb --ssl --ssl-ca="$MYSHIFT_SANDBOX_CA" --ssl-verify-server-cert "$@"; }

proxy_admin() {
	curl -sS -X "$1" -H "Authorization: Bearer $(cat "$scratch/token")" \
		"http://127.0.0.1:$proxy_admin_port$2"
}
