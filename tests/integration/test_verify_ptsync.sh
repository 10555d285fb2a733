# Independent cross-check of `myshift verify` with Percona Toolkit's
# pt-table-sync on the damaged pair of test_verify_corrupt (same fixture,
# schema vf_ptsync, before any repair): the rows pt-table-sync would change
# on the target must be exactly the rows verify reports, with the same
# kind:
#   INSERT into the target          <-> missing_on_target
#   UPDATE of the target (by key)   <-> different
#   DELETE from the target          <-> extra_on_target
#   (REPLACE, which pt-table-sync switches to on unique-key clashes, would
#    count as missing or different, whichever verify says; none is
#    expected here)
# Keys are compared as bytes (both sides' quoting undone; printed quoted
# when printable, else as 0xhex), per table, by primary key column.
#
# How pt-table-sync is run: `--print` WITHOUT `--execute`. pt-table-sync's
# own documentation (3.2.1): `--print` "Print queries that will resolve
# differences" and they are only executed with `--execute`; `--dry-run`
# "stops before it compares any data and just returns zeros", so
# `--print --dry-run` (as issue 6 words it) prints no statement at all and
# would prove nothing. Nothing is changed on either server: the target's
# CHECKSUM TABLEs are compared before and after.
#
# Connections: the sandbox admin user over TCP (pt-table-sync speaks
# DBD::mysql: h=,P=,u=,p=); the second DSN takes the first's other values.
#
# pt-table-sync 3.2.1's default algorithms (Chunk, Nibble) print empty
# statements ("INSERT INTO `db`.`bin`() VALUES ()", "UPDATE ... SET  WHERE
# `k` IS NULL") for a table keyed by a VARBINARY, with or without
# --hex-blob. That table is compared with --algorithms Stream, which
# compares whole rows: a changed row comes out as a DELETE of the target's
# row and an INSERT of the source's, folded here into one "different" when
# both name the same key.
#
# This test fails when verify and pt-table-sync disagree on any row, when
# pt-table-sync does not find the 18 damaged rows itself (a cross-check
# against a tool that saw nothing would prove nothing), or when
# pt-table-sync fails.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/copy_lib.sh"
. "$(dirname "$0")/sync_lib.sh"
. "$(dirname "$0")/verify_lib.sh"
need_sandbox
need_sync
need_verify
for tool in pt-table-sync perl; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "SKIP: $tool is not installed (scripts/deps: percona-toolkit)"
		exit 77
	fi
done

db=vf_ptsync
cs=$sync_cs
drop_all() {
	sql source "DROP DATABASE IF EXISTS $db"
	sql target "DROP DATABASE IF EXISTS $db; DROP DATABASE IF EXISTS \`$cs\`"
}
cleanup() {
	[ "${MYSHIFT_KEEP_FIXTURES:-0}" = 1 ] || drop_all || true
	rm -rf "$scratch"
}
trap cleanup EXIT
drop_all

vf_corrupt_fixture $db "$cs" || finish

# --- verify ---------------------------------------------------------------
verify_run --include $db --control-schema "$cs" --threads 2 --json
verify_json_ok "verify" || finish
assert_eq "verify: exit code" 1 "$rc"
verify_json=$out

