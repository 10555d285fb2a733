# The command-line surface: help, version, per-command help, unknown and
# planned commands, and exit codes. Needs no server.
. "$(dirname "$0")/lib.sh"

run_myshift --version
assert_eq "--version exit code" 0 "$rc"
assert_match "--version output" "$out" "^myshift [0-9]+\.[0-9]+\.[0-9]+$"

run_myshift help
assert_eq "help exit code" 0 "$rc"
assert_match "help lists check" "$out" "^  check +preflight"
assert_contains "help marks planned commands" "$out" "planned, not in this version yet:"
assert_contains "help gives exit codes" "$out" "2 usage or configuration error"

run_myshift
assert_eq "no command exit code" 2 "$rc"
assert_contains "no command prints usage" "$err" "usage: myshift <command>"

run_myshift check --help
assert_eq "check --help exit code" 0 "$rc"
for opt in --source --target --source-password-file --include --exclude \
	--table-mappings --config --json --no-failback; do
	assert_contains "check --help" "$out" "$opt"
done
run_myshift help check
assert_eq "help check exit code" 0 "$rc"
assert_contains "help check" "$out" "usage: myshift check"

run_myshift frobnicate
assert_eq "unknown command exit code" 2 "$rc"
assert_contains "unknown command message" "$err" "unknown command 'frobnicate'"

run_myshift assess --source x
assert_eq "planned command exit code" 2 "$rc"
assert_contains "planned command message" "$err" "not available in this version yet"

# Usage errors never get as far as connecting.
run_myshift check --source
assert_eq "missing value exit code" 2 "$rc"
assert_contains "missing value message" "$err" "option '--source' needs a URI"
MYSHIFT_SOURCE= MYSHIFT_TARGET= run_myshift check
assert_eq "no endpoints exit code" 2 "$rc"
assert_contains "no endpoints message" "$err" "no source given: use --source URI (or set MYSHIFT_SOURCE)"
run_myshift check --source mysql://u@h --target mysql://u@h --log-level loud
assert_eq "bad log level exit code" 2 "$rc"
assert_contains "bad log level message" "$err" "unknown log level 'loud'"
run_myshift check --source mysql://u@h --target mysql://u@h --retries=-1
assert_eq "bad retries exit code" 2 "$rc"
assert_contains "bad retries message" "$err" "--retries: '-1' is not a number"
printf '{"rules": [{"rule-type": "selection", "rule-id": "1", "rule-name": "x",
  "object-locator": {"schema-name": "a", "table-name": "%%"},
  "rule-action": "include", "filters": [{"filter-type": "source"}]}]}\n' >"$scratch/m.json"
run_myshift check --source mysql://u@h --target mysql://u@h --table-mappings "$scratch/m.json"
assert_eq "unsupported DMS rule exit code" 2 "$rc"
assert_contains "unsupported DMS rule names the file" "$err" "$scratch/m.json"
finish
