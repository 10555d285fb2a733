#!/usr/bin/perl
# Perl DBD::MariaDB (libdbd-mariadb-perl) through the proxy, or straight to a
# server, with mariadb_server_prepare=1: every statement below goes over the
# binary protocol (COM_STMT_PREPARE / EXECUTE / CLOSE / RESET). The server's
# own Com_stmt_* session counters prove it. Each check prints what it
# compared; any mismatch makes the exit code 1.
#
#   dbd_client.pl --port P --user U --password PW --schema S [--ssl-ca F]
#
# DBD::MariaDB 1.22 does not call mysql_stmt_send_long_data: a large BLOB
# parameter travels inline in one COM_STMT_EXECUTE (here a 20 MB packet, so
# split into 16 MB fragments). tests/clients/proxy_capi.c covers
# COM_STMT_SEND_LONG_DATA.
use strict;
use warnings;
use DBI qw(:sql_types);
use Digest::SHA qw(sha256_hex);
use Getopt::Long;

my %o = (host => '127.0.0.1');
GetOptions(\%o, 'host=s', 'port=i', 'user=s', 'password=s', 'schema=s',
	'ssl-ca=s') or die "bad options\n";
defined $o{$_} or die "--$_ is required\n" for qw(port user password schema);
binmode STDOUT, ":encoding(UTF-8)";
my $tag = $o{'ssl-ca'} ? 'dbd tls' : 'dbd';
my $failures = 0;

sub show { my $v = shift; defined $v ? "'$v'" : 'undef' }

sub check {
	my ($what, $want, $got) = @_;
	if ((defined $want ? $want : "\0undef") eq (defined $got ? $got : "\0undef")) {
		print "ok   [$tag]: $what = ", substr(show($got), 0, 200), "\n";
	} else {
		$failures++;
		print "FAIL [$tag]: $what: expected ", substr(show($want), 0, 200),
		    ", got ", substr(show($got), 0, 200), "\n";
	}
}

my $dsn = "DBI:MariaDB:database=$o{schema};host=$o{host};port=$o{port};"
    . 'mariadb_server_prepare=1;mariadb_connect_timeout=10;'
    . 'mariadb_read_timeout=120;mariadb_write_timeout=120';
if ($o{'ssl-ca'}) {
	$dsn .= ";mariadb_ssl=1;mariadb_ssl_verify_server_cert=1;"
	    . "mariadb_ssl_ca_file=$o{'ssl-ca'}";
}
my $dbh = DBI->connect($dsn, $o{user}, $o{password},
	{RaiseError => 1, PrintError => 0, AutoCommit => 1,
	 mariadb_server_prepare => 1});
unless ($dbh) {
	print "FAIL [$tag]: connect: $DBI::errstr\n";
	exit 1;
}

# A session counter of the backend connection (proves which commands the
# server received; SHOW STATUS itself is a text query, not counted).
sub com {
	my ($name) = @_;
	my $r = $dbh->selectrow_arrayref(
		"SHOW SESSION STATUS LIKE '$name'", {mariadb_server_prepare => 0});
	return $r->[1];
}

sub run_step {
	my ($name, $fn) = @_;
	eval { $fn->(); 1 } or do {
		$failures++;
		my $e = $@;
		$e =~ s/\s+$//;
		print "FAIL [$tag]: $name: unexpected error: $e\n";
	};
}

run_step('tls', sub {
	my $cipher = $dbh->{mariadb_ssl_cipher};
	if ($o{'ssl-ca'}) {
		check('client connection has a TLS cipher', 1, defined $cipher ? 1 : 0);
		print "ok   [$tag]: cipher ", show($cipher), "\n" if defined $cipher;
	} else {
		check('client connection is plain (no cipher)', undef, $cipher);
	}
});

my $payload = join('', map { chr(int(rand(256))) } 1 .. 4096) x 5120; # 20 MB

