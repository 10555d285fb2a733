#!/usr/bin/python3
"""PyMySQL (python3-pymysql) through the proxy, or straight to a server.

Run by tests/integration/test_proxy_clients.sh with /usr/bin/python3 (the
Debian package's interpreter). Each check prints what it compared; any
mismatch or unexpected exception makes the exit code 1.

  pymysql_client.py --port P --user U --password PW --schema S [--ssl-ca F]
"""
import argparse
import hashlib
import os
import ssl
import sys
import tempfile
import traceback

import pymysql
from pymysql.constants import CLIENT

failures = 0
tag = "pymysql"


def ok(what, got):
    print(f"ok   [{tag}]: {what} = {got!r}"[:300])


def check(what, expected, got):
    global failures
    if expected == got:
        ok(what, got)
    else:
        failures += 1
        print(f"FAIL [{tag}]: {what}: expected {expected!r}, got {got!r}"[:600])


def connect(a, **kw):
    args = dict(host=a.host, port=a.port, user=a.user, password=a.password,
                charset="utf8mb4", connect_timeout=10, read_timeout=120,
                write_timeout=120, max_allowed_packet=64 * 1024 * 1024)
    if a.ssl_ca:
        args["ssl"] = {"ca": a.ssl_ca}
    args.update(kw)
    return pymysql.connect(**args)


def one(cur, sql, args=None):
    cur.execute(sql, args)
    return cur.fetchone()


def test_tls(a, conn):
    sock = conn._sock
    if a.ssl_ca:
        check("client socket is TLS", True, isinstance(sock, ssl.SSLSocket))
        if isinstance(sock, ssl.SSLSocket):
            ok("TLS version", sock.version())
    else:
        check("client socket is plain", False,
              isinstance(sock, ssl.SSLSocket))


def test_text(a, conn):
    cur = conn.cursor()
    check("SELECT 1+1", (2,), one(cur, "SELECT 1+1"))
    s = "caf\u00e9 \u65e5\u672c \U0001F600"
    check("utf8mb4 string round trip", (s,), one(cur, "SELECT %s", (s,)))
    check("NULL", (None,), one(cur, "SELECT NULL"))
    cur.execute("SELECT seq, seq * 2 FROM seq_1_to_1000")
    rows = cur.fetchall()
    check("1000-row result: count", 1000, len(rows))
    check("1000-row result: last row", (1000, 2000), rows[-1])
    try:
        cur.execute("SELEC 1")
        check("syntax error raises", "ProgrammingError 1064", "no error")
    except pymysql.err.ProgrammingError as e:
        check("syntax error code", 1064, e.args[0])
    check("connection usable after an error", (7,), one(cur, "SELECT 7"))


def test_select_db(a, conn):
    cur = conn.cursor()
    check("DATABASE() before select_db", (None,), one(cur, "SELECT DATABASE()"))
    conn.select_db(a.schema)
    check("DATABASE() after select_db (COM_INIT_DB)", (a.schema,),
          one(cur, "SELECT DATABASE()"))
    try:
        conn.select_db("it_proxy_no_such_db")
        check("select_db of a missing schema raises", "an error", "none")
    except pymysql.err.OperationalError as e:
        # 1044 (access denied) for a user without global privileges.
        check("select_db of a missing schema: error code is 1044 or 1049",
              True, e.args[0] in (1044, 1049))
    check("DATABASE() unchanged after the failed COM_INIT_DB", (a.schema,),
          one(cur, "SELECT DATABASE()"))


def test_transaction(a, conn):
    cur = conn.cursor()
    cur.execute("DROP TABLE IF EXISTS py_t")
    cur.execute("CREATE TABLE py_t (id INT PRIMARY KEY, v VARCHAR(40)) "
                "ENGINE=InnoDB")
    conn.begin()
    cur.execute("INSERT INTO py_t VALUES (1, 'rolled back')")
    check("row visible inside the transaction", (1,),
          one(cur, "SELECT COUNT(*) FROM py_t"))
    conn.rollback()
    check("rows after ROLLBACK", (0,), one(cur, "SELECT COUNT(*) FROM py_t"))
    conn.begin()
    cur.execute("INSERT INTO py_t VALUES (2, 'committed')")
    conn.commit()
    check("rows after COMMIT", ((2, "committed"),),
          (cur.execute("SELECT * FROM py_t"), cur.fetchall())[1])


def test_executemany(a, conn):
    cur = conn.cursor()
    rows = [(i, f"row {i}") for i in range(100, 300)]
    n = cur.executemany("INSERT INTO py_t (id, v) VALUES (%s, %s)", rows)
    conn.commit()
    check("executemany affected rows", 200, n)
    check("executemany rows stored", (200, sum(range(100, 300))),
          tuple(int(x) for x in one(
              cur, "SELECT COUNT(*), SUM(id) FROM py_t WHERE id >= 100")))


