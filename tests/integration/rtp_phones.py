#!/usr/bin/env python3
"""rtp_phones.py STROWGER SOCKET: two RTP phones on 127.0.0.1 talking through res_rtp's relay.

Driven by test_rtp_relay.sh, which starts Strowger with res_rtp and the rtp_test
module (tests/modules/rtp_test.c). This script makes two sessions through the
console ("rtptest ..."), bridges them, and plays both phones: phone A sends a
1 kHz G.711 u-law tone as RTP, phone B receives it, and the other way round. It
checks what arrives (payload unchanged, one SSRC, continuous sequence numbers and
timestamps, the SSRC rewrite when A's source changes, latching onto A's real and
then its new source port, strangers and garbage refused), RTCP both ways, and the
counters. One "ok - NAME" / "not ok - NAME: why" line per case; exit status 1 if any
failed. Every socket is closed at the end; nothing outlives the script.
"""
import math
import socket
import struct
import subprocess
import sys
import time

STROWGER, SOCK = sys.argv[1], sys.argv[2]
FAILED = 0


def ctl(cmd):
    p = subprocess.run([STROWGER, "-s", SOCK, "-x", cmd], capture_output=True, text=True, timeout=10)
    return p.returncode, p.stdout + p.stderr


def stats(name):
    rc, out = ctl("rtptest stats " + name)
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


class Case:
    def __init__(self, name):
        self.name, self.why, self.context = name, [], []

    def check(self, cond, why):
        if not cond:
            self.why.append(why)
        return cond

    def note(self, text):
        self.context.append(text)

    def __enter__(self):
        return self

    def __exit__(self, et, ev, tb):
        global FAILED
        if et is not None:
            self.why.append(f"{et.__name__}: {ev}")
        if self.why:
            FAILED += 1
            print(f"not ok - {self.name}: {'; '.join(self.why)}")
            for line in self.context:
                print("#   " + line)
        else:
            print(f"ok - {self.name}")
        sys.stdout.flush()
        return True


# --- G.711 u-law and RTP, written for the test from the G.711 segment definitions ---

def ulaw(sample):
    sign = 0x80 if sample < 0 else 0
    mag = min(abs(sample) >> 2, 8158) + 33
    seg = 0
    while mag >= (64 << seg):
        seg += 1
    return ~(sign | seg << 4 | (mag >> (seg + 1)) & 0x0F) & 0xFF


def tone(i):
    """Packet i of a 1 kHz tone (160 samples, 20 ms), its level rising a little per
    packet so no two payloads are the same."""
    amp = 6000 + 40 * (i % 200)
    return bytes(ulaw(int(amp * math.sin(2 * math.pi * 1000 * n / 8000))) for n in range(160))


def rtp(seq, ts, ssrc, payload, pt=0, marker=False):
    return struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | pt, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc) + payload


def parse_rtp(b):
    if len(b) < 12:
        return None
    v, mpt, seq, ts, ssrc = struct.unpack("!BBHII", b[:12])
    cc = v & 0x0F
    return {"v": v >> 6, "marker": bool(mpt & 0x80), "pt": mpt & 0x7F, "seq": seq, "ts": ts, "ssrc": ssrc,
            "payload": b[12 + 4 * cc:]}


class Phone:
    """An RTP socket on an even port and the RTCP socket above it."""

    def __init__(self, first=42000, host="127.0.0.1"):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        for port in range(first, 60000, 2):
            a = socket.socket(family, socket.SOCK_DGRAM)
            c = socket.socket(family, socket.SOCK_DGRAM)
            try:
                a.bind((host, port))
                c.bind((host, port + 1))
                self.rtp, self.rtcp, self.port = a, c, port
                return
            except OSError:
                a.close()
                c.close()
        raise RuntimeError("no free port pair")

    def close(self):
        self.rtp.close()
        self.rtcp.close()

    def drain(self):
        for s in (self.rtp, self.rtcp):
            s.setblocking(False)
            try:
                while True:
                    s.recv(4096)
            except OSError:
                pass
            s.setblocking(True)


