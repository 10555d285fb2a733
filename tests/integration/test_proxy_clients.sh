# Real clients through `myshift proxy`: the mariadb CLI and mariadb-admin
# (plain, TLS, --require-tls; queries, USE, multi-statements, a procedure's
# two result sets, status/COM_STATISTICS, ping, KILL QUERY and KILL by the
# proxy's connection id, LOAD DATA LOCAL INFILE, a 20 MB value both ways
# over plain and TLS), authentication (wrong password, unknown user,
# caching_sha2_password full authentication over TLS then the fast path,
# and its refusal over plain TCP), PyMySQL and Perl DBD::MariaDB
# (tests/clients/), plain and TLS. Every proxy run must stop cleanly on
# SIGTERM without a sanitizer report, and no password may reach its logs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
need_proxy
proxy_setup

clients=$MYSHIFT_ROOT/tests/clients
S=$proxy_schema

# ---- the mariadb CLI ----------------------------------------------------
proxy_start "${tls_opts[@]}" || finish

out=$(pm_plain -e "SELECT 1 + 1, 'café', NULL" 2>&1)
assert_eq "plain: SELECT through the proxy" "$(printf '2\tcafé\tNULL')" "$out"
out=$(pm_plain -e status 2>&1)
assert_match "plain: client status shows no TLS" "$out" "SSL:[[:space:]]+Not in use"
assert_match "plain: status has COM_STATISTICS' Uptime" "$out" "Uptime:"
out=$(pm_tls -e status 2>&1)
assert_match "TLS: client status shows a cipher" "$out" "SSL:[[:space:]]+Cipher in use is"
out=$(pm_tls -e "SELECT 'over tls'" 2>&1)
assert_eq "TLS: SELECT (certificate verified against the sandbox CA)" "over tls" "$out"
out=$(pmariadb --ssl --ssl-ca="$MYSHIFT_SANDBOX_OTHER_CA" --ssl-verify-server-cert -e "SELECT 1" 2>&1)
assert_match "TLS with another CA is refused by the client" "$out" "ERROR 2026 .*certificate"

out=$(pm_plain -e "USE $S; SELECT DATABASE()" 2>&1)
assert_eq "USE (COM_INIT_DB)" "$S" "$out"
out=$(pm_plain -e "USE it_proxy_no_such_db" 2>&1)
assert_match "USE of a missing schema" "$out" "ERROR 10(44|49)"
out=$(pm_plain -D "$S" -e "SELECT DATABASE()" 2>&1)
assert_eq "schema in the handshake (-D)" "$S" "$out"

