#!/usr/bin/env bash
# Cutover and failback under full load (issue 8). Four sysbench tables on
# the source; `myshift run` copies and syncs them to the target; `myshift
# proxy` in front of both servers, its default route on the source;
# `myshift verify` clean. Then sysbench oltp_read_write (prepared statements,
# 8 threads, full rate) through the proxy for the whole test:
#   ~5 s   `myshift cutover --json`: exit 0, 0 errors, every sysbench session
#          moved; forward sync (the `myshift run`) stopped by it with exit 0;
#          the route and the sessions on the target; from then on client
#          writes land on the target only: the source's binlog gets nothing
#          but what reverse sync writes (each of its transactions touches
#          the control schema). With sysbench held (SIGSTOP) and reverse sync
#          caught up, both servers hold the same rows.
#          `myshift verify --reverse` under load: clean (failback needs it).
#   +30 s  `myshift failback --json`: the same checks the other way round.
#   +10 s  sysbench ends: exit 0, 0 reconnects, and no error but the server
#          deadlocks oltp_read_write meets anyway (Innodb_deadlocks growth).
#          Forward sync caught up: both servers equal again.
# Equality is judged as root over the sockets: CHECKSUM TABLE and the sha256
# of every row ordered by id. The max latency sysbench saw in the seconds
# around each switch is printed next to the report's pause figures (not
# asserted: the machine is shared).
. "$MYSHIFT_ROOT/tests/integration/lib.sh"
. "$MYSHIFT_ROOT/tests/integration/copy_lib.sh"
. "$MYSHIFT_ROOT/tests/integration/sync_lib.sh"
. "$MYSHIFT_ROOT/tests/integration/proxy_load_lib.sh"
. "$MYSHIFT_ROOT/tests/integration/cutover_lib.sh"
co_need

threads=8
trap co_cleanup EXIT

# at SECONDS: sleep until SECONDS after sysbench started.
at() {
	local d
	d=$(awk -v t="$1" -v n="$(co_sb_t)" 'BEGIN { d = t - n; print (d > 0 ? d : 0) }')
	sleep "$d"
}

# writes_land ROLE OTHER WHAT: after a switch to ROLE, clients write to ROLE
# only: over 3 s ROLE's binlog gets client transactions, OTHER's gets none
# (only myshift's own, which touch the control schema).
writes_land() {
	local role=$1 other=$2 what=$3 r0 o0 n
	r0=$(co_binlog_end "$role")
	o0=$(co_binlog_end "$other")
	sleep 3
	n=$(co_client_trx "$role" "${r0%%	*}" "${r0##*	}")
	if [ "${n:-0}" -gt 0 ]; then
		pass "$what: $n client transactions in the $role's binlog over 3 s"
	else
		fail "$what: no client transaction in the $role's binlog over 3 s (from $r0)"
	fi
	n=$(co_client_trx "$other" "${o0%%	*}" "${o0##*	}")
	assert_eq "$what: client transactions in the $other's binlog over 3 s" 0 "$n"
	if [ "$n" != 0 ]; then
		binlog_trx "$other" "${o0%%	*}" "${o0##*	}" | grep -vF "$sync_cs." | head -n 5 |
			sed 's/^/    | /'
	fi
	echo "   ($other's binlog: $(count_trx "$other" "${o0%%	*}" "${o0##*	}") transactions, all myshift's)"
}

# --- set-up -----------------------------------------------------------------------
co_prepare
co_run_start
co_proxy_start
assert_eq "routes before the cutover" "default source" "$(co_routes)"
co_verify
assert_eq "myshift verify before the cutover: exit status" 0 "$rc"
[ "$rc" = 0 ] || printf '%s\n%s\n' "$out" "$err" | tail -n 10 | cut -c1-300 | sed 's/^/    | /'

# --- cutover under load -------------------------------------------------------------
echo "sysbench oltp_read_write, $threads threads, through the proxy; cutover at 5 s"
co_sb_start load "$threads"
co_wait_sessions "$threads"
assert_eq "sessions before the cutover" "source $threads" "$(co_backends)"
at 5
co_switch cutover --max-lag 10
co_check_switch cutover "$threads"
read -r cut_from cut_to < <(co_pause_window)
cut_p50=$(co_jf .pause_ms_p50) cut_max=$(co_jf .pause_ms_max)
if [ "$rc" != 0 ]; then
	co_sb_stop load "oltp_read_write through a failed cutover"
	finish
fi
bg_wait 30
assert_eq "forward sync (myshift run) stopped by the cutover: exit status" 0 "$bg_rc"
[ "$bg_rc" = 0 ] || bg_log_tail
bg_pid=
assert_eq "routes after the cutover" "default target" "$(co_routes)"
assert_eq "source read_only after the cutover (source_writes $(co_jf .source_writes))" 1 \
	"$(sql source "SELECT @@GLOBAL.read_only")"
assert_eq "sessions after the cutover" "target $threads" "$(co_backends)"
writes_land target source "after the cutover"

# Both servers equal with the clients held and reverse sync caught up.
co_sb_pause
if co_wait_synced --reverse; then
	co_compare "after the cutover"
fi
co_sb_resume

co_verify --reverse
assert_eq "myshift verify --reverse under load: exit status" 0 "$rc"
[ "$rc" = 0 ] || printf '%s\n%s\n' "$out" "$err" | tail -n 10 | cut -c1-300 | sed 's/^/    | /'

# --- failback under load -------------------------------------------------------------
at "$(awk -v t="$co_sw_to" 'BEGIN { print t + 30 }')"
co_switch failback --max-lag 10
co_check_switch failback "$threads"
read -r back_from back_to < <(co_pause_window)
back_p50=$(co_jf .pause_ms_p50) back_max=$(co_jf .pause_ms_max)
assert_eq "routes after the failback" "default source" "$(co_routes)"
assert_eq "source read_only after the failback" 0 "$(sql source "SELECT @@GLOBAL.read_only")"
assert_eq "sessions after the failback" "source $threads" "$(co_backends)"
writes_land source target "after the failback"
at "$(awk -v t="$co_sw_to" 'BEGIN { print t + 10 }')"
co_sb_stop load "oltp_read_write through cutover and failback"

echo "   latency: cutover pause p50 ${cut_p50} ms, max ${cut_max} ms (report);" \
	"sysbench's max $(co_interval_max load "$cut_from" "$cut_to") ms in the seconds $cut_from-$cut_to:"
co_interval_lines load "$cut_from" "$cut_to"
echo "   latency: failback pause p50 ${back_p50} ms, max ${back_max} ms (report);" \
	"sysbench's max $(co_interval_max load "$back_from" "$back_to") ms in the seconds $back_from-$back_to:"
co_interval_lines load "$back_from" "$back_to"
echo "   sysbench: $(sb_val "$scratch/load.txt" transactions) transactions, max latency" \
	"$(sb_val "$scratch/load.txt" max) ms over the run (including the SIGSTOP for the comparison)"

# --- after the traffic: forward sync (spawned by the failback) caught up ----------
if co_wait_synced; then
	co_compare "after the failback"
fi
co_stop_syncs
assert_eq "myshift sync --stop stopped the forward sync failback started (status)" 0 "$?"
proxy_stop
assert_eq "proxy exit status after SIGTERM" 0 "$proxy_rc"

finish
