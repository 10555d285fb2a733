# Shared helpers for shell integration tests (sourced). Each assertion prints
# both sides when it fails. Tests need the sandbox environment
# (eval "$(scripts/sandbox env)"); without it they skip with exit 77, unless
# MYSHIFT_REQUIRE_SANDBOX=1 makes that a failure.
set -u

: "${MYSHIFT_BIN:?MYSHIFT_BIN must point at the myshift binary}"
: "${MYSHIFT_ROOT:?MYSHIFT_ROOT must point at the source tree}"

failures=0
test_name=$(basename "$0" .sh)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/myshift-it.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

need_sandbox() {
	if [ -z "${MYSHIFT_SOURCE_ADMIN:-}" ]; then
		if [ "${MYSHIFT_REQUIRE_SANDBOX:-0}" = 1 ]; then
			echo "FAIL: sandbox environment missing (run scripts/sandbox start)"
			exit 1
		fi
		echo "SKIP: sandbox not running (eval \"\$(scripts/sandbox env)\")"
		exit 77
	fi
}

fail() {
	echo "FAIL [$test_name]: $*"
	failures=$((failures + 1))
}

pass() { echo "ok   [$test_name]: $*"; }

assert_eq() { # assert_eq WHAT EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then pass "$1 = '$3'"; else fail "$1: expected '$2', got '$3'"; fi
}

assert_contains() { # assert_contains WHAT HAYSTACK NEEDLE
	if printf '%s' "$2" | grep -qF -- "$3"; then
		pass "$1 contains '$3'"
	else
		fail "$1: '$3' not found in:"
		printf '%s\n' "$2" | sed 's/^/    | /'
	fi
}

assert_not_contains() { # assert_not_contains WHAT HAYSTACK NEEDLE
	if printf '%s' "$2" | grep -qF -- "$3"; then
		fail "$1: must not contain '$3', but does:"
		printf '%s\n' "$2" | grep -F -- "$3" | sed 's/^/    | /'
	else
		pass "$1 does not contain '$3'"
	fi
}

assert_match() { # assert_match WHAT HAYSTACK ERE
	if printf '%s' "$2" | grep -qE -- "$3"; then
		pass "$1 matches /$3/"
	else
		fail "$1: /$3/ does not match:"
		printf '%s\n' "$2" | sed 's/^/    | /'
	fi
}

# run_myshift ARGS...: sets $out (stdout), $err (stderr), $rc.
run_myshift() {
	"$MYSHIFT_BIN" "$@" >"$scratch/out" 2>"$scratch/err"
	rc=$?
	out=$(cat "$scratch/out")
	err=$(cat "$scratch/err")
}

# sql ROLE STATEMENTS: runs SQL as the sandbox admin on source|target.
sql() {
	local sock
	[ "$1" = source ] && sock=$MYSHIFT_SOURCE_SOCKET || sock=$MYSHIFT_TARGET_SOCKET
	mariadb --no-defaults -uroot -S "$sock" -N -B -e "$2"
}

finish() {
	if [ "$failures" -gt 0 ]; then
		echo "$test_name: $failures assertion(s) failed"
		exit 1
	fi
	echo "$test_name: all assertions passed"
	exit 0
}