# --- pt-table-sync --print ------------------------------------------------
# DSN parts from the admin URIs: mysql://sandbox_admin:PW@HOST:PORT
dsn() {
	local u=${1#*://} hp
	hp=${u#*@}
	hp=${hp%%[/?]*}
	printf 'h=%s,P=%s,u=%s,p=%s' "${hp%:*}" "${hp##*:}" "${u%%:*}" "$(printf '%s' "${u%@*}" | cut -d: -f2-)"
}
src_dsn=$(dsn "$MYSHIFT_SOURCE_ADMIN")
tgt_dsn=$(dsn "$MYSHIFT_TARGET_ADMIN")
tgt_dsn=${tgt_dsn%%,u=*}

sums_before=$(target_sums $db)
pt_ok=1
pt_run() { # pt_run NAME ARGS...: pt-table-sync --print, exit 0 or 2 (2 = it found differences)
	local name=$1 prc
	shift
	pt-table-sync --print --verbose "$@" "$src_dsn" "$tgt_dsn" >"$scratch/pt.$name" 2>&1
	prc=$?
	if [ "$prc" != 0 ] && [ "$prc" != 2 ]; then
		fail "pt-table-sync ($name): exit $prc"
		sed 's/^/    | /' "$scratch/pt.$name" | head -n 20
		pt_ok=0
	fi
	cat "$scratch/pt.$name" >>"$scratch/pt.all"
}
: >"$scratch/pt.all"
pt_run chunked --tables "$db.big,$db.types,$db.vc,$db.comp"
pt_run stream --tables "$db.bin" --algorithms Stream
[ $pt_ok = 1 ] || finish
assert_lines "pt-table-sync --print changed nothing on the target (count, CHECKSUM TABLE)" \
	"$sums_before" "$(target_sums $db)"
if grep -qE '\(\) VALUES \(\)|SET +WHERE' "$scratch/pt.all"; then
	fail "pt-table-sync printed empty statements:"
	grep -E '\(\) VALUES \(\)|SET +WHERE' "$scratch/pt.all" | cut -c1-200 | sed 's/^/    | /'
fi

# Primary key columns per table: "db.t col,col".
keys=$(csql source "SELECT CONCAT(TABLE_SCHEMA, '.', TABLE_NAME, ' ',
		GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX))
	FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = '$db' AND INDEX_NAME = 'PRIMARY'
	GROUP BY TABLE_SCHEMA, TABLE_NAME")

# normalise pt|verify FILE: "KIND db.table col=VALUE,col=VALUE" per row,
# sorted; VALUE is the bytes, 'quoted' when printable, else 0xhex.
# pt: statements as printed (values quoted by DBD::mysql, blobs 0xHEX,
# NULL); verify: "KIND SOURCE TARGET [COLUMNS] KEY" lines (diff_lines), the
# key as "col=value, ..." (numbers bare, strings quoted with \ escapes,
# binary 0xHEX, NULL).
normalise() {
	KEYS=$keys perl -e '
use strict; use warnings;
my ($mode, $file) = @ARGV;
my %keycols;
for (split /\n/, $ENV{KEYS}) { my ($t, $c) = split / /; $keycols{$t} = [split /,/, $c]; }
my $val = qr/NULL|0x[0-9A-Fa-f]*|\x27(?:[^\x27\\]|\\.)*\x27|[-+0-9.eE]+/;
# A value as its bytes: \x27text\x27 when they are plain printable ASCII,
# else 0xhex.
sub bytes_out {
	my ($b) = @_;
	return $b =~ /^[\x21-\x7e]*$/ && $b !~ /[\x27,=\\]/ ? "\x27$b\x27" : "0x" . unpack("H*", $b);
}
sub canon {
	my ($v) = @_;
	return "NULL" if $v eq "NULL";
	return bytes_out(pack("H*", substr($v, 2))) if $v =~ /^0x/;
	if ($v =~ /^\x27(.*)\x27$/s) {
		my $s = $1;
		# One pass, so an escaped backslash before "x41" stays itself.
		my %esc = ("0" => "\0", "n" => "\n", "r" => "\r", "Z" => "\x1a", "t" => "\t");
		my $hex = $mode eq "verify" ? qr/x[0-9A-Fa-f]{2}/ : qr/(?!)/;
		$s =~ s/\\($hex|.)/length($1) == 3 ? chr(hex(substr($1, 1))) :
			exists $esc{$1} ? $esc{$1} : $1/ges;
		return bytes_out($s);
	}
	return bytes_out($v);
}
my %rows;	# "table key" -> { ins/del/upd/rep => 1 }
open(my $fh, "<", $file) or die "$file: $!";
while (my $l = <$fh>) {
	chomp $l;
	my ($kind, $table, %kv);
	if ($mode eq "verify") {
		my ($k, $s, $t, $cols, $key) = $l =~ /^(\S+) (\S+) (\S+) \[([^\]]*)\] (.*)$/ or next;
		$kind = { missing_on_target => "ins", extra_on_target => "del", different => "upd" }->{$k};
		$table = $s;
		while ($key =~ /\G(?:, )?([^=]+)=($val)/gc) { $kv{$1} = canon($2); }
	} else {
		next if $l =~ /^#/ || $l !~ /\S/;
		$l =~ s{ /\*percona-toolkit .*\*/;$}{};
		my ($verb, $db, $t, $rest) = $l =~ /^(INSERT|REPLACE|DELETE|UPDATE)(?: INTO| FROM)? `([^`]+)`\.`([^`]+)`(.*)$/
			or die "unparsed pt-table-sync line: $l\n";
		$table = "$db.$t";
		$kind = { INSERT => "ins", REPLACE => "rep", DELETE => "del", UPDATE => "upd" }->{$verb};
		if ($verb eq "INSERT" || $verb eq "REPLACE") {
			my ($cols, $vals) = $rest =~ /^\((.*?)\) VALUES \((.*)\)\s*$/ or die "unparsed: $l\n";
			my @c = map { s/^`|`$//gr } split /, /, $cols;
			my @v = $vals =~ /\G(?:, )?($val)/gc;
			@kv{@c} = map { canon($_) } @v;
		} else {
			my ($where) = $rest =~ / WHERE (.*) LIMIT 1\s*$/ or die "unparsed: $l\n";
			while ($where =~ /\G(?: AND )?`([^`]+)`(?:=($val)| IS (NULL))/gc) {
				$kv{$1} = canon(defined $2 ? $2 : "NULL");
			}
		}
	}
	my $kc = $keycols{$table} or die "no primary key known for $table\n";
	my $key = join(",", map { "$_=" . ($kv{$_} // "?") } @$kc);
	$rows{"$table $key"}{$kind} = 1;
}
for my $r (sort keys %rows) {
	my %k = %{$rows{$r}};
	my $kind;
	if (keys %k == 1) { ($kind) = keys %k; }
	elsif (keys %k == 2 && $k{ins} && $k{del}) { $kind = "upd"; }  # Stream: DELETE + INSERT
	else { $kind = join("+", sort keys %k); }
	my %name = (ins => "missing_on_target", del => "extra_on_target", upd => "different",
		rep => "replaced");
	print(($name{$kind} // $kind), " $r\n");
}' "$1" "$2" | LC_ALL=C sort
}

diff_lines "$verify_json" >"$scratch/verify.lines"
vf_corrupt_expected $db >"$scratch/expected.lines"
pt_set=$(normalise pt "$scratch/pt.all" 2>"$scratch/norm.err")
[ -s "$scratch/norm.err" ] && fail "parsing pt-table-sync's output: $(head -n 3 "$scratch/norm.err")"
verify_set=$(normalise verify "$scratch/verify.lines")
expected_set=$(normalise verify "$scratch/expected.lines")

assert_eq "rows pt-table-sync would change: the 18 damaged rows" 18 "$(printf '%s\n' "$pt_set" | grep -c .)"
if [ "$pt_set" = "$expected_set" ]; then
	pass "pt-table-sync found exactly the damage done"
else
	fail "pt-table-sync vs the damage done (< damage, > pt-table-sync):"
	diff <(printf '%s\n' "$expected_set") <(printf '%s\n' "$pt_set") | grep '^[<>]' | sed 's/^/    | /'
fi
if [ -n "$pt_set" ] && [ "$pt_set" = "$verify_set" ]; then
	pass "verify and pt-table-sync agree on every row and its kind ($(printf '%s\n' "$pt_set" | wc -l) rows)"
else
	fail "verify vs pt-table-sync (< pt-table-sync, > verify):"
	diff <(printf '%s\n' "$pt_set") <(printf '%s\n' "$verify_set") | grep '^[<>]' | sed 's/^/    | /'
	echo "    pt-table-sync printed:"
	grep -v '^#' "$scratch/pt.all" | sed 's| /\*percona-toolkit.*||' | cut -c1-200 | sed 's/^/    | /'
fi

finish