def send_stream(sock, dest, n, seq0, ts0, ssrc, first=0, gap_at=None, pace=0.02):
    """n packets of the tone, paced like a phone; returns the payloads by index."""
    sent = []
    seq, ts = seq0, ts0
    for i in range(n):
        if gap_at is not None and i == gap_at:
            seq += 1  # a packet lost on the way
            ts += 160
        payload = tone(first + i)
        sock.sendto(rtp(seq, ts, ssrc, payload), dest)
        sent.append(payload)
        seq += 1
        ts += 160
        time.sleep(pace)
    return sent


def receive(sock, n, timeout=2.0):
    """Up to n RTP packets (parsed), waiting at most `timeout` for each."""
    got = []
    sock.settimeout(timeout)
    try:
        while len(got) < n:
            data, src = sock.recvfrom(4096)
            p = parse_rtp(data)
            if p:
                p["from"] = src
                got.append(p)
    except socket.timeout:
        pass
    return got


def continuous(case, got, what):
    """One SSRC, sequence +1 and timestamp +160 packet to packet, PCMU."""
    ok = True
    for a, b in zip(got, got[1:]):
        ok &= case.check(b["ssrc"] == a["ssrc"], f"{what}: SSRC changed {a['ssrc']:#x} -> {b['ssrc']:#x}")
        ok &= case.check(b["seq"] == (a["seq"] + 1) & 0xFFFF, f"{what}: seq {a['seq']} -> {b['seq']}")
        ok &= case.check(b["ts"] == (a["ts"] + 160) & 0xFFFFFFFF, f"{what}: ts {a['ts']} -> {b['ts']}")
        if not ok:
            break
    case.check(all(p["pt"] == 0 and p["v"] == 2 for p in got), f"{what}: not all PCMU RTP v2")


def main():
    A, B, stranger = Phone(42000), Phone(44000), Phone(46000)
    try:
        run(A, B, stranger)
    finally:
        A.close()
        B.close()
        stranger.close()
    run_ipv6()
    # Last, so test_rtp_relay.sh's timeout case starts counting from here.
    with Case("bridge a b again, silent (for the inactivity timeout)") as c:
        rc, out = ctl("rtptest bridge a b")
        c.check(rc == 0, out.strip())
    return 1 if FAILED else 0


def run_ipv6():
    """Two sessions on ::1 relay like the IPv4 ones; an IPv4 peer is refused."""
    with Case("IPv6: sessions on ::1 relay a tone; an IPv4 peer address is refused") as c:
        try:
            A6, B6 = Phone(50000, "::1"), Phone(52000, "::1")
        except OSError as e:
            c.check(False, f"no IPv6 loopback here: {e}")
            return
        try:
            ports = []
            for name, near in (("v6a", ""), ("v6b", " v6a")):
                rc, out = ctl(f"rtptest new {name} ::1{near}")
                c.check(rc == 0, out.strip())
                ports.append(int(out.split()[1]) if rc == 0 else 0)
            rc, out = ctl("rtptest remote v6a 127.0.0.1 4000")
            c.check(rc != 0 and "Address family not supported" in out, f"IPv4 peer on IPv6: {out.strip()}")
            ctl(f"rtptest remote v6a ::1 {A6.port}")
            ctl(f"rtptest remote v6b ::1 {B6.port}")
            rc, out = ctl("rtptest bridge v6a v6b")
            c.check(rc == 0, out.strip())
            sent = send_stream(A6.rtp, ("::1", ports[0]), 10, 1, 0, 0x66666666)
            got = receive(B6.rtp, 10)
            c.check(len(got) == 10 and [p["payload"] for p in got] == sent, f"B6 got {len(got)} of 10")
            continuous(c, got, "v6a->v6b")
            st = stats("v6b")
            c.check(st.get("local") == f"[::1]:{ports[1]}", f"local {st.get('local')}")
            ctl("rtptest release v6a")
            ctl("rtptest release v6b")
        finally:
            A6.close()
            B6.close()


