#!/usr/bin/env bash
# Per-tenant cutover and failback under load (docs/cutover.md, "Tenants").
# Three tenant schemas it_ct_t1..3, a table w each with 3000 seed rows;
# `myshift run` syncs all three; the proxy has a route per tenant (t1: the
# sessions whose schema is it_ct_t1, ...) and a default route, all on the
# source. A writer per tenant inserts numbered rows through the proxy, one
# session each, with @@server_id in the row: the server that ran the INSERT.
#   1. cutover --schema it_ct_t1 before any verify run: refused (exit 1),
#      nothing moves; then `myshift verify`.
#   2. cutover --schema it_ct_t1: t1's rows from then on come from the
#      target and reach the source through reverse sync; t2 and t3 stay on
#      the source and forward sync keeps bringing them to the target.
#   3. cutover --route t2: the same for t2; t1 stays on the target.
#   4. failback --schema it_ct_t1: t1's rows come from the source again;
#      t2 stays on the target.
#   5. The writers stop; once both syncs have caught up (lag 0, applied
#      position = the read side's binlog end), each schema is the same on
#      both servers (CHECKSUM TABLE and every row), each server holds
#      each acknowledged row exactly once, and the server ids of each
#      tenant's rows in order are t1 "1 2 1", t2 "1 2", t3 "1".
# No writer may see an error, and no cutover may report one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/copy_lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/proxy_load_lib.sh"
. "$(dirname "$0")/cutover_lib.sh"
. "$(dirname "$0")/cutover_check_lib.sh"
ct_need

tenants=(t1 t2 t3)
cs=$sync_cs
rules=()
for t in "${tenants[@]}"; do rules+=(--include "it_ct_$t"); done

drop_all() {
	local t role
	for role in source target; do
		for t in "${tenants[@]}"; do sql $role "DROP DATABASE IF EXISTS it_ct_$t"; done
		sql $role "DROP DATABASE IF EXISTS \`$cs\`"
	done
}
cleanup() {
	writer_stop_all
	bg_alive && bg_stop TERM 30
	co_stop_syncs
	proxy_stop
	sql source "SET GLOBAL read_only = OFF" 2>/dev/null
	[ "${MYSHIFT_KEEP_FIXTURES:-0}" = 1 ] || drop_all 2>/dev/null
	rm -rf "$scratch"
}
trap cleanup EXIT
co_stop_syncs >/dev/null
drop_all

# --- fixtures, copy and sync ------------------------------------------------------
app_user_create
for t in "${tenants[@]}"; do
	sql source "CREATE DATABASE it_ct_$t;
		CREATE TABLE it_ct_$t.w (id BIGINT AUTO_INCREMENT PRIMARY KEY, n INT NOT NULL,
			tenant VARCHAR(16) NOT NULL, srv INT NOT NULL,
			pad VARCHAR(40) NOT NULL DEFAULT '', KEY (tenant, n));
		INSERT INTO it_ct_$t.w (n, tenant, srv, pad)
			SELECT -seq, 'seed', @@server_id, MD5(seq) FROM it_ct_$t.seq_1_to_3000" ||
		{ fail "creating it_ct_$t"; finish; }
done
bg_start run run --source "$MYSHIFT_SOURCE" --target "$MYSHIFT_TARGET" "${rules[@]}" \
	--control-schema "$cs" --no-progress
wait_copy_done 120 || { fail "the copy did not finish within 120 s"; bg_log_tail; finish; }
wait_caught_up 60 || finish

routes=()
for t in "${tenants[@]}"; do routes+=(--route "$t schema=it_ct_$t backend=source"); done
proxy_start tenant --target "$MYSHIFT_TARGET" "${routes[@]}" --route "default backend=source"
ct_set_args
for t in "${tenants[@]}"; do writer_start "$t" "it_ct_$t"; done
for t in "${tenants[@]}"; do
	sessions_become "it_ct_$t" "source 1" "writer $t's session before any cutover"
done

