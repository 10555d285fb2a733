# Helpers for the `myshift copy` integration tests (sourced after lib.sh).
# Everything here compares the source and the target INDEPENDENTLY of
# myshift: it reads both servers as root with the mariadb client and never
# looks at what myshift says it did.
#
#   csql ROLE SQL                  raw (-B -N --raw) root query, UTC session,
#                                  1 GiB client packets
#   copy_run ARGS...               run_myshift copy --source/--target ... ARGS
#   compare_rows S T [TS [TT]]     every row, every column, byte for byte
#   compare_checksum S T [TS [TT]] CHECKSUM TABLE on both servers
#   compare_table S T [TS [TT]]    both of the above
#   compare_schema_data S [TS]     compare_table for every base table of S
#   compare_defs S [TS]            columns, indexes, FKs, CHECKs, partitions,
#                                  table options (engine, collation,
#                                  AUTO_INCREMENT, comment) equal
#   count_rows ROLE S T            SELECT COUNT(*)
#
# base_tables, compare_schema_data and compare_defs leave out the tables
# listed in $copy_skip_tables (an SQL list: 'a','b'), for tests that copy
# some tables of a schema separately.
: "${copy_skip_tables:=''}"

# csql ROLE SQL: like lib.sh's sql, but raw output (no escaping of tabs and
# newlines), big packets (a 20 MiB blob is 40 MiB of HEX), utf8mb4 and
# time_zone '+00:00' so TIMESTAMPs print as stored.
csql() {
	local sock
	[ "$1" = source ] && sock=$MYSHIFT_SOURCE_SOCKET || sock=$MYSHIFT_TARGET_SOCKET
	mariadb --no-defaults -uroot -S "$sock" -N -B --raw \
		--max-allowed-packet=1G --default-character-set=utf8mb4 \
		-e "SET SESSION time_zone = '+00:00'; SET SESSION group_concat_max_len = 16777216; $2"
}

# copy_run ARGS...: `myshift copy` between the sandbox servers; sets $out,
# $err and $rc like run_myshift.
copy_run() {
	run_myshift copy --source "$MYSHIFT_SOURCE" --target "$MYSHIFT_TARGET" --no-progress "$@"
}

# sql_str TEXT: TEXT as a single-quoted SQL literal.
sql_str() {
	printf "'%s'" "$(printf '%s' "$1" | sed -e "s/\\\\/\\\\\\\\/g" -e "s/'/''/g")"
}

# qident NAME: NAME backquoted.
qident() {
	printf '`%s`' "$(printf '%s' "$1" | sed 's/`/``/g')"
}

# row_exprs SCHEMA TABLE: one SQL expression per column (read from the
# SOURCE's information_schema) rendering the stored value exactly and
# unambiguously, joined by CONCAT_WS:
#   integers, DECIMAL, YEAR, temporal types: their text (TIMESTAMP in UTC);
#   FLOAT/DOUBLE: CAST(... AS DOUBLE), which prints the shortest round-trip
#     form (FLOAT's own text has 6 digits and would hide a lost bit);
#   BIT: its number; ENUM/SET: index and HEX of the label;
#   everything else (strings in any charset, binary, blobs, JSON, spatial,
#     INET6, UUID): HEX of the stored bytes;
#   NULL: <NULL>, which no rendering above can produce.
row_exprs() {
	csql source "SELECT CONCAT('CONCAT_WS(''|'', ', GROUP_CONCAT(CONCAT('IFNULL(',
		CASE
		WHEN DATA_TYPE IN ('tinyint','smallint','mediumint','int','bigint',
				   'decimal','year','date','time','datetime','timestamp')
			THEN CONCAT('CAST(', q, ' AS CHAR)')
		WHEN DATA_TYPE IN ('float','double')
			THEN CONCAT('CAST(CAST(', q, ' AS DOUBLE) AS CHAR)')
		WHEN DATA_TYPE = 'bit' THEN CONCAT('CAST(', q, ' + 0 AS CHAR)')
		WHEN DATA_TYPE IN ('enum','set')
			THEN CONCAT('CONCAT(', q, ' + 0, '':'', HEX(', q, '))')
		ELSE CONCAT('HEX(', q, ')')
		END, ', ''<NULL>'')') ORDER BY ORDINAL_POSITION SEPARATOR ', '), ')')
	FROM (SELECT DATA_TYPE, ORDINAL_POSITION,
		     CONCAT('\`', REPLACE(COLUMN_NAME, '\`', '\`\`'), '\`') AS q
	      FROM information_schema.COLUMNS
	      WHERE TABLE_SCHEMA = $(sql_str "$1") AND TABLE_NAME = $(sql_str "$2")) c"
}

# dump_rows ROLE SCHEMA TABLE EXPRS FILE: every row rendered by EXPRS, one a
# line, sorted bytewise (so keyless tables and any collation order compare).
dump_rows() {
	csql "$1" "SELECT $4 FROM $(qident "$2").$(qident "$3")" >"$5.unsorted" || return 1
	LC_ALL=C sort "$5.unsorted" >"$5" && rm -f "$5.unsorted"
}

