# `myshift copy` killed with SIGKILL at random moments and rerun with the
# same command until it finishes: the target must then hold exactly the
# source's rows (no duplicates, nothing lost) in every table, including a
# composite-key table, a VARCHAR-key table, a UNIQUE-only table and a keyless
# table with duplicate rows. Compared independently of myshift (CHECKSUM
# TABLE, every row byte for byte, COUNT(*)).
#
# The copy runs with small chunks, 2 threads and a row rate limit so that it
# lasts long enough to be killed several times; the kill delays are random
# (printed, with the seed: MYSHIFT_KILL_SEED=N reproduces a sequence).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/copy_lib.sh"
need_sandbox

if ! "$MYSHIFT_BIN" copy --help >/dev/null 2>&1; then
	echo "SKIP: this myshift has no 'copy' command yet"
	exit 77
fi

drop_all() {
	sql source "DROP DATABASE IF EXISTS ck_kill"
	sql target "DROP DATABASE IF EXISTS ck_kill; DROP DATABASE IF EXISTS _myshift"
}
copy_pid=
cleanup() {
	if [ -n "$copy_pid" ] && kill -0 "$copy_pid" 2>/dev/null; then
		kill -9 "$copy_pid" 2>/dev/null
		wait "$copy_pid" 2>/dev/null
	fi
	[ "${MYSHIFT_KEEP_FIXTURES:-0}" = 1 ] || drop_all || true
	rm -rf "$scratch"
}
trap cleanup EXIT
drop_all

# About 200k rows in six tables.
sql source "CREATE DATABASE ck_kill;
	USE ck_kill;
	CREATE TABLE ck_kill.t_int (id INT AUTO_INCREMENT PRIMARY KEY, a INT, b VARCHAR(50),
		c DATETIME(6), KEY ka (a));
	INSERT INTO ck_kill.t_int (a, b, c)
		SELECT seq % 1000, CONCAT('row ', seq, REPEAT('x', seq % 30)),
		       '2020-01-01' + INTERVAL seq * 1001 MICROSECOND FROM seq_1_to_70000;
	CREATE TABLE ck_kill.t_comp (a INT NOT NULL, b VARCHAR(20) NOT NULL, c INT, d TEXT,
		PRIMARY KEY (a, b));
	INSERT INTO ck_kill.t_comp SELECT seq % 97, CONCAT('k', seq), seq, REPEAT('d', seq % 100)
		FROM seq_1_to_40000;
	CREATE TABLE ck_kill.t_str (k VARCHAR(40) COLLATE utf8mb4_general_ci PRIMARY KEY, v BLOB);
	INSERT INTO ck_kill.t_str SELECT CONCAT(ELT(1 + seq % 3, 'a', 'B', 'ä'), MD5(seq)),
		UNHEX(SHA2(seq, 256)) FROM seq_1_to_30000;
	CREATE TABLE ck_kill.t_uk (u BIGINT NOT NULL, v VARCHAR(30), UNIQUE KEY (u));
	INSERT INTO ck_kill.t_uk SELECT seq * 7919, CONCAT('u', seq) FROM seq_1_to_20000;
	CREATE TABLE ck_kill.t_nokey (a INT, b VARCHAR(20), c DOUBLE);
	INSERT INTO ck_kill.t_nokey SELECT seq % 500, CONCAT('n', seq % 3), seq / 7
		FROM seq_1_to_30000;
	INSERT INTO ck_kill.t_nokey SELECT a, b, c FROM ck_kill.t_nokey LIMIT 5000;
	CREATE TABLE ck_kill.t_parent (id INT PRIMARY KEY, name VARCHAR(20));
	CREATE TABLE ck_kill.t_child (id INT PRIMARY KEY, pid INT NOT NULL,
		FOREIGN KEY (pid) REFERENCES ck_kill.t_parent (id));
	INSERT INTO ck_kill.t_parent SELECT seq, CONCAT('p', seq) FROM seq_1_to_1000;
	INSERT INTO ck_kill.t_child SELECT seq, 1 + seq % 1000 FROM seq_1_to_5000;" ||
	{ fail "creating the fixture on the source"; finish; }

