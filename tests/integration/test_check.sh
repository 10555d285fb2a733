# `myshift check` against the sandbox: passes as set up, fails on a STATEMENT
# binlog naming binlog_format, names a keyless table in a WARN, names a
# missing privilege, and handles bad credentials, URIs and config files with
# the right exit codes and without ever printing a password.
. "$(dirname "$0")/lib.sh"
need_sandbox

sql source "DROP DATABASE IF EXISTS it_check;
	CREATE DATABASE it_check;
	CREATE TABLE it_check.keyed (id INT PRIMARY KEY, v VARCHAR(10));
	CREATE TABLE it_check.nokey (a INT, b VARCHAR(10));
	CREATE TABLE it_check.uniq_nullable (a INT, UNIQUE KEY (a));
	CREATE TABLE it_check.uniq_notnull (a INT NOT NULL, UNIQUE KEY (a));
	CREATE TABLE it_check.old_engine (id INT PRIMARY KEY) ENGINE=MyISAM;
	DROP DATABASE IF EXISTS it_check_view;
	CREATE DATABASE it_check_view;
	CREATE VIEW it_check_view.v AS SELECT 1 AS x;
	DROP USER IF EXISTS 'it_weak'@'%';
	CREATE USER 'it_weak'@'%' IDENTIFIED BY 'weak-Pw-1';
	GRANT SELECT ON *.* TO 'it_weak'@'%';"
cleanup() {
	sql source "DROP DATABASE IF EXISTS it_check; DROP DATABASE IF EXISTS it_check_view; DROP USER IF EXISTS 'it_weak'@'%';" || true
	rm -rf "$scratch"
}
trap cleanup EXIT

# 1. The sandbox as set up passes (WARNs allowed), in text and JSON.
run_myshift check
assert_eq "check exit code on the sandbox" 0 "$rc"
assert_contains "check output" "$out" "result: OK"
assert_not_contains "check output" "$out" "FAIL "
assert_match "binlog_format line" "$out" "PASS  binlog_format +binlog_format is ROW"
assert_match "target binlog line" "$out" "PASS  log_bin"
# Another test (or the demo) may have created it already.
assert_match "control schema line" "$out" '`_myshift` (can be created and written|exists and is writable)'

# 2. A keyless table is named in a WARN; unique NOT NULL keys count as keys,
#    nullable unique keys don't; the MyISAM table is named too.
keys_line=$(printf '%s\n' "$out" | grep 'keys ')
assert_match "keys line" "$keys_line" "^  WARN  keys"
assert_contains "keys line" "$keys_line" "it_check.nokey"
assert_contains "keys line" "$keys_line" "it_check.uniq_nullable"
assert_not_contains "keys line" "$keys_line" "it_check.uniq_notnull"
assert_not_contains "keys line" "$keys_line" "it_check.keyed"
assert_contains "engines line" "$(printf '%s\n' "$out" | grep 'engines ')" "it_check.old_engine (MyISAM)"

# Excluding the schema removes the warning.
run_myshift check --exclude it_check
assert_eq "check --exclude exit code" 0 "$rc"
assert_not_contains "check --exclude output" "$out" "it_check.nokey"

# A selected schema holding only a view: nothing to migrate, no crash.
run_myshift check --include it_check_view
assert_eq "view-only schema exit code" 0 "$rc"
assert_match "view-only schema tables line" "$out" "WARN  tables +no table is selected"

run_myshift check --json
assert_eq "check --json exit code" 0 "$rc"
assert_eq "json ok" true "$(printf '%s' "$out" | jq -r .ok)"
assert_eq "json fail count" 0 "$(printf '%s' "$out" | jq -r .summary.fail)"
assert_eq "json keys status" WARN \
	"$(printf '%s' "$out" | jq -r '.checks[] | select(.name=="keys") | .status')"
assert_contains "json keys message" \
	"$(printf '%s' "$out" | jq -r '.checks[] | select(.name=="keys") | .message')" "it_check.nokey"

# 3. Passwords never appear, even at trace level.
run_myshift check --log-level trace
for pw in "$MYSHIFT_SOURCE_PASSWORD" "$MYSHIFT_TARGET_PASSWORD"; do
	assert_not_contains "trace stdout" "$out" "$pw"
	assert_not_contains "trace stderr" "$err" "$pw"
