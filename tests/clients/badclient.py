#!/usr/bin/python3
"""Misbehaving MySQL clients against `myshift proxy` (stdlib only).

Run by tests/integration/test_proxy_badinput.sh. Each case prints what it
did and saw; a case fails when the proxy hangs on it, lets its memory grow
past --rss-limit-mb, stops serving the healthy client that runs beside
every case, or answers out of sync. Exit code 1 when any case failed.

  badclient.py --port P --user U --password PW --schema S [--pid PROXY_PID]
               [--max-packet BYTES] [--handshake-timeout S]
               [--rss-limit-mb MB] [CASE...]

Cases (default: all): handshake (random bytes at connect, 20 random
handshake responses, 20 truncated ones the client closes, one truncated
and left open, a greeting never answered, a connection never read: all at
once, each must be closed by the handshake timeout), oversized_handshake,
oversized_command, bad_commands, slow_reader_rows, slow_reader_row,
close_mid_result.
"""
import argparse
import hashlib
import os
import socket
import struct
import sys
import threading
import time

A = None
failures = 0
lock = threading.Lock()

# Capability flags (client side).
LONG_PASSWORD = 0x1
CONNECT_WITH_DB = 0x8
PROTOCOL_41 = 0x200
TRANSACTIONS = 0x2000
SECURE_CONNECTION = 0x8000
MULTI_RESULTS = 0x20000
PLUGIN_AUTH = 0x80000


def ok(msg):
    print(f"ok   [badclient]: {msg}", flush=True)


def bad(msg):
    global failures
    with lock:
        failures += 1
    print(f"FAIL [badclient]: {msg}", flush=True)


class Closed(Exception):
    pass


def recv_exact(s, n):
    buf = bytearray()
    while len(buf) < n:
        b = s.recv(min(n - len(buf), 1 << 20))
        if not b:
            raise Closed(f"closed after {len(buf)} of {n} bytes")
        buf += b
    return bytes(buf)


def read_packet(s):
    """One logical packet (fragments joined): (seq, payload)."""
    out = bytearray()
    while True:
        h = recv_exact(s, 4)
        n = h[0] | h[1] << 8 | h[2] << 16
        out += recv_exact(s, n)
        if n < 0xFFFFFF:
            return h[3], bytes(out)


def write_packet(s, seq, payload):
    off = 0
    while True:
        chunk = payload[off:off + 0xFFFFFF]
        s.sendall(struct.pack("<I", len(chunk))[:3] + bytes([seq & 0xFF]) +
                  chunk)
        seq += 1
        off += len(chunk)
        if len(chunk) < 0xFFFFFF:
            return seq


def err_text(p):
    """'ERR <errno> <message>' of an ERR packet."""
    code = struct.unpack("<H", p[1:3])[0]
    msg = p[3:]
    if msg[:1] == b"#":
        msg = msg[6:]
    return f"ERR {code} {msg.decode(errors='replace')}"


def parse_greeting(p):
    if p[0] == 0xFF:
        raise Closed("greeting is an error: " + err_text(p))
    if p[0] != 10:
        raise Closed(f"greeting protocol {p[0]}, expected 10")
    i = p.index(b"\0", 1) + 1
    conn_id = struct.unpack("<I", p[i:i + 4])[0]
    i += 4
    s1 = p[i:i + 8]
    i += 9
    caps = struct.unpack("<H", p[i:i + 2])[0]
    i += 2 + 1 + 2
    caps |= struct.unpack("<H", p[i:i + 2])[0] << 16
    i += 2
    alen = p[i]
    i += 1 + 10
    n2 = max(13, alen - 8)
    s2 = p[i:i + n2].rstrip(b"\0")
    i += n2
    plugin = p[i:].split(b"\0")[0].decode() if caps & PLUGIN_AUTH else ""
    return conn_id, (s1 + s2)[:20], plugin


def native_scramble(pw, salt):
    h1 = hashlib.sha1(pw.encode()).digest()
    h2 = hashlib.sha1(h1).digest()
    h3 = hashlib.sha1(salt + h2).digest()
    return bytes(a ^ b for a, b in zip(h1, h3))