# routes_are T1 T2 T3 WHAT: the backend of each tenant's route.
routes_are() {
	assert_eq "$4: routes t1 t2 t3" "$1 $2 $3" \
		"$(route_backend t1) $(route_backend t2) $(route_backend t3)"
}
# report_ok WHAT: the cutover's own report: switched, no client error.
report_ok() {
	assert_eq "$1: exit status" 0 "$rc"
	assert_eq "$1: report errors" 0 "$(ct_rep errors)"
	if [ "$rc" != 0 ]; then
		tail -n 10 "$scratch/spawned-sync.log" 2>/dev/null | cut -c1-300 | sed 's/^/    sync | /'
		finish
	fi
}
# lands T SRV FROM WHAT: the tenant's rows acknowledged after FROM (the last
# n acknowledged before the switch returned) all came from server SRV, and
# there are some.
lands() {
	local t=$1 srv=$2 from=$3 upto other
	sleep 1
	upto=$(writer_last "$t")
	other=$(csql "$(role_of "$srv")" "SELECT COUNT(*) FROM it_ct_$t.w
		WHERE tenant = '$t' AND n > $from AND n <= $upto AND srv <> $srv")
	if [ "$upto" -gt "$from" ] && [ "$other" = 0 ]; then
		pass "$4: $t's rows $((from + 1))..$upto ran on server $srv ($(role_of "$srv"))"
	else
		fail "$4: $t's rows $((from + 1))..$upto: $other did not run on server $srv"
	fi
}
role_of() { [ "$1" = 1 ] && echo source || echo target; }
# reaches T ROLE WHAT: every row the tenant's writer acknowledged is on ROLE
# within 30 s (through whichever sync applies there).
reaches() {
	local i
	for i in $(seq 1 60); do
		[ -z "$(LC_ALL=C comm -23 <(LC_ALL=C sort -u "$scratch/$1.ack") \
			<(tenant_ns "$2" "it_ct_$1" "$1" | LC_ALL=C sort -u))" ] && break
		sleep 0.5
	done
	acked_on "$2" "it_ct_$1" "$1" "$3"
}

# --- 1. refused without a verify run -----------------------------------------------
echo "1. cutover --schema it_ct_t1 before any verify run"
ct_cmd refused cutover --schema it_ct_t1 "${rules[@]}"
assert_eq "cutover without a clean verify run: exit status" 1 "$rc"
assert_match "the refusal names verify" "$out $err" '[Vv]erif'
routes_are source source source "after the refusal"
run_myshift verify --source "$MYSHIFT_SOURCE" --target "$MYSHIFT_TARGET" "${rules[@]}" \
	--control-schema "$cs" --no-progress
assert_eq "myshift verify exit status" 0 "$rc"
[ "$rc" = 0 ] || printf '%s\n' "$out" "$err" | tail -n 10 | sed 's/^/    | /'

# --- 2. t1 to the target ---------------------------------------------------------
echo "2. cutover --schema it_ct_t1 under load"
a1=$(writer_last t1)
ct_cmd cut-t1 cutover --schema it_ct_t1 "${rules[@]}"
b1=$(writer_last t1)
report_ok "cutover --schema it_ct_t1"
routes_are target source source "after cutover t1"
assert_eq "writer t1's session after cutover t1" "target 1" "$(session_backends it_ct_t1)"
assert_eq "writer t3's session after cutover t1" "source 1" "$(session_backends it_ct_t3)"
f=$(first_n_on target it_ct_t1 t1 2 1)
if [ "$f" -gt "$a1" ] && [ "$f" -le $((b1 + 1)) ]; then
	pass "t1's first row from the target is n=$f, written during the cutover ($a1 < n <= $((b1 + 1)))"
else
	fail "t1's first row from the target is n=$f; expected after $a1 (cutover start) and by $((b1 + 1))"
fi
syncs_are 0 1 "after cutover t1"
lands t1 2 "$b1" "after cutover t1"
lands t3 1 0 "after cutover t1"
reaches t1 source "t1 after cutover t1 (reverse sync)"
reaches t3 target "t3 after cutover t1 (forward sync)"
for t in "${tenants[@]}"; do writer_check "$t" "after cutover t1"; done

# --- 3. t2 to the target, by route -------------------------------------------------
echo "3. cutover --route t2 under load"
a2=$(writer_last t2)
ct_cmd cut-t2 cutover --route t2 "${rules[@]}"
b2=$(writer_last t2)
report_ok "cutover --route t2"
routes_are target target source "after cutover t2"
assert_eq "writer t2's session after cutover t2" "target 1" "$(session_backends it_ct_t2)"
f=$(first_n_on target it_ct_t2 t2 2 1)
if [ "$f" -gt "$a2" ] && [ "$f" -le $((b2 + 1)) ]; then
	pass "t2's first row from the target is n=$f, written during the cutover ($a2 < n <= $((b2 + 1)))"
else
	fail "t2's first row from the target is n=$f; expected after $a2 (cutover start) and by $((b2 + 1))"
fi
syncs_are 0 1 "after cutover t2"
lands t1 2 "$b1" "after cutover t2"
lands t2 2 "$b2" "after cutover t2"
lands t3 1 0 "after cutover t2"
reaches t1 source "t1 after cutover t2 (reverse sync)"
reaches t2 source "t2 after cutover t2 (reverse sync)"
reaches t3 target "t3 after cutover t2 (forward sync)"
for t in "${tenants[@]}"; do writer_check "$t" "after cutover t2"; done

# --- 4. t1 back to the source ------------------------------------------------------
echo "4. failback --schema it_ct_t1 under load (--skip-verify: no --reverse verify run)"
c1=$(writer_last t1)
ct_cmd back-t1 failback --schema it_ct_t1 --skip-verify "${rules[@]}"
d1=$(writer_last t1)
report_ok "failback --schema it_ct_t1"
routes_are source target source "after failback t1"
assert_eq "writer t1's session after failback t1" "source 1" "$(session_backends it_ct_t1)"
assert_eq "writer t2's session after failback t1" "target 1" "$(session_backends it_ct_t2)"
f=$(first_n_on source it_ct_t1 t1 1 $((c1 + 1)))
if [ "$f" -gt "$c1" ] && [ "$f" -le $((d1 + 1)) ]; then
	pass "t1's first row from the source again is n=$f ($c1 < n <= $((d1 + 1)))"
else
	fail "t1's first row from the source after n=$c1 is n=$f; expected by $((d1 + 1))"
fi
syncs_are 0 1 "after failback t1"
lands t1 1 "$d1" "after failback t1"
lands t2 2 "$b2" "after failback t1"
reaches t1 target "t1 after failback t1 (forward sync)"
reaches t2 source "t2 after failback t1 (reverse sync)"
handover=$(jsql "SELECT * FROM handover")
assert_contains "handover after failback t1" "$handover" it_ct_t2
assert_not_contains "handover after failback t1" "$handover" it_ct_t1

# --- 5. the end: every acknowledged row, once, on both servers ---------------------------
echo "5. writers stop; both syncs catch up; the servers are compared"
sleep 1
for t in "${tenants[@]}"; do
	writer_check "$t" "at the end"
	writer_stop "$t"
	assert_eq "writer $t's exit status" 0 "$?"
done
# Every acknowledged row on both servers first (the data the comparison
# needs), then the catch-up: both syncs past their read side's binlog end.
# With no client writing, both binlogs then grow only by the syncs' own
# bookkeeping: the progress row once a second, and at most one idle
# checkpoint a second answering the other side's (a sync skipping only
# myshift's own transactions waits for its 1 s tick). Before that rule the
# two answered each other every 100 ms, ~10 transactions/s each way.
for t in "${tenants[@]}"; do
	reaches "$t" source "$t at the end"
	reaches "$t" target "$t at the end"
done
sync_timeout=20 co_wait_synced
sync_timeout=20 co_wait_synced --reverse
gtid_seq() { sql "$1" "SELECT SUBSTRING_INDEX(@@GLOBAL.gtid_binlog_pos, '-', -1)"; }
s0=$(gtid_seq source) t0=$(gtid_seq target)
sleep 5
s1=$(gtid_seq source) t1=$(gtid_seq target)
echo "   with no client writes, 5 s: source +$((s1 - s0)), target +$((t1 - t0)) transactions (the syncs' bookkeeping)"
for side in source target; do
	[ $side = source ] && grew=$((s1 - s0)) || grew=$((t1 - t0))
	if [ "$grew" -le 15 ]; then
		pass "no client writes: the $side's binlog grew by $grew transactions in 5 s (at most 3/s)"
	else
		fail "no client writes: the $side's binlog grew by $grew transactions in 5 s (more than 3/s: the syncs answer each other's checkpoints)"
	fi
done
for t in "${tenants[@]}"; do
	compare_schema_data "it_ct_$t"
	exactly_once source "it_ct_$t" "$t"
	exactly_once target "it_ct_$t" "$t"
done
for role in source target; do
	assert_eq "$role: servers of t1's rows in order" "1 2 1" "$(srv_runs $role it_ct_t1 t1)"
	assert_eq "$role: servers of t2's rows in order" "1 2" "$(srv_runs $role it_ct_t2 t2)"
	assert_eq "$role: servers of t3's rows in order" "1" "$(srv_runs $role it_ct_t3 t3)"
done
assert_eq "journal: the switches" "cutover it_ct_t1 done
cutover it_ct_t2 done
failback it_ct_t1 done" "$(jsql "SELECT kind, scope, state FROM cutover_runs
	WHERE state <> 'refused' ORDER BY id" | tr '\t' ' ')"
bg_stop TERM 60
assert_eq "myshift run (forward sync) exit status after SIGTERM" 0 "$bg_rc"
proxy_stop
assert_eq "proxy exit status after SIGTERM" 0 "$proxy_rc"

finish
