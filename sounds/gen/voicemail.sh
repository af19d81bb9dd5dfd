#!/bin/sh
# voicemail.sh: makes the prompts of app_voicemail (docs/voicemail.md) with
# espeak-ng and sox, as 8 kHz mono G.711 mu-law WAV in sounds/en/, the way
# prompts.sh does. The WAVs are committed; run this again (make sounds) after changing
# a text below. Each line is NAME|TEXT. The digits (digit-0 ... digit-9) are what
# the module speaks numbers and extensions with.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../en}
mkdir -p "$out"
for tool in espeak-ng sox; do
	command -v "$tool" >/dev/null || { echo "voicemail.sh: $tool is needed (apt-get install $tool)" >&2; exit 1; }
done
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
while IFS='|' read -r name text; do
	[ -n "$name" ] || continue
	espeak-ng -v en-us -s 180 -w "$tmp" "$text"
	# telephone band, 8 kHz mono, stored as G.711 mu-law WAV (half the size of
	# 16-bit, and exactly what a PCMU phone hears), silence trimmed; digits get less padding
	# so a spoken number does not drag
	pad=0.2
	case $name in digit-*) pad=0.05 ;; esac
	sox "$tmp" -r 8000 -c 1 -e u-law -b 8 "$out/$name.wav" highpass 300 lowpass 3400 gain -n -3 \
		silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse pad 0 "$pad"
	echo "$name.wav"
done <<'PROMPTS'
digit-0|zero
digit-1|one
digit-2|two
digit-3|three
digit-4|four
digit-5|five
digit-6|six
digit-7|seven
digit-8|eight
digit-9|nine
vm-person|The person at extension
vm-isunavail|is not available.
vm-isbusy|is on the phone.
vm-intro|Please leave a message after the tone.
vm-review|Press 1 to listen, 2 to record again, 3 to save.
vm-mailbox-full|The mailbox is full.
vm-no-service|Voicemail is not available.
vm-enter-box|Enter the mailbox number.
vm-no-box|No such mailbox.
vm-password|Enter your password.
vm-wrong-password|Wrong password.
vm-no-password|This mailbox has no password.
vm-you-have|You have
vm-and|and
vm-new-messages|new messages.
vm-old-messages|old messages.
vm-no-messages|You have no messages.
vm-main-menu|Press 1 to listen, 0 for options, star to hang up.
vm-message|Message
vm-message-menu|7 delete. 9 save. 4 previous. 6 next. 5 repeat. Star, main menu.
vm-no-more|There are no more messages.
vm-first|This is the first message.
vm-deleted|Message deleted.
vm-msg-saved|Message saved.
vm-options|1 unavailable greeting. 2 busy greeting. 3 password. Star, return.
vm-record-greeting|Record your greeting after the tone.
vm-greeting-saved|Greeting saved.
vm-new-password|Enter your new password.
vm-reenter-password|Enter it again.
vm-password-changed|Password changed.
vm-password-mismatch|They do not match.
PROMPTS
