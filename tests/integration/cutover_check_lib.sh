# Helpers that judge `myshift cutover` / `myshift failback` from outside
# (sourced after lib.sh, copy_lib.sh, sync_lib.sh, proxy_load_lib.sh and
# cutover_lib.sh, whose co_need, co_routes and co_stop_syncs they use).
# Used by test_cutover_tenant.sh and test_cutover_faults.sh. What decides a
# test is read from the servers (root over their sockets), the proxy's admin
# API and the writers' own records of what the server acknowledged; the
# cutover's report is only printed.
#
#   ct_need                        co_need, and python3-pymysql for the writers
#   ct_set_args [TARGET_URI]       fills the array ct_args: --source (a writing
#                                  user with READ_ONLY ADMIN), --target, --admin,
#                                  the token file, --control-schema, --sync-log
#   ct_cmd NAME KIND ARGS...       myshift KIND (cutover|failback) with
#                                  ct_args and ARGS, --json; sets $rc, $out,
#                                  $err; keeps NAME.out/.err in $scratch
#   ct_rep KEY                     a key of the last ct_cmd's --json report
#   writer_start NAME SCHEMA [MS]  a client through the proxy (one session,
#                                  autocommit) inserting into SCHEMA.w the
#                                  rows n = 1, 2, ... with tenant = NAME and
#                                  @@server_id (the server that ran the
#                                  INSERT), one every MS ms (20). Each n the
#                                  server acknowledged goes to NAME.ack, each
#                                  error to NAME.err; an error does not stop it
#   writer_last NAME               the last acknowledged n (0 before any)
#   writer_stop NAME               ends it after its current INSERT -> rc 0
#                                  when it exited cleanly
#   writer_check NAME WHAT         assert the writer is running and saw no error
#   acked_on ROLE SCHEMA NAME WHAT assert every n NAME had acknowledged so far
#                                  is in ROLE's SCHEMA.w (tenant NAME)
#   exactly_once ROLE SCHEMA NAME  assert ROLE's SCHEMA.w holds each of NAME's
#                                  n = 1..last exactly once, and nothing more
#   srv_runs ROLE SCHEMA NAME      the server ids of the tenant's rows in n
#                                  order, runs collapsed: "1 2 1"
#   first_n_on ROLE SCHEMA NAME SRV FROM
#                                  the smallest n >= FROM whose row came from
#                                  server SRV
#   route_backend ROUTE            the backend of ROUTE in GET /routes
#   session_backends SCHEMA        "backend count" of /sessions with SCHEMA
#   sessions_become SCHEMA WANT WHAT
#                                  assert session_backends reaches WANT (20 s)
#   jsql SQL                       SQL on the target's control schema
#   syncs_are FWD REV WHAT         assert (polling 10 s) that FWD forward and
#                                  REV reverse `myshift sync` processes of
#                                  this control schema run (co_sync_pids: the
#                                  ones cutover spawned; a `myshift run` is
#                                  not counted)

ct_need() {
	co_need
	if ! /usr/bin/python3 -c 'import pymysql' 2>/dev/null; then
		echo "SKIP: python3-pymysql is not installed (scripts/deps)"
		exit 77
	fi
}

ct_args=()
ct_set_args() { # ct_set_args [TARGET_URI]: fills ct_args
	ct_args=(--source "$MYSHIFT_SOURCE_ADMIN" --target "${1:-$MYSHIFT_TARGET}"
		--admin "127.0.0.1:$admin_port" --admin-token-file "$proxy_token_file"
		--control-schema "$sync_cs" --sync-log "$scratch/spawned-sync.log" --log-level info)
}

