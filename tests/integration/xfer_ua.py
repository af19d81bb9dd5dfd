#!/usr/bin/env python3
"""xfer_ua.py: a scripted SIP phone for the transfer tests, for what the phones
Debian ships cannot be told to do (baresip 1.0 has no attended transfer, SIPp
one dialog per scenario). It speaks plain RFC 3261 over UDP on 127.0.0.1 with
MD5 digest, answers what it receives, and sends G.711 silence so that its legs
stay up. Each mode prints "step: ..." lines and exits 0 when every SIP exchange
went as RFC 3515/3891 say, 1 (with the reason) otherwise.

  xfer_ua.py attended PBX_PORT USER PASS A_EXT C_EXT
      calls A_EXT and C_EXT, then REFERs the first call to the second with
      Replaces: expects 202, a NOTIFY with sipfrag 200, and a BYE on both calls.
  xfer_ua.py replaces PBX_PORT USER PASS A_EXT USER2 PASS2
      USER calls A_EXT; USER2 sends INVITE with Replaces naming that dialog:
      expects 200 for USER2 (and RTP from the PBX on its port) and a BYE to USER.
      Then an INVITE with Replaces naming no dialog: expects 481.
  xfer_ua.py pickup PBX_PORT USER PASS USER2 PASS2
      USER registers and rings (180) when called; once an INVITE comes, USER2
      picks the call up with INVITE + Replaces naming that ringing dialog:
      expects 200 for USER2, CANCEL (and our 487) on the ringing leg, RTP from
      the PBX on USER2's leg; then USER2 hangs up.
  xfer_ua.py refer-bad PBX_PORT USER PASS A_EXT
      REFER outside any dialog (481); in a call, a Replaces naming a dialog the
      PBX does not have (202, NOTIFY 481), an extension that does not exist (202,
      NOTIFY 404), a REFER with no Refer-To (400): the call goes on, with audio.
"""
import hashlib
import random
import re
import socket
import sys
import time

HOST = "127.0.0.1"


def rnd(n=10):
    return "".join(random.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(n))


def fail(msg):
    print("error: " + msg, flush=True)
    sys.exit(1)


def step(msg):
    print("step: " + msg, flush=True)


class Msg:
    def __init__(self, raw):
        head, _, self.body = raw.partition("\r\n\r\n")
        lines = head.split("\r\n")
        self.first = lines[0]
        self.headers = []
        for ln in lines[1:]:
            if ":" in ln:
                k, v = ln.split(":", 1)
                self.headers.append((k.strip().lower(), v.strip()))
        self.is_resp = self.first.startswith("SIP/2.0")
        self.status = int(self.first.split()[1]) if self.is_resp else 0
        self.method = None if self.is_resp else self.first.split()[0]

    def h(self, name):
        for k, v in self.headers:
            if k == name:
                return v
        return None

    def all(self, name):
        return [v for k, v in self.headers if k == name]

    def cseq(self):
        n, m = self.h("cseq").split()
        return int(n), m


def tag_of(v):
    m = re.search(r";\s*tag=([^;>\s]+)", v or "")
    return m.group(1) if m else None


class Dialog:
    def __init__(self, ua, ext):
        self.ua = ua
        self.call_id = rnd(16) + "@" + HOST
        self.ltag = rnd(8)
        self.rtag = None
        self.cseq = 1
        self.ext = ext
        self.remote_uri = "sip:%s@%s:%d" % (ext, HOST, ua.pbx_port)
        self.target = self.remote_uri
        self.local = '"%s" <sip:%s@%s:%d>;tag=%s' % (ua.user, ua.user, HOST, ua.port, self.ltag)
        self.remote = "<%s>" % self.remote_uri

    def to_hdr(self):
        return self.remote + (";tag=" + self.rtag if self.rtag else "")


