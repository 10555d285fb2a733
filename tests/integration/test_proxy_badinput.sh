# Bad input against `myshift proxy` (tests/clients/badclient.py, stdlib
# only): random bytes at connect, random and truncated handshake responses,
# logins never finished (closed by the handshake timeout), a 0xffffff-byte
# packet header and fragments past --max-packet before and after login,
# malformed and unknown commands after login, clients that do not read a
# huge result (the proxy's RSS must stay bounded and others must be
# served), clients that leave in the middle of a result (their backend
# queries must end). Throughout, a mariadb CLI loop must keep succeeding;
# at the end the proxy must still run, then stop cleanly without a
# sanitizer report.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
need_proxy
proxy_setup

max_packet=20971520
rss_limit_mb=${MYSHIFT_PROXY_RSS_LIMIT_MB:-200}
handshake_timeout=10 # the proxy's default; no command-line option sets it
# Under AddressSanitizer freed memory waits in a quarantine (256 MB by
# default) and stays resident: keep it small so RSS shows live memory.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8
proxy_start --max-packet "$max_packet" || finish
echo "     proxy pid $proxy_pid, RSS at start $(($(proxy_rss_kb) / 1024)) MB"

# The healthy client: the mariadb CLI in a loop the whole time.
: >"$scratch/loop.ok"
: >"$scratch/loop.fail"
(
	while [ ! -e "$scratch/loop.stop" ]; do
		if r=$(pm_plain -e "SELECT 'healthy'" 2>&1) && [ "$r" = healthy ]; then
			echo . >>"$scratch/loop.ok"
		else
			printf '%s %s\n' "$(date +%T)" "$r" >>"$scratch/loop.fail"
		fi
		sleep 0.2
	done
) &
loop_pid=$!

timeout 900 /usr/bin/python3 "$MYSHIFT_ROOT/tests/clients/badclient.py" --port "$proxy_port" \
	--user app --password "$app_pw" --schema "$proxy_schema" --pid "$proxy_pid" \
	--max-packet "$max_packet" --handshake-timeout "$handshake_timeout" \
	--rss-limit-mb "$rss_limit_mb" >"$scratch/bad.out" 2>&1
rc=$?
sed 's/^/    /' "$scratch/bad.out"
assert_eq "badclient.py exit code (its FAIL lines above)" 0 "$rc"

touch "$scratch/loop.stop"
wait "$loop_pid"
n_ok=$(wc -l <"$scratch/loop.ok")
n_fail=$(wc -l <"$scratch/loop.fail")
assert_eq "mariadb CLI loop beside the bad clients: failures" 0 "$n_fail"
[ "$n_fail" -gt 0 ] && head -n 5 "$scratch/loop.fail" | sed 's/^/    | /'
if [ "$n_ok" -ge 20 ]; then pass "mariadb CLI loop: $n_ok queries answered"; else fail "mariadb CLI loop: only $n_ok queries answered"; fi

# The results nobody reads any more: their backend queries must end
# (the pattern is split so this query does not match itself).
left=
for i in $(seq 1 300); do
	left=$(sql source "SELECT COUNT(*) FROM information_schema.processlist
		WHERE user = 'app' AND (info LIKE CONCAT('%it_proxy_', 'slow%')
		OR info LIKE CONCAT('%it_proxy_', 'mid_result%'))")
	[ "$left" = 0 ] && break
	sleep 0.1
done
assert_eq "backend queries of clients that left, still running after 30 s" 0 "$left"

if proxy_alive; then pass "proxy still running after the bad clients"; else fail "proxy died during the bad clients"; fi
echo "     proxy RSS at the end $(($(proxy_rss_kb) / 1024)) MB"
out=$(pm_plain -e "SELECT 'still serving'" 2>&1)
assert_eq "a query after the bad clients" "still serving" "$out"
proxy_stop
finish
