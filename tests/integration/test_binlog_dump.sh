# `myshift binlog dump`: JSON lines with typed values, positions, --no-rows,
# and clean errors (file:offset, exit codes) for files that are not binlogs,
# truncated or corrupt. Reads binlogs the sandbox wrote (the fuzz seed
# corpus), so it needs no running server.
. "$(dirname "$0")/lib.sh"

corpus=$MYSHIFT_ROOT/tests/fuzz/corpus/binlog

run_myshift binlog dump "$corpus/ints"
assert_eq "dump exit code" 0 "$rc"
assert_eq "every line is JSON" "$(printf '%s\n' "$out" | wc -l)" \
	"$(printf '%s\n' "$out" | jq -c . | wc -l)"
assert_eq "first event is the FDE at offset 4" '[4,"FORMAT_DESCRIPTION"]' \
	"$(printf '%s\n' "$out" | head -1 | jq -c '[.offset,.type]')"
assert_eq "offsets chain by size" "true" \
	"$(printf '%s\n' "$out" | jq -s '[range(1; length) as $i | .[$i].offset == .[$i-1].offset + .[$i-1].size] | all')"
assert_contains "summary on stderr" "$err" "events,"
# jq would round u64 to a double: check the text itself
assert_contains "unsigned BIGINT max stays exact" "$out" '"j":18446744073709551615'
assert_contains "signed BIGINT min" "$out" '"i":-9223372036854775808'

fde_end=$(printf '%s\n' "$out" | jq -r 'select(.type=="FORMAT_DESCRIPTION") | .offset + .size')
run_myshift binlog dump --start-position "$fde_end" --no-rows "$corpus/ints"
assert_eq "--start-position exit code" 0 "$rc"
assert_eq "--start-position drops the FDE line" "" \
	"$(printf '%s\n' "$out" | jq -r 'select(.type=="FORMAT_DESCRIPTION") | .type')"
assert_eq "--no-rows counts rows without values" "2 null" \
	"$(printf '%s\n' "$out" | jq -r 'select(.type=="WRITE_ROWS_V1") | "\(.nrows) \(.rows)"')"

run_myshift binlog dump --stop-position "$fde_end" "$corpus/ints"
assert_eq "--stop-position at the second event prints the FDE only" \
	FORMAT_DESCRIPTION "$(printf '%s\n' "$out" | jq -r .type)"

# truncated: cut the file in the middle of its last event
size=$(stat -c %s "$corpus/ints")
head -c $((size - 10)) "$corpus/ints" >"$scratch/truncated"
run_myshift binlog dump "$scratch/truncated"
assert_eq "truncated exit code" 3 "$rc"
assert_match "truncated names file, offset and sizes" "$err" \
	"truncated: binlog: truncated event at [0-9]+ \(ROTATE\): size [0-9]+, [0-9]+ bytes left"

# corrupt: flip a byte inside the rows event; the CRC32 catches it
off=$("$MYSHIFT_BIN" binlog dump "$corpus/ints" 2>/dev/null |
	jq -r 'select(.type=="WRITE_ROWS_V1") | .offset + 40')
cp "$corpus/ints" "$scratch/corrupt"
printf '\x7f' | dd of="$scratch/corrupt" bs=1 seek="$off" conv=notrunc status=none
run_myshift binlog dump "$scratch/corrupt"
assert_eq "corrupt exit code" 3 "$rc"
assert_match "corrupt names the event" "$err" \
	"corrupt: binlog: event at [0-9]+ \(WRITE_ROWS_V1\): checksum mismatch"
run_myshift binlog dump --no-verify-checksum "$scratch/corrupt"
assert_match "without CRC the damage is still caught or decoded, never a crash" "$rc" "^[03]$"

printf 'hello, not a binlog\n' >"$scratch/text"
run_myshift binlog dump "$scratch/text"
assert_eq "not a binlog exit code" 3 "$rc"
assert_contains "not a binlog message" "$err" "text: binlog: bad magic"

run_myshift binlog dump "$scratch/missing"
assert_eq "missing file exit code" 3 "$rc"
assert_contains "missing file message" "$err" "missing: No such file"

run_myshift binlog dump
assert_eq "no file exit code" 2 "$rc"
run_myshift binlog frob "$corpus/ints"
assert_eq "unknown subcommand exit code" 2 "$rc"
run_myshift binlog dump --bogus "$corpus/ints"
assert_eq "unknown option exit code" 2 "$rc"

# the skipped events are reported, not failed: the statement-format file
# decodes with its INTVAR/USER_VAR flagged
run_myshift binlog dump "$corpus/mixed-format"
assert_eq "mixed-format exit code" 0 "$rc"
assert_contains "statement-only events are flagged" "$out" '"statement_only":true'

finish