ct_cmd() { # ct_cmd NAME KIND ARGS...
	local name=$1 kind=$2
	shift 2
	"$MYSHIFT_BIN" "$kind" "${ct_args[@]}" "$@" --json \
		>"$scratch/$name.out" 2>"$scratch/$name.err" </dev/null
	rc=$?
	out=$(cat "$scratch/$name.out")
	err=$(cat "$scratch/$name.err")
	echo "   $kind $* -> exit $rc: $(printf '%s' "$out" | jq -c '{state, scope,
		sessions_moved, pause_ms_max, pause_ms_p50, drained, errors, run_id,
		steps: [.steps[]? | "\(.name):\(.ms)"]}' 2>/dev/null || printf '%.300s' "$out")"
	[ "$rc" = 0 ] || {
		printf '%s' "$out" | jq -c '{refused, error}' 2>/dev/null | cut -c1-600 |
			sed 's/^/    report | /'
		printf '%s\n' "$err" | tail -n 8 | cut -c1-300 | sed 's/^/    err | /'
	}
}

ct_rep() { printf '%s' "$out" | jq -r ".$1 // \"absent\"" 2>/dev/null; }

# --- writers -------------------------------------------------------------------
cat >"$scratch/writer.py" <<'EOF'
# writer.py PORT USER SCHEMA TENANT MS PREFIX: one session, autocommit;
# INSERT n = 1, 2, ... until PREFIX.stop exists. PREFIX.ack gets each n the
# server acknowledged, PREFIX.err each error (then it reconnects).
import os, sys, time
import pymysql

port, user, schema, tenant, ms, prefix = sys.argv[1:7]
pw = os.environ["WRITER_PW"]
ack = open(prefix + ".ack", "a", buffering=1)
errf = open(prefix + ".err", "a", buffering=1)

def connect():
    return pymysql.connect(host="127.0.0.1", port=int(port), user=user, password=pw,
                           database=schema, autocommit=True, connect_timeout=10,
                           read_timeout=120, write_timeout=120)

conn = None
n = 0
while not os.path.exists(prefix + ".stop"):
    try:
        if conn is None:
            conn = connect()
        n += 1
        with conn.cursor() as c:
            c.execute("INSERT INTO w (n, tenant, srv) VALUES (%s, %s, @@server_id)",
                      (n, tenant))
        ack.write("%d\n" % n)
    except Exception as e:  # every error counts; the writer goes on
        errf.write("n=%d %s: %s\n" % (n, type(e).__name__, e))
        try:
            conn.close()
        except Exception:
            pass
        conn = None
        time.sleep(0.2)
    time.sleep(int(ms) / 1000.0)
if conn is not None:
    conn.close()
EOF

declare -A writer_pid=()
writer_start() { # writer_start NAME SCHEMA [MS]
	local name=$1
	: >"$scratch/$name.ack"
	: >"$scratch/$name.err"
	rm -f "$scratch/$name.stop"
	WRITER_PW=$APP_PW /usr/bin/python3 "$scratch/writer.py" "$proxy_port" "$APP_USER" \
		"$2" "$name" "${3:-20}" "$scratch/$name" 2>>"$scratch/$name.err" &
	writer_pid[$name]=$!
}

writer_last() { tail -n 1 "$scratch/$1.ack" 2>/dev/null | grep -E '^[0-9]+$' || echo 0; }

writer_stop() { # writer_stop NAME
	local name=$1 pid=${writer_pid[$1]:-} i
	[ -n "$pid" ] || return 0
	touch "$scratch/$name.stop"
	for i in $(seq 1 300); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	local r=$?
	unset "writer_pid[$name]"
	return $r
}

writer_stop_all() {
	local n
	for n in "${!writer_pid[@]}"; do writer_stop "$n"; done
}