seed=${MYSHIFT_KILL_SEED:-$(($(date +%s) % 32768))}
RANDOM=$seed
echo "kill seed: $seed (MYSHIFT_KILL_SEED=$seed reproduces the delays)"
copy_args=(copy --source "$MYSHIFT_SOURCE" --target "$MYSHIFT_TARGET" --include ck_kill
	--chunk-time 0.05 --threads 2 --rate 15000 --no-progress --json)

# run_with_kills MIN_MS MAX_MS: starts the copy, kills it with SIGKILL after
# a random delay, reruns the same command, up to 5 kills, then lets a last
# run finish. Sets kills (kills that hit a running copy) and final_rc.
run_with_kills() {
	local min=$1 max=$2 runs=0 ms
	kills=0
	final_rc=
	while [ $runs -lt 40 ]; do
		runs=$((runs + 1))
		"$MYSHIFT_BIN" "${copy_args[@]}" >"$scratch/out" 2>"$scratch/err" &
		copy_pid=$!
		if [ $kills -lt 5 ]; then
			ms=$((min + RANDOM % (max - min + 1)))
			sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
			kill -9 "$copy_pid" 2>/dev/null
			wait "$copy_pid" 2>/dev/null
			final_rc=$?
			copy_pid=
			if [ "$final_rc" = 137 ]; then # 128 + SIGKILL: it was running
				kills=$((kills + 1))
				echo "run $runs: killed after ${ms} ms"
				continue
			fi
		else
			wait "$copy_pid"
			final_rc=$?
		fi
		copy_pid=
		echo "run $runs: exited with $final_rc"
		[ "$final_rc" = 0 ] && return
		# A run that fails on its own after a kill is a resume bug: show it.
		sed 's/^/    | /' "$scratch/err" | tail -n 15
		return
	done
}

# Kills must land while the copy runs: if it finished before 3 kills, start
# over from an empty target with shorter delays.
for range in "300 2000" "150 1000" "50 400"; do
	sql target "DROP DATABASE IF EXISTS ck_kill; DROP DATABASE IF EXISTS _myshift"
	run_with_kills $range
	[ "$final_rc" = 0 ] && [ $kills -ge 3 ] && break
	[ "$final_rc" = 0 ] || break
	echo "only $kills kill(s) landed before the copy finished; again with shorter delays"
done
assert_eq "copy after kills exit code" 0 "$final_rc"
if [ $kills -ge 3 ]; then
	pass "$kills kills landed while the copy was running"
else
	fail "only $kills kill(s) landed while the copy was running (need 3)"
fi
out=$(cat "$scratch/out")
assert_eq "final run json tables" 7 "$(json_get "$out" .tables)"

# The data: counts, CHECKSUM TABLE and every row.
while IFS= read -r t; do
	assert_eq "ck_kill.$t COUNT(*)" "$(count_rows source ck_kill "$t")" \
		"$(count_rows target ck_kill "$t")"
done < <(base_tables source ck_kill)
compare_schema_data ck_kill
compare_defs ck_kill
assert_eq "t_uk duplicates on the target" 0 \
	"$(csql target "SELECT COUNT(*) FROM (SELECT u FROM ck_kill.t_uk GROUP BY u HAVING COUNT(*) > 1) d")"

# One more rerun: a finished copy copies nothing again.
"$MYSHIFT_BIN" "${copy_args[@]}" >"$scratch/out" 2>"$scratch/err"
assert_eq "rerun after success exit code" 0 "$?"
assert_eq "rerun after success json rows" 0 "$(json_get "$(cat "$scratch/out")" .rows)"
compare_checksum ck_kill t_nokey

finish
