#!/usr/bin/env bash
# Re-renders the markdown table and the plots of a results file:
#   perf/report.sh perf/results/<date>-<host>.json
# writes <date>-<host>.md and <date>-<host>-*.png beside it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/report.sh"
json=${1:?usage: perf/report.sh RESULTS.json}
stem=${json%.json}
perf_report_md "$json" > "$stem.md"
perf_report_plots "$json" "$stem"
echo "wrote $stem.md and $(ls "$stem"-*.png 2>/dev/null | wc -l) plots"
