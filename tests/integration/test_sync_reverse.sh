# Failback: after a forward run, `myshift sync --reverse` carries writes made
# on the target back to the source, and never the transactions forward sync
# itself applied on the target (no loop).
#
#  1. `myshift copy`, then the target's binlog position R0 is recorded, then
#     `myshift run` (resumes: the copy is done, so it syncs) while the
#     source writes to st_reverse.fw and st_reverse.rv; caught up, equal,
#     SIGTERM (exit 0). The target's binlog from R0 now holds every
#     transaction forward sync applied.
#  2. Between the forward stop and the reverse start, the source changes fw
#     again ("source-after-stop"): a reverse that replayed forward-applied
#     transactions would put fw's old values back.
#  3. Writes on the target: inserts, updates, deletes on rv, and a new row
#     in fw.
#  4. `myshift sync --reverse --until-caught-up --start-position R0`: it reads
#     the target's binlog through all the forward-applied transactions.
#     Checks: rv on the source equals rv on the target (every row, CHECKSUM);
#     fw on the source still has its "source-after-stop" values and got the
#     target's new row; the source's binlog since the reverse started holds
#     at most as many transactions as the target wrote, and its row events
#     touch only rv, fw's new row and the control schema.
#  5. The same once more without --start-position: the reverse resumes from
#     its own checkpoint (a second round of target writes arrives, the
#     first is not applied twice).
# The source is written by the reverse with the sandbox admin account (the
# sandbox's source user `myshift` may only read, as a forward migration
# needs).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/copy_lib.sh"
. "$(dirname "$0")/sync_lib.sh"
need_sandbox
need_sync

db=st_reverse
cs=$sync_cs
drop_all() {
	sql source "DROP DATABASE IF EXISTS $db; DROP DATABASE IF EXISTS \`$cs\`"
	sql target "DROP DATABASE IF EXISTS $db; DROP DATABASE IF EXISTS \`$cs\`"
}
cleanup() {
	bg_alive && bg_stop KILL 5
	[ "${MYSHIFT_KEEP_FIXTURES:-0}" = 1 ] || drop_all || true
	rm -rf "$scratch"
}
trap cleanup EXIT
drop_all

sql source "CREATE DATABASE $db;
	CREATE TABLE $db.fw (id INT PRIMARY KEY, v VARCHAR(40) NOT NULL);
	CREATE TABLE $db.rv (id INT PRIMARY KEY, n INT NOT NULL, v VARCHAR(40), UNIQUE KEY (v));
	INSERT INTO $db.fw SELECT seq, 'initial' FROM $db.seq_1_to_100;
	INSERT INTO $db.rv SELECT seq, seq, CONCAT('v', seq) FROM $db.seq_1_to_200" ||
	{ fail "creating the fixture"; finish; }