class UA:
    def __init__(self, pbx_port, user, password):
        self.pbx_port = pbx_port
        self.user, self.password = user, password
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((HOST, 0))
        self.port = self.sock.getsockname()[1]
        self.rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rtp.bind((HOST, 0))
        self.rtp_port = self.rtp.getsockname()[1]
        self.rtp.setblocking(False)
        self.pending = []
        self.rtp_in = 0

    def sdp(self):
        return ("v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
                "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n") % (HOST, HOST, self.rtp_port)

    def send(self, text):
        self.sock.sendto(text.encode(), (HOST, self.pbx_port))

    def request(self, d, method, extra=(), body="", ctype=None, cseq=None, ruri=None):
        if cseq is None:
            cseq = d.cseq
            d.cseq += 1
        branch = "z9hG4bK" + rnd(12)
        lines = ["%s %s SIP/2.0" % (method, ruri or d.target),
                 "Via: SIP/2.0/UDP %s:%d;branch=%s;rport" % (HOST, self.port, branch),
                 "From: " + d.local, "To: " + d.to_hdr(), "Call-ID: " + d.call_id,
                 "CSeq: %d %s" % (cseq, method), "Max-Forwards: 70",
                 "Contact: <sip:%s@%s:%d>" % (self.user, HOST, self.port)]
        lines += list(extra)
        if body:
            lines.append("Content-Type: " + (ctype or "application/sdp"))
        lines.append("Content-Length: %d" % len(body.encode()))
        self.send("\r\n".join(lines) + "\r\n\r\n" + body)
        return branch, cseq

    def respond(self, req, status, reason, extra=(), body="", ctype=None):
        lines = ["SIP/2.0 %d %s" % (status, reason)]
        for v in req.all("via"):
            lines.append("Via: " + v)
        to = req.h("to")
        if not tag_of(to):
            to += ";tag=" + rnd(8)
        lines += ["From: " + req.h("from"), "To: " + to, "Call-ID: " + req.h("call-id"),
                  "CSeq: " + req.h("cseq")] + list(extra)
        if body:
            lines.append("Content-Type: " + ctype)
        lines.append("Content-Length: %d" % len(body.encode()))
        self.send("\r\n".join(lines) + "\r\n\r\n" + body)

    def drain_rtp(self):
        while True:
            try:
                data, _ = self.rtp.recvfrom(2048)
            except BlockingIOError:
                return
            if len(data) > 12:
                self.rtp_in += 1

    def recv(self, timeout=5.0):
        """The next message; requests nobody waits for are answered 200 (BYE, NOTIFY)."""
        if self.pending:
            return self.pending.pop(0)
        self.sock.settimeout(timeout)
        try:
            data, _ = self.sock.recvfrom(65535)
        except socket.timeout:
            return None
        finally:
            self.drain_rtp()
        return Msg(data.decode(errors="replace"))

    def wait(self, pred, what, timeout=8.0):
        end = time.time() + timeout
        kept = []
        while time.time() < end:
            m = self.recv(max(0.05, end - time.time()))
            if m is None:
                continue
            if pred(m):
                self.pending = kept + self.pending
                return m
            if not m.is_resp and m.method == "OPTIONS":
                self.respond(m, 200, "OK")
                continue
            if m.is_resp and m.status < 200:
                continue
            kept.append(m)
        self.pending = kept + self.pending
        fail("no %s within %.0f s" % (what, timeout))

    def auth_header(self, chal, method, uri):
        params = dict(re.findall(r'(\w+)="?([^",]*)"?', chal))
        realm, nonce = params["realm"], params["nonce"]
        ha1 = hashlib.md5(("%s:%s:%s" % (self.user, realm, self.password)).encode()).hexdigest()
        ha2 = hashlib.md5(("%s:%s" % (method, uri)).encode()).hexdigest()
        if "qop" in params:
            cnonce, nc = rnd(8), "00000001"
            resp = hashlib.md5(("%s:%s:%s:%s:auth:%s" % (ha1, nonce, nc, cnonce, ha2)).encode()).hexdigest()
            return ('Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", '
                    'algorithm=MD5, qop=auth, nc=%s, cnonce="%s"%s') % (
                self.user, realm, nonce, uri, resp, nc, cnonce,
                ', opaque="%s"' % params["opaque"] if "opaque" in params else "")
        resp = hashlib.md5(("%s:%s:%s" % (ha1, nonce, ha2)).encode()).hexdigest()
        return 'Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", algorithm=MD5' % (
            self.user, realm, nonce, uri, resp)

    def md5_challenge(self, resp):
        for k in ("www-authenticate", "proxy-authenticate"):
            for v in resp.all(k):
                if "SHA-256" not in v:
                    return k, v
        return None, None

    def invite(self, d, extra=(), expect=200):
        """INVITE (with digest when challenged); the final response, ACKed."""
        hdrs = list(extra)
        for _ in range(2):
            branch, cseq = self.request(d, "INVITE", hdrs, self.sdp())
            r = self.wait(lambda m: m.is_resp and m.h("call-id") == d.call_id and m.cseq() == (cseq, "INVITE")
                          and m.status >= 200, "final response to INVITE %s" % d.ext)
            self.ack(d, r, cseq, branch)
            if r.status in (401, 407):
                k, chal = self.md5_challenge(r)
                if not chal:
                    fail("no MD5 challenge in %d" % r.status)
                name = "Authorization" if k == "www-authenticate" else "Proxy-Authorization"
                hdrs = list(extra) + ["%s: %s" % (name, self.auth_header(chal, "INVITE", d.target))]
                continue
            break
        if r.status != expect:
            fail("INVITE %s answered %s, not %d" % (d.ext, r.first, expect))
        if r.status == 200:
            d.rtag = tag_of(r.h("to"))
            m = re.search(r"<([^>]+)>", r.h("contact") or "")
            if m:
                d.target = m.group(1)
            self.ack(d, r, cseq, None)
        return r

    def ack(self, d, resp, cseq, branch):
        # A non-2xx is ACKed in its transaction (same branch), a 2xx on its own.
        if resp.status >= 300:
            lines = ["ACK %s SIP/2.0" % d.remote_uri,
                     "Via: SIP/2.0/UDP %s:%d;branch=%s;rport" % (HOST, self.port, branch),
                     "From: " + d.local, "To: " + resp.h("to"), "Call-ID: " + d.call_id,
                     "CSeq: %d ACK" % cseq, "Max-Forwards: 70", "Content-Length: 0"]
            self.send("\r\n".join(lines) + "\r\n\r\n")
        elif branch is None:
            self.request(d, "ACK", cseq=cseq)

    def bye_for(self, d, timeout=8.0):
        m = self.wait(lambda m: not m.is_resp and m.method == "BYE" and m.h("call-id") == d.call_id,
                      "BYE on the call to %s" % d.ext, timeout)
        self.respond(m, 200, "OK")
        return m

    def send_rtp(self, seconds):
        end = time.time() + seconds
        seq, ts = random.randint(0, 1000), 0
        while time.time() < end:
            pkt = bytes([0x80, 0]) + seq.to_bytes(2, "big") + ts.to_bytes(4, "big") + (0x1234).to_bytes(4, "big")
            pkt += b"\xff" * 160
            for port in self.rtp_targets:
                self.rtp.sendto(pkt, (HOST, port))
            seq, ts = (seq + 1) & 0xFFFF, ts + 160
            time.sleep(0.02)
            self.drain_rtp()


