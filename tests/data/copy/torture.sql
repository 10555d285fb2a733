-- Type torture for `myshift copy` (tests/integration/test_copy_types.sh).
-- Schema `ct_torture`: every MariaDB 10.11 column type with its edge values,
-- awkward strings and bytes, zero dates, keys that are hard to paginate,
-- generated columns, foreign keys, a view, routines, a trigger and an event.
-- Loaded on the source as root with the client in utf8mb4. The row data is
-- inserted under a permissive sql_mode (zero dates, invalid enums, id 0 in an
-- AUTO_INCREMENT column) and time_zone '+00:00' (TIMESTAMP values are UTC).
-- Several tables get 20k+ generated rows (sequence engine, cast to signed so
-- arithmetic may go negative) so a copy needs
-- several chunks; `bigblob` holds a 20 MiB row.
SET NAMES utf8mb4;
SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO';
SET SESSION time_zone = '+00:00';
SET SESSION foreign_key_checks = 1;

DROP DATABASE IF EXISTS ct_torture;
CREATE DATABASE ct_torture CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
USE ct_torture;

-- 256 bytes 0x00..0xff, used by binary and latin1 columns.
SET @all256 = (SELECT GROUP_CONCAT(LPAD(HEX(seq), 2, '0') ORDER BY seq SEPARATOR '')
	       FROM seq_0_to_255);
SET @all256 = UNHEX(@all256);

-- Integers -----------------------------------------------------------------
CREATE TABLE ints (
	id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	ti TINYINT, tiu TINYINT UNSIGNED,
	si SMALLINT, siu SMALLINT UNSIGNED,
	mi MEDIUMINT, miu MEDIUMINT UNSIGNED,
	i INT, iu INT UNSIGNED,
	bi BIGINT, biu BIGINT UNSIGNED,
	bo BOOLEAN,
	zf INT(8) UNSIGNED ZEROFILL,
	nn BIGINT NOT NULL DEFAULT -1
) ENGINE=InnoDB;
-- id 0 in an AUTO_INCREMENT column (needs NO_AUTO_VALUE_ON_ZERO on load).
INSERT INTO ints VALUES
 (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
 (1, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0,
  -9223372036854775808, 0, FALSE, 1, -9223372036854775808),
 (2, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295,
  9223372036854775807, 18446744073709551615, TRUE, 99999999, 9223372036854775807),
 (3, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, 1, 12345, 0),
 (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 42);
INSERT INTO ints (id, ti, tiu, si, siu, mi, miu, i, iu, bi, biu, bo, zf, nn)
SELECT seq + 10, seq % 256 - 128, seq % 256, seq - 16384, seq * 3, -seq * 300, seq * 700,
       seq * -99991, seq * 99991, seq * -92233720368547, CAST(seq AS UNSIGNED) * 800000000000000,
       seq % 2, seq, seq * seq
FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_1_to_21000) s;
-- The counter is past the highest id: a copy must keep it (not recompute it).
INSERT INTO ints (id, nn) VALUES (50000, 1);
DELETE FROM ints WHERE id = 50000;
ALTER TABLE ints AUTO_INCREMENT = 60000;

