# `myshift verify` on a deliberately damaged target, no traffic: after copy
# and sync caught up (and stopped), the target loses rows, gets values
# changed in a JSON, a BLOB, a FLOAT, a DATETIME(6) and a DATETIME column
# (and a nullable column set from '' to NULL), extra rows, changed rows in
# tables keyed by a VARCHAR (with ', \ and a tab in key values), by a
# composite key and by a VARBINARY. verify must report each of the 18 differences
# exactly (kind, tables, columns, key: vf_corrupt_expected) and exit 1.
#
# Then:
#  - --repair with --repair-max 17, below 18, refuses (exit 1) and changes
#    nothing (the target's CHECKSUM TABLEs before and after, verify_repairs
#    empty);
#  - --repair fixes them: exit 0, repaired = 18, after_repair all 0, one
#    verify_repairs row per repaired row with the right action;
#  - a plain verify then reports 0 with exit 0, and an independent
#    comparison as root (CHECKSUM TABLE and every row) finds both sides
#    equal.
# It fails when verify misses, invents or misnames a difference, when the
# refusal changes anything, or when repair leaves the tables unequal.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/copy_lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/verify_lib.sh"
need_sandbox
need_sync
need_verify

db=vf_corrupt
cs=$sync_cs
drop_all() {
	sql source "DROP DATABASE IF EXISTS $db"
	sql target "DROP DATABASE IF EXISTS $db; DROP DATABASE IF EXISTS \`$cs\`"
}
cleanup() {
	[ "${MYSHIFT_KEEP_FIXTURES:-0}" = 1 ] || drop_all || true
	rm -rf "$scratch"
}
trap cleanup EXIT
drop_all

vf_corrupt_fixture $db "$cs" || finish
expected=$(vf_corrupt_expected $db)
v=(--include "$db" --control-schema "$cs" --threads 2 --json)

# 1. Every difference, exactly.
verify_run "${v[@]}"
verify_json_ok "verify of the damaged target" || finish
assert_eq "verify of the damaged target: exit code" 1 "$rc"
assert_counts "verify of the damaged target" 6 3 9
assert_eq "tables" 5 "$(vj .tables)"
assert_eq "keyless_tables" 0 "$(vj .keyless_tables)"
assert_eq "schema_differences" 0 "$(vj .schema_differences)"
assert_eq "repaired without --repair" 0 "$(vj .repaired)"
assert_eq "no after_repair without --repair" null "$(vj '.after_repair | tostring')"
assert_eq "nothing marked repaired" 0 "$(vj '[.differences[] | select(.repaired)] | length')"
# 5 damaged tables, 18 damaged rows: at least one chunk per table, at most
# one per row.
chunks_bad=$(vj .mismatched_chunks)
if [ "${chunks_bad:-0}" -ge 5 ] && [ "$chunks_bad" -le 18 ]; then
	pass "mismatched_chunks = $chunks_bad (5..18)"
else
	fail "mismatched_chunks = '$chunks_bad', expected 5..18"
fi
rows_checked=$(vj .rows_checked)
if [ "${rows_checked:-0}" -ge 5370 ]; then
	pass "rows_checked = $rows_checked (the source has 5370 rows)"
else
	fail "rows_checked = '$rows_checked', the source has 5370 rows"
fi
assert_diffs "verify of the damaged target" "$expected"
first_run=$(vj .run_id)

# The same, with md5 row hashes and one thread (a second hash must find the
# same rows).
verify_run "${v[@]}" --hash md5 --threads 1
assert_eq "verify --hash md5: exit code" 1 "$rc"
assert_diffs "verify --hash md5" "$expected"

# The human output (no --json) names the rows too, and exits 1.
verify_run --include $db --control-schema "$cs"
assert_eq "human output: exit code" 1 "$rc"
assert_contains "human output" "$out$err" "code='it\\'s'"
assert_contains "human output" "$out$err" "a=99, b='zz'"

# Results stored on the target for the first run.
assert_eq "verify_runs holds the first run" 1 \
	"$(sql target "SELECT COUNT(*) FROM \`$cs\`.verify_runs WHERE run_id = $first_run" 2>&1)"
assert_lines "verify_diffs of the first run: every difference as reported" "$expected" \
	"$(csql target "SELECT kind, source_table, target_table,
		CONCAT('[', IFNULL(\`columns\`, ''), ']'), key_text
		FROM \`$cs\`.verify_diffs WHERE run_id = ${first_run:-0}" 2>&1 | tr '\t' ' ')"

# 2. --repair-max below the number of differences: refused, nothing changed.
sums_before=$(target_sums $db)
verify_run "${v[@]}" --repair --repair-max 17
assert_eq "--repair --repair-max 17 (18 differences): exit code" 1 "$rc"
n=$(vj '.repaired // 0')
assert_eq "--repair-max refusal: repaired (JSON, if any)" 0 "${n:-0}"
assert_lines "--repair-max refusal: the target's tables unchanged (count, CHECKSUM TABLE)" \
	"$sums_before" "$(target_sums $db)"
assert_eq "--repair-max refusal: verify_repairs empty" 0 \
	"$(sql target "SELECT COUNT(*) FROM \`$cs\`.verify_repairs" 2>/dev/null || echo 0)"
assert_match "--repair-max refusal: says why" "$out$err" 'repair-max'

# 3. --repair.
verify_run "${v[@]}" --repair --repair-max 18
verify_json_ok "verify --repair" || finish
assert_eq "verify --repair: exit code" 0 "$rc"
[ "$rc" = 0 ] || printf '%s\n' "$err" | tail -n 15 | cut -c1-400 | sed 's/^/    | /'
assert_counts "verify --repair (found before repair)" 6 3 9
assert_eq "verify --repair: repaired" 18 "$(vj .repaired)"
assert_eq "verify --repair: after_repair" \
	'{"different":0,"extra_on_target":0,"mismatched_chunks":0,"missing_on_target":0}' \
	"$(vj '.after_repair | {mismatched_chunks, missing_on_target, extra_on_target, different} | tojson' |
		jq -cS . 2>/dev/null)"
assert_diffs "verify --repair" "$expected"
assert_eq "verify --repair: every difference marked repaired" 18 \
	"$(vj '[.differences[] | select(.repaired)] | length')"
repair_run=$(vj .run_id)

# One verify_repairs row per repaired row: REPLACE for missing and
# different rows, DELETE for extra ones.
want_log=$(printf '%s\n' "$expected" | awk '{
	key = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ [^ ]+ /, "", key)
	print $3, ($1 == "extra_on_target" ? "delete" : "replace"), key }' | LC_ALL=C sort)
got_log=$(csql target "SELECT target_table, action, key_text FROM \`$cs\`.verify_repairs
	WHERE run_id = ${repair_run:-0}" 2>&1 | tr '\t' ' ' | LC_ALL=C sort)
assert_lines "verify_repairs: one row per repaired row (table action key)" "$want_log" "$got_log"
assert_eq "verify_repairs: no rows of other runs" 18 \
	"$(sql target "SELECT COUNT(*) FROM \`$cs\`.verify_repairs" 2>&1)"

# 4. A plain verify afterwards: clean.
verify_run "${v[@]}"
verify_json_ok "verify after repair" && assert_clean "verify after repair"

# 5. Independently of myshift: both sides equal.
compare_schema_data $db

finish
