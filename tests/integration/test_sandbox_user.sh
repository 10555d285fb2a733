# scripts/sandbox works for an unprivileged user too, not only as root: when
# this test runs as root it starts a second, throwaway sandbox on other
# ports as an unprivileged account, checks both servers answer with the
# settings a migration needs, and destroys it. As a normal user the main
# sandbox already proves it, so the test says so and skips.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: running as a normal user already; scripts/test's sandbox covers it"
	exit 77
fi
user=myshift-it
id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /bin/bash "$user"
dir=$(mktemp -d /tmp/myshift-sb-user.XXXXXX)
chown "$user" "$dir"
as_user() {
	runuser -u "$user" -- env MYSHIFT_SANDBOX_DIR="$dir/sb" \
		MYSHIFT_SANDBOX_SOURCE_PORT=33091 MYSHIFT_SANDBOX_TARGET_PORT=33092 \
		MYSHIFT_SANDBOX_BUFFER_POOL=64M TMPDIR="$dir" "$@"
}
cleanup() {
	as_user "$MYSHIFT_ROOT/scripts/sandbox" destroy >/dev/null 2>&1 || true
	rm -rf "$dir" "$scratch"
}
trap cleanup EXIT

start_out=$(as_user "$MYSHIFT_ROOT/scripts/sandbox" start 2>&1)
assert_eq "sandbox start as $user exit code" 0 "$?"
assert_contains "sandbox start output" "$start_out" "mysql://myshift@127.0.0.1:33091"
status_out=$(as_user "$MYSHIFT_ROOT/scripts/sandbox" status 2>&1)
assert_eq "sandbox status exit code" 0 "$?"
assert_match "source runs" "$status_out" "^source: running .*port=33091"
assert_match "target runs" "$status_out" "target: running .*port=33092"
pid=$(cat "$dir/sb/source/mariadbd.pid")
assert_eq "server process owner" "$user" "$(ps -o user= -p "$pid" | tr -d ' ')"
env_out=$(as_user "$MYSHIFT_ROOT/scripts/sandbox" env)
eval "$env_out"
vars=$(mariadb --no-defaults -h127.0.0.1 -P33091 -umyshift -p"$MYSHIFT_SOURCE_PASSWORD" -N -B \
	-e "SELECT @@binlog_format, @@binlog_row_image, @@server_id, @@log_bin" 2>&1)
assert_eq "source settings" "ROW	FULL	1	1" "$vars"
vars=$(mariadb --no-defaults -h127.0.0.1 -P33092 -umyshift -p"$MYSHIFT_TARGET_PASSWORD" -N -B \
	-e "SELECT @@server_id, @@log_bin" 2>&1)
assert_eq "target settings" "2	1" "$vars"
# Idempotent: a second start changes nothing and succeeds.
as_user "$MYSHIFT_ROOT/scripts/sandbox" start >/dev/null 2>&1
assert_eq "second start exit code" 0 "$?"
assert_eq "same server after second start" "$pid" "$(cat "$dir/sb/source/mariadbd.pid")"
finish
