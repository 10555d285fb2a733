# TLS through endpoint URIs, end to end: VERIFY_IDENTITY with the sandbox CA
# passes, an unrelated CA is refused, and against a server without TLS the
# default (PREFERRED) falls back to plain text while REQUIRED refuses with a
# message saying so. The target is restarted normally afterwards.
. "$(dirname "$0")/lib.sh"
need_sandbox

restore() {
	"$MYSHIFT_ROOT/scripts/sandbox" restart target >/dev/null
	rm -rf "$scratch"
}
trap restore EXIT

run_myshift check --target "$MYSHIFT_TARGET?ssl-mode=VERIFY_IDENTITY&ssl-ca=$MYSHIFT_SANDBOX_CA"
assert_eq "VERIFY_IDENTITY with the sandbox CA exit code" 0 "$rc"
run_myshift check --target "$MYSHIFT_TARGET?ssl-mode=VERIFY_CA&ssl-ca=$MYSHIFT_SANDBOX_OTHER_CA"
assert_eq "VERIFY_CA with another CA exit code" 3 "$rc"
assert_match "wrong CA message" "$err" "target 127\.0\.0\.1:[0-9]+: connect failed: TLS/SSL error"
run_myshift check --target "$MYSHIFT_TARGET?ssl-mode=VERIFY_CA"
assert_eq "VERIFY_CA without ssl-ca exit code" 2 "$rc"
assert_contains "VERIFY_CA without ssl-ca message" "$err" "ssl-mode=VERIFY_CA needs ssl-ca"

"$MYSHIFT_ROOT/scripts/sandbox" restart target -- --skip-ssl >/dev/null
run_myshift check
assert_eq "PREFERRED against a server without TLS exit code" 0 "$rc"
run_myshift check --target "$MYSHIFT_TARGET?ssl-mode=REQUIRED"
assert_eq "REQUIRED against a server without TLS exit code" 3 "$rc"
assert_contains "REQUIRED message" "$err" "ssl-mode=REQUIRED but the server did not start TLS"
assert_not_contains "REQUIRED output" "$out$err" "$MYSHIFT_TARGET_PASSWORD"
finish