-- Decimals and floating point -------------------------------------------------
CREATE TABLE nums (
	id INT PRIMARY KEY,
	d65_30 DECIMAL(65,30), d10_2 DECIMAL(10,2), d20_20 DECIMAL(20,20),
	d65_0 DECIMAL(65,0), du DECIMAL(10,2) UNSIGNED,
	f FLOAT, d DOUBLE, f73 FLOAT(7,3), d2010 DOUBLE(20,10)
) ENGINE=InnoDB;
INSERT INTO nums VALUES
 (1, '99999999999999999999999999999999999.999999999999999999999999999999',
     '99999999.99', '0.99999999999999999999',
     '99999999999999999999999999999999999999999999999999999999999999999',
     '99999999.99', 3.40282346638528859811704183484516925440e+38,
     1.7976931348623157e308, 9999.999, 9999999999.9999999999),
 (2, '-99999999999999999999999999999999999.999999999999999999999999999999',
     '-99999999.99', '-0.99999999999999999999',
     '-99999999999999999999999999999999999999999999999999999999999999999',
     0, -3.40282346638528859811704183484516925440e+38,
     -1.7976931348623157e308, -9999.999, -9999999999.9999999999),
 -- smallest normal and subnormal (denormal) values
 (3, '0.000000000000000000000000000001', '0.01', '0.00000000000000000001', 1, '0.01',
     1.17549435e-38, 2.2250738585072014e-308, 0.001, 0.0000000001),
 (4, '-0.000000000000000000000000000001', '-0.01', '-0.00000000000000000001', -1, '0.00',
     1.401298464324817e-45, 4.9406564584124654e-324, -0.001, -0.0000000001),
 (5, 0, 0, 0, 0, 0, -0e0, -0e0, 0, 0),
 -- values a 6-digit text rendering of FLOAT would round
 (6, '3.141592653589793238462643383279', '3.14', '0.14159265358979323846',
     '31415926535897932384626433832795028841971693993751058209749445923',
     '3.14', 1.2345678, 0.1, 3.142, 3.1415926536),
 (7, '1', '1', '0.5', 16777217, '1', 16777216, 9007199254740993,
     1.5, 2.2250738585072009e-308),
 (8, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO nums
SELECT seq + 100, seq * 3.14159265358979323846264338327950288419, seq / 100,
       seq / 1000000000000, seq * 1000000000000000000000000, seq / 7,
       seq * 1.2345678e-3, seq / 7e0, seq / 1000, seq / 3
FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_1_to_20000) s;

-- BIT ------------------------------------------------------------------------
CREATE TABLE bits (
	id INT PRIMARY KEY,
	b1 BIT(1), b8 BIT(8), b17 BIT(17), b63 BIT(63), b64 BIT(64)
) ENGINE=InnoDB;
INSERT INTO bits VALUES
 (1, b'0', b'0', b'0', b'0', b'0'),
 (2, b'1', b'11111111', b'11111111111111111', 0x7fffffffffffffff, 0xffffffffffffffff),
 (3, b'1', b'10000000', b'10000000000000001', 0x4000000000000001, 0x8000000000000001),
 (4, NULL, NULL, NULL, NULL, NULL),
 (5, 0, 10, 65536, 0x0123456789abcdef, 0xfedcba9876543210);