# --- 1. forward -----------------------------------------------------------------
fwd=(--source "$MYSHIFT_SOURCE" --target "$MYSHIFT_TARGET" --include $db --control-schema "$cs")
run_myshift copy "${fwd[@]}" --no-progress
assert_eq "copy exit code" 0 "$rc"
[ "$rc" = 0 ] || { printf '%s\n' "$err" | tail -n 10; finish; }
r0=$(sql target "SHOW MASTER STATUS" | cut -f1,2)
r0_file=${r0%%	*} r0_pos=${r0##*	}
echo "target binlog before forward sync: $r0_file:$r0_pos"

bg_start run run "${fwd[@]}" --no-progress
for i in $(seq 1 50); do
	sql source "UPDATE $db.fw SET v = 'forward-$i' WHERE id <= 100;
		UPDATE $db.rv SET n = n + 1 WHERE id = $i" || fail "forward writes"
done
wait_caught_up "$sync_timeout" || finish
compare_schema_data $db
bg_stop TERM 60
assert_eq "forward run exit code after SIGTERM" 0 "$bg_rc"
[ "$bg_rc" = 0 ] || bg_log_tail
fwd_trx=$(count_trx target "$r0_file" "$r0_pos")
if [ "$fwd_trx" -gt 0 ]; then
	pass "$fwd_trx transactions in the target's binlog since $r0_file:$r0_pos (forward-applied)"
else
	fail "forward sync wrote nothing to the target's binlog: the loop check proves nothing"
fi

# --- 2. the source moves on before the reverse starts --------------------------
sql source "UPDATE $db.fw SET v = 'source-after-stop'"

# --- 3. writes on the target -----------------------------------------------------
target_writes() { # target_writes ROUND: 4 transactions
	local r=$1 base=$((1000 * $1))
	sql target "INSERT INTO $db.rv SELECT $base + seq, seq, CONCAT('t$r-', seq) FROM $db.seq_1_to_50" &&
		sql target "BEGIN; UPDATE $db.rv SET n = n * 10 + $r WHERE id % 7 = 0;
			UPDATE $db.rv SET v = CONCAT(v, '-upd$r') WHERE id BETWEEN $base + 1 AND $base + 10; COMMIT" &&
		sql target "DELETE FROM $db.rv WHERE id % 11 = $r" &&
		sql target "INSERT INTO $db.fw VALUES ($base, 'from-target-$r')" ||
		fail "writes on the target (round $r)"
}
target_writes 1
tgt_trx=4

# --- 4. the reverse --------------------------------------------------------------
s0=$(source_end)
s0_file=${s0%%	*} s0_pos=${s0##*	}
rev=(sync --reverse --source "$MYSHIFT_SOURCE_ADMIN" --target "$MYSHIFT_TARGET"
	--control-schema "$cs" --until-caught-up)
run_myshift "${rev[@]}" --start-position "$r0_file:$r0_pos"
assert_eq "sync --reverse exit code" 0 "$rc"
[ "$rc" = 0 ] || printf '%s\n' "$err" | tail -n 10 | sed 's/^/    | /'

check_reverse() { # check_reverse ROUNDS
	compare_table $db rv
	assert_eq "fw on the source: rows the forward sync had written stay as the source left them" \
		"100 source-after-stop" \
		"$(sql source "SELECT COUNT(*), GROUP_CONCAT(DISTINCT v) FROM $db.fw WHERE id <= 100" | tr '\t' ' ')"
	assert_eq "fw on the source: the rows written on the target arrived" "$1" \
		"$(sql source "SELECT COUNT(*) FROM $db.fw WHERE v LIKE 'from-target-%'")"
}
check_reverse 1

# The source's binlog since the reverse started may hold only what the
# target wrote (grouping may merge transactions, never add any) and the
# reverse's own control schema: no other table's rows, no other statement.
check_source_binlog() { # check_source_binlog FILE POS TARGET_TRX
	local trx data others fw_rows
	trx=$(binlog_trx source "$1" "$2")
	data=$(printf '%s\n' "$trx" | grep -c "$db\.")
	if [ "$data" -ge 1 ] && [ "$data" -le "$3" ]; then
		pass "$data transaction(s) with rows of $db in the source's binlog since $1:$2 (the target wrote $3)"
	else
		fail "$data transactions with rows of $db in the source's binlog since $1:$2; the target wrote $3 (forward-applied: $fwd_trx)"
	fi
	others=$(printf '%s\n' "$trx" | grep -v '^$' | grep -vE "^query: .*[\`]?${cs}[\`]?[ .;]" |
		grep -vE "^(($db\.(fw|rv)|$cs\.[a-z_]+)( |$))+$" || true)
	if [ -z "$others" ]; then
		pass "nothing but $db.fw/rv rows and $cs in the source's binlog since $1:$2"
	else
		fail "the reverse wrote to the source what the target did not (transactions or statements myshift applied on the target came back):"
		printf '%s\n' "$others" | head -n 10 | cut -c1-200 | sed 's/^/    | /'
	fi
	fw_rows=$(mariadb-binlog --no-defaults --read-from-remote-server -S "$MYSHIFT_SOURCE_SOCKET" -uroot \
		--to-last-log --start-position="$2" --base64-output=decode-rows -v "$1" 2>/dev/null |
		grep -cE "^### (INSERT INTO|UPDATE|DELETE FROM) \`$db\`\.\`fw\`")
	assert_eq "row events on fw in the source's binlog since $1:$2" 1 "$fw_rows"
}
check_source_binlog "$s0_file" "$s0_pos" "$tgt_trx"

# --- 5. resume from the reverse's own checkpoint ---------------------------------
target_writes 2
s1=$(source_end)
run_myshift "${rev[@]}"
assert_eq "second sync --reverse (from its checkpoint) exit code" 0 "$rc"
[ "$rc" = 0 ] || printf '%s\n' "$err" | tail -n 10 | sed 's/^/    | /'
check_reverse 2
check_source_binlog "${s1%%	*}" "${s1##*	}" "$tgt_trx"
no_dup_key_errors "sync --reverse" "$scratch/err"

finish
