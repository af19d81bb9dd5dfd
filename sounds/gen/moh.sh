#!/usr/bin/env bash
# sounds/gen/moh.sh: makes the default music on hold, sounds/moh/default/, with
# sox alone (no recording, no licence to track): a gentle melody in C major, a
# pentatonic tune over a soft sustained chord per bar, 32 s, 8 kHz mono 16-bit
# WAV, which is what the PBX plays without converting. `make sounds` runs it.
# The melody's notes (Hz) are E4 330, G4 392, A4 440, C5 523, D5 587, E5 659
# and G5 784: tests/integration/test_hold.sh looks for them in what a held
# phone hears.
set -euo pipefail
cd "$(dirname "$0")/.."
out=moh/default
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# note NAME -> frequency
declare -A hz=([E4]=329.63 [G4]=392.00 [A4]=440.00 [C5]=523.25 [D5]=587.33 [E5]=659.25 [G5]=783.99
	[C3]=130.81 [F3]=174.61 [G3]=196.00 [A3]=220.00)

# Eight bars of eight eighth notes (0.5 s each: 4 s a bar), then the same again.
bars=(
	"C5 E5 G5 E5 D5 C5 D5 E5"
	"A4 C5 E5 C5 G4 A4 C5 D5"
	"E5 G5 E5 D5 C5 D5 E5 G5"
	"D5 C5 A4 G4 A4 C5 D5 C5"
)
chords=("C3 E4 G4" "A3 E4 A4" "F3 A4 C5" "G3 D5 G4")

n=0
for rep in 1 2; do
	for b in 0 1 2 3; do
		notes=()
		for note in ${bars[$b]}; do
			f=$(printf '%05d' "$n")
			# A plucked tone with a sine under it, faded so notes do not click.
			sox -R -n -r 8000 -c 1 -b 16 "$tmp/n$f.wav" synth 0.5 pluck "${hz[$note]}" synth 0.5 sine mix \
				"${hz[$note]}" fade q 0.01 0.5 0.15 vol 0.45
			notes+=("$tmp/n$f.wav")
			n=$((n + 1))
		done
		sox -R "${notes[@]}" "$tmp/bar$rep$b.wav"
		read -r c1 c2 c3 <<<"${chords[$b]}"
		sox -R -n -r 8000 -c 1 -b 16 "$tmp/pad$rep$b.wav" synth 4 sine "${hz[$c1]}" sine "${hz[$c2]}" \
			sine "${hz[$c3]}" channels 1 fade h 0.3 4 0.5 vol 0.18
		sox -R -m "$tmp/bar$rep$b.wav" "$tmp/pad$rep$b.wav" "$tmp/mix$rep$b.wav"
	done
done
sox -R "$tmp"/mix1?.wav "$tmp"/mix2?.wav -r 8000 -c 1 -b 16 "$out/01-strowger-melody.wav" highpass 60 fade t 0.05 0 0.5 norm -3
echo "wrote $out/01-strowger-melody.wav ($(soxi -D "$out/01-strowger-melody.wav") s)"