def run(A, B, stranger):
    with Case("two sessions: even RTP ports with RTCP above, the second on the first's worker") as c:
        rc, out = ctl("rtptest new a")
        c.check(rc == 0, f"rtptest new a: {out.strip()}")
        pa = int(out.split()[1])
        rc, out = ctl("rtptest new b 127.0.0.1 a")
        c.check(rc == 0, f"rtptest new b: {out.strip()}")
        pb = int(out.split()[1])
        c.check(pa % 2 == 0 and pb % 2 == 0 and pa != pb, f"ports {pa} {pb}")
        c.check(stats("a")["worker"] == stats("b")["worker"], "different workers")
        rc, out = ctl("rtp show sessions")
        c.check(f"127.0.0.1:{pa}" in out and f"127.0.0.1:{pb}" in out and "2 sessions" in out, "rtp show sessions")
        c.note(out)
    pbx_a, pbx_b = ("127.0.0.1", pa), ("127.0.0.1", pb)

    # A's SDP names a port where nothing listens (a phone behind NAT); B's is right.
    ctl(f"rtptest remote a 127.0.0.1 {A.port + 10}")
    ctl(f"rtptest remote b 127.0.0.1 {B.port}")
    rc, out = ctl("rtptest bridge a b")
    with Case("bridge a b") as c:
        c.check(rc == 0, out.strip())
        rc, out = ctl("rtptest bridge a b")
        c.check(rc != 0 and "busy" in out, f"a second bridge: {out.strip()}")

    a_ssrc = 0x11111111
    with Case("A's 1 kHz tone reaches B with the payload unchanged, one SSRC, continuous seq/ts") as c:
        sent = send_stream(A.rtp, pbx_a, 50, 1000, 5000, a_ssrc)
        got = receive(B.rtp, 50)
        c.check(len(got) == 50, f"B got {len(got)} of 50 packets")
        c.check([p["payload"] for p in got] == sent[:len(got)], "payloads differ")
        continuous(c, got, "A->B")
        c.check(got and got[0]["ssrc"] != a_ssrc, "A's SSRC was not rewritten")
        c.check(all(p["from"] == pbx_b for p in got), "not sent from B's session port (symmetric RTP)")
    b_view = got[-1] if got else None

    with Case("B's packets reach A at the source A sends from, not the SDP's port (latching)") as c:
        sent = send_stream(B.rtp, pbx_b, 20, 7000, 90000, 0x22222222)
        got = receive(A.rtp, 20)
        c.check(len(got) == 20, f"A got {len(got)} of 20 packets")
        c.check([p["payload"] for p in got] == sent[:len(got)], "payloads differ")
        continuous(c, got, "B->A")
        st = stats("a")
        c.check(st["latched"] == "1" and st["remote"] == f"127.0.0.1:{A.port}", f"a: {st.get('remote')}")
    a_view = got[-1] if got else None

    with Case("A's source changes SSRC: B still sees one stream, the switch marked") as c:
        send_stream(A.rtp, pbx_a, 25, 1050, 5000 + 50 * 160, a_ssrc, first=50)
        time.sleep(0.02)
        sent = send_stream(A.rtp, pbx_a, 25, 40000, 999999, 0x33333333, first=75)
        got = receive(B.rtp, 50)
        c.check(len(got) == 50, f"B got {len(got)} of 50 packets")
        first, switch = got[:25], got[25:]
        continuous(c, first, "before the switch")
        continuous(c, switch, "after the switch")
        if b_view and len(got) == 50:
            c.check(first[0]["ssrc"] == b_view["ssrc"] == switch[0]["ssrc"], "the SSRC B sees changed")
            c.check(first[0]["seq"] == (b_view["seq"] + 1) & 0xFFFF, "seq jumped before the switch")
            c.check(switch[0]["seq"] == (first[-1]["seq"] + 1) & 0xFFFF,
                    f"seq at the switch: {first[-1]['seq']} -> {switch[0]['seq']}")
            step = (switch[0]["ts"] - first[-1]["ts"]) & 0xFFFFFFFF
            # 20 ms of pacing plus the extra 20 ms sleep: about 320 units, give or take scheduling.
            c.check(160 <= step <= 1600, f"timestamp step at the switch {step}")
            c.check(switch[0]["marker"] and not any(p["marker"] for p in switch[1:] + first),
                    "marker bit not exactly on the first packet after the switch")
            c.check([p["payload"] for p in switch] == sent, "payloads after the switch differ")
        c.check(stats("b")["source_switches"] == "1", f"b: source_switches={stats('b').get('source_switches')}")

    with Case("a stranger's packets and garbage are refused, not relayed") as c:
        before = stats("a")
        for i in range(5):
            stranger.rtp.sendto(rtp(500 + 7 * i, 0, 0x44444444, tone(i)), pbx_a)
        stranger.rtp.sendto(b"\x00" * 20, pbx_a)
        stranger.rtp.sendto(b"hello", pbx_a)
        A.rtp.sendto(b"\x80\xc8", pbx_a)  # two bytes from the phone itself
        got = receive(B.rtp, 1, timeout=0.5)
        c.check(not got, f"B got {len(got)} packets")
        after = stats("a")
        c.check(int(after["rx_refused"]) - int(before["rx_refused"]) == 5, f"rx_refused {after['rx_refused']}")
        c.check(int(after["rx_malformed"]) - int(before["rx_malformed"]) == 3, f"rx_malformed {after['rx_malformed']}")

    a2 = Phone(48000)
    try:
        with Case("A's NAT moves it to a new port: the session follows after a few packets") as c:
            time.sleep(0.3)  # A's old port is quiet
            sent = send_stream(a2.rtp, pbx_a, 20, 100, 0, 0x55555555, first=100, gap_at=10)
            got = receive(B.rtp, 20, timeout=1.0)
            # The first RTP_LATCH_PACKETS - 1 packets prove the new source; the rest pass.
            c.check(len(got) == 17, f"B got {len(got)} of the 17 expected")
            c.check([p["payload"] for p in got] == sent[3:3 + len(got)], "payloads differ")
            send_stream(B.rtp, pbx_b, 5, 7020, 90000 + 20 * 160, 0x22222222, first=20)
            got_new = receive(a2.rtp, 5)
            got_old = receive(A.rtp, 1, timeout=0.3)
            c.check(len(got_new) == 5 and not got_old, f"new port got {len(got_new)}, old {len(got_old)}")
            st = stats("a")
            c.check(st["remote"] == f"127.0.0.1:{a2.port}" and st["relatches"] == "1", f"a: {st}")
            # 20 sent with one seq gap; the 3 refused before latching never count, so the
            # tracker starts at the fourth (probation takes one more): 1 lost.
            c.check(st["lost"] == "1", f"a: lost={st['lost']}")
            if a_view and got_new:
                c.check(got_new[0]["ssrc"] == a_view["ssrc"] and got_new[0]["seq"] == (a_view["seq"] + 1) & 0xFFFF,
                        "A's incoming stream did not continue")

        with Case("RTCP: the PBX sends SR+SDES to A's new RTCP port; A's RR gives loss, jitter, RTT") as c:
            a2.drain()  # an SR sent before the last packets went out
            a2.rtcp.settimeout(3.0)
            sr = None
            try:
                while sr is None:
                    data, src = a2.rtcp.recvfrom(2048)
                    if len(data) >= 28 and data[1] == 200:
                        sr = data
            except socket.timeout:
                pass
            c.check(sr is not None, "no SR within 3 s")
            if sr:
                v_rc, pt, length, ssrc = struct.unpack("!BBHI", sr[:8])
                ntp_hi, ntp_lo, rtp_ts, pkts, octets = struct.unpack("!IIIII", sr[8:28])
                c.check(v_rc >> 6 == 2 and (v_rc & 0x1F) == 1, f"SR header {v_rc:#x}")
                c.check(ssrc == a_view["ssrc"] if a_view else False, "SR's SSRC is not the stream A receives")
                c.check(pkts == 25 and octets == 25 * 160, f"SR counts {pkts} packets, {octets} octets")
                blk_ssrc, frac_lost = struct.unpack("!II", sr[28:36])
                ext_max, jitter = struct.unpack("!II", sr[36:44])
                c.check(blk_ssrc == 0x55555555, f"report block about {blk_ssrc:#x}")
                c.check(ext_max & 0xFFFF == 120, f"extended highest seq {ext_max}")
                c.check(frac_lost & 0xFFFFFF == 1, f"cumulative lost {frac_lost & 0xFFFFFF}")
                rest = sr[4 * (length + 1):]
                c.check(len(rest) >= 8 and rest[1] == 202 and b"strowger@" in rest, "no SDES CNAME after the SR")
                # A reports about the PBX's stream: 25 % lost, 7 in all, jitter 80 units.
                lsr = ((ntp_hi & 0xFFFF) << 16) | (ntp_lo >> 16)
                rr = struct.pack("!BBHI", 0x81, 201, 7, 0x55555555)
                rr += struct.pack("!IB", ssrc, 64) + (7).to_bytes(3, "big")
                rr += struct.pack("!IIII", 7024, 80, lsr, 0)  # DLSR 0: answered at once
                a2.rtcp.sendto(rr, ("127.0.0.1", pa + 1))
                time.sleep(0.3)
                st = stats("a")
                c.check(st["have_report"] == "1" and st["remote_lost"] == "7", f"a: {st}")
                c.check(st["remote_jitter_ms"] == "10.00", f"remote jitter {st['remote_jitter_ms']}")
                c.check(0 <= float(st["rtt_ms"]) < 500, f"rtt {st['rtt_ms']}")
                c.check(int(st["rtcp_rx"]) == 1 and int(st["rtcp_tx"]) >= 1, f"rtcp {st['rtcp_rx']}/{st['rtcp_tx']}")

        with Case("rtp show stats: packets, bytes, loss, jitter per session") as c:
            rc, out = ctl("rtp show stats")
            c.note(out)
            rows = {l.split()[1]: l.split() for l in out.splitlines()[1:] if len(l.split()) > 9}
            c.check(rc == 0 and set(rows) >= {"a", "b"}, "no rows for a and b")
            if "a" in rows and "b" in rows:
                sa, sb = stats("a"), stats("b")
                c.check(rows["a"][4] == sa["rx_packets"] and rows["b"][6] == sb["tx_packets"], "counts differ")
                c.check(int(sb["tx_packets"]) == 50 + 50 + 17, f"b sent {sb['tx_packets']}")
                c.check(int(sb["tx_bytes"]) == 160 * int(sb["tx_packets"]), "b's bytes")
                c.check(int(sa["tx_packets"]) == 25, f"a sent {sa['tx_packets']}")
                c.check(rows["a"][8] == "1", f"lost column {rows['a'][8]}")

        with Case("unbridge: A's packets no longer reach B") as c:
            rc, out = ctl("rtptest unbridge a")
            c.check(rc == 0, out)
            B.drain()
            send_stream(a2.rtp, pbx_a, 5, 121, 21 * 160, 0x55555555, first=121)
            c.check(not receive(B.rtp, 1, timeout=0.5), "B still gets packets")
            c.check(stats("a")["bridged"] == "0", "a still bridged")
    finally:
        a2.close()


if __name__ == "__main__":
    sys.exit(main())