def login(user=None, password=None, db=None, rcvbuf=None, timeout=10):
    """A native-password login. Returns the socket (command phase)."""
    user = user or A.user
    password = A.password if password is None else password
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    s.connect((A.host, A.port))
    _, p = read_packet(s)
    _, salt, plugin = parse_greeting(p)
    caps = (LONG_PASSWORD | PROTOCOL_41 | TRANSACTIONS | SECURE_CONNECTION |
            MULTI_RESULTS | PLUGIN_AUTH | (CONNECT_WITH_DB if db else 0))
    auth = native_scramble(password, salt) if password else b""
    resp = struct.pack("<IIB23x", caps, 1 << 24, 45)
    resp += user.encode() + b"\0" + bytes([len(auth)]) + auth
    if db:
        resp += db.encode() + b"\0"
    resp += b"mysql_native_password\0"
    write_packet(s, 1, resp)
    seq, p = read_packet(s)
    if p[0] == 0xFE and len(p) > 1:  # auth switch
        name, _, data = p[1:].partition(b"\0")
        if name != b"mysql_native_password":
            raise Closed(f"auth switch to {name!r}: not supported here")
        write_packet(s, seq + 1, native_scramble(password, data[:20]))
        seq, p = read_packet(s)
    if p[0] == 0xFF:
        raise Closed("login refused: " + err_text(p))
    if p[0] != 0x00:
        raise Closed(f"unexpected login reply 0x{p[0]:02x}")
    return s


def read_result(s):
    """Reads one response: 'OK', 'ERR ...', or a list of text rows."""
    _, p = read_packet(s)
    if p[0] == 0x00:
        return "OK"
    if p[0] == 0xFF:
        return err_text(p)
    ncol = p[0]
    for _ in range(ncol):
        read_packet(s)
    _, p = read_packet(s)
    if not (p[0] == 0xFE and len(p) < 9):
        raise Closed(f"expected EOF after columns, got 0x{p[0]:02x}")
    rows = []
    while True:
        _, p = read_packet(s)
        if p[0] == 0xFE and len(p) < 9:
            return rows
        if p[0] == 0xFF:
            return err_text(p)
        row, i = [], 0
        while i < len(p):
            if p[i] == 0xFB:
                row.append(None)
                i += 1
                continue
            n = p[i]
            i += 1
            if n == 0xFC:
                n = struct.unpack("<H", p[i:i + 2])[0]
                i += 2
            elif n == 0xFD:
                n = int.from_bytes(p[i:i + 3], "little")
                i += 3
            elif n == 0xFE:
                n = struct.unpack("<Q", p[i:i + 8])[0]
                i += 8
            row.append(p[i:i + n].decode(errors="replace"))
            i += n
        rows.append(row)


def query(s, sql):
    write_packet(s, 0, b"\x03" + sql.encode())
    return read_result(s)


def wait_closed(s, seconds):
    """Seconds until the peer closed <s> (reading and dropping whatever
    it sends), or None if still open after <seconds>."""
    t0 = time.monotonic()
    s.settimeout(0.5)
    got = b""
    while time.monotonic() - t0 < seconds:
        try:
            b = s.recv(65536)
        except socket.timeout:
            continue
        except OSError:
            return time.monotonic() - t0, got
        if not b:
            return time.monotonic() - t0, got
        got += b[:4096]
    return None, got


def describe(got):
    """The ERR packet in <got> (raw bytes after the greeting), if any."""
    i = 0
    while i + 4 <= len(got):
        n = got[i] | got[i + 1] << 8 | got[i + 2] << 16
        p = got[i + 4:i + 4 + n]
        if p[:1] == b"\xff" and len(p) >= 3:
            return err_text(p)
        i += 4 + n
    return f"{len(got)} bytes, no error packet" if got else "no bytes"


# ---- memory and healthy-client watchers --------------------------------


