# `myshift copy` type torture: tests/data/copy/torture.sql (every MariaDB
# column type with its edge values, zero dates, awkward strings and bytes,
# a 20 MiB row, keys that are hard to paginate, generated columns, FKs, a
# view, routines, a trigger, an event) is copied twice, with LOAD DATA into
# `ct_torture` and with INSERTs into `ct_torture_ins` (a DMS schema rename),
# then compared independently of myshift: CHECKSUM TABLE and every row
# rendered byte for byte on both servers, the definitions from
# information_schema, the views, routines, and the trigger and event
# recorded in the control schema but not created.
#
# The tables `native_types` (INET6, UUID) and `enum_zero` (ENUM index 0)
# are copied on their own, with each load method, so a failure there names
# the type and does not hide the rest of the torture.
#
# To make the copy's session settings matter, both servers run with
# time_zone 'Europe/Paris' (the data holds TIMESTAMPs in the autumn DST fold)
# and the target with Aurora MySQL 8's strict default sql_mode (zero dates,
# invalid ENUMs and id 0 in an AUTO_INCREMENT column need a permissive one)
# and log_bin_trust_function_creators=1 (the target user has no SUPER).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/copy_lib.sh"
need_sandbox

if ! "$MYSHIFT_BIN" copy --help >/dev/null 2>&1; then
	echo "SKIP: this myshift has no 'copy' command yet"
	exit 77
fi

aurora_mode='ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'
old_src_tz=$(sql source "SELECT @@global.time_zone")
old_tgt_tz=$(sql target "SELECT @@global.time_zone")
old_tgt_mode=$(sql target "SELECT @@global.sql_mode")
old_tgt_trust=$(sql target "SELECT @@global.log_bin_trust_function_creators")

drop_all() {
	sql source "DROP DATABASE IF EXISTS ct_torture"
	sql target "DROP DATABASE IF EXISTS ct_torture; DROP DATABASE IF EXISTS ct_torture_ins;
		DROP DATABASE IF EXISTS _myshift; DROP DATABASE IF EXISTS _myshift_ins"
	local t m
	for t in native_types enum_zero; do
		for m in load_data insert; do
			sql target "DROP DATABASE IF EXISTS ct_sep_${t}_$m;
				DROP DATABASE IF EXISTS _ms_ct_sep_${t}_$m"
		done
	done
}
cleanup() {
	sql source "SET GLOBAL time_zone = '$old_src_tz'" || true
	sql target "SET GLOBAL time_zone = '$old_tgt_tz'; SET GLOBAL sql_mode = '$old_tgt_mode';
		SET GLOBAL log_bin_trust_function_creators = $old_tgt_trust" || true
	[ "${MYSHIFT_KEEP_FIXTURES:-0}" = 1 ] || drop_all || true
	rm -rf "$scratch"
}
trap cleanup EXIT

drop_all
sql source "SET GLOBAL time_zone = 'Europe/Paris'"
# The target user has no SUPER: creating the function needs this (on Aurora:
# the DB cluster parameter group).
sql target "SET GLOBAL time_zone = 'Europe/Paris'; SET GLOBAL sql_mode = '$aurora_mode';
	SET GLOBAL log_bin_trust_function_creators = 1"
if ! mariadb --no-defaults -uroot -S "$MYSHIFT_SOURCE_SOCKET" \
	<"$MYSHIFT_ROOT/tests/data/copy/torture.sql" >"$scratch/load.log" 2>&1; then
	fail "loading torture.sql on the source: $(cat "$scratch/load.log")"
	finish
fi

# The whole-schema runs leave these out; section 4 copies them one by one.
separate="native_types enum_zero"
copy_skip_tables="'native_types','enum_zero'"
skip_args=(--exclude ct_torture.native_types --exclude ct_torture.enum_zero)
tables=$(base_tables source ct_torture | wc -l)
total_rows=0
while IFS= read -r t; do
	total_rows=$((total_rows + $(count_rows source ct_torture "$t")))
done < <(base_tables source ct_torture)
echo "source: $tables tables, $total_rows rows"