out=$(pm_plain -e 'SELECT 1; SELECT 2' 2>&1)
assert_eq "-e 'SELECT 1; SELECT 2' (the CLI splits it)" "$(printf '1\n2')" "$out"
out=$(pm_plain -e "DELIMITER //
SELECT 1; SELECT 'two', 2; DO 0; SELECT 3//" 2>&1)
assert_eq "one COM_QUERY with three statements (multi-statements)" \
	"$(printf '1\ntwo\t2\n3')" "$out"

out=$(pm_plain -D "$S" -e "DELIMITER //
CREATE PROCEDURE two_sets() BEGIN SELECT 'first'; SELECT 'second', 2; END//" 2>&1)
assert_eq "CREATE PROCEDURE through the proxy" "" "$out"
out=$(pm_plain -D "$S" -e "CALL two_sets(); SELECT 'after call'" 2>&1)
assert_eq "CALL returning two result sets, then a query" \
	"$(printf 'first\nsecond\t2\nafter call')" "$out"

out=$(timeout 60 mariadb-admin --no-defaults -h127.0.0.1 -P"$proxy_port" -uapp -p"$app_pw" --skip-ssl status 2>&1)
assert_match "mariadb-admin status (COM_STATISTICS)" "$out" "^Uptime: [0-9]+ +Threads: [0-9]+ +Questions: [0-9]+"
out=$(timeout 60 mariadb-admin --no-defaults -h127.0.0.1 -P"$proxy_port" -uapp -p"$app_pw" --ssl --ssl-ca="$MYSHIFT_SANDBOX_CA" ping 2>&1)
assert_eq "mariadb-admin ping (COM_PING) over TLS" "mysqld is alive" "$out"

# KILL QUERY <the proxy's connection id> from another session: the id the
# client knows is the proxy's (its greeting), not the backend's.
kill_run() { # kill_run NAME: a session that prints its id, sleeps 30 s, then says 'after'
	printf 'status\nSELECT SLEEP(30) AS slept;\nSELECT "after";\n' |
		timeout 120 stdbuf -oL mariadb --no-defaults -h127.0.0.1 -P"$proxy_port" -uapp -p"$app_pw" \
			--skip-ssl --force --skip-reconnect -N -B >"$scratch/$1.out" 2>&1 &
	kill_pid=$!
	kill_id=
	local i
	for i in $(seq 1 100); do
		kill_id=$(awk '/^Connection id:/ {print $3}' "$scratch/$1.out")
		[ -n "$kill_id" ] && break
		sleep 0.1
	done
	# Wait until the backend runs the SLEEP (as root, on the source).
	for i in $(seq 1 100); do
		[ "$(sql source "SELECT COUNT(*) FROM information_schema.processlist
			WHERE user = 'app' AND info = 'SELECT SLEEP(30) AS slept'")" = 1 ] && break
		sleep 0.1
	done
}
kill_run kill_query
backend_ids=$(pm_plain -e "SELECT CONNECTION_ID()")
echo "     proxy connection id of the sleeping session: $kill_id; a backend id: $backend_ids"
t0=$(date +%s)
out=$(pm_plain -e "KILL QUERY $kill_id" 2>&1)
assert_eq "KILL QUERY <proxy id> output" "" "$out"
wait "$kill_pid"
t1=$(date +%s)
out=$(cat "$scratch/kill_query.out")
assert_contains "killed session: SLEEP interrupted" "$out" "ERROR 1317 (70100) at line 2: Query execution was interrupted"
assert_match "killed session: still connected, next query ran" "$out" "^after$"
if [ $((t1 - t0)) -lt 20 ]; then pass "SLEEP(30) ended $((t1 - t0)) s after KILL QUERY"; else fail "SLEEP(30) ran $((t1 - t0)) s after KILL QUERY"; fi

kill_run kill_conn
out=$(pm_plain -e "KILL $kill_id" 2>&1)
assert_eq "KILL <proxy id> output" "" "$out"
wait "$kill_pid"
out=$(cat "$scratch/kill_conn.out")
assert_match "killed connection: the client lost it" "$out" "ERROR 2013|ERROR 2006|ERROR 1927"
if printf '%s\n' "$out" | grep -qx after; then
	fail "killed connection: a query ran after KILL <proxy id>:"
	printf '%s\n' "$out" | sed 's/^/    | /'
else
	pass "killed connection: no query ran after it"
fi
out=$(pm_plain -e "KILL QUERY 4000000000" 2>&1)
assert_contains "KILL QUERY of an unknown id" "$out" "ERROR 1094"

# LOAD DATA LOCAL INFILE: the client sends the file when the proxy asks.
/usr/bin/python3 -c 'import sys
with open(sys.argv[1], "w") as f:
    for i in range(1, 10001):
        f.write(f"{i}\tline {i}\n")' "$scratch/load.tsv"
pm_plain -D "$S" -e "CREATE TABLE cli_load (id INT PRIMARY KEY, v VARCHAR(40))"
out=$(pm_plain -D "$S" --local-infile=1 -e "LOAD DATA LOCAL INFILE '$scratch/load.tsv' INTO TABLE cli_load; SELECT ROW_COUNT()" 2>&1)
assert_eq "LOAD DATA LOCAL INFILE: ROW_COUNT()" 10000 "$out"
out=$(pm_tls -D "$S" -e "SELECT COUNT(*), SUM(id), MAX(v) FROM cli_load" 2>&1)
assert_eq "LOAD DATA LOCAL INFILE: rows stored" "$(printf '10000\t50005000\tline 9999')" "$out"
out=$(pm_tls -D "$S" --local-infile=1 -e "TRUNCATE cli_load; LOAD DATA LOCAL INFILE '$scratch/load.tsv' INTO TABLE cli_load; SELECT COUNT(*) FROM cli_load" 2>&1)
assert_eq "LOAD DATA LOCAL INFILE over TLS: rows" 10000 "$out"

# A 20 MB value: a 40 MB INSERT (hex) and a 40 MB row back, > 16 MB packets
# both ways.
head -c 20971520 /dev/urandom >"$scratch/big.bin"
big_sha=$(sha256sum "$scratch/big.bin" | cut -d' ' -f1)
/usr/bin/python3 -c 'import sys, binascii
d = open(sys.argv[1], "rb").read()
sys.stdout.write("INSERT INTO cli_big VALUES (%s, 0x%s);\n" % (sys.argv[2], binascii.hexlify(d).decode()))' \
	"$scratch/big.bin" 1 >"$scratch/big1.sql"
sed 's/^INSERT INTO cli_big VALUES (1,/INSERT INTO cli_big VALUES (2,/' "$scratch/big1.sql" >"$scratch/big2.sql"
pm_plain -D "$S" -e "CREATE TABLE cli_big (id INT PRIMARY KEY, b LONGBLOB)"
unhex_sha() { /usr/bin/python3 -c 'import sys, binascii, hashlib
print(hashlib.sha256(binascii.unhexlify(sys.stdin.read().strip())).hexdigest())'; }
for mode in plain tls; do
	id=1
	[ $mode = tls ] && id=2
	out=$("pm_$mode" -D "$S" --max-allowed-packet=64M <"$scratch/big$id.sql" 2>&1)
	rc=$?
	assert_eq "$mode: 20 MB INSERT (a 40 MB statement) exit code and output" "0 " "$rc $out"
	out=$("pm_$mode" -D "$S" -e "SELECT SHA2(b, 256) FROM cli_big WHERE id = $id" 2>&1)
	assert_eq "$mode: 20 MB value, SHA-256 on the server" "$big_sha" "$out"
	out=$("pm_$mode" -D "$S" --max-allowed-packet=64M -e "SELECT HEX(b) FROM cli_big WHERE id = $id" 2>&1 | unhex_sha)
	assert_eq "$mode: 20 MB value read back, SHA-256" "$big_sha" "$out"
done
rm -f "$scratch"/big*

# ---- authentication -----------------------------------------------------
out=$(pmariadb_as app "wrong-$app_pw" --skip-ssl -e "SELECT 1" 2>&1)
assert_match "wrong password" "$out" "^ERROR 1045 \(28000\): Access denied for user 'app'"
out=$(pmariadb_as app "wrong-$app_pw" --ssl --ssl-ca="$MYSHIFT_SANDBOX_CA" -e "SELECT 1" 2>&1)
assert_match "wrong password over TLS" "$out" "^ERROR 1045 \(28000\): Access denied for user 'app'"
out=$(pmariadb_as nobody_here "whatever-pw" --skip-ssl -e "SELECT 1" 2>&1)
assert_match "unknown user" "$out" "^ERROR 1045 \(28000\): Access denied for user 'nobody_here'"
out=$(pmariadb_as app "" --skip-ssl -e "SELECT 1" 2>&1)
assert_match "empty password" "$out" "^ERROR 1045 \(28000\): Access denied for user 'app'"
out=$(pmariadb_as app2 "$app2_pw" --skip-ssl -e "SELECT CURRENT_USER()" 2>&1)
assert_eq "second configured user" "app2@%" "$out"

# ---- PyMySQL, DBD::MariaDB -----------------------------------------------
out=$(timeout 900 /usr/bin/python3 "$clients/pymysql_client.py" --port "$proxy_port" --user app --password "$app_pw" --schema "$S" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/    /'
assert_eq "PyMySQL (plain) exit code" 0 "$rc"
out=$(timeout 900 /usr/bin/python3 "$clients/pymysql_client.py" --port "$proxy_port" --user app --password "$app_pw" --schema "$S" --ssl-ca "$MYSHIFT_SANDBOX_CA" 2>&1)
rc=$?
printf '%s\n' "$out" | grep -v '^ok' | sed 's/^/    /'
assert_eq "PyMySQL (TLS) exit code" 0 "$rc"
out=$(timeout 900 perl "$clients/dbd_client.pl" --port "$proxy_port" --user app --password "$app_pw" --schema "$S" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/    /'
assert_eq "DBD::MariaDB (plain) exit code" 0 "$rc"
out=$(timeout 900 perl "$clients/dbd_client.pl" --port "$proxy_port" --user app --password "$app_pw" --schema "$S" --ssl-ca "$MYSHIFT_SANDBOX_CA" 2>&1)
rc=$?
printf '%s\n' "$out" | grep -v '^ok' | sed 's/^/    /'
assert_eq "DBD::MariaDB (TLS) exit code" 0 "$rc"

out=$(pm_plain -e "SELECT 'proxy still serving'" 2>&1)
assert_eq "a query after all of the above" "proxy still serving" "$out"
proxy_stop

# ---- --require-tls --------------------------------------------------------
proxy_start "${tls_opts[@]}" --require-tls || finish
out=$(pm_plain -e "SELECT 1" 2>&1)
rc=$?
assert_eq "--require-tls: plain client exit code" 1 "$rc"
assert_match "--require-tls: plain client's error names TLS" "$out" "ERROR [0-9]+.*(TLS|SSL|secure transport)"
out=$(pm_tls -e "SELECT 'tls required and used'" 2>&1)
assert_eq "--require-tls: TLS client" "tls required and used" "$out"
proxy_stop

# ---- caching_sha2_password --------------------------------------------------
# With only the native hash (app:*HASH) the proxy cannot check a fast-path
# reply before someone proved the password: the first login is a full
# authentication, which needs the password in clear, so TLS (no RSA
# exchange over plain TCP). After it, the fast path works, plain or TLS.
app_hash=$(sql source "SELECT PASSWORD('$app_pw')")
proxy_users=(--user "app:$app_hash")
proxy_start "${tls_opts[@]}" --default-auth caching_sha2_password || finish
out=$(pm_plain --default-auth=caching_sha2_password -e "SELECT 1" 2>&1)
rc=$?
assert_eq "caching_sha2 full auth over plain TCP: exit code" 1 "$rc"
assert_match "caching_sha2 full auth over plain TCP: error says TLS/RSA" "$out" "ERROR [0-9]+.*(TLS|SSL|RSA|secure)"
out=$(pm_tls --default-auth=caching_sha2_password -e "SELECT CURRENT_USER()" 2>&1)
assert_eq "caching_sha2 full auth over TLS" "app@%" "$out"
out=$(pm_tls --default-auth=caching_sha2_password -e "SELECT 'fast path'" 2>&1)
assert_eq "caching_sha2 second login over TLS" "fast path" "$out"
out=$(pm_plain --default-auth=caching_sha2_password -e "SELECT 'fast path, plain'" 2>&1)
assert_eq "caching_sha2 fast path over plain TCP after a full auth" "fast path, plain" "$out"
out=$(pmariadb_as app "wrong-$app_pw" --ssl --ssl-ca="$MYSHIFT_SANDBOX_CA" --default-auth=caching_sha2_password -e "SELECT 1" 2>&1)
assert_match "caching_sha2 wrong password" "$out" "^ERROR 1045 \(28000\): Access denied for user 'app'"
out=$(pm_plain --default-auth=mysql_native_password -e "SELECT 'native client'" 2>&1)
assert_eq "a mysql_native_password client against a caching_sha2 greeting" "native client" "$out"
out=$(timeout 900 /usr/bin/python3 "$clients/pymysql_client.py" --port "$proxy_port" --user app --password "$app_pw" --schema "$S" --ssl-ca "$MYSHIFT_SANDBOX_CA" 2>&1)
rc=$?
printf '%s\n' "$out" | grep -v '^ok' | sed 's/^/    /'
assert_eq "PyMySQL (TLS) against a caching_sha2 greeting: exit code" 0 "$rc"
proxy_stop
# With the password in the config the proxy knows SHA256(SHA256(pw)): the
# fast path works from the first login, plain or TLS.
proxy_users=()
proxy_start "${tls_opts[@]}" --default-auth caching_sha2_password || finish
out=$(pm_plain --default-auth=caching_sha2_password -e "SELECT 'first login, fast path'" 2>&1)
assert_eq "caching_sha2 fast path with a configured password (plain)" "first login, fast path" "$out"
out=$(pm_tls --default-auth=caching_sha2_password -e "SELECT CURRENT_USER()" 2>&1)
assert_eq "caching_sha2 with a configured password (TLS)" "app@%" "$out"
proxy_stop

# ---- no password in any proxy log ----------------------------------------------
for f in "$scratch"/proxy.*; do
	for pw in "$app_pw" "$app2_pw" "$MYSHIFT_SOURCE_PASSWORD" "$MYSHIFT_TARGET_PASSWORD"; do
		if grep -qF -- "$pw" "$f"; then
			fail "a password appears in $(basename "$f")"
		fi
	done
done
pass "no password in the proxy logs ($(ls "$scratch"/proxy.* | wc -l) files)"
finish