# compare_rows SSCHEMA STABLE [TSCHEMA [TTABLE]]
compare_rows() {
	local ss=$1 st=$2 ts=${3:-$1} tt=${4:-$2} exprs n f
	f=$scratch/rows.$$
	exprs=$(row_exprs "$ss" "$st")
	if [ -z "$exprs" ] || [ "$exprs" = NULL ]; then
		fail "rows of $ss.$st: no such table on the source"
		return
	fi
	if ! dump_rows source "$ss" "$st" "$exprs" "$f.src"; then
		fail "rows of $ss.$st: SELECT failed on the source"
		return
	fi
	if ! dump_rows target "$ts" "$tt" "$exprs" "$f.tgt" 2>"$f.err"; then
		fail "rows of $ts.$tt: SELECT failed on the target: $(cat "$f.err")"
		return
	fi
	n=$(wc -l <"$f.src")
	if cmp -s "$f.src" "$f.tgt"; then
		pass "rows of $ss.$st = $ts.$tt ($n rows)"
	else
		fail "rows of $ss.$st differ from $ts.$tt (source $n rows, target $(wc -l <"$f.tgt") rows); first differences (< source, > target, 300 chars):"
		diff "$f.src" "$f.tgt" >"$f.diff"
		{ grep '^<' "$f.diff" | head -n 4; grep '^>' "$f.diff" | head -n 4; } |
			cut -c1-300 | sed 's/^/    | /'
		diff_columns "$ss" "$st" "$f.diff"
	fi
	rm -f "$f.src" "$f.tgt" "$f.err" "$f.diff"
}

