#!/usr/bin/env bash
# test_voicemail_mail.sh: voicemail to e-mail. A baresip caller leaves messages in
# box 1001, whose owner has an e-mail address; app_voicemail sends each through
# settings.voicemail.smtp's relay, here a small SMTP receiver this script runs on
# a free loopback port (Python, plain sockets). The first mail arrives as MIME with
# the WAV attached: the attachment decodes to the very file in INBOX. A relay that
# refuses the recipient, one that never answers (timeout), and one that is not
# there are each logged with the reason, the message stays in the box, and the
# PBX goes on serving.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/baresip.sh"

need_tools sox baresip python3

PORT=$(free_ports 1)
SMTP_PORT=$(free_ports 1)
DEAD_PORT=$(free_ports 1)
RTP_LO=$(rtp_range 20)
CFG=$TMP/vm.lua

# write_config RELAY_PORT
write_config() {
	cat >"$CFG" <<EOF
settings {
  modules = { "chan_sip", "app_voicemail" },
  log = { level = "info" },
  sip = { listen = { "udp:127.0.0.1:$PORT" } },
  rtp = { address = "127.0.0.1", rtp_start = $RTP_LO, rtp_end = $((RTP_LO + 19)), sounds_dir = "$ROOT/sounds" },
  voicemail = {
    max_seconds = 20, silence = 10,
    boxes = { ["1001"] = { pin = "4242", email = "bob@example.com" } },
    smtp = { relay = "127.0.0.1:$1", from = "pbx@example.com", timeout = 3 },
  },
}
users {
  ["1000"] = { name = "Alice", password = "alice-pw", context = "office" },
  ["1001"] = { name = "Bob", password = "bob-pw", context = "office" },
}
extensions = {
  office = {
    ["800"] = function(call)
      local r = call:voicemail("1001")
      log.notice("vm result: %s", r.status)
    end,
  },
}
EOF
}

# The relay: one connection per mode, in order. ok: a whole SMTP dialogue, the
# message written to mail-N.eml; reject: 550 to RCPT TO; silent: accepts and
# says nothing until the client goes away.
cat >"$TMP/smtp_sink.py" <<'EOF'
import socket, sys
port, outdir, modes = int(sys.argv[1]), sys.argv[2], sys.argv[3].split(',')
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(('127.0.0.1', port))
srv.listen(4)
srv.settimeout(90)
for n, mode in enumerate(modes, 1):
    conn, _ = srv.accept()
    conn.settimeout(30)
    f = conn.makefile('rb')
    def say(line):
        conn.sendall(line.encode() + b'\r\n')
    if mode == 'silent':
        while conn.recv(4096):
            pass
        conn.close()
        continue
    say('220 sink.test ESMTP ready')
    data = None
    while True:
        line = f.readline()
        if not line:
            break
        cmd = line.decode('ascii', 'replace').strip()
        up = cmd.upper()
        if up.startswith('EHLO'):
            say('250-sink.test hello'); say('250 8BITMIME')
        elif up.startswith('MAIL FROM:'):
            say('250 sender ok')
        elif up.startswith('RCPT TO:'):
            say('550 5.1.1 no such user here' if mode == 'reject' else '250 recipient ok')
        elif up == 'DATA':
            say('354 go ahead')
            body = []
            while True:
                l = f.readline()
                if not l or l == b'.\r\n':
                    break
                body.append(l[1:] if l.startswith(b'..') else l)
            open('%s/mail-%d.eml' % (outdir, n), 'wb').write(b''.join(body))
            say('250 2.0.0 queued as %d' % n)
        elif up == 'QUIT':
            say('221 bye')
            break
        else:
            say('502 what?')
    conn.close()
EOF

# check_mail EML WAV: the mail is MIME from pbx@ to bob@ about 1000 (Alice), with
# one audio/wav attachment whose bytes are WAV's.
check_mail() {
	python3 - "$1" "$2" <<'EOF'
import email, sys
from email import policy
msg = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=policy.default)
wav = open(sys.argv[2], 'rb').read()
errs = []
if msg['From'] != '<pbx@example.com>' and msg['From'] != 'pbx@example.com':
    errs.append('From: %s' % msg['From'])
if 'bob@example.com' not in str(msg['To']):
    errs.append('To: %s' % msg['To'])