writer_check() { # writer_check NAME WHAT
	local name=$1 pid=${writer_pid[$1]:-}
	if [ -s "$scratch/$name.err" ]; then
		fail "$2: writer $name saw errors:"
		head -n 5 "$scratch/$name.err" | cut -c1-300 | sed 's/^/    | /'
	elif [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
		fail "$2: writer $name is no longer running"
	else
		pass "$2: writer $name saw no error ($(writer_last "$name") rows acknowledged)"
	fi
}

# tenant_ns ROLE SCHEMA TENANT [EXTRA]: the n of the tenant's rows, sorted.
tenant_ns() {
	csql "$1" "SELECT n FROM $(qident "$2").w WHERE tenant = $(sql_str "$3") AND n > 0
		${4:-} ORDER BY n"
}

acked_on() { # acked_on ROLE SCHEMA NAME WHAT
	local role=$1 schema=$2 name=$3 missing acked
	cp "$scratch/$name.ack" "$scratch/$name.ack.snap"
	acked=$(wc -l <"$scratch/$name.ack.snap")
	missing=$(LC_ALL=C comm -23 <(LC_ALL=C sort -u "$scratch/$name.ack.snap") \
		<(tenant_ns "$role" "$schema" "$name" | LC_ALL=C sort -u))
	if [ -z "$missing" ] && [ "$acked" -gt 0 ]; then
		pass "$4: all $acked rows writer $name had acknowledged are on the $role"
	else
		fail "$4: of $acked acknowledged rows of writer $name, missing on the $role: $(printf '%s' "$missing" |
			head -n 10 | tr '\n' ' ')"
	fi
}

exactly_once() { # exactly_once ROLE SCHEMA NAME
	local role=$1 schema=$2 name=$3 last have
	last=$(writer_last "$name")
	have=$(tenant_ns "$role" "$schema" "$name" | tr '\n' ' ')
	if [ "$have" = "$(seq 1 "$last" | tr '\n' ' ')" ] && [ "$last" -gt 0 ]; then
		pass "$role $schema.w: writer $name's rows 1..$last each exactly once"
	else
		fail "$role $schema.w: writer $name acknowledged 1..$last; the table has $(printf '%s' "$have" |
			wc -w) rows of it; duplicates: $(printf '%s' "$have" | tr ' ' '\n' | uniq -d |
			head -n 5 | tr '\n' ' ') missing: $(LC_ALL=C comm -23 <(seq 1 "$last" | LC_ALL=C sort) \
			<(printf '%s' "$have" | tr ' ' '\n' | LC_ALL=C sort -u) | head -n 5 | tr '\n' ' ')"
	fi
}

srv_runs() { # srv_runs ROLE SCHEMA TENANT
	csql "$1" "SELECT srv FROM $(qident "$2").w WHERE tenant = $(sql_str "$3") AND n > 0
		ORDER BY n" | uniq | tr '\n' ' ' | sed 's/ $//'
}

first_n_on() { # first_n_on ROLE SCHEMA TENANT SRV FROM
	csql "$1" "SELECT IFNULL(MIN(n), 0) FROM $(qident "$2").w
		WHERE tenant = $(sql_str "$3") AND srv = $4 AND n >= $5"
}

# --- proxy -----------------------------------------------------------------------
route_backend() { co_routes | awk -v r="$1" '$1 == r { print $2 }'; }

session_backends() {
	admin GET /sessions
	printf '%s' "$body" | jarr sessions | jq -r --arg s "$1" \
		'[.[] | select((.schema // "") == $s) | .backend] | group_by(.) |
		 map("\(.[0]) \(length)") | join(", ")'
}

sessions_become() { # sessions_become SCHEMA WANT WHAT
	local got i
	for i in $(seq 1 100); do
		got=$(session_backends "$1")
		[ "$got" = "$2" ] && break
		sleep 0.2
	done
	assert_eq "$3" "$2" "$got"
}

# --- journal -----------------------------------------------------------------------
jsql() { sql target "USE \`$sync_cs\`; $1"; }

# --- spawned syncs -------------------------------------------------------------------
sync_procs() {
	local p f=0 r=0
	for p in $(co_sync_pids); do
		if tr '\0' '\n' <"/proc/$p/cmdline" 2>/dev/null | grep -qx -- --reverse; then
			r=$((r + 1))
		else
			f=$((f + 1))
		fi
	done
	echo "forward $f reverse $r"
}

syncs_are() { # syncs_are FWD REV WHAT
	local want="forward $1 reverse $2" got i
	for i in $(seq 1 50); do
		got=$(sync_procs)
		[ "$got" = "$want" ] && break
		sleep 0.2
	done
	assert_eq "$3: sync processes" "$want" "$got"
}
