#!/bin/sh
# prompts.sh: makes the spoken prompts of the sample dialplan and the office
# library (dialplan/lib) with espeak-ng and sox, as 8 kHz mono 16-bit WAV in
# sounds/en/, the format calls play without converting. The WAVs are committed;
# run this again (make sounds) after changing a text below. Each line is
# NAME|TEXT; the name is what call:playback("NAME") and the dial's confirm
# prompt use.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../en}
mkdir -p "$out"
for tool in espeak-ng sox; do
	command -v "$tool" >/dev/null || { echo "prompts.sh: $tool is needed (apt-get install $tool)" >&2; exit 1; }
done
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
while IFS='|' read -r name text; do
	[ -n "$name" ] || continue
	# -s words per minute, about the default pace, clear on a phone for the phone
	espeak-ng -v en-us -s 165 -w "$tmp" "$text"
	# telephone band, 8 kHz 16-bit mono, the voice a little louder, silence trimmed
	sox "$tmp" -r 8000 -c 1 -b 16 "$out/$name.wav" highpass 300 lowpass 3400 gain -n -3 \
		silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse pad 0 0.2
	echo "$name.wav"
done <<'PROMPTS'
findme-accept|Press 1 to accept the call.
findme-announce|You have a call. Press 1 to accept.
findme-hold|Please hold while we try to reach them.
not-available|The person you are calling is not available.
welcome|Welcome. For sales, press 1. For support, press 2. For the operator, press 0.
office-closed|Our office is closed. We are open Monday to Friday, 8 30 to 6.
invalid-option|That is not a valid option.
goodbye|Goodbye.
dnd-on|Do not disturb is on.
dnd-off|Do not disturb is off.
forward-on|Call forwarding is on.
forward-off|Call forwarding is off.
PROMPTS
