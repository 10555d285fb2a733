# A source restarted with binlog_format=STATEMENT fails preflight with a
# message naming binlog_format (and exit 1). The source is restarted with
# its normal settings afterwards, whatever happens.
. "$(dirname "$0")/lib.sh"
need_sandbox

restore() {
	"$MYSHIFT_ROOT/scripts/sandbox" restart source >/dev/null
	rm -rf "$scratch"
}
trap restore EXIT
"$MYSHIFT_ROOT/scripts/sandbox" restart source -- --binlog-format=STATEMENT >/dev/null

run_myshift check
assert_eq "check exit code with STATEMENT" 1 "$rc"
line=$(printf '%s\n' "$out" | grep 'binlog_format ' | head -n 1)
assert_match "binlog_format line" "$line" "^  FAIL  binlog_format +binlog_format is STATEMENT"
assert_contains "binlog_format fix" "$line" "fix: SET GLOBAL binlog_format='ROW'"
assert_contains "summary" "$out" "result: FAIL"
run_myshift check --json
assert_eq "json binlog_format status" FAIL \
	"$(printf '%s' "$out" | jq -r '.checks[] | select(.side=="source" and .name=="binlog_format") | .status')"
finish
