#!/bin/sh
# Seeds the libFuzzer corpus of the scenario reader (make fuzz): every scenario file that exists
# right now (scenarios/, tests/scenarios/), the bad inputs of tests/test_scenario_parse.c
# (tests/bad/) and the snippets in tests/fuzz/seeds/. Run from the repository root; the corpus
# directory keeps what earlier runs found.
set -eu
dir=${1:-build/fuzz/corpus}
mkdir -p "$dir"
n=0
for f in scenarios/*.scn tests/scenarios/*.scn tests/bad/*.scn tests/fuzz/seeds/*.scn; do
    [ -f "$f" ] || continue
    cp "$f" "$dir/seed-$(printf '%s' "$f" | tr '/' '_')"
    n=$((n + 1))
done
echo "  SEED    $n files into $dir ($(ls "$dir" | wc -l) in the corpus)"