# diff_columns SSCHEMA STABLE DIFF: names the columns that differ between
# the first source line of DIFF and the target line with the same first
# column (the key, for tables whose first column is it).
diff_columns() {
	local names
	names=$(csql source "SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION SEPARATOR '|')
		FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = $(sql_str "$1") AND TABLE_NAME = $(sql_str "$2")")
	awk -v names="$names" '
		/^< / && !src { src = substr($0, 3); split(src, a, "|"); key = a[1] }
		/^> / { t = substr($0, 3); split(t, b, "|"); if (src != "" && b[1] == key) { tgt = t; exit } }
		END {
			if (tgt == "") exit
			n = split(names, nm, "|"); split(src, a, "|"); split(tgt, b, "|")
			for (i = 1; i <= n; i++)
				if (a[i] != b[i])
					printf "    | column %s: source %.100s, target %.100s\n", nm[i], a[i], b[i]
		}' "$3"
}

# compare_checksum SSCHEMA STABLE [TSCHEMA [TTABLE]]: CHECKSUM TABLE on both
# servers. MariaDB 10.11's CHECKSUM TABLE is not stable for tables with a
# VIRTUAL column (the same rows give different sums on two servers, and on
# one server before and after FLUSH TABLES), so those tables get COUNT(*)
# and SUM(CRC32(row)) over the row rendering of row_exprs instead.
compare_checksum() {
	local ss=$1 st=$2 ts=${3:-$1} tt=${4:-$2} a b q virt
	virt=$(csql source "SELECT COUNT(*) FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = $(sql_str "$ss") AND TABLE_NAME = $(sql_str "$st")
		  AND EXTRA LIKE '%VIRTUAL%'")
	if [ "$virt" != 0 ]; then
		q="SELECT CONCAT(COUNT(*), '/', IFNULL(SUM(CRC32($(row_exprs "$ss" "$st"))), 0)) FROM"
		a=$(csql source "$q $(qident "$ss").$(qident "$st")")
		b=$(csql target "$q $(qident "$ts").$(qident "$tt")" 2>&1)
		if [ -n "$a" ] && [ "$a" = "$b" ]; then
			pass "COUNT/SUM(CRC32) $ss.$st = $ts.$tt ($a; VIRTUAL columns: no CHECKSUM TABLE)"
		else
			fail "COUNT/SUM(CRC32) $ss.$st: source '$a', target $ts.$tt '$b'"
		fi
		return
	fi
	a=$(csql source "CHECKSUM TABLE $(qident "$ss").$(qident "$st") EXTENDED" | cut -f2)
	b=$(csql target "CHECKSUM TABLE $(qident "$ts").$(qident "$tt") EXTENDED" 2>&1 | cut -f2)
	if [ -n "$a" ] && [ "$a" != NULL ] && [ "$a" = "$b" ]; then
		pass "CHECKSUM TABLE $ss.$st = $ts.$tt ($a)"
	else
		fail "CHECKSUM TABLE $ss.$st: source '$a', target $ts.$tt '$b'"
	fi
}

compare_table() {
	compare_checksum "$@"
	compare_rows "$@"
}

# base_tables ROLE SCHEMA: the base tables of SCHEMA, one a line.
base_tables() {
	csql "$1" "SELECT TABLE_NAME FROM information_schema.TABLES
		WHERE TABLE_SCHEMA = $(sql_str "$2") AND TABLE_TYPE = 'BASE TABLE'
		  AND TABLE_NAME NOT IN ($copy_skip_tables)
		ORDER BY TABLE_NAME"
}

# compare_schema_data SSCHEMA [TSCHEMA]: every base table of SSCHEMA.
compare_schema_data() {
	local ss=$1 ts=${2:-$1} t
	while IFS= read -r t; do
		compare_table "$ss" "$t" "$ts" "$t"
	done < <(base_tables source "$ss")
}

# defs ROLE SCHEMA: the definitions compare_defs compares, in text, with
# references to SCHEMA itself written as <self>.
defs() {
	local s x=$copy_skip_tables
	s=$(sql_str "$2")
	csql "$1" "
	SELECT 'table', TABLE_NAME, ENGINE, TABLE_COLLATION, AUTO_INCREMENT,
	       CREATE_OPTIONS, TABLE_COMMENT
	FROM information_schema.TABLES
	WHERE TABLE_SCHEMA = $s AND TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME NOT IN ($x)
	ORDER BY TABLE_NAME;
	SELECT 'column', TABLE_NAME, ORDINAL_POSITION, COLUMN_NAME, COLUMN_TYPE,
	       IFNULL(COLUMN_DEFAULT, '<none>'), IS_NULLABLE,
	       IFNULL(CHARACTER_SET_NAME, '-'), IFNULL(COLLATION_NAME, '-'),
	       EXTRA, IFNULL(GENERATION_EXPRESSION, '-'), COLUMN_COMMENT
	FROM information_schema.COLUMNS c
	WHERE TABLE_SCHEMA = $s
	  AND TABLE_NAME IN (SELECT TABLE_NAME FROM information_schema.TABLES t
			     WHERE t.TABLE_SCHEMA = $s AND TABLE_TYPE = 'BASE TABLE'
			       AND TABLE_NAME NOT IN ($x))
	ORDER BY TABLE_NAME, ORDINAL_POSITION;
	SELECT 'index', TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE,
	       IFNULL(SUB_PART, '-'), INDEX_TYPE, IFNULL(COLLATION, '-')
	FROM information_schema.STATISTICS
	WHERE TABLE_SCHEMA = $s AND TABLE_NAME NOT IN ($x)
	ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX;
	SELECT 'fk', k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION, k.COLUMN_NAME,
	       IF(k.REFERENCED_TABLE_SCHEMA = $s, '<self>', k.REFERENCED_TABLE_SCHEMA),
	       k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, r.UPDATE_RULE, r.DELETE_RULE
	FROM information_schema.KEY_COLUMN_USAGE k
	JOIN information_schema.REFERENTIAL_CONSTRAINTS r
	  ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
	 AND r.TABLE_NAME = k.TABLE_NAME
	WHERE k.TABLE_SCHEMA = $s AND k.TABLE_NAME NOT IN ($x) ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION;
	SELECT 'check', TABLE_NAME, CONSTRAINT_NAME, LEVEL, CHECK_CLAUSE
	FROM information_schema.CHECK_CONSTRAINTS
	WHERE CONSTRAINT_SCHEMA = $s AND TABLE_NAME NOT IN ($x)
	ORDER BY TABLE_NAME, CONSTRAINT_NAME;
	SELECT 'partition', TABLE_NAME, PARTITION_NAME, PARTITION_ORDINAL_POSITION,
	       PARTITION_METHOD, PARTITION_EXPRESSION, PARTITION_DESCRIPTION
	FROM information_schema.PARTITIONS
	WHERE TABLE_SCHEMA = $s AND PARTITION_NAME IS NOT NULL AND TABLE_NAME NOT IN ($x)
	ORDER BY TABLE_NAME, PARTITION_ORDINAL_POSITION;"
}

# compare_defs SSCHEMA [TSCHEMA]
compare_defs() {
	local ss=$1 ts=${2:-$1} f=$scratch/defs.$$
	defs source "$ss" >"$f.src"
	defs target "$ts" >"$f.tgt"
	if [ -s "$f.src" ] && cmp -s "$f.src" "$f.tgt"; then
		pass "definitions of $ss = $ts ($(wc -l <"$f.src") items: tables, columns, indexes, FKs, CHECKs, partitions)"
	else
		fail "definitions of $ss differ from $ts (< source, > target):"
		diff "$f.src" "$f.tgt" | grep '^[<>]' | head -n 20 | cut -c1-300 | sed 's/^/    | /'
	fi
	rm -f "$f.src" "$f.tgt"
}

# count_rows ROLE SCHEMA TABLE
count_rows() {
	csql "$1" "SELECT COUNT(*) FROM $(qident "$2").$(qident "$3")"
}

# json_get JSON JQ-FILTER: a field of --json output ('' when absent).
json_get() {
	printf '%s' "$1" | jq -r "$2 // empty" 2>/dev/null
}
