#!/usr/bin/env bash
# Sums the counters of every TRX file under a folder and prints `tests: N passed, N failed` (plus skipped when any).
# A test project without a TRX file (its host crashed before writing one) counts as one failure, and so does a run
# in which nothing passed, so a silent runner never reads as green. Exits 1 when anything failed.
set -euo pipefail
dir=${1:?usage: test-summary.sh RESULTS_DIR}
shopt -s nullglob globstar
files=("$dir"/**/*.trx)
projects=(tests/*/*.Tests.csproj)
passed=0; failed=0; skipped=0
for f in "${files[@]}"; do
  counters=$(grep -o '<Counters [^>]*>' "$f" | head -n 1)
  get() { local v; v=$(sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"); echo "${v:-0}"; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  skipped=$((skipped + $(get notExecuted)))
done
if [ ${#files[@]} -lt ${#projects[@]} ]; then
  echo "only ${#files[@]} TRX result files for ${#projects[@]} test projects: a test host did not finish" >&2
  failed=$((failed + ${#projects[@]} - ${#files[@]}))
fi
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
  echo "no test ran" >&2
  failed=1
fi
line="tests: $passed passed, $failed failed"
if [ "$skipped" -gt 0 ]; then line="$line, $skipped skipped"; fi
echo "$line"
if [ "$failed" -gt 0 ]; then exit 1; fi
