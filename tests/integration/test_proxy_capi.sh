# MariaDB Connector/C through `myshift proxy`: tests/clients/proxy_capi.c
# (built as the helper proxy_capi) for COM_CHANGE_USER, COM_RESET_CONNECTION,
# COM_SET_OPTION, COM_FIELD_LIST, COM_STATISTICS, cursors (COM_STMT_FETCH),
# COM_STMT_SEND_LONG_DATA of 20 MB, COM_STMT_RESET and a closed statement's
# id; once over plain TCP and once over TLS. The proxy must then stop
# cleanly without a sanitizer report.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
need_proxy
if [ -z "${MYSHIFT_PROXY_CAPI:-}" ] || [ ! -x "$MYSHIFT_PROXY_CAPI" ]; then
	echo "SKIP: MYSHIFT_PROXY_CAPI (the proxy_capi helper) not set: run through ctest"
	[ "${MYSHIFT_REQUIRE_SANDBOX:-0}" = 1 ] && exit 1
	exit 77
fi
proxy_setup
proxy_start "${tls_opts[@]}" || finish

# The helper's own leaks after a failed assertion (cmocka jumps out of the
# test with its connection open) are not the proxy's: no leak check there.
for mode in plain tls; do
	ca=
	[ $mode = tls ] && ca=$MYSHIFT_SANDBOX_CA
	MYSHIFT_PROXY_PORT=$proxy_port MYSHIFT_PROXY_SCHEMA=$proxy_schema \
		MYSHIFT_PROXY_APP_PASSWORD=$app_pw MYSHIFT_PROXY_APP2_PASSWORD=$app2_pw \
		MYSHIFT_PROXY_SSL_CA=$ca ASAN_OPTIONS=detect_leaks=0 timeout 900 "$MYSHIFT_PROXY_CAPI" >"$scratch/capi.$mode" 2>&1
	rc=$?
	sed 's/^/    /' "$scratch/capi.$mode"
	assert_eq "proxy_capi ($mode) exit code" 0 "$rc"
done
out=$(pm_plain -e "SELECT 'still serving'" 2>&1)
assert_eq "a query after the C API tests" "still serving" "$out"
proxy_stop
finish
