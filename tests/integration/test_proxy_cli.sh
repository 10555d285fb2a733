# `myshift proxy` options: every usage error exits 2 naming the option (or
# the config line) and never prints a password; these need no server.
# With the sandbox: a proxy started from a config file with
# --users-from-source only, a login through it, and a clean SIGTERM.
. "$(dirname "$0")/lib.sh"

unset MYSHIFT_PROXY_TOKEN
sandbox_target=${MYSHIFT_TARGET:-}
unset MYSHIFT_TARGET
src='mysql://myshift@127.0.0.1:1'
pw='Very-Secret-pw-4711'
token=$scratch/token
printf '0123456789abcdef-token\n' >"$token"
short=$scratch/short
printf 'short\n' >"$short"

# expect_usage WHAT NEEDLE ARGS...: exit 2, NEEDLE in stderr, no password.
expect_usage() {
	local what=$1 needle=$2
	shift 2
	# A mistake here must not leave a proxy running: 30 s at most.
	timeout 30 "$MYSHIFT_BIN" proxy "$@" >"$scratch/out" 2>"$scratch/err"
	rc=$?
	err=$(cat "$scratch/err")
	assert_eq "$what: exit code" 2 "$rc"
	assert_contains "$what: message" "$err" "$needle"
	assert_not_contains "$what: message" "$err" "$pw"
}

# The admin token.
expect_usage "no token" "--admin-token-file FILE or set MYSHIFT_PROXY_TOKEN" \
	--source "$src" --user "app:$pw"
expect_usage "short token file" "--admin-token-file: the admin token has 5 bytes, at least 16" \
	--source "$src" --user "app:$pw" --admin-token-file "$short"
MYSHIFT_PROXY_TOKEN=short expect_usage "short token env" \
	"MYSHIFT_PROXY_TOKEN: the admin token has 5 bytes" --source "$src" --user "app:$pw"
expect_usage "missing token file" "cannot read '$scratch/nope'" \
	--source "$src" --user "app:$pw" --admin-token-file "$scratch/nope"

t=(--admin-token-file "$token" --source "$src")

# Users: the user is named, the password never.
expect_usage "no users" "no users: give --user" "${t[@]}"
expect_usage "user without colon" "--user: user spec without ':'" "${t[@]}" --user "$pw"
expect_usage "user with empty name" "--user: user spec with an empty name" "${t[@]}" --user ":$pw"
expect_usage "user with a bad hash" \
	"--user: user 'bob': bad mysql_native_password hash" \
	"${t[@]}" --user "bob:*012345678901234567890123456789012345678X"
expect_usage "user twice" "user 'app' given twice" "${t[@]}" --user "app:$pw" --user "app:$pw"

# Routes: the spec is named.
u=(--user "app:$pw")
expect_usage "route with unknown backend" \
	"--route: route 'r1 user=a% backend=replica': unknown backend 'replica'" \
	"${t[@]}" "${u[@]}" --route "r1 user=a% backend=replica"
expect_usage "route without backend" "route 'r1 schema=s': missing backend" \
	"${t[@]}" "${u[@]}" --route "r1 schema=s"
expect_usage "route to a missing target" "backend=target but no target is configured" \
	"${t[@]}" "${u[@]}" --route "r1 backend=target"
expect_usage "route names twice" "route name 'r1' used twice" \
	"${t[@]}" "${u[@]}" --route "r1 backend=source" --route "r1 user=x backend=source"
expect_usage "route unknown key" "unknown key 'host'" \
	"${t[@]}" "${u[@]}" --route "r1 host=x backend=source"

# Addresses and numbers.
expect_usage "admin not loopback" "--admin-listen: '0.0.0.0:6034' is not a loopback address" \
	"${t[@]}" "${u[@]}" --admin-listen 0.0.0.0:6034
expect_usage "bad listen" "--listen: 'nowhere' is not HOST:PORT" \
	"${t[@]}" "${u[@]}" --listen nowhere
expect_usage "bad port" "--listen: '127.0.0.1:70000'" \
	"${t[@]}" "${u[@]}" --listen 127.0.0.1:70000
expect_usage "shadow rate range" "--shadow-rate: '2' is not a fraction" \
	"${t[@]}" "${u[@]}" --shadow-rate 2
expect_usage "shadow without target" "--shadow-rate: shadow reads need a target" \
	"${t[@]}" "${u[@]}" --shadow-rate 0.5
expect_usage "max connections" "--max-connections" \
	"${t[@]}" "${u[@]}" --max-connections 0
expect_usage "health interval" "--health-interval" \
	"${t[@]}" "${u[@]}" --health-interval 10
expect_usage "default auth" "--default-auth: unknown value 'sha256_password'" \
	"${t[@]}" "${u[@]}" --default-auth sha256_password
expect_usage "cert without key" "--tls-cert and --tls-key go together" \
	"${t[@]}" "${u[@]}" --tls-cert "$token"
expect_usage "require tls without cert" "--require-tls needs --tls-cert" \
	"${t[@]}" "${u[@]}" --require-tls
MYSHIFT_SOURCE= expect_usage "no source" "no source given" --admin-token-file "$token" "${u[@]}"

# The same keys in a config file: errors name FILE:LINE.
cat >"$scratch/proxy.conf" <<EOF
source = $src
admin-token-file = $token
user = app:$pw
route = bad backend=nowhere
EOF
expect_usage "config route" "proxy.conf:4: route 'bad backend=nowhere'" \
	--config "$scratch/proxy.conf"

if [ -n "${MYSHIFT_SOURCE_ADMIN:-}" ] && [ -n "$sandbox_target" ]; then
	# A real start from a config file: users from the source only (the
	# sandbox's myshift user exists on both servers with one password).
	port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	aport=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	cat >"$scratch/run.conf" <<EOF
source = $MYSHIFT_SOURCE
target = $sandbox_target
listen = 127.0.0.1:$port
admin-listen = 127.0.0.1:$aport
admin-token-file = $token
users-from-source = yes
user = extra:$pw
route = all backend=source
health-interval = 200
log-level = debug
EOF
	"$MYSHIFT_BIN" proxy --config "$scratch/run.conf" >"$scratch/p.out" 2>"$scratch/p.err" &
	ppid=$!
	ok=
	for i in $(seq 1 300); do
		if mariadb --no-defaults -h127.0.0.1 -P"$port" -umyshift \
			-p"$MYSHIFT_SOURCE_PASSWORD" --connect-timeout=5 -N -B \
			-e 'SELECT CURRENT_USER()' >"$scratch/q.out" 2>"$scratch/q.err"; then
			ok=1
			break
		fi
		kill -0 "$ppid" 2>/dev/null || break
		sleep 0.1
	done
	assert_eq "login through the proxy as a source user" "myshift@%" "$(cat "$scratch/q.out")"
	[ -n "$ok" ] || sed 's/^/    | /' "$scratch/q.err" "$scratch/p.err" | tail -n 20
	kill -TERM "$ppid"
	wait "$ppid"
	assert_eq "proxy exit code after SIGTERM" 0 "$?"
	log=$(cat "$scratch/p.err")
	assert_contains "users loaded" "$log" "event=users_loaded"
	assert_not_contains "debug log" "$log" "$pw"
	assert_not_contains "debug log" "$log" "0123456789abcdef-token"
	assert_not_contains "debug log" "$log" "$MYSHIFT_SOURCE_PASSWORD"
else
	echo "skip [$test_name]: sandbox part (no sandbox environment)"
fi

finish
