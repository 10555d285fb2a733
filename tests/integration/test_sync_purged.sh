# A binlog sync needs is gone from the source: sync stops with exit 3 and a
# message naming the missing file, and never skips ahead silently.
#
#  1. Copy, then `sync --until-caught-up`: its checkpoint is in file F.
#     More writes, FLUSH BINARY LOGS twice, PURGE BINARY LOGS TO the newest
#     file (F is gone, and the writes after the checkpoint with it). Sync
#     again: exit 3 naming F; the target did not move (the rows written
#     after the checkpoint are still missing, nothing was applied).
#  2. A new job (another control schema) told to start at a purged file
#     with --start-position: exit 3 naming that file.
# The test purges the source's binlogs: other tests find theirs by position
# after their own start and never need older files.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/copy_lib.sh"
. "$(dirname "$0")/sync_lib.sh"
need_sandbox
need_sync

db=st_purged
cs=$sync_cs
cs2=${sync_cs}_2
drop_all() {
	sql source "DROP DATABASE IF EXISTS $db"
	sql target "DROP DATABASE IF EXISTS $db; DROP DATABASE IF EXISTS \`$cs\`;
		DROP DATABASE IF EXISTS \`$cs2\`"
}
cleanup() {
	[ "${MYSHIFT_KEEP_FIXTURES:-0}" = 1 ] || drop_all || true
	rm -rf "$scratch"
}
trap cleanup EXIT
drop_all

sql source "CREATE DATABASE $db;
	CREATE TABLE $db.t (id INT PRIMARY KEY, v VARCHAR(40));
	INSERT INTO $db.t SELECT seq, CONCAT('v', seq) FROM $db.seq_1_to_1000" ||
	{ fail "creating the fixture"; finish; }

args=(--source "$MYSHIFT_SOURCE" --target "$MYSHIFT_TARGET" --include $db --control-schema "$cs")
run_myshift copy "${args[@]}" --no-progress
assert_eq "copy exit code" 0 "$rc"
[ "$rc" = 0 ] || { printf '%s\n' "$err" | tail -n 10; finish; }
sql source "INSERT INTO $db.t VALUES (1001, 'before the checkpoint')"
run_myshift sync "${args[@]}" --until-caught-up
assert_eq "first sync exit code" 0 "$rc"
[ "$rc" = 0 ] || { printf '%s\n' "$err" | tail -n 10; finish; }
compare_table $db t
status_json
ckpt_file=$(json_get "$st_json" .applied_position.file)
sql_file=$(source_end | cut -f1)
assert_eq "checkpoint file (status applied_position.file)" "$sql_file" "$ckpt_file"
[ -n "$ckpt_file" ] || ckpt_file=$sql_file

# --- 1. the checkpoint's file purged ---------------------------------------
sql source "INSERT INTO $db.t VALUES (1002, 'after the checkpoint');
	FLUSH BINARY LOGS;
	INSERT INTO $db.t VALUES (1003, 'in the next file');
	FLUSH BINARY LOGS"
newest=$(source_end | cut -f1)
# The server keeps a file that a dump thread or an unflushed XID still
# needs: the previous sync's dump thread only notices its client is gone at
# its next heartbeat. Retry for a while.
for i in $(seq 1 100); do
	sql source "PURGE BINARY LOGS TO '$newest'" || fail "PURGE BINARY LOGS"
	[ "$(sql source "SHOW BINARY LOGS" | head -n 1 | cut -f1)" = "$newest" ] && break
	sleep 0.2
done
assert_eq "oldest binlog left on the source" "$newest" \
	"$(sql source "SHOW BINARY LOGS" | head -n 1 | cut -f1)"
run_myshift sync "${args[@]}" --until-caught-up --retries 1
assert_eq "sync after the purge: exit code" 3 "$rc"
assert_contains "sync after the purge names the missing file" "$err" "$ckpt_file"
assert_eq "nothing applied past the gap (row 1002 not on the target)" 0 \
	"$(sql target "SELECT COUNT(*) FROM $db.t WHERE id >= 1002")"
status_json
assert_eq "checkpoint unchanged after the failed sync" "$ckpt_file" \
	"$(json_get "$st_json" .applied_position.file)"

# --- 2. an explicit start position in a purged file --------------------------
args2=(--source "$MYSHIFT_SOURCE" --target "$MYSHIFT_TARGET" --include $db --control-schema "$cs2")
run_myshift sync "${args2[@]}" --until-caught-up --retries 1 --start-position "$ckpt_file:4"
assert_eq "sync --start-position in a purged file: exit code" 3 "$rc"
assert_contains "sync --start-position in a purged file names it" "$err" "$ckpt_file"

finish
