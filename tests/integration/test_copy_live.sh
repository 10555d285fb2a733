# `myshift copy` while sysbench writes to the source: the start position the
# copy reports must be one from which replaying the source binlog onto the
# copied tables converges to the source. After the workload stops, the binlog
# from start_position is applied to the target with mariadb-binlog (with
# slave_exec_mode=IDEMPOTENT, the by-key semantics sync uses: a row the copy
# already read in a later state is overwritten, a missing one skipped) and
# every table is compared with the source (CHECKSUM TABLE and every row).
#
# The test must be able to fail: it asserts the workload committed
# transactions during the copy (between start_position and the position the
# source had when the copy ended), and as a negative control replays a clone
# of the copied tables from that later position, which must NOT converge:
# a start position past the real one is detected.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/copy_lib.sh"
need_sandbox

if ! "$MYSHIFT_BIN" copy --help >/dev/null 2>&1; then
	echo "SKIP: this myshift has no 'copy' command yet"
	exit 77
fi
for tool in sysbench mariadb-binlog; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool is not installed (scripts/deps)"
		exit 77
	fi
done

old_exec_mode=$(sql target "SELECT @@global.slave_exec_mode")
sb_pid=
drop_all() {
	sql source "DROP DATABASE IF EXISTS ct_sbtest"
	sql target "DROP DATABASE IF EXISTS ct_sbtest; DROP DATABASE IF EXISTS ct_sbtest_neg;
		DROP DATABASE IF EXISTS _myshift"
}
cleanup() {
	if [ -n "$sb_pid" ]; then
		kill "$sb_pid" 2>/dev/null
		wait "$sb_pid" 2>/dev/null
	fi
	sql target "SET GLOBAL slave_exec_mode = '$old_exec_mode'" || true
	[ "${MYSHIFT_KEEP_FIXTURES:-0}" = 1 ] || drop_all || true
	rm -rf "$scratch"
}
trap cleanup EXIT
drop_all

# 4 x 20k rows, prepared before anything is recorded.
sql source "CREATE DATABASE ct_sbtest"
sb=(oltp_write_only --db-driver=mysql --mysql-socket="$MYSHIFT_SOURCE_SOCKET"
	--mysql-user=root --mysql-db=ct_sbtest --tables=4 --table-size=20000)
if ! sysbench "${sb[@]}" prepare >"$scratch/prepare.log" 2>&1; then
	fail "sysbench prepare: $(tail -n 5 "$scratch/prepare.log")"
	finish
fi

# The workload: unlimited rate, 2 threads, until we stop it.
sysbench "${sb[@]}" --threads=2 --rate=0 --time=600 --report-interval=0 run \
	>"$scratch/sysbench.log" 2>&1 &
sb_pid=$!
sleep 1

# The copy, slowed down so the workload writes during all of it.
copy_run --include ct_sbtest --threads 2 --chunk-time 0.05 --rate 20000 --json
copy_rc=$rc
end_pos=$(sql source "SHOW MASTER STATUS" | cut -f1,2)
sleep 1
kill "$sb_pid" 2>/dev/null
wait "$sb_pid" 2>/dev/null
sb_pid=
assert_eq "copy under load exit code" 0 "$copy_rc"
if [ "$copy_rc" != 0 ]; then
	printf '%s\n' "$err" | tail -n 20 | sed 's/^/    | /'
	finish
fi
file=$(json_get "$out" .start_position.file)
pos=$(json_get "$out" .start_position.pos)
assert_match "start_position.file" "$file" '^source-bin\.[0-9]+$'
assert_match "start_position.pos" "$pos" '^[1-9][0-9]*$'
end_file=${end_pos%%	*}
end_pos=${end_pos##*	}
echo "start position $file:$pos, source position when the copy ended $end_file:$end_pos"

# The workload committed transactions between the start position and the
# end of the copy (otherwise this test proves nothing).
during=$(sql source "SHOW BINLOG EVENTS IN '$file' FROM $pos" |
	awk -F'\t' -v f="$file" -v ef="$end_file" -v ep="$end_pos" \
		'$3 == "Gtid" && (f != ef || $5 <= ep) { n++ } END { print n + 0 }')
if [ "$during" -gt 0 ]; then
	pass "$during transactions committed on the source during the copy"
else
	fail "no transaction committed on the source during the copy: the test proves nothing"
fi

# A clone of the copied tables for the negative control, before the replay.
sql target "CREATE DATABASE ct_sbtest_neg"
for i in 1 2 3 4; do
	sql target "CREATE TABLE ct_sbtest_neg.sbtest$i LIKE ct_sbtest.sbtest$i;
		INSERT INTO ct_sbtest_neg.sbtest$i SELECT * FROM ct_sbtest.sbtest$i"
done

# replay FILE POS [mariadb-binlog options]: source binlog from FILE:POS to
# the end of the last file, applied to the target as sync would.
replay() {
	local f=$1 p=$2
	shift 2
	mariadb-binlog --no-defaults --read-from-remote-server -S "$MYSHIFT_SOURCE_SOCKET" -uroot \
		--to-last-log --start-position="$p" "$@" "$f" >"$scratch/replay.sql" 2>"$scratch/replay.err" ||
		return 1
	mariadb --no-defaults -uroot -S "$MYSHIFT_TARGET_SOCKET" --max-allowed-packet=1G \
		<"$scratch/replay.sql" >>"$scratch/replay.err" 2>&1
}
sql target "SET GLOBAL slave_exec_mode = 'IDEMPOTENT'"
if replay "$file" "$pos"; then
	pass "binlog replayed from $file:$pos ($(grep -c '^# at ' "$scratch/replay.sql") events)"
else
	fail "replaying the binlog from $file:$pos failed: $(tail -n 5 "$scratch/replay.err")"
fi
for i in 1 2 3 4; do
	compare_table ct_sbtest "sbtest$i"
done

# Negative control: replaying from the later position must leave the clone
# different from the source (the comparison can see a wrong position).
if replay "$end_file" "$end_pos" --rewrite-db='ct_sbtest->ct_sbtest_neg'; then
	differ=0
	for i in 1 2 3 4; do
		a=$(csql source "CHECKSUM TABLE ct_sbtest.sbtest$i" | cut -f2)
		b=$(csql target "CHECKSUM TABLE ct_sbtest_neg.sbtest$i" | cut -f2)
		[ "$a" = "$b" ] || differ=$((differ + 1))
	done
	if [ "$differ" -gt 0 ]; then
		pass "negative control: replaying from $end_file:$end_pos leaves $differ of 4 tables different"
	else
		fail "negative control: replaying from the end of the copy also converged; the workload is too light for this test to see a wrong start position"
	fi
else
	fail "negative control replay failed: $(tail -n 5 "$scratch/replay.err")"
fi

finish