def rtp_port_of(resp):
    m = re.search(r"m=audio (\d+)", resp.body)
    return int(m.group(1)) if m else None


def refer(ua, d, refer_to, expect):
    d_cseq = d.cseq
    ua.request(d, "REFER", ["Refer-To: " + refer_to] if refer_to else [])
    r = ua.wait(lambda m: m.is_resp and m.h("call-id") == d.call_id and m.cseq() == (d_cseq, "REFER"),
                "response to REFER")
    if r.status != expect:
        fail("REFER answered %s, not %d" % (r.first, expect))
    step("REFER answered %d" % r.status)
    return d_cseq


def notify_until_final(ua, d, want):
    """NOTIFYs of the REFER's subscription until the final one, which must say `want`."""
    seen = []
    while True:
        n = ua.wait(lambda m: not m.is_resp and m.method == "NOTIFY" and m.h("call-id") == d.call_id,
                    "NOTIFY (refer)")
        ua.respond(n, 200, "OK")
        if not (n.h("event") or "").startswith("refer"):
            fail("NOTIFY with Event %s" % n.h("event"))
        if "message/sipfrag" not in (n.h("content-type") or ""):
            fail("NOTIFY body is %s, not message/sipfrag" % n.h("content-type"))
        frag = n.body.split("\r\n")[0]
        seen.append(frag)
        if (n.h("subscription-state") or "").startswith("terminated"):
            if not frag.startswith("SIP/2.0 %d" % want):
                fail("final NOTIFY says '%s', not %d (all: %s)" % (frag, want, seen))
            step("NOTIFYs: " + " | ".join(seen))
            return