-- Temporal -------------------------------------------------------------------
CREATE TABLE temporal (
	id INT PRIMARY KEY,
	d DATE,
	t0 TIME, t1 TIME(1), t2 TIME(2), t3 TIME(3), t4 TIME(4), t5 TIME(5), t6 TIME(6),
	dt0 DATETIME, dt1 DATETIME(1), dt2 DATETIME(2), dt3 DATETIME(3),
	dt4 DATETIME(4), dt5 DATETIME(5), dt6 DATETIME(6),
	ts0 TIMESTAMP NULL DEFAULT NULL, ts1 TIMESTAMP(1) NULL DEFAULT NULL,
	ts2 TIMESTAMP(2) NULL DEFAULT NULL, ts3 TIMESTAMP(3) NULL DEFAULT NULL,
	ts4 TIMESTAMP(4) NULL DEFAULT NULL, ts5 TIMESTAMP(5) NULL DEFAULT NULL,
	ts6 TIMESTAMP(6) NULL DEFAULT NULL,
	y YEAR,
	tsnn TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB;
INSERT INTO temporal VALUES
 -- zero dates and zero-in-date values
 (1, '0000-00-00', '00:00:00', '00:00:00.0', '00:00:00.00', '00:00:00.000',
  '00:00:00.0000', '00:00:00.00000', '00:00:00.000000',
  '0000-00-00 00:00:00', '0000-00-00 00:00:00.0', '0000-00-00 00:00:00.00',
  '0000-00-00 00:00:00.000', '0000-00-00 00:00:00.0000', '0000-00-00 00:00:00.00000',
  '0000-00-00 00:00:00.000000',
  '0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00',
  '0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00',
  '0000-00-00 00:00:00', 0, '0000-00-00 00:00:00'),
 (2, '2020-00-00', '-838:59:59', '-838:59:58.9', '-838:59:58.99', '-838:59:58.999',
  '-838:59:58.9999', '-838:59:58.99999', '-838:59:58.999999',
  '2020-00-15 12:00:00', '2020-02-00 00:00:00.1', '2020-00-00 00:00:00.12',
  '2020-00-00 00:00:00.123', '2020-00-00 00:00:00.1234', '2020-00-00 00:00:00.12345',
  '2020-00-00 00:00:00.123456',
  '1970-01-01 00:00:01', '1970-01-01 00:00:01.1', '1970-01-01 00:00:01.01',
  '1970-01-01 00:00:01.001', '1970-01-01 00:00:01.0001', '1970-01-01 00:00:01.00001',
  '1970-01-01 00:00:01.000001', 1901, '1970-01-01 00:00:01'),
 (3, '9999-12-31', '838:59:59', '838:59:58.9', '838:59:58.99', '838:59:58.999',
  '838:59:58.9999', '838:59:58.99999', '838:59:58.999999',
  '9999-12-31 23:59:59', '9999-12-31 23:59:59.9', '9999-12-31 23:59:59.99',
  '9999-12-31 23:59:59.999', '9999-12-31 23:59:59.9999', '9999-12-31 23:59:59.99999',
  '9999-12-31 23:59:59.999999',
  '2038-01-19 03:14:07', '2038-01-19 03:14:07.9', '2038-01-19 03:14:07.99',
  '2038-01-19 03:14:07.999', '2038-01-19 03:14:07.9999', '2038-01-19 03:14:07.99999',
  '2038-01-19 03:14:07.999999', 2155, '2038-01-19 03:14:07.999999'),
 (4, '1000-01-01', '-00:00:01', '-00:00:00.5', '-00:00:00.01', '-00:00:00.001',
  '-00:00:00.0001', '-00:00:00.00001', '-00:00:00.000001',
  '1000-01-01 00:00:00', '0001-01-01 00:00:00.1', '1000-01-01 00:00:00.01',
  '1000-01-01 00:00:00.001', '1000-01-01 00:00:00.0001', '1000-01-01 00:00:00.00001',
  '1000-01-01 00:00:00.000001',
  -- 00:30 and 01:30 UTC on 2020-10-25 are both 02:30 in Europe/Paris (DST
  -- fold): a copy that reads TIMESTAMPs in a named zone merges them.
  '2020-10-25 00:30:00', '2020-10-25 01:30:00.5', '2020-10-25 00:30:00.25',
  '2020-10-25 01:30:00.125', '2020-03-29 01:30:00.0625', '2020-03-29 00:59:59.99999',
  '2020-03-29 01:00:00.000001', 2000, '2020-10-25 01:30:00.000001'),
 (5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '2001-02-03 04:05:06.7');
INSERT INTO temporal
SELECT seq + 100, '2000-01-01' + INTERVAL seq DAY,
       SEC_TO_TIME(seq * 37 - 400000), SEC_TO_TIME(seq * 37.1), SEC_TO_TIME(seq * 37.12),
       SEC_TO_TIME(seq * 37.123), SEC_TO_TIME(-seq * 37.1234),
       SEC_TO_TIME(seq * 37.12345), SEC_TO_TIME(seq * 37.123456),
       '2000-01-01' + INTERVAL seq * 7919 SECOND,
       '2000-01-01' + INTERVAL seq * 7919100 MICROSECOND,
       '2000-01-01' + INTERVAL seq * 7919110 MICROSECOND,
       '2000-01-01' + INTERVAL seq * 7919111 MICROSECOND,
       '2000-01-01' + INTERVAL seq * 7919111.1 MICROSECOND,
       '2000-01-01' + INTERVAL seq * 7919111.11 MICROSECOND,
       '1999-12-31 23:59:59.999999' + INTERVAL seq * 7919111 MICROSECOND,
       '2020-10-24 22:00:00' + INTERVAL seq SECOND,
       '2020-10-24 22:00:00.1' + INTERVAL seq SECOND,
       '2020-10-24 22:00:00.12' + INTERVAL seq SECOND,
       '2020-10-24 22:00:00.123' + INTERVAL seq SECOND,
       '2020-10-24 22:00:00.1234' + INTERVAL seq SECOND,
       '2020-10-24 22:00:00.12345' + INTERVAL seq SECOND,
       '2020-10-24 22:00:00.123456' + INTERVAL seq SECOND,
       1901 + seq % 255, '2020-10-24 22:00:00' + INTERVAL seq * 1000001 MICROSECOND
FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_1_to_20000) s;

