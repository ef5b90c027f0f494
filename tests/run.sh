#!/usr/bin/env bash
# Runs the meson test suite and ends with one plain summary line.
set -uo pipefail
build=${1:-build}
shift || true
meson test -C "$build" --print-errorlogs --num-processes 2 "$@"
rc=$?
log="$build/meson-logs/testlog.json"
if [ -f "$log" ]; then
	python3 - "$log" <<'PY'
import json, sys
p = f = s = 0
for line in open(sys.argv[1]):
    r = json.loads(line).get("result")
    if r in ("OK", "EXPECTEDFAIL"): p += 1
    elif r == "SKIP": s += 1
    else: f += 1
print(f"Tests: {p} passed, {f} failed, {s} skipped")
PY
	# CI keeps only the end of the output: say there why each test failed,
	# a few telling lines each (the whole logs are printed above).
	python3 - "$log" <<'PY'
import json, re, sys
# Case matters: live lines say "failed 0" every second.
keys = re.compile(r"!!|ERROR|SUMMARY|invariant broken|Assertion|FAIL|"
                  r"above max_failures|Test unit written|error:|"
                  r"Traceback|Timeout|timed out|^ +fail_\w+ +[1-9]")
for line in open(sys.argv[1]):
    t = json.loads(line)
    if t.get("result") in ("OK", "EXPECTEDFAIL", "SKIP"):
        continue
    out = ((t.get("stdout") or "") + (t.get("stderr") or "")).splitlines()
    hits = [l for l in out if keys.search(l)] or out
    print(f"why {t['name']} failed ({t.get('result')}):")
    for l in hits[-5:]:
        print("  " + (l if "(base64)" in l else l[:400]))
PY
fi
exit $rc