def mode_attended(pbx_port, user, pw, a_ext, c_ext):
    ua = UA(pbx_port, user, pw)
    d1 = Dialog(ua, a_ext)
    r1 = ua.invite(d1)
    step("call 1 to %s up" % a_ext)
    d2 = Dialog(ua, c_ext)
    r2 = ua.invite(d2)
    step("call 2 to %s up" % c_ext)
    ua.rtp_targets = [rtp_port_of(r1), rtp_port_of(r2)]
    ua.send_rtp(1.0)
    # Replaces names call 2 as the PBX (its receiver) sees it: to-tag is the PBX's.
    rep = "%s;to-tag=%s;from-tag=%s" % (d2.call_id, d2.rtag, d2.ltag)
    esc = rep.replace("@", "%40").replace(";", "%3B").replace("=", "%3D")
    refer(ua, d1, "<sip:%s@%s:%d?Replaces=%s>" % (c_ext, HOST, pbx_port, esc), 202)
    notify_until_final(ua, d1, 200)
    ua.bye_for(d1)
    ua.bye_for(d2)
    step("both calls ended by the PBX")


def mode_replaces(pbx_port, user, pw, a_ext, user2, pw2):
    ua = UA(pbx_port, user, pw)
    d1 = Dialog(ua, a_ext)
    r1 = ua.invite(d1)
    ua.rtp_targets = [rtp_port_of(r1)]
    ua.send_rtp(0.5)
    step("call to %s up" % a_ext)
    ub = UA(pbx_port, user2, pw2)
    db = Dialog(ub, a_ext)
    rep = "Replaces: %s;to-tag=%s;from-tag=%s" % (d1.call_id, d1.rtag, d1.ltag)
    rb = ub.invite(db, [rep])
    step("INVITE with Replaces answered 200")
    ua.bye_for(d1)
    step("the replaced call got BYE")
    ub.rtp_targets = [rtp_port_of(rb)]
    ub.rtp_in = 0
    ub.send_rtp(1.5)
    if ub.rtp_in < 20:
        fail("the new leg received %d RTP packets in 1.5 s" % ub.rtp_in)
    step("the new leg receives RTP from the PBX (%d packets)" % ub.rtp_in)
    dx = Dialog(ub, a_ext)
    ub.invite(dx, ["Replaces: nosuchcall@%s;to-tag=x1;from-tag=y2" % HOST], expect=481)
    step("INVITE with Replaces naming no dialog answered 481")
    ub.request(db, "BYE")
    ub.wait(lambda m: m.is_resp and m.h("call-id") == db.call_id and m.cseq()[1] == "BYE", "200 to BYE")
    step("hung up")


def register(ua):
    d = Dialog(ua, ua.user)
    d.target = "sip:%s:%d" % (HOST, ua.pbx_port)
    hdrs = ["Expires: 120"]
    for _ in range(2):
        _, cseq = ua.request(d, "REGISTER", hdrs)
        r = ua.wait(lambda m: m.is_resp and m.h("call-id") == d.call_id and m.cseq() == (cseq, "REGISTER")
                    and m.status >= 200, "response to REGISTER")
        if r.status in (401, 407):
            k, chal = ua.md5_challenge(r)
            name = "Authorization" if k == "www-authenticate" else "Proxy-Authorization"
            hdrs = ["Expires: 120", "%s: %s" % (name, ua.auth_header(chal, "REGISTER", d.target))]
            continue
        if r.status != 200:
            fail("REGISTER answered " + r.first)
        return
    fail("REGISTER not accepted")