done

# 4. A user without replication privileges: FAIL naming them, exit 1.
MYSHIFT_SOURCE_PASSWORD=weak-Pw-1 run_myshift check \
	--source "mysql://it_weak@127.0.0.1:${MYSHIFT_SOURCE##*:}"
assert_eq "weak user exit code" 1 "$rc"
priv_line=$(printf '%s\n' "$out" | grep -m1 'privileges ')
assert_match "weak user privileges line" "$priv_line" "^  FAIL  privileges"
assert_contains "weak user privileges line" "$priv_line" "REPLICATION SLAVE"
assert_contains "weak user privileges line" "$priv_line" "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'it_weak'@'%'"

# 5. Wrong password: clear error, exit 3, the password nowhere.
bad='Wr0ng-pa55-XyZ'
run_myshift check --source "mysql://myshift:$bad@127.0.0.1:${MYSHIFT_SOURCE##*:}"
assert_eq "wrong password exit code" 3 "$rc"
assert_match "wrong password message" "$err" "source.*127\.0\.0\.1:${MYSHIFT_SOURCE##*:}.*[Aa]ccess denied"
assert_not_contains "wrong password stderr" "$err" "$bad"
assert_not_contains "wrong password stdout" "$out" "$bad"
MYSHIFT_SOURCE_PASSWORD=$bad run_myshift check --json --log-level debug
assert_eq "wrong env password exit code" 3 "$rc"
assert_eq "wrong password json code" MS_EAUTH "$(printf '%s' "$out" | jq -r .error.code)"
assert_not_contains "wrong password json" "$out$err" "$bad"
printf '%s\n' "$bad" >"$scratch/pw"
MYSHIFT_SOURCE_PASSWORD= run_myshift check --source-password-file "$scratch/pw"
assert_eq "wrong password file exit code" 3 "$rc"
assert_not_contains "wrong password file output" "$out$err" "$bad"

# 6. Nothing listening: exit 3 naming the endpoint.
run_myshift check --source mysql://myshift@127.0.0.1:1 --retries 0
assert_eq "closed port exit code" 3 "$rc"
assert_contains "closed port message" "$err" "127.0.0.1:1"

# 7. Malformed URI and config: exit 2 with the position.
run_myshift check --source "mysql://myshift@127.0.0.1:99999"
assert_eq "bad port exit code" 2 "$rc"
assert_match "bad port message" "$err" "--source: .*port.*offset"
run_myshift check --source "postgres://x@h"
assert_eq "bad scheme exit code" 2 "$rc"
printf 'source = %s\n# comment\nthreads = 4\n' "$MYSHIFT_SOURCE" >"$scratch/bad.conf"
run_myshift check --config "$scratch/bad.conf"
assert_eq "unknown config key exit code" 2 "$rc"
assert_contains "unknown config key message" "$err" "$scratch/bad.conf:3"
assert_contains "unknown config key message" "$err" "threads"
printf 'target = "mysql://x@h\n' >"$scratch/quote.conf"
run_myshift check --config "$scratch/quote.conf"
assert_eq "bad quote config exit code" 2 "$rc"
assert_contains "bad quote config message" "$err" "$scratch/quote.conf:1"
printf 'source = mysql://u@h:0\n' >"$scratch/uri.conf"
run_myshift check --config "$scratch/uri.conf"
assert_eq "bad URI in config exit code" 2 "$rc"
assert_contains "bad URI in config message" "$err" "$scratch/uri.conf:1"
run_myshift check --config "$scratch/missing.conf"
assert_eq "missing config exit code" 2 "$rc"
run_myshift check --no-such-flag
assert_eq "unknown flag exit code" 2 "$rc"
assert_contains "unknown flag message" "$err" "--no-such-flag"

# 8. A good config file works, and flags win over it.
printf 'source = mysql://myshift@127.0.0.1:1\nexclude = it_check\n' >"$scratch/good.conf"
run_myshift check --config "$scratch/good.conf" --source "$MYSHIFT_SOURCE"
assert_eq "config + flag exit code" 0 "$rc"
assert_not_contains "config exclude applied" "$out" "it_check.nokey"

finish