def test_multi_statements(a):
    conn = connect(a, database=a.schema,
                   client_flag=CLIENT.MULTI_STATEMENTS | CLIENT.MULTI_RESULTS)
    cur = conn.cursor()
    cur.execute("SELECT 1; SELECT 2, 'two'; DO 0; SELECT 3")
    got = [cur.fetchall()]
    while cur.nextset():
        got.append(cur.fetchall())
    check("multi-statement result sets",
          [((1,),), ((2, "two"),), (), ((3,),)], got)
    check("connection in sync after the multi-statement", (4,),
          one(cur, "SELECT 4"))
    cur.execute("DROP PROCEDURE IF EXISTS py_two")
    cur.execute("CREATE PROCEDURE py_two() BEGIN SELECT 'a'; "
                "SELECT 'b', 'c'; END")
    cur.execute("CALL py_two()")
    got = [cur.fetchall()]
    while cur.nextset():
        got.append(cur.fetchall())
    check("procedure result sets (the last is the CALL's status)",
          [(("a",),), (("b", "c"),), ()], got)
    check("connection in sync after CALL", (5,), one(cur, "SELECT 5"))
    conn.close()


def test_blob(a, conn):
    cur = conn.cursor()
    data = os.urandom(20 * 1024 * 1024)
    want = hashlib.sha256(data).hexdigest()
    cur.execute("DROP TABLE IF EXISTS py_blob")
    cur.execute("CREATE TABLE py_blob (id INT PRIMARY KEY, b LONGBLOB)")
    cur.execute("INSERT INTO py_blob VALUES (1, %s)", (data,))
    conn.commit()
    check("20 MB blob: server-side SHA2", (want,),
          one(cur, "SELECT SHA2(b, 256) FROM py_blob WHERE id = 1"))
    row = one(cur, "SELECT b FROM py_blob WHERE id = 1")
    check("20 MB blob: length read back", len(data), len(row[0]))
    check("20 MB blob: SHA-256 read back", want,
          hashlib.sha256(row[0]).hexdigest())


def test_load_data(a):
    conn = connect(a, database=a.schema, local_infile=True)
    cur = conn.cursor()
    cur.execute("DROP TABLE IF EXISTS py_load")
    cur.execute("CREATE TABLE py_load (id INT PRIMARY KEY, v VARCHAR(40))")
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
        for i in range(1, 5001):
            f.write(f"{i},line {i}\n")
        path = f.name
    try:
        n = cur.execute("LOAD DATA LOCAL INFILE %s INTO TABLE py_load "
                        "FIELDS TERMINATED BY ','", (path,))
        conn.commit()
        check("LOAD DATA LOCAL INFILE affected rows", 5000, n)
        r = one(cur, "SELECT COUNT(*), SUM(id), "
                "(SELECT v FROM py_load WHERE id = 4321) FROM py_load")
        check("LOAD DATA LOCAL INFILE rows stored (count, sum, row 4321)",
              (5000, sum(range(1, 5001)), "line 4321"),
              (int(r[0]), int(r[1]), r[2]))
    finally:
        os.unlink(path)
    conn.close()


def test_ping_warnings(a, conn):
    conn.ping(reconnect=False)
    ok("ping (COM_PING)", "no error")
    cur = conn.cursor()
    cur.execute("SELECT 1/0")
    check("SELECT 1/0 warning count", 1, cur._result.warning_count)
    conn.query("SHOW WARNINGS")
    check("conn.query('SHOW WARNINGS') rows",
          (("Warning", 1365, "Division by 0"),), conn._result.rows)


def main():
    global tag
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--schema", required=True)
    p.add_argument("--ssl-ca")
    a = p.parse_args()
    if a.ssl_ca:
        tag = "pymysql tls"
    steps = [
        ("tls", lambda c: test_tls(a, c)),
        ("select_db", lambda c: test_select_db(a, c)),
        ("text", lambda c: test_text(a, c)),
        ("transaction", lambda c: test_transaction(a, c)),
        ("executemany", lambda c: test_executemany(a, c)),
        ("multi-statements", lambda c: test_multi_statements(a)),
        ("blob", lambda c: test_blob(a, c)),
        ("load data", lambda c: test_load_data(a)),
        ("ping/warnings", lambda c: test_ping_warnings(a, c)),
    ]
    global failures
    try:
        conn = connect(a)
    except Exception as e:  # noqa: BLE001 - report anything
        print(f"FAIL [{tag}]: connect: {e!r}")
        return 1
    for name, fn in steps:
        try:
            fn(conn)
        except Exception as e:  # noqa: BLE001
            failures += 1
            print(f"FAIL [{tag}]: {name}: unexpected {e!r}")
            traceback.print_exc(limit=3)
            try:
                conn.close()
            except Exception:  # noqa: BLE001
                pass
            try:
                conn = connect(a, database=a.schema)
            except Exception as e2:  # noqa: BLE001
                print(f"FAIL [{tag}]: reconnect: {e2!r}")
                return 1
    conn.close()
    print(f"{tag}: {failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
