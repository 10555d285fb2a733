#!/usr/bin/env bash
# sysbench through `myshift proxy`: oltp_read_write with server-side
# prepared statements (--db-ps-mode=auto), 8 threads, plain, then
# oltp_point_select, then oltp_read_write over TLS (--require-tls); every run must end with 0 errors and 0
# reconnects, and the proxy's /metrics must have counted at least the
# statements sysbench ran. MYSHIFT_PROXY_SB_SECONDS (20) sets each run's
# length.
. "$MYSHIFT_ROOT/tests/integration/lib.sh"
. "$MYSHIFT_ROOT/tests/integration/proxy_load_lib.sh"
need_sandbox
need_proxy_tools

secs=${MYSHIFT_PROXY_SB_SECONDS:-20}
db=it_proxy_sysbench
tlsdir=$MYSHIFT_SANDBOX_DIR/tls
sport=${MYSHIFT_SOURCE##*:}
sport=${sport%%[/?]*}
sbargs=(--mysql-db="$db" --tables=4 --table-size=10000)

cleanup() {
	proxy_stop
	sql source "DROP DATABASE IF EXISTS $db" 2>/dev/null
	rm -rf "$scratch"
}
trap cleanup EXIT

app_user_create
sql source "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db"
SB_PORT=$sport sb oltp_read_write "${sbargs[@]}" prepare >"$scratch/prepare.txt" 2>&1 ||
	{ echo "FAIL: sysbench prepare on the source:"; cat "$scratch/prepare.txt"; exit 1; }

# sysbench --mysql-ssl=on (1.0.20) loads cacert.pem, client-cert.pem and
# client-key.pem from its working directory.
mkdir -p "$scratch/sbtls"
cp "$tlsdir/ca.pem" "$scratch/sbtls/cacert.pem"
openssl req -newkey rsa:2048 -nodes -subj "/CN=sysbench client" \
	-keyout "$scratch/sbtls/client-key.pem" -out "$scratch/sbtls/client.csr" 2>/dev/null &&
	openssl x509 -req -in "$scratch/sbtls/client.csr" -days 2 -CA "$tlsdir/ca.pem" \
		-CAkey "$tlsdir/ca-key.pem" -CAserial "$scratch/sbtls/ca.srl" -CAcreateserial \
		-out "$scratch/sbtls/client-cert.pem" 2>/dev/null ||
	{ echo "FAIL: cannot make the sysbench client certificate"; exit 1; }

# --- plain ----------------------------------------------------------------
proxy_start plain
dl_start=$(deadlocks)
q0=$(metric myshift_proxy_queries_total 'backend="source"')
assert_match "myshift_proxy_queries_total{backend=source} before the load" "$q0" '^[0-9]+$'
d0=$(deadlocks)
sb oltp_read_write "${sbargs[@]}" --db-ps-mode=auto --threads=8 --time="$secs" \
	--report-interval=5 run >"$scratch/rw-plain.txt" 2>&1
rc=$?
sb_check "oltp_read_write, prepared statements, plain" "$scratch/rw-plain.txt" $rc $(($(deadlocks) - d0))
q1=$(metric myshift_proxy_queries_total 'backend="source"')
sbq=$(sb_val "$scratch/rw-plain.txt" queries)
if [ -n "$q0" ] && [ -n "$q1" ] && [ -n "$sbq" ] && [ $((q1 - q0)) -ge "$sbq" ]; then
	pass "queries_total{source} grew by $((q1 - q0)) >= sysbench's $sbq statements"
else
	fail "queries_total{source} went '$q0' -> '$q1', sysbench ran '$sbq' statements"
fi
t=$(metric myshift_proxy_queries_total 'backend="target"')
if [ -z "$t" ] || [ "$t" = 0 ]; then
	pass "queries_total{target} is '${t:-absent}' (no route to the target)"
else
	fail "queries_total{target} is '$t' with no route to the target"
fi

# --- point selects ---------------------------------------------------------
sb oltp_point_select "${sbargs[@]}" --db-ps-mode=auto --threads=8 --time="$secs" \
	run >"$scratch/ps.txt" 2>&1
sb_check "oltp_point_select" "$scratch/ps.txt" $?
q2=$(metric myshift_proxy_queries_total 'backend="source"')
sbq=$(sb_val "$scratch/ps.txt" queries)
if [ -n "$q2" ] && [ -n "$sbq" ] && [ $((q2 - q1)) -ge "$sbq" ]; then
	pass "queries_total{source} grew by $((q2 - q1)) >= sysbench's $sbq point selects"
else
	fail "queries_total{source} went '$q1' -> '$q2', sysbench ran '$sbq' statements"
fi
# The ERR packets the proxy relayed: the servers' deadlocks, nothing else.
e=$(metric myshift_proxy_query_errors_total 'backend="source"')
assert_eq "query_errors_total{source} = server deadlocks meanwhile" "$(($(deadlocks) - dl_start))" "${e:-absent}"
proxy_stop
assert_eq "proxy exit status after SIGTERM" 0 "$proxy_rc"

# --- TLS --------------------------------------------------------------------
# sysbench --mysql-ssl=on with libmariadb falls back to plain when the
# server offers no TLS, so the proxy refuses plain clients here: a
# successful run then went over TLS.
proxy_start tls --tls-cert "$tlsdir/server-cert.pem" --tls-key "$tlsdir/server-key.pem" --require-tls
st=$(MYSQL_PWD=$APP_PW mariadb --no-defaults -h 127.0.0.1 -P "$proxy_port" -u "$APP_USER" \
	--ssl --ssl-ca="$tlsdir/ca.pem" --ssl-verify-server-cert -e status 2>&1)
assert_match "mariadb --ssl-verify-server-cert through the proxy" "$st" 'SSL:[[:space:]]+Cipher in use is'
sb oltp_point_select "${sbargs[@]}" --threads=1 --time=2 run >"$scratch/no-tls.txt" 2>&1
rc=$?
if [ "$rc" != 0 ] && grep -q FATAL "$scratch/no-tls.txt"; then
	pass "plain sysbench is refused by --require-tls (exit $rc: $(grep -m1 'FATAL: error' "$scratch/no-tls.txt"))"
else
	fail "plain sysbench against --require-tls: exit $rc:"
	tail -n 5 "$scratch/no-tls.txt" | sed 's/^/    | /'
fi
q0=$(metric myshift_proxy_queries_total 'backend="source"')
d0=$(deadlocks)
(cd "$scratch/sbtls" && sb oltp_read_write "${sbargs[@]}" --db-ps-mode=auto --threads=8 \
	--time="$secs" --report-interval=5 --mysql-ssl=on run) >"$scratch/rw-tls.txt" 2>&1
rc=$?
sb_check "oltp_read_write, prepared statements, TLS" "$scratch/rw-tls.txt" $rc $(($(deadlocks) - d0))
q1=$(metric myshift_proxy_queries_total 'backend="source"')
sbq=$(sb_val "$scratch/rw-tls.txt" queries)
if [ -n "$q1" ] && [ -n "$sbq" ] && [ $((q1 - q0)) -ge "$sbq" ]; then
	pass "queries_total{source} grew by $((q1 - q0)) >= sysbench's $sbq statements over TLS"
else
	fail "queries_total{source} went '$q0' -> '$q1', sysbench ran '$sbq' statements over TLS"
fi
proxy_stop
assert_eq "proxy exit status after SIGTERM" 0 "$proxy_rc"

finish