class Rss(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.max_kb = 0
        self.stop = False

    def sample(self):
        try:
            with open(f"/proc/{A.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            return None
        return None

    def reset(self):
        self.max_kb = self.sample() or 0

    def run(self):
        while not self.stop:
            v = self.sample()
            if v and v > self.max_kb:
                self.max_kb = v
            time.sleep(0.05)


class Healthy(threading.Thread):
    """Logs in and runs SELECT n every 0.3 s the whole time."""

    def __init__(self):
        super().__init__(daemon=True)
        self.ok = 0
        self.errors = []
        self.stop = False

    def run(self):
        n = 0
        while not self.stop:
            n += 1
            try:
                s = login(timeout=10)
                r = query(s, f"SELECT {n}")
                s.close()
                if r == [[str(n)]]:
                    self.ok += 1
                else:
                    self.errors.append(f"SELECT {n} returned {r!r}")
            except Exception as e:  # noqa: BLE001
                self.errors.append(f"SELECT {n}: {e!r}")
            time.sleep(0.3)


rss = None


def check_rss(case):
    if not A.pid:
        return
    mb = rss.max_kb / 1024
    if mb > A.rss_limit_mb:
        bad(f"{case}: proxy RSS reached {mb:.0f} MB (limit "
            f"{A.rss_limit_mb} MB)")
    else:
        ok(f"{case}: proxy RSS peak {mb:.0f} MB (limit {A.rss_limit_mb} MB)")


def proxy_alive(case):
    if A.pid and not os.path.exists(f"/proc/{A.pid}"):
        bad(f"{case}: the proxy (pid {A.pid}) is gone")
        return False
    return True


def expect_close(case, s, seconds, quiet=False):
    t, got = wait_closed(s, seconds)
    if t is None:
        bad(f"{case}: connection still open after {seconds:.0f} s "
            f"(got {describe(got)})")
    elif not quiet:
        ok(f"{case}: closed by the proxy after {t:.1f} s ({describe(got)})")
    s.close()


def connect_raw(read_greeting=True):
    s = socket.create_connection((A.host, A.port), timeout=10)
    if read_greeting:
        read_packet(s)
    return s


# ---- the cases ---------------------------------------------------------


def one_garbage():
    """Random bytes right after connect, before the greeting is read."""
    s = connect_raw(read_greeting=False)
    s.sendall(os.urandom(4096))
    expect_close("garbage", s, A.handshake_timeout + 10)


def one_garbage_header(i):
    """A well-framed handshake response (seq 1) of 200 random bytes (the
    server itself waits for a TLS handshake when the random capabilities
    ask for one, so this may last until the handshake timeout)."""
    s = connect_raw()
    try:
        write_packet(s, 1, os.urandom(200))
    except OSError:
        pass
    expect_close(f"garbage_header #{i}", s, A.handshake_timeout + 10,
                 quiet=True)


def one_truncated_close(i):
    """Half a handshake response, then the client closes."""
    s = connect_raw()
    s.sendall(b"\x64\x00\x00\x01" + os.urandom(10))
    s.close()


def one_truncated_idle():
    """Half a handshake response, then the client waits."""
    s = connect_raw()
    s.sendall(b"\x64\x00\x00\x01" + os.urandom(10))
    expect_close("truncated_idle", s, A.handshake_timeout + 10)


def one_idle_handshake():
    """Reads the greeting and never answers."""
    s = connect_raw()
    expect_close("idle_handshake", s, A.handshake_timeout + 10)


def one_silent():
    """Connects and never reads nor writes."""
    s = socket.create_connection((A.host, A.port), timeout=10)
    time.sleep(A.handshake_timeout + 5)
    expect_close(f"silent (after {A.handshake_timeout + 5:.0f} s asleep)", s, 10)


def run_threads(jobs):
    def wrap(fn, args):
        try:
            fn(*args)
        except Exception as e:  # noqa: BLE001
            bad(f"{fn.__name__}{args}: unexpected {e!r}")

    ts = [threading.Thread(target=wrap, args=j, daemon=True) for j in jobs]
    for t in ts:
        t.start()
    for t in ts:
        t.join(A.handshake_timeout + 60)
        if t.is_alive():
            bad("a handshake case thread did not finish")


def case_handshake():
    """All the broken logins at once: they end at the handshake timeout
    at the latest, so together they take about that long."""
    before = failures
    jobs = [(one_garbage, ()), (one_truncated_idle, ()),
            (one_idle_handshake, ()), (one_silent, ())]
    jobs += [(one_garbage_header, (i,)) for i in range(20)]
    jobs += [(one_truncated_close, (i,)) for i in range(20)]
    run_threads(jobs)
    if failures == before:
        ok("handshake: 20 random handshake responses and 20 truncated "
           "ones (client closing) handled")


def stream_oversized(case, s, first_seq, first_byte, limit):
    """Sends 0xffffff-byte fragments until <limit> bytes or the proxy
    stops taking them; returns (bytes sent, why it stopped)."""
    chunk = first_byte + b"x" * (0xFFFFFF - len(first_byte))
    filler = b"y" * 0xFFFFFF
    sent, seq = 0, first_seq
    s.settimeout(15)
    why = f"all {limit} bytes taken"
    try:
        while sent < limit:
            body = chunk if sent == 0 else filler
            s.sendall(b"\xff\xff\xff" + bytes([seq & 0xFF]) + body)
            sent += len(body)
            seq += 1
    except socket.timeout:
        why = "send blocked 15 s (proxy stopped reading but kept the socket)"
    except OSError as e:
        why = f"proxy closed ({e.strerror or e})"
    return sent, why


def case_oversized_handshake():
    s = connect_raw()
    rss.reset()
    sent, why = stream_oversized("oversized_handshake", s, 1, b"", 8 * 0xFFFFFF)
    print(f"     oversized_handshake: {sent} bytes sent: {why}")
    if sent >= 8 * 0xFFFFFF:
        bad("oversized_handshake: the proxy took 128 MB of handshake "
            "response without closing")
    expect_close("oversized_handshake", s, 15)
    check_rss("oversized_handshake")


def case_oversized_command():
    if not A.max_packet:
        print("     oversized_command: skipped (--max-packet not given)")
        return
    s = login()
    rss.reset()
    limit = A.max_packet + 3 * 0xFFFFFF
    sent, why = stream_oversized("oversized_command", s, 0,
                                 b"\x03SELECT LENGTH('", limit)
    print(f"     oversized_command: {sent} bytes sent "
          f"(--max-packet {A.max_packet}): {why}")
    if sent >= limit:
        bad(f"oversized_command: the proxy took {sent} bytes of one "
            f"packet, over --max-packet {A.max_packet}")
    expect_close("oversized_command", s, 15)
    check_rss("oversized_command")


def stmt_execute(stmt_id):
    return b"\x17" + struct.pack("<IBI", stmt_id, 0, 1)


# (name, packet, whether the server answers it)
BAD_COMMANDS = [
    ("unknown command 0xee", b"\xee" + os.urandom(30), True),
    ("COM_RESET_CONNECTION with a payload", b"\x1f" + os.urandom(8), True),
    ("empty COM_QUERY", b"\x03", True),
    ("COM_INIT_DB with an empty name", b"\x02", True),
    ("COM_FIELD_LIST without NUL", b"\x04no_such_table_no_nul", True),
    ("COM_FIELD_LIST, empty", b"\x04", True),
    ("COM_STMT_EXECUTE of unknown id 123456", stmt_execute(123456), True),
    ("COM_STMT_EXECUTE truncated (2 bytes of id)", b"\x17\x01\x00", True),
    ("COM_STMT_FETCH of unknown id", b"\x1c" + struct.pack("<II", 999, 5),
     True),
    ("COM_STMT_FETCH truncated", b"\x1c\x01", True),
    ("COM_STMT_RESET of unknown id", b"\x1a" + struct.pack("<I", 4242), True),
    ("COM_STMT_CLOSE of unknown id", b"\x19" + struct.pack("<I", 4242),
     False),
    ("COM_STMT_CLOSE truncated", b"\x19\x01", False),
    ("COM_STMT_SEND_LONG_DATA truncated", b"\x18\x01\x00", False),
    ("COM_STMT_SEND_LONG_DATA unknown id",
     b"\x18" + struct.pack("<IH", 777, 0) + b"data", False),
    ("COM_PROCESS_KILL truncated", b"\x0c\x01", True),
    ("COM_SET_OPTION unknown option 7", b"\x1b\x07\x00", True),
    ("COM_CHANGE_USER truncated", b"\x11ap", True),
    ("COM_CHANGE_USER unknown user",
     b"\x11nobody_here\0\x14" + bytes(20) + b"\0\x2d\x00", True),
    ("COM_BINLOG_DUMP (not for a proxy client)",
     b"\x12" + struct.pack("<IHI", 4, 0, 99) + b"x-bin.000001", True),
    ("COM_REGISTER_SLAVE truncated", b"\x15\x01", True),
    ("KILL of an unknown id", b"\x03KILL QUERY 4000000000", True),
    ("KILL with a huge id", b"\x03KILL 99999999999999999999999", True),
]


def case_bad_commands():
    """Each malformed command on a fresh session: an answer (or a clean
    close), and if the session stays, it answers SELECT 1 in sync."""
    for name, pkt, answered in BAD_COMMANDS:
        try:
            s = login(db=A.schema)
        except Exception as e:  # noqa: BLE001
            bad(f"bad_commands: login before '{name}': {e!r}")
            continue
        s.settimeout(10)
        try:
            write_packet(s, 0, pkt)
            reply = read_result(s) if answered else "(no reply expected)"
        except Closed as e:
            ok(f"bad_commands: {name}: the proxy closed the session ({e})")
            s.close()
            continue
        except socket.timeout:
            bad(f"bad_commands: {name}: no answer within 10 s")
            s.close()
            continue
        except OSError as e:
            ok(f"bad_commands: {name}: the proxy closed the session ({e})")
            s.close()
            continue
        try:
            after = query(s, "SELECT 'in sync'")
        except (Closed, OSError) as e:
            ok(f"bad_commands: {name}: {reply}; then closed ({e})")
            s.close()
            continue
        if after == [["in sync"]]:
            ok(f"bad_commands: {name}: {reply}; SELECT after it in sync")
        else:
            bad(f"bad_commands: {name}: {reply}; SELECT after it returned "
                f"{after!r}")
        s.close()


def slow_reader(case, sql, seconds=8):
    s = login(db=A.schema, rcvbuf=4096)
    rss.reset()
    write_packet(s, 0, b"\x03" + sql.encode())
    t0 = time.monotonic()
    before = healthy.ok
    while time.monotonic() - t0 < seconds:
        time.sleep(0.5)
    during = healthy.ok - before
    if during >= 3:
        ok(f"{case}: {during} healthy queries answered while a client "
           f"did not read its result")
    else:
        bad(f"{case}: only {during} healthy queries answered in "
            f"{seconds} s while a client did not read its result")
    check_rss(case)
    s.close()


def case_slow_reader_rows():
    slow_reader("slow_reader_rows",
                "SELECT REPEAT('x', 1000), seq FROM seq_1_to_2000000 "
                "/* it_proxy_slow_reader */")


def case_slow_reader_row():
    slow_reader("slow_reader_row",
                "SELECT REPEAT('x', 10000000) /* it_proxy_slow_row */")


def case_close_mid_result():
    for i in range(10):
        s = login(db=A.schema)
        write_packet(s, 0, b"\x03SELECT REPEAT('z', 500), seq FROM "
                     b"seq_1_to_1000000 /* it_proxy_mid_result */")
        _, p = read_packet(s)
        if p[0] == 0xFF:
            bad(f"close_mid_result: {err_text(p)}")
            return
        recv_exact(s, 65536)
        s.close()
    ok("close_mid_result: 10 clients closed after 64 KB of a 500 MB result")


CASES = {
    "handshake": case_handshake,
    "oversized_handshake": case_oversized_handshake,
    "oversized_command": case_oversized_command,
    "bad_commands": case_bad_commands,
    "slow_reader_rows": case_slow_reader_rows,
    "slow_reader_row": case_slow_reader_row,
    "close_mid_result": case_close_mid_result,
}
healthy = None


def main():
    global A, rss, healthy
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--schema", required=True)
    p.add_argument("--pid", type=int)
    p.add_argument("--max-packet", type=int)
    p.add_argument("--handshake-timeout", type=float, default=10)
    p.add_argument("--rss-limit-mb", type=float, default=200)
    p.add_argument("cases", nargs="*")
    A = p.parse_args()
    for c in A.cases:
        if c not in CASES:
            print(f"unknown case {c}; cases: {' '.join(CASES)}")
            return 2
    rss = Rss()
    if A.pid:
        rss.start()
    healthy = Healthy()
    healthy.start()
    for name in A.cases or CASES:
        print(f"---- {name}", flush=True)
        try:
            CASES[name]()
        except Exception as e:  # noqa: BLE001
            bad(f"{name}: unexpected {e!r}")
        if not proxy_alive(name):
            break
    healthy.stop = True
    healthy.join(15)
    rss.stop = True
    if healthy.errors:
        bad(f"healthy client: {len(healthy.errors)} failure(s), first: "
            f"{healthy.errors[:3]}")
    else:
        ok(f"healthy client: {healthy.ok} logins and queries, no failure")
    print(f"badclient: {failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