if '1000 (Alice)' not in str(msg['Subject']) or '1001' not in str(msg['Subject']):
    errs.append('Subject: %s' % msg['Subject'])
atts = [p for p in msg.iter_attachments() if p.get_content_type() == 'audio/wav']
if len(atts) != 1:
    errs.append('%d audio/wav attachments' % len(atts))
elif atts[0].get_content() != wav:
    errs.append('the attachment (%d bytes) is not the WAV (%d bytes)' % (len(atts[0].get_content()), len(wav)))
text = msg.get_body(preferencelist=('plain',))
if text is None or '1000 (Alice)' not in text.get_content():
    errs.append('no text part naming the caller')
print('; '.join(errs))
sys.exit(1 if errs else 0)
EOF
}

write_config "$SMTP_PORT"
timeout 120 python3 "$TMP/smtp_sink.py" "$SMTP_PORT" "$TMP" ok,reject,silent >"$TMP/sink.log" 2>&1 &
SINK_PID=$!
PIDS+=("$SINK_PID")
start_or_bail "$CFG"
BOX=$PBX_DATA/voicemail/1001

A_PORT=$(free_ports 3)
start_baresip a 1000 alice-pw "$A_PORT" 1000

# leave N: the phone leaves message N (about 2 s of its tone) in box 1001.
leave() {
	mark_log
	expect_cmd a dial 800
	expect_phone a "Call established"
	expect_log "voicemail: box 1001: recording message $1 from 1000" 20
	sleep 2
	expect_cmd a hangup
	expect_log "box 1001: new message $1 from 1000 (Alice)" 10
}

case_begin "the phone registers"
expect_phone a "1000@127.0.0.1: {0/UDP/v4} 200 OK" 10
case_end

case_begin "a saved message is e-mailed to the box's address: MIME, the WAV attached byte for byte"
leave 1
expect_log "box 1001: message 1 e-mailed to bob@example.com (250 2.0.0 queued as 1)" 10
if [ ! -f "$TMP/mail-1.eml" ]; then
	fail "the relay received no mail"
else
	why=$(check_mail "$TMP/mail-1.eml" "$BOX/INBOX/msg0001.wav") || fail "the mail: $why"
fi
case_end

case_begin "the relay refuses the recipient: logged with its reply, the message stays in the box"
leave 2
expect_log "box 1001: message 2 not e-mailed to bob@example.com through 127.0.0.1:$SMTP_PORT: the relay answered RCPT TO with \"550 5.1.1 no such user here\" (the message stays in the box)" 10
[ -f "$BOX/INBOX/msg0002.wav" ] || fail "message 2 is not in INBOX"
case_end

case_begin "a relay that never answers: the timeout (3 s) ends it, logged; the PBX goes on serving meanwhile"
leave 3
t0=$(now_ms)
pbx "voicemail show boxes" # while the client waits for the greeting
expect_out_re "^1001 +3 +0 +3/0$"
[ $(($(now_ms) - t0)) -lt 1000 ] || fail "the console took $(($(now_ms) - t0)) ms to answer while a mail was waiting"
expect_log "box 1001: message 3 not e-mailed to bob@example.com through 127.0.0.1:$SMTP_PORT: no answer from the relay in 3 s during greeting" 10
[ -f "$BOX/INBOX/msg0003.wav" ] || fail "message 3 is not in INBOX"
case_end

case_begin "a relay that is not there (after a reload): connection refused, logged; the message stays"
wait_exit "$SINK_PID" 10 || fail "the SMTP receiver did not finish: $(cat "$TMP/sink.log")"
write_config "$DEAD_PORT"
pbx "dialplan reload"
expect_rc 0
leave 4
expect_log "box 1001: message 4 not e-mailed to bob@example.com through 127.0.0.1:$DEAD_PORT: cannot connect: Connection refused" 10
[ -f "$BOX/INBOX/msg0004.wav" ] || fail "message 4 is not in INBOX"
pbx "voicemail show boxes"
expect_out_re "^1001 +4 +0 +4/0$"
case_end

case_begin "the phone quits cleanly"
phone_cmd a quit
wait_exit "${PHONE_PID[a]}" 10 || fail "the phone still runs"
case_end

finish