# check_objects TSCHEMA CONTROL: views and routines created and equal to the
# source's, the trigger and the event recorded but not created, FKs enforced.
check_objects() {
	local ts=$1 ctl=$2 a b
	a=$(csql source "SELECT TABLE_NAME, REPLACE(VIEW_DEFINITION, '\`ct_torture\`', '\`S\`'),
		CHECK_OPTION, SECURITY_TYPE FROM information_schema.VIEWS
		WHERE TABLE_SCHEMA = 'ct_torture' ORDER BY TABLE_NAME")
	b=$(csql target "SELECT TABLE_NAME, REPLACE(VIEW_DEFINITION, '\`$ts\`', '\`S\`'),
		CHECK_OPTION, SECURITY_TYPE FROM information_schema.VIEWS
		WHERE TABLE_SCHEMA = '$ts' ORDER BY TABLE_NAME")
	assert_eq "$ts views (name, definition, options)" "$a" "$b"
	assert_eq "$ts.v_child rows" "$(count_rows source ct_torture v_child)" \
		"$(count_rows target "$ts" v_child)"
	assert_eq "$ts.v_of_view" "$(csql source "SELECT n FROM ct_torture.v_of_view")" \
		"$(csql target "SELECT n FROM \`$ts\`.v_of_view")"
	a=$(csql source "SELECT ROUTINE_NAME, ROUTINE_TYPE, DTD_IDENTIFIER, ROUTINE_DEFINITION,
		IS_DETERMINISTIC, SQL_DATA_ACCESS, SECURITY_TYPE, SQL_MODE, ROUTINE_COMMENT
		FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'ct_torture'
		ORDER BY ROUTINE_NAME")
	b=$(csql target "SELECT ROUTINE_NAME, ROUTINE_TYPE, DTD_IDENTIFIER, ROUTINE_DEFINITION,
		IS_DETERMINISTIC, SQL_DATA_ACCESS, SECURITY_TYPE, SQL_MODE, ROUTINE_COMMENT
		FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = '$ts'
		ORDER BY ROUTINE_NAME")
	assert_eq "$ts routines (name, type, body, sql_mode, ...)" "$a" "$b"
	assert_eq "$ts.f_double(21)" 42 "$(csql target "SELECT \`$ts\`.f_double(21)")"
	assert_eq "$ts.p_count" 6000 "$(csql target "CALL \`$ts\`.p_count(@n); SELECT @n")"
	assert_eq "$ts triggers on the target" 0 \
		"$(csql target "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = '$ts'")"
	assert_eq "$ts events on the target" 0 \
		"$(csql target "SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = '$ts'")"
	assert_eq "$ctl.deferred_objects trigger" "trigger	trg_child_note	ct_torture	$ts	child" \
		"$(csql target "SELECT kind, name, source_schema, target_schema, target_table
			FROM \`$ctl\`.deferred_objects WHERE name = 'trg_child_note'" 2>&1)"
	assert_contains "$ctl.deferred_objects trigger SQL" \
		"$(csql target "SELECT create_sql FROM \`$ctl\`.deferred_objects
			WHERE name = 'trg_child_note'" 2>&1)" "CONCAT('trg:'"
	assert_eq "$ctl.deferred_objects event" "event	ev_noop	$ts" \
		"$(csql target "SELECT kind, name, target_schema FROM \`$ctl\`.deferred_objects
			WHERE name = 'ev_noop'" 2>&1)"
	# The foreign keys are there and enforced.
	if csql target "INSERT INTO \`$ts\`.child (id, parent_id) VALUES (999999, 999999)" \
		>"$scratch/fk" 2>&1; then
		fail "$ts.child accepted an orphan row: its FOREIGN KEY is not enforced"
	else
		assert_contains "$ts.child orphan insert" "$(cat "$scratch/fk")" "1452"
	fi
}

# check_json WHAT: the --json summary of a full first run.
check_json() {
	assert_eq "$1 json tables" "$tables" "$(json_get "$out" .tables)"
	assert_eq "$1 json rows" "$total_rows" "$(json_get "$out" .rows)"
	assert_match "$1 json start_position.file" "$(json_get "$out" .start_position.file)" \
		'^source-bin\.[0-9]+$'
	assert_match "$1 json start_position.pos" "$(json_get "$out" .start_position.pos)" '^[1-9][0-9]*$'
}

# copy_ok WHAT: asserts exit 0; on failure shows the copy's stderr and
# returns 1 (the comparisons after a failed copy would only repeat it).
copy_ok() {
	assert_eq "$1 exit code" 0 "$rc"
	[ "$rc" = 0 ] && return 0
	printf '%s\n' "$err" | tail -n 20 | sed 's/^/    | /'
	return 1
}

# 1. LOAD DATA, many small chunks, 4 threads, same schema name.
copy_run --include ct_torture "${skip_args[@]}" --load-method load-data --threads 4 \
	--chunk-time 0.05 --json
if copy_ok "load-data copy"; then
	check_json "load-data"
	compare_defs ct_torture
	compare_schema_data ct_torture
	check_objects ct_torture _myshift
	assert_eq "_myshift.copy_tables for ct_torture" "$tables" \
		"$(csql target "SELECT COUNT(*) FROM _myshift.copy_tables WHERE target_schema = 'ct_torture'" 2>&1)"

	# 2. The same command again: everything is recorded as done, so
	#    nothing is copied twice (the keyless table would show it) and
	#    nothing is refused.
	copy_run --include ct_torture "${skip_args[@]}" --load-method load-data --threads 4 \
		--chunk-time 0.05 --json
	if copy_ok "rerun of a finished copy"; then
		assert_eq "rerun of a finished copy json rows" 0 "$(json_get "$out" .rows)"
		assert_eq "nokey rows after the rerun" "$(count_rows source ct_torture nokey)" \
			"$(count_rows target ct_torture nokey)"
		compare_checksum ct_torture nokey
		compare_checksum ct_torture ints
	fi
fi

# 3. INSERTs into a renamed schema, another control schema, 2 threads.
cat >"$scratch/rename.json" <<'EOF2'
{"rules": [
 {"rule-type": "selection", "rule-id": "1", "rule-name": "torture",
  "object-locator": {"schema-name": "ct_torture", "table-name": "%"},
  "rule-action": "include"},
 {"rule-type": "transformation", "rule-id": "2", "rule-name": "to-ins",
  "rule-action": "rename", "rule-target": "schema",
  "object-locator": {"schema-name": "ct_torture"}, "value": "ct_torture_ins"}
]}
EOF2
copy_run --table-mappings "$scratch/rename.json" "${skip_args[@]}" --control-schema _myshift_ins \
	--load-method insert --threads 2 --chunk-time 0.05 --json
if copy_ok "insert copy"; then
	check_json "insert"
	compare_defs ct_torture ct_torture_ins
	compare_schema_data ct_torture ct_torture_ins
	check_objects ct_torture_ins _myshift_ins
fi

# 4. The separately copied tables, each with both load methods, each into
#    its own schema with its own control schema.
for t in $separate; do
	for m in load-data insert; do
		ts=ct_sep_${t}_${m//-/_}
		cat >"$scratch/sep.json" <<EOF2
{"rules": [
 {"rule-type": "selection", "rule-id": "1", "rule-name": "one",
  "object-locator": {"schema-name": "ct_torture", "table-name": "$t"},
  "rule-action": "include"},
 {"rule-type": "transformation", "rule-id": "2", "rule-name": "sep",
  "rule-action": "rename", "rule-target": "schema",
  "object-locator": {"schema-name": "ct_torture"}, "value": "$ts"}
]}
EOF2
		copy_run --table-mappings "$scratch/sep.json" --control-schema "_ms_$ts" \
			--load-method "$m" --json
		if copy_ok "$t copy with $m"; then
			compare_table ct_torture "$t" "$ts" "$t"
		fi
		sql target "DROP DATABASE IF EXISTS \`$ts\`; DROP DATABASE IF EXISTS \`_ms_$ts\`"
	done
done

finish
