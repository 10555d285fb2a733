#!/usr/bin/env bash
# The proxy's admin API and proxy-ctl: the token (401 without it or with a
# wrong one, a short token refused at start), the error statuses (404, 405,
# 400 naming the parameter), /status, /sessions and its fields, /routes, a
# route change that affects new sessions only, /metrics as valid
# Prometheus text (names myshift_proxy_*, histograms cumulative), and
# proxy-ctl's text and --json outputs and exit statuses (2 for a bad route
# or backend, 3 when the proxy cannot be reached).
. "$MYSHIFT_ROOT/tests/integration/lib.sh"
. "$MYSHIFT_ROOT/tests/integration/proxy_load_lib.sh"
need_sandbox
need_proxy_tools

db=it_proxy_admin
sport=${MYSHIFT_SOURCE##*:}
sport=${sport%%[/?]*}
tport=${MYSHIFT_TARGET##*:}
tport=${tport%%[/?]*}

cleanup() {
	sess_close_all
	proxy_stop
	sql source "DROP DATABASE IF EXISTS $db; DROP DATABASE IF EXISTS ${db}_r" 2>/dev/null
	sql target "DROP DATABASE IF EXISTS $db; DROP DATABASE IF EXISTS ${db}_r" 2>/dev/null
	rm -rf "$scratch"
}
trap cleanup EXIT

app_user_create
for role in source target; do
	sql "$role" "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db;
		DROP DATABASE IF EXISTS ${db}_r; CREATE DATABASE ${db}_r"
done

# --- refused configurations ----------------------------------------------------
p=$(free_port)
a=$(free_port)
printf 'short-token\n' >"$scratch/short-token"
run_myshift proxy --source "$MYSHIFT_SOURCE" --listen "127.0.0.1:$p" \
	--admin-listen "127.0.0.1:$a" --admin-token-file "$scratch/short-token" \
	--user "$APP_USER:$APP_PW"
if [ "$rc" != 0 ] && printf '%s' "$err" | grep -qi token; then
	pass "a 11-byte admin token is refused (exit $rc)"
else
	fail "a short admin token: exit $rc, stderr: $err"
fi
assert_not_contains "the refusal" "$err" "short-token"
run_myshift proxy --source "$MYSHIFT_SOURCE" --listen "127.0.0.1:$p" \
	--admin-listen "0.0.0.0:$a" --admin-token-file "$proxy_token_file" \
	--user "$APP_USER:$APP_PW"
if [ "$rc" != 0 ] && printf '%s' "$err" | grep -qi loopback; then
	pass "a non-loopback admin address is refused (exit $rc)"
else
	fail "--admin-listen 0.0.0.0: exit $rc, stderr: $err"
fi

proxy_start admin --target "$MYSHIFT_TARGET" \
	--route "reports user=$APP_USER schema=${db}_r backend=target"

# --- authentication ---------------------------------------------------------------
for path in /status /sessions /routes /metrics "/moves?id=1"; do
	admin GET "$path" -
	assert_eq "GET $path without a token" 401 "$http_code"
	admin GET "$path" "not-the-token-0123456789"
	assert_eq "GET $path with a wrong token" 401 "$http_code"
done
admin POST /pause "not-the-token-0123456789"
assert_eq "POST /pause with a wrong token" 401 "$http_code"
admin POST "/move?route=default&to=target" -
assert_eq "POST /move without a token" 401 "$http_code"
admin GET /routes
assert_eq "routes after refused requests: none paused, default on source" \
	"default source false" "$(printf '%s' "$body" | jarr routes | jq -r '.[] | select(.name == "default") |
		"\(.name) \(.backend) \(.paused)"')"

# --- errors ---------------------------------------------------------------------------
admin GET /nosuch
assert_eq "GET /nosuch" 404 "$http_code"
admin GET /pause
assert_eq "GET /pause (wrong method)" 405 "$http_code"
admin POST /status
assert_eq "POST /status (wrong method)" 405 "$http_code"
admin POST "/move?route=default&to=nowhere"
assert_eq "POST /move to=nowhere" 400 "$http_code"
assert_contains "its error" "$(printf '%s' "$body" | jq -r .error)" nowhere
admin POST "/routes/set?route=nosuch&backend=target"
if [ "$http_code" = 404 ] || [ "$http_code" = 400 ]; then
	pass "POST /routes/set route=nosuch: $http_code"
else
	fail "POST /routes/set route=nosuch: $http_code $body"
fi
assert_contains "its error" "$(printf '%s' "$body" | jq -r .error)" nosuch
admin GET "/moves?id=999999"
assert_eq "GET /moves?id=999999" 404 "$http_code"
big=$(head -c 9000 /dev/zero | tr '\0' a)
code=$(curl -s -o /dev/null -w '%{http_code}' -m 10 -H "Authorization: Bearer $proxy_token" \
	-H "X-Big: $big" "http://127.0.0.1:$admin_port/status")
assert_eq "a 9 KB header" 413 "$code"

# --- /status ----------------------------------------------------------------------------
admin GET /status
assert_eq "GET /status" 200 "$http_code"
assert_eq "/status is a JSON object" object "$(printf '%s' "$body" | jq -r type)"
assert_contains "/status" "$body" '"source"'
assert_contains "/status" "$body" '"target"'

# --- /sessions and a route change ---------------------------------------------------------
sess_open idle "$db"
assert_eq "idle session's backend port" "$sport" "$(sess_sql idle "SELECT @@port")"
sess_open trx "$db"
sess_sql trx "BEGIN; SELECT 1" >/dev/null
sess_open rep "${db}_r"
assert_eq "a session of route reports answers from" "$tport" "$(sess_sql rep "SELECT @@port")"
admin GET /sessions
assert_eq "GET /sessions" 200 "$http_code"
s=$(printf '%s' "$body" | jarr sessions)
assert_eq "sessions listed" 3 "$(printf '%s' "$s" | jq length)"
for f in id user schema backend in_transaction movable state; do
	assert_eq "sessions with field '$f'" 3 "$(printf '%s' "$s" | jq --arg f "$f" '[.[] | select(has($f))] | length')"
done
row() { printf '%s' "$s" | jq -r --arg d "$1" '.[] | select(.schema == $d) | '"$2"; }
assert_eq "idle session" "$APP_USER $db source false true" \
	"$(row "$db" 'select(.in_transaction == false) | "\(.user) \(.schema) \(.backend) \(.in_transaction) \(.movable)"')"
assert_eq "session in a transaction" "$db source true" \
	"$(row "$db" 'select(.in_transaction == true) | "\(.schema) \(.backend) \(.in_transaction)"')"
assert_eq "route reports session" "${db}_r target" "$(row "${db}_r" '"\(.schema) \(.backend)"')"
assert_eq "session ids are distinct" 3 "$(printf '%s' "$s" | jq '[.[].id] | unique | length')"
sess_sql trx "COMMIT" >/dev/null

ctl route default target
assert_eq "proxy-ctl route default target" 0 "$rc"
admin GET /routes
assert_eq "GET /routes" 200 "$http_code"
assert_eq "routes" "reports target false,default target false" \
	"$(printf '%s' "$body" | jarr routes | jq -r 'map("\(.name) \(.backend) \(.paused)") | join(",")')"
assert_eq "the existing session stays on the source" "$sport" "$(sess_sql idle "SELECT @@port")"
assert_eq "a new session goes to the target" "$tport" "$(pcli "$db" -e "SELECT @@port")"
admin GET /sessions
assert_eq "the existing session's backend in /sessions" source \
	"$(printf '%s' "$body" | jarr sessions | jq -r --arg d "$db" \
		'.[] | select(.schema == $d and .in_transaction == false) | .backend' | sort -u | paste -sd,)"
admin POST "/routes/set?route=default&backend=source"
assert_eq "POST /routes/set default source" 200 "$http_code"
assert_eq "a new session after the route went back" "$sport" "$(pcli "$db" -e "SELECT @@port")"

# --- pause and resume by route --------------------------------------------------------------
ctl pause reports
assert_eq "proxy-ctl pause reports" 0 "$rc"
admin GET /routes
assert_eq "paused routes" "reports true,default false" \
	"$(printf '%s' "$body" | jarr routes | jq -r 'map("\(.name) \(.paused)") | join(",")')"
sess_send rep "SELECT 'held', @@port"
assert_eq "route default still answers while reports is paused" "$sport" \
	"$(sess_sql idle "SELECT @@port")"
got=$(sess_recv rep 2)
assert_eq "a statement of the paused route after 2 s" "(no answer from session rep within 2 s)" "$got"
ctl resume reports
assert_eq "proxy-ctl resume reports" 0 "$rc"
assert_eq "the held statement answers after resume" "held	$tport" "$(sess_recv rep)"

# --- /metrics ------------------------------------------------------------------------------------
admin GET /metrics
assert_eq "GET /metrics" 200 "$http_code"
printf '%s\n' "$body" >"$scratch/metrics.txt"
# Prometheus text format 0.0.4: HELP/TYPE comments, one TYPE per family
# before its samples, names myshift_proxy_*, label syntax, numeric values,
# histogram buckets cumulative with le="+Inf" equal to _count.
problems=$(awk '
	function bad(m) { print "line " NR ": " m ": " $0; n++ }
	/^$/ { next }
	/^# HELP / { next }
	/^# TYPE / {
		if ($3 in type) bad("second TYPE for " $3)
		if ($4 !~ /^(counter|gauge|histogram|summary|untyped)$/) bad("bad type")
		type[$3] = $4; next
	}
	/^#/ { bad("unknown comment"); next }
	{
		if (!match($0, /^[a-zA-Z_:][a-zA-Z0-9_:]*/)) { bad("no metric name"); next }
		name = substr($0, 1, RLENGTH); rest = substr($0, RLENGTH + 1); labels = ""
		if (substr(rest, 1, 1) == "{") {
			e = index(rest, "}")
			if (!e) { bad("unterminated labels"); next }
			labels = substr(rest, 2, e - 2); rest = substr(rest, e + 1)
			if (labels != "" && labels !~ /^[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*,?$/)
				bad("bad labels")
		}
		if (rest !~ /^ [-+]?([0-9.]+([eE][-+]?[0-9]+)?|Inf|NaN)( -?[0-9]+)?$/) bad("bad value")
		if (name !~ /^myshift_proxy_/) bad("name outside myshift_proxy_")
		base = name; sub(/_(bucket|sum|count)$/, "", base)
		if (!(name in type) && !(base in type)) bad("sample before its TYPE")
		samples++
		if (base in type && type[base] == "histogram" && name ~ /_bucket$/) {
			le = labels; sub(/.*le="/, "", le); sub(/".*/, "", le)
			key = labels; gsub(/,?le="[^"]*"/, "", key); key = base "{" key "}"
			v = rest; sub(/^ /, "", v); sub(/ .*/, "", v)
			if (key in last && v + 0 < last[key]) bad("bucket below the previous one")
			last[key] = v + 0
			if (le == "+Inf") inf[key] = v + 0
		}
		if (base in type && type[base] == "histogram" && name ~ /_count$/) {
			key = labels; key = base "{" key "}"
			v = rest; sub(/^ /, "", v); sub(/ .*/, "", v); cnt[key] = v + 0
		}
	}
	END {
		for (k in cnt) if (!(k in inf) || inf[k] != cnt[k]) { print k ": +Inf bucket " inf[k] " != count " cnt[k]; n++ }
		if (samples < 5) { print "only " samples " samples"; n++ }
		exit n > 0
	}' "$scratch/metrics.txt")
if [ $? = 0 ]; then
	pass "/metrics parses as Prometheus text ($(grep -c '^myshift_proxy_' "$scratch/metrics.txt") samples, $(grep -c '^# TYPE' "$scratch/metrics.txt") families)"
else
	fail "/metrics is not valid Prometheus text:"
	printf '%s\n' "$problems" | head -n 20 | sed 's/^/    | /'
fi
for m in myshift_proxy_connections_total myshift_proxy_queries_total myshift_proxy_backend_up; do
	assert_match "/metrics" "$(cat "$scratch/metrics.txt")" "^$m[{ ]"
done
c=$(metric myshift_proxy_connections_total)
if [ -n "$c" ] && [ "$c" -ge 5 ]; then pass "connections_total $c >= 5"; else fail "connections_total '$c' after 5 client logins"; fi
assert_eq "backend_up{source}" 1 "$(metric myshift_proxy_backend_up 'backend="source"')"
assert_eq "backend_up{target}" 1 "$(metric myshift_proxy_backend_up 'backend="target"')"

# --- proxy-ctl outputs ---------------------------------------------------------------------------
for cmd in status sessions routes metrics; do
	ctl "$cmd"
	assert_eq "proxy-ctl $cmd exit status" 0 "$rc"
	[ -n "$out" ] && pass "proxy-ctl $cmd prints $(printf '%s\n' "$out" | wc -l) lines" ||
		fail "proxy-ctl $cmd printed nothing (stderr: $err)"
	ctl "$cmd" --json
	assert_eq "proxy-ctl $cmd --json exit status" 0 "$rc"
	if printf '%s' "$out" | jq -e . >/dev/null 2>&1; then
		pass "proxy-ctl $cmd --json is JSON"
	else
		fail "proxy-ctl $cmd --json is not JSON: $(printf '%s' "$out" | head -c 300)"
	fi
done
ctl sessions
assert_contains "proxy-ctl sessions" "$out" "$APP_USER"
assert_contains "proxy-ctl sessions" "$out" "${db}_r"
ctl routes
assert_contains "proxy-ctl routes" "$out" reports
ctl metrics
assert_contains "proxy-ctl metrics" "$out" myshift_proxy_queries_total
ctl sessions --json
assert_eq "proxy-ctl sessions --json: sessions" 3 \
	"$(printf '%s' "$out" | jarr sessions | jq length)"

# --- proxy-ctl exit statuses ----------------------------------------------------------------------
ctl route nosuch target
assert_eq "proxy-ctl route nosuch target: exit status" 2 "$rc"
assert_contains "its message" "$err$out" nosuch
ctl route default nowhere
assert_eq "proxy-ctl route default nowhere: exit status" 2 "$rc"
ctl move nosuch target
assert_eq "proxy-ctl move nosuch target: exit status" 2 "$rc"
ctl frobnicate
assert_eq "proxy-ctl frobnicate: exit status" 2 "$rc"
"$MYSHIFT_BIN" proxy-ctl --admin "127.0.0.1:$admin_port" --admin-token-file "$scratch/short-token" \
	status >/dev/null 2>"$scratch/ctl-badtoken.err"
rc=$?
if [ "$rc" != 0 ]; then pass "proxy-ctl with a wrong token: exit $rc ($(head -n 1 "$scratch/ctl-badtoken.err"))"; else fail "proxy-ctl with a wrong token exits 0"; fi

sess_close idle
sess_close trx
sess_close rep
live=$admin_port
proxy_stop
assert_eq "proxy exit status after SIGTERM" 0 "$proxy_rc"
"$MYSHIFT_BIN" proxy-ctl --admin "127.0.0.1:$live" --admin-token-file "$proxy_token_file" \
	status >/dev/null 2>"$scratch/ctl-down.err"
assert_eq "proxy-ctl status with the proxy down: exit status" 3 "$?"
assert_contains "its message" "$(cat "$scratch/ctl-down.err")" "127.0.0.1:$live"

finish