-- Strings in several character sets -------------------------------------------
CREATE TABLE strings (
	id INT PRIMARY KEY,
	c_mb4 CHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
	v_mb4 VARCHAR(300) CHARACTER SET utf8mb4,
	tt TINYTEXT, tx TEXT, mt MEDIUMTEXT, lt LONGTEXT,
	c_l1 CHAR(20) CHARACTER SET latin1,
	v_l1 VARCHAR(300) CHARACTER SET latin1 COLLATE latin1_bin,
	tx_l1 TEXT CHARACTER SET latin1,
	v_mb3 VARCHAR(50) CHARACTER SET utf8mb3,
	v_ucs2 VARCHAR(50) CHARACTER SET ucs2,
	v_u16 VARCHAR(50) CHARACTER SET utf16,
	v_1251 VARCHAR(50) CHARACTER SET cp1251,
	v_sjis VARCHAR(50) CHARACTER SET sjis,
	v_bin VARCHAR(50) CHARACTER SET binary,
	c0 CHAR(0),
	FULLTEXT KEY ft_tx (tx)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
INSERT INTO strings VALUES
 (1, 'emoji 😀🐬𝄞', REPEAT('😀', 300), 'tiny 😀', 'text 𝄞 naïve café',
     'medium', 'long', 'Ãé ÿ', 'latin1 ÀÉÎÕÜ ßæ', 'déjà vu', 'utf8mb3 é€',
     'ucs2 é€Ω', 'utf16 😀𝄞', 'Привет мир', '日本語テキスト', 'bin é', ''),
 -- NUL, tab, newline, CR, backslash, quotes, Ctrl-Z; LOAD DATA's specials
 (2, 'a\0b\tc', 'x\0y\tz\nw\rv\\u''t"s\Z', '\\', '\\N', 'NULL', '',
     'l1\0\t', 'l1\n\\N\r', '\\', 'mb3\t\n', 'uc\\N', 'u16\0', '\n', '\t', 'b\0\n\\', NULL),
 -- leading and trailing spaces (CHAR drops trailing ones, VARCHAR keeps them)
 (3, '  lead', 'trail   ', ' ', '  ', '\t ', ' \n', ' x ', 'y  ', '   ', ' z ', ' ', ' ',
     ' ', ' ', ' ', NULL),
 (4, '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', ''),
 (5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, NULL),
 (6, '\\', '\\\\', 'ends with backslash\\', ',;|', '"', '''', 'a\\', '\\\\N',
     '%_', '\\t', '\\0', '\\n', '\\', '\\', '\\N', NULL);
-- every byte 0x00..0xff in latin1 and binary columns
INSERT INTO strings (id, v_l1, tx_l1, v_bin)
VALUES (7, CONVERT(@all256 USING latin1), CONVERT(@all256 USING latin1),
	SUBSTRING(@all256, 1, 50));
INSERT INTO strings (id, c_mb4, v_mb4, tx, v_l1, v_mb3, v_ucs2, v_u16, v_1251, v_sjis, v_bin)
SELECT seq + 100, CONCAT('c', seq), CONCAT(REPEAT('ü', seq % 40), '😀', seq, '\t\\'),
       CONCAT('text ', seq, ' ', REPEAT('ab\ncd ', seq % 30)),
       CONCAT('l1 é', seq, '\\N'), CONCAT('mb3 ', seq), CONCAT('Ω', seq),
       CONCAT('𝄞', seq), CONCAT('Ж', seq), CONCAT('日', seq), CONCAT(seq, '\0')
FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_1_to_20000) s;

-- Binary strings and blobs ---------------------------------------------------
CREATE TABLE blobs (
	id INT PRIMARY KEY,
	bn BINARY(16), vb VARBINARY(300),
	tb TINYBLOB, b BLOB, mb MEDIUMBLOB, lb LONGBLOB
) ENGINE=InnoDB;
INSERT INTO blobs VALUES
 (1, SUBSTRING(@all256, 1, 16), @all256, SUBSTRING(@all256, 1, 255), @all256,
     REPEAT(@all256, 100), REPEAT(@all256, 1000)),
 (2, 'ab', 'ab\0\0', '\0', '\\N', 'NULL', ''),
 (3, UNHEX('00000000000000000000000000000000'), '', '', '', '', ''),
 (4, NULL, NULL, NULL, NULL, NULL, NULL),
 (5, UNHEX('ffffffffffffffffffffffffffffff00'), REVERSE(@all256), '\n', '\r\n', '\t', '\\');
INSERT INTO blobs
SELECT seq + 100, UNHEX(MD5(seq)), UNHEX(SHA2(seq, 256)), UNHEX(SHA2(seq, 512)),
       REPEAT(UNHEX(MD5(seq)), seq % 64), CONCAT(seq, '\0', @all256), NULL
FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_1_to_20000) s;

-- One 20 MiB row among small ones: a chunk must not assume small rows.
CREATE TABLE bigblob (
	id INT PRIMARY KEY,
	lb LONGBLOB,
	note VARCHAR(20)
) ENGINE=InnoDB;
INSERT INTO bigblob VALUES (1, 'small', 'before'), (3, 'small', 'after');
INSERT INTO bigblob VALUES (2, CONCAT(REPEAT(@all256, 81920), 'end\0'), 'twenty MiB');

-- ENUM, SET, JSON, spatial -----------------------------------------------------
-- (No 4-byte character in an ENUM/SET member: MariaDB keeps the definition
-- in utf8mb3, so SHOW CREATE TABLE prints it as '?' and no copy can rebuild it.)
CREATE TABLE misc (
	id INT PRIMARY KEY,
	e ENUM('a', 'b', ' c', 'Ä', '€', 'x y') CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
	s SET('a','b','c','d','e','f','g','h','i','j','k','l','m','n','o','p',
	      'q','r','s','t','u','v','w','x','y','z','A1','B1','C1','D1','E1','F1',
	      'G1','H1','I1','J1','K1','L1','M1','N1','O1','P1','Q1','R1','S1','T1',
	      'U1','V1','W1','X1','Y1','Z1','a2','b2','c2','d2','e2','f2','g2','h2',
	      'i2','j2','k2','last') CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
	j JSON,
	g GEOMETRY, p POINT, ls LINESTRING, poly POLYGON, mp MULTIPOINT,
	mls MULTILINESTRING, mpoly MULTIPOLYGON, gc GEOMETRYCOLLECTION
) ENGINE=InnoDB;
INSERT INTO misc VALUES
 (1, 'a', 'a', '{"a": 1, "b": [1, 2.5, {"c": "😀"}], "d": null, "e": "tab\\tnl\\n"}',
  ST_GeomFromText('POINT(1 2)'), ST_GeomFromText('POINT(-180 90)', 4326),
  ST_GeomFromText('LINESTRING(0 0, 1 1, 2 0.5)'),
  ST_GeomFromText('POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 3 2, 3 3, 2 2))'),
  ST_GeomFromText('MULTIPOINT(0 0, 1e300 -1e-300)'),
  ST_GeomFromText('MULTILINESTRING((0 0, 1 1), (2 2, 3 3))'),
  ST_GeomFromText('MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))'),
  ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 1), LINESTRING(0 0, 1 1))')),
 (2, ' c', 'a,b,c,last',
  '"string with \\"quotes\\" and \\\\ backslash and \\u0000"',
  ST_GeomFromText('GEOMETRYCOLLECTION EMPTY'), ST_GeomFromText('POINT(0.1 -0.2)', 3857),
  NULL, NULL, NULL, NULL, NULL, ST_GeomFromText('GEOMETRYCOLLECTION EMPTY')),
 (3, 'Ä', 'a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z,A1,B1,C1,D1,E1,F1,G1,H1,I1,J1,K1,L1,M1,N1,O1,P1,Q1,R1,S1,T1,U1,V1,W1,X1,Y1,Z1,a2,b2,c2,d2,e2,f2,g2,h2,i2,j2,k2,last',
  '1.5e300', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (4, '€', '', 'null', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 -- an invalid SET member is dropped on insert: 'a' is stored
 (5, 'x y', 'a,zz', '[]', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (6, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO misc (id, e, s, j, p)
SELECT seq + 100, 1 + seq % 6, seq % 1024,
       JSON_OBJECT('n', seq, 's', CONCAT('v', seq, '\n'), 'a', JSON_ARRAY(seq, seq / 3)),
       POINT(seq / 7, -seq / 11)
FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_1_to_5000) s;

-- MariaDB's own types INET6 and UUID (10.5, 10.7). test_copy_types.sh
-- copies this table on its own, so a failure here names the types.
CREATE TABLE native_types (
	id INT PRIMARY KEY,
	ip INET6,
	u UUID,
	ip_nn INET6 NOT NULL DEFAULT '::1'
) ENGINE=InnoDB;
INSERT INTO native_types VALUES
 (1, '::', '00000000-0000-0000-0000-000000000000', '::'),
 (2, 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '::2'),
 (3, '::ffff:1.2.3.4', '123e4567-e89b-12d3-a456-426614174000', '1::'),
 (4, 'fe80::1:2:3:4', '00000000-0000-0000-0000-000000000001', 'fe80::'),
 (5, NULL, NULL, DEFAULT);
INSERT INTO native_types (id, ip, u, ip_nn)
SELECT seq + 100, INET6_NTOA(UNHEX(MD5(seq))),
       CONCAT_WS('-', SUBSTR(MD5(seq), 1, 8), SUBSTR(MD5(seq), 9, 4),
		 CONCAT(ELT(1 + seq % 4, '1', '4', '5', '7'), SUBSTR(MD5(seq), 14, 3)),
		 SUBSTR(MD5(seq), 17, 4), SUBSTR(MD5(seq), 21, 12)),
       INET6_NTOA(UNHEX(SUBSTR(SHA2(seq, 256), 1, 32)))
FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_1_to_5000) s;

-- Legacy non-strict data: a value that is no member is stored as ENUM index
-- 0 (the '' error value), which no string can write back without a warning.
-- Copied on its own by test_copy_types.sh too.
CREATE TABLE enum_zero (
	id INT PRIMARY KEY,
	e ENUM('a', 'b') NOT NULL,
	en ENUM('x', 'y')
) ENGINE=InnoDB;
INSERT INTO enum_zero VALUES (1, 'a', 'x'), (2, 'not a member', 'y'), (3, 'b', 'bogus'),
			     (4, '', NULL);

-- A spatial index (deferrable) on a NOT NULL point.
CREATE TABLE geo_idx (
	id INT PRIMARY KEY,
	p POINT NOT NULL,
	SPATIAL KEY sp (p)
) ENGINE=InnoDB;
INSERT INTO geo_idx SELECT seq, POINT(seq % 360 - 180, seq % 180 - 90) FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_1_to_3000) s;

-- Generated columns ------------------------------------------------------------
CREATE TABLE gen (
	id INT PRIMARY KEY,
	a INT,
	b VARCHAR(20),
	v_virt BIGINT AS (a * 2) VIRTUAL,
	v_stored VARCHAR(40) AS (CONCAT(b, '-', a)) STORED,
	v_idx INT AS (a % 97) VIRTUAL,
	KEY k_virt (v_idx),
	KEY k_stored (v_stored)
) ENGINE=InnoDB;
INSERT INTO gen (id, a, b) VALUES (1, NULL, NULL), (2, -2147483648, ''), (3, 0, 'zero');
INSERT INTO gen (id, a, b) SELECT seq + 10, seq * 31, CONCAT('b', seq) FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_1_to_20000) s;

-- Keys that are hard to paginate ---------------------------------------------------
-- Composite primary key over three types.
CREATE TABLE comp_pk (
	region CHAR(2) NOT NULL,
	id BIGINT UNSIGNED NOT NULL,
	ts DATETIME(3) NOT NULL,
	payload VARCHAR(40),
	PRIMARY KEY (region, id, ts)
) ENGINE=InnoDB;
INSERT INTO comp_pk
SELECT ELT(1 + seq % 4, 'eu', 'us', 'ap', 'EU'), seq DIV 3,
       '2020-01-01' + INTERVAL (seq % 3) * 1001000 MICROSECOND, CONCAT('p', seq)
FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_1_to_30000) s;
INSERT INTO comp_pk VALUES ('', 0, '0000-00-00 00:00:00', 'zero key'),
			   ('zz', 18446744073709551615, '9999-12-31 23:59:59.999', 'max');

-- VARCHAR primary key, case- and accent-insensitive, PAD SPACE: the server's
-- collation orders the keys ('a' = 'A' = 'ä'); keyset pagination must use it.
CREATE TABLE ci_pk (
	k VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL PRIMARY KEY,
	v INT
) ENGINE=InnoDB;
INSERT INTO ci_pk
SELECT CONCAT(ELT(1 + seq % 6, 'alpha', 'BETA', 'Ärger', 'ärgern', 'Ωmega', '😀e'), '_', seq),
       seq
FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_1_to_24000) s;
INSERT INTO ci_pk VALUES ('', -1), ('Z', -2), ('ß', -3), ('tab\there', -4),
			 ('quote''s', -5), ('back\\slash', -6), ('trailing  ', -7),
			 ('%_', -8), ('\0nul', -9);

-- NO PAD binary collation: 'a', 'a ', 'a  ', 'A', ' a' are five keys.
CREATE TABLE nopad_pk (
	k VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL PRIMARY KEY,
	v INT
) ENGINE=InnoDB;
INSERT INTO nopad_pk VALUES ('a', 1), ('a ', 2), ('a  ', 3), ('A', 4), (' a', 5), ('', 6),
			    (' ', 7), ('a\t', 8), ('a\0', 9);
INSERT INTO nopad_pk SELECT CONCAT('k', seq, REPEAT(' ', seq % 3)), seq FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_1_to_6000) s;

-- VARBINARY primary key with NUL bytes and 0xff.
CREATE TABLE vb_pk (
	k VARBINARY(20) NOT NULL PRIMARY KEY,
	v INT
) ENGINE=InnoDB;
INSERT INTO vb_pk VALUES ('', 0), ('a', 1), ('a\0', 2), ('a ', 3), ('\0', 4), (0xff, 5),
			 (0xffff00, 6), ('A', 7);
INSERT INTO vb_pk SELECT UNHEX(SUBSTR(MD5(seq), 1, 2 + 2 * (seq % 9))), seq
FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_1_to_8000) s ON DUPLICATE KEY UPDATE v = VALUES(v);

-- Only a UNIQUE NOT NULL key (no primary key).
CREATE TABLE uk_only (
	u VARCHAR(30) NOT NULL,
	v INT,
	w TEXT,
	UNIQUE KEY uk (u)
) ENGINE=InnoDB;
INSERT INTO uk_only SELECT CONCAT('u', seq * 7), seq, REPEAT('w', seq % 50)
FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_1_to_21000) s;

-- No key at all, with fully identical duplicate rows.
CREATE TABLE nokey (
	a INT,
	b VARCHAR(20),
	c DOUBLE
) ENGINE=InnoDB;
INSERT INTO nokey SELECT seq % 1000, CONCAT('b', seq % 7), (seq % 1000) / 3 FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_1_to_22000) s;
INSERT INTO nokey VALUES (NULL, NULL, NULL), (NULL, NULL, NULL);

-- Awkward names (reserved words, spaces, backquotes, non-ASCII), a CHECK
-- constraint, MyISAM, partitions, an empty table.
CREATE TABLE `weird name ü` (
	`order` INT NOT NULL PRIMARY KEY,
	`key col` VARCHAR(10),
	`a``b` INT,
	`select` TEXT,
	CONSTRAINT chk_a CHECK (`a``b` IS NULL OR `a``b` >= 0)
) ENGINE=InnoDB;
INSERT INTO `weird name ü` VALUES (1, 'x', 1, 'select'), (2, NULL, NULL, NULL), (3, '', 0, '');

CREATE TABLE old_myisam (
	id INT PRIMARY KEY,
	v VARCHAR(20),
	KEY kv (v)
) ENGINE=MyISAM;
INSERT INTO old_myisam SELECT seq, CONCAT('m', seq) FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_1_to_2000) s;

CREATE TABLE parts (
	id INT NOT NULL,
	created DATE NOT NULL,
	v VARCHAR(20),
	PRIMARY KEY (id, created)
) ENGINE=InnoDB
PARTITION BY RANGE (YEAR(created)) (
	PARTITION p2019 VALUES LESS THAN (2020),
	PARTITION p2020 VALUES LESS THAN (2021),
	PARTITION pmax VALUES LESS THAN MAXVALUE
);
INSERT INTO parts SELECT seq, '2019-06-01' + INTERVAL seq DAY, CONCAT('v', seq) FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_1_to_3000) s;

CREATE TABLE empty_t (id INT PRIMARY KEY, v TEXT) ENGINE=InnoDB COMMENT='no rows';

-- Foreign keys ---------------------------------------------------------------------
CREATE TABLE parent (
	id INT PRIMARY KEY,
	name VARCHAR(30) NOT NULL
) ENGINE=InnoDB;
CREATE TABLE child (
	id INT PRIMARY KEY,
	parent_id INT NOT NULL,
	note VARCHAR(30),
	KEY k_parent (parent_id),
	CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES parent (id)
		ON DELETE CASCADE ON UPDATE RESTRICT
) ENGINE=InnoDB;
CREATE TABLE self_ref (
	id INT PRIMARY KEY,
	boss_id INT NULL,
	CONSTRAINT fk_boss FOREIGN KEY (boss_id) REFERENCES self_ref (id) ON DELETE SET NULL
) ENGINE=InnoDB;
INSERT INTO parent SELECT seq, CONCAT('parent ', seq) FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_1_to_500) s;
INSERT INTO child SELECT seq, 1 + seq % 500, CONCAT('child ', seq) FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_1_to_6000) s;
INSERT INTO self_ref VALUES (1, NULL);
INSERT INTO self_ref SELECT seq, seq DIV 2 FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_2_to_3000) s;

-- A view, routines, a trigger and an event -------------------------------------------
CREATE VIEW v_child AS
	SELECT c.id, c.note, p.name FROM child c JOIN parent p ON p.id = c.parent_id;
CREATE VIEW v_of_view AS SELECT COUNT(*) AS n FROM v_child;

DELIMITER //
CREATE PROCEDURE p_count(OUT n INT)
	READS SQL DATA
	COMMENT 'counts children'
BEGIN
	SELECT COUNT(*) INTO n FROM child;
END//
CREATE FUNCTION f_double(x INT) RETURNS INT
	DETERMINISTIC NO SQL
	RETURN x * 2//
CREATE TRIGGER trg_child_note BEFORE INSERT ON child FOR EACH ROW
BEGIN
	SET NEW.note = CONCAT('trg:', IFNULL(NEW.note, ''));
END//
DELIMITER ;
CREATE EVENT ev_noop ON SCHEDULE EVERY 1 DAY DISABLE DO SELECT 1;