run_step('prepared statements', sub {
	$dbh->do('DROP TABLE IF EXISTS pl_t');
	$dbh->do('CREATE TABLE pl_t (id INT PRIMARY KEY, i BIGINT, '
		. 'd DECIMAL(20,6), dt DATETIME(6), s VARCHAR(100), f DOUBLE, '
		. 'b LONGBLOB, n INT NULL) ENGINE=InnoDB');
	my ($prep0, $exec0, $close0) =
	    map { com($_) } qw(Com_stmt_prepare Com_stmt_execute Com_stmt_close);

	my $ins = $dbh->prepare('INSERT INTO pl_t VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
	my @rows = (
		[1, '9223372036854775807', '-12345678901234.123456',
		 '2024-02-29 23:59:58.123456', "caf\x{e9} \x{65e5}\x{672c}", 1.5e300,
		 "\0\x01\xff binary", undef],
		[2, '-9223372036854775808', '0.000001', '1970-01-01 00:00:00.000000',
		 '', -0.25, '', 42],
		[3, 0, '99999999999999.999999', '9999-12-31 23:59:59.999999',
		 'x' x 100, 0, $payload, undef],
	);
	for my $r (@rows) {
		$ins->bind_param(1, $r->[0], SQL_INTEGER);
		$ins->bind_param(2, $r->[1], SQL_BIGINT);
		$ins->bind_param(3, $r->[2], SQL_DECIMAL);
		$ins->bind_param(4, $r->[3], SQL_DATETIME);
		$ins->bind_param(5, $r->[4], SQL_VARCHAR);
		$ins->bind_param(6, $r->[5], SQL_DOUBLE);
		$ins->bind_param(7, $r->[6], SQL_BLOB);
		$ins->bind_param(8, $r->[7], SQL_INTEGER);
		check("execute of row $r->[0] (same statement handle)", 1,
		    $ins->execute);
	}
	eval { $ins->execute(1, 0, 0, undef, '', 0, '', 0); };
	check('duplicate key through COM_STMT_EXECUTE: error code', 1062,
	    $ins->err);
	$ins = undef; # mysql_stmt_close

	my $sel = $dbh->prepare('SELECT id, i, d, DATE_FORMAT(dt, '
		. "'%Y-%m-%d %H:%i:%s.%f'), s, f, LENGTH(b), SHA2(b, 256), n, "
		. 'b FROM pl_t WHERE id = ?');
	for my $r (@rows) {
		$sel->execute($r->[0]);
		my $g = $sel->fetchrow_arrayref;
		my $name = "row $r->[0]";
		check("$name BIGINT", $r->[1], $g->[1]);
		check("$name DECIMAL", $r->[2] =~ s/^(-?)0*(\d)/$1$2/r, $g->[2]);
		check("$name DATETIME(6)", $r->[3], $g->[3]);
		my $s = $g->[4];
		check("$name VARCHAR utf8mb4", $r->[4], $s);
		check("$name DOUBLE", $r->[5], $g->[5]);
		check("$name BLOB length (server)", length($r->[6]), $g->[6]);
		check("$name BLOB SHA-256 (server)", sha256_hex($r->[6]), $g->[7]);
		check("$name BLOB SHA-256 (read back)", sha256_hex($r->[6]),
		    sha256_hex($g->[9]));
		check("$name nullable INT", $r->[7], $g->[8]);
		$sel->finish;
	}
	my $none = $dbh->selectrow_arrayref($sel, undef, 404);
	check('no row for id 404', undef, $none);
	$sel = undef;

	my ($prep1, $exec1, $close1) =
	    map { com($_) } qw(Com_stmt_prepare Com_stmt_execute Com_stmt_close);
	check('backend Com_stmt_prepare delta (insert, select)', 2,
	    $prep1 - $prep0);
	check('backend Com_stmt_execute delta (4 inserts, 4 selects)', 8,
	    $exec1 - $exec0);
	check('backend Com_stmt_close delta', 2, $close1 - $close0);

	my $again = $dbh->prepare('SELECT COUNT(*), SUM(id) FROM pl_t WHERE id > ?');
	$again->execute(0);
	check('prepare after closes: COUNT, SUM', '3,6',
	    join(',', $again->fetchrow_array));
	$again->execute(1);
	check('re-execute: COUNT, SUM', '2,5', join(',', $again->fetchrow_array));
});

run_step('prepare errors', sub {
	my $bad = eval { $dbh->prepare('SELEC ?') };
	check('COM_STMT_PREPARE of bad SQL: error code', 1064, $dbh->err);
	my $r = $dbh->selectrow_arrayref('SELECT ? + 1', undef, 41);
	check('connection usable after the error', 42, $r->[0]);
});

run_step('transactions', sub {
	$dbh->begin_work;
	$dbh->do('DELETE FROM pl_t WHERE id = ?', undef, 2);
	check('rows inside the transaction', 2,
	    $dbh->selectrow_arrayref('SELECT COUNT(*) FROM pl_t')->[0]);
	$dbh->rollback;
	check('rows after rollback', 3,
	    $dbh->selectrow_arrayref('SELECT COUNT(*) FROM pl_t')->[0]);
	$dbh->begin_work;
	$dbh->do('UPDATE pl_t SET n = ? WHERE id = ?', undef, 7, 1);
	$dbh->commit;
	check('value after commit', 7,
	    $dbh->selectrow_arrayref('SELECT n FROM pl_t WHERE id = 1')->[0]);
	$dbh->{AutoCommit} = 0;
	$dbh->do('INSERT INTO pl_t (id) VALUES (10)');
	$dbh->rollback;
	$dbh->{AutoCommit} = 1;
	check('AutoCommit=0 insert rolled back', 0,
	    $dbh->selectrow_arrayref('SELECT COUNT(*) FROM pl_t WHERE id = 10')->[0]);
});

run_step('ping', sub {
	check('ping (COM_PING)', 1, $dbh->ping ? 1 : 0);
	check('thread id from the greeting is positive', 1,
	    $dbh->{mariadb_thread_id} > 0 ? 1 : 0);
});

$dbh->disconnect;
print "$tag: $failures failure(s)\n";
exit($failures ? 1 : 0);
