#!/usr/bin/env bash
# Shadow reads (--shadow-rate 1): with the same rows on source and target,
# every read outside a transaction is compared on the target and matches;
# after one row changes on the target only, a read of it through the proxy
# still returns the source's value to the client, the mismatch counter
# grows by one, and the proxy logs a shadow_mismatch line with the
# statement's digest.
. "$MYSHIFT_ROOT/tests/integration/lib.sh"
. "$MYSHIFT_ROOT/tests/integration/proxy_load_lib.sh"
need_sandbox
need_proxy_tools

db=it_proxy_shadow
reads=50

cleanup() {
	proxy_stop
	sql source "DROP DATABASE IF EXISTS $db" 2>/dev/null
	sql target "DROP DATABASE IF EXISTS $db" 2>/dev/null
	rm -rf "$scratch"
}
trap cleanup EXIT

app_user_create
for role in source target; do
	sql "$role" "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db;
		CREATE TABLE $db.t (id INT PRIMARY KEY, v VARCHAR(32), n DECIMAL(10,2));
		INSERT INTO $db.t SELECT seq, CONCAT('row-', seq), seq / 4 FROM $db.seq_1_to_100" ||
		{ echo "FAIL: cannot create $db.t on $role"; exit 1; }
done

proxy_start shadow --target "$MYSHIFT_TARGET" --shadow-rate 1

# shadow KIND: the sum of the myshift_proxy_shadow_* samples whose name
# holds KIND (compared, matched, mismatch, dropped, errors), 0 when none.
shadow() {
	admin GET /metrics
	printf '%s\n' "$body" | awk -v k="$1" '
		/^#/ { next }
		$1 ~ /^myshift_proxy_shadow_/ { s = $1; sub(/\{.*/, "", s); if (index(s, k)) sum += $2 }
		END { printf "%.0f\n", sum }'
}
# wait_shadow KIND N: until shadow KIND >= N (30 s); prints the value.
wait_shadow() {
	local i v
	for i in $(seq 1 300); do
		v=$(shadow "$1")
		[ "$v" -ge "$2" ] && break
		sleep 0.1
	done
	echo "$v"
}

admin GET /metrics
assert_match "/metrics lists shadow counters" "$body" '^myshift_proxy_shadow_[a-z_]*compared'
c0=$(shadow compared)
m0=$(shadow mismatch)

# --- identical rows: every read matches ------------------------------------------
for i in $(seq 1 $reads); do
	echo "SELECT id, v, n FROM $db.t WHERE id = $i;"
done >"$scratch/reads.sql"
echo "SELECT COUNT(*), SUM(n) FROM $db.t;" >>"$scratch/reads.sql"
pcli "$db" <"$scratch/reads.sql" >"$scratch/reads.out" 2>&1
assert_eq "reads through the proxy" "$((reads + 1))" "$(wc -l <"$scratch/reads.out")"
c1=$(wait_shadow compared $((c0 + reads + 1)))
if [ "$c1" -ge $((c0 + reads + 1)) ]; then
	pass "shadow compared grew by $((c1 - c0)) (>= $((reads + 1)) reads)"
else
	fail "shadow compared went $c0 -> $c1 after $((reads + 1)) reads at rate 1"
fi
assert_eq "shadow mismatches with identical data" "$m0" "$(shadow mismatch)"
assert_eq "shadow dropped" 0 "$(shadow dropped)"
assert_eq "shadow errors" 0 "$(shadow errors)"
if [ -n "$(metric myshift_proxy_shadow_matched_total)" ]; then
	assert_eq "shadow matched = compared - mismatched" "$(($(shadow compared) - $(shadow mismatch)))" \
		"$(metric myshift_proxy_shadow_matched_total)"
fi
# Inside a transaction nothing is sampled.
c2=$(shadow compared)
pcli "$db" -e "BEGIN; SELECT v FROM t WHERE id = 1; SELECT v FROM t WHERE id = 2; COMMIT" >/dev/null
sleep 1
assert_eq "shadow compared after reads inside a transaction" "$c2" "$(shadow compared)"

# --- one row differs on the target -----------------------------------------------------
sql target "UPDATE $db.t SET v = 'target-only' WHERE id = 7"
assert_eq "the client gets the source's row" "7	row-7" \
	"$(pcli "$db" -e "SELECT id, v FROM t WHERE id = 7")"
m1=$(wait_shadow mismatch $((m0 + 1)))
assert_eq "shadow mismatches after one differing read" $((m0 + 1)) "$m1"
line=$(grep shadow_mismatch "$proxy_log")
assert_match "the proxy log's shadow_mismatch line" "$line" 'digest='
assert_eq "shadow_mismatch lines" 1 "$(printf '%s\n' "$line" | grep -c shadow_mismatch)"
# A matching read after it does not count as a mismatch.
c3=$(shadow compared)
pcli "$db" -e "SELECT id, v FROM t WHERE id = 8" >/dev/null
wait_shadow compared $((c3 + 1)) >/dev/null
sleep 0.5
assert_eq "shadow mismatches after a matching read" $((m0 + 1)) "$(shadow mismatch)"
assert_not_contains "the proxy log" "$(cat "$proxy_log")" "$APP_PW"
assert_not_contains "the proxy log" "$(cat "$proxy_log")" "$MYSHIFT_TARGET_PASSWORD"

proxy_stop
assert_eq "proxy exit status after SIGTERM" 0 "$proxy_rc"
finish