def mode_pickup(pbx_port, user, pw, user2, pw2):
    ringer = UA(pbx_port, user, pw)
    register(ringer)
    step("%s registered" % user)
    inv = ringer.wait(lambda m: not m.is_resp and m.method == "INVITE", "an INVITE to pick up", 20)
    ringer.respond(inv, 100, "Trying")
    my_tag = rnd(8)
    inv_to = inv.h("to") + ";tag=" + my_tag
    lines = ["SIP/2.0 180 Ringing"] + ["Via: " + v for v in inv.all("via")] + [
        "From: " + inv.h("from"), "To: " + inv_to, "Call-ID: " + inv.h("call-id"), "CSeq: " + inv.h("cseq"),
        "Contact: <sip:%s@%s:%d>" % (user, HOST, ringer.port), "Content-Length: 0"]
    ringer.send("\r\n".join(lines) + "\r\n\r\n")
    step("ringing")
    picker = UA(pbx_port, user2, pw2)
    d = Dialog(picker, user)
    rep = "Replaces: %s;to-tag=%s;from-tag=%s" % (inv.h("call-id"), tag_of(inv.h("from")), my_tag)
    r = picker.invite(d, [rep])
    step("INVITE with Replaces (pickup) answered 200")
    c = ringer.wait(lambda m: not m.is_resp and m.method == "CANCEL", "CANCEL to the ringing leg")
    ringer.respond(c, 200, "OK")
    lines[0] = "SIP/2.0 487 Request Terminated"
    lines[-2] = "Contact: <sip:%s@%s:%d>" % (user, HOST, ringer.port)
    ringer.send("\r\n".join(lines) + "\r\n\r\n")
    ringer.wait(lambda m: not m.is_resp and m.method == "ACK", "ACK for the 487")
    step("the ringing leg was cancelled")
    picker.rtp_targets = [rtp_port_of(r)]
    picker.rtp_in = 0
    picker.send_rtp(1.5)
    if picker.rtp_in < 20:
        fail("the picked-up call received %d RTP packets in 1.5 s" % picker.rtp_in)
    step("the picked-up call receives RTP (%d packets)" % picker.rtp_in)
    picker.request(d, "BYE")
    picker.wait(lambda m: m.is_resp and m.h("call-id") == d.call_id and m.cseq()[1] == "BYE", "200 to BYE")
    step("hung up")


def mode_refer_bad(pbx_port, user, pw, a_ext):
    ua = UA(pbx_port, user, pw)
    lone = Dialog(ua, a_ext)
    lone.rtag = "nosuchtag"
    refer(ua, lone, "<sip:%s@%s:%d>" % (a_ext, HOST, pbx_port), 481)
    d1 = Dialog(ua, a_ext)
    r1 = ua.invite(d1)
    ua.rtp_targets = [rtp_port_of(r1)]
    step("call to %s up" % a_ext)
    esc = "gone%40nowhere%3Bto-tag%3Dab%3Bfrom-tag%3Dcd"
    refer(ua, d1, "<sip:1002@%s:%d?Replaces=%s>" % (HOST, pbx_port, esc), 202)
    notify_until_final(ua, d1, 481)
    refer(ua, d1, "<sip:1999@%s:%d>" % (HOST, pbx_port), 202)
    notify_until_final(ua, d1, 404)
    refer(ua, d1, None, 400)
    ua.send_rtp(1.0)
    if ua.rtp_in < 20:
        fail("the call does not carry audio after the bad REFERs (%d packets)" % ua.rtp_in)
    step("the call still carries audio (%d packets)" % ua.rtp_in)
    ua.request(d1, "BYE")
    ua.wait(lambda m: m.is_resp and m.h("call-id") == d1.call_id and m.cseq()[1] == "BYE", "200 to BYE")
    step("hung up")


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "attended":
        mode_attended(port, *sys.argv[3:7])
    elif mode == "replaces":
        mode_replaces(port, *sys.argv[3:8])
    elif mode == "pickup":
        mode_pickup(port, *sys.argv[3:7])
    elif mode == "refer-bad":
        mode_refer_bad(port, *sys.argv[3:6])
    else:
        fail("unknown mode " + mode)
    print("done", flush=True)


if __name__ == "__main__":
    main()
