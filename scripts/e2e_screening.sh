#!/usr/bin/env bash
# End-to-end screening check (issue 3 "Must show"): simulate a county, import the registry, every month's
# department feeds, citizens' self-reports and 务工月监测 exports, screen every month, score the
# warnings (and, for the detection lag, the self-reports) against the simulator's truth.
#
#   scripts/e2e_screening.sh [HOUSEHOLDS] [MONTHS] [SEED] [ENGINE]     (defaults: 20000 24 11 duckdb)
#
# Everything goes to a fresh work directory (E2E_DIR, default /tmp/shouwang-e2e-<seed>): its own ./var
# (SQLite) unless SHOUWANG_DATABASE_URL is set, the simulated files, per-month logs and the evaluation
# JSON (evaluation.json). Months are processed in order, as a county would live them: a month's feeds
# (and the yearly income update, when the simulator wrote one for that month) are imported, then the
# month is screened. Screening a month never reads deliveries of later months.
set -euo pipefail

HOUSEHOLDS="${1:-20000}"
MONTHS="${2:-24}"
SEED="${3:-11}"
ENGINE="${4:-duckdb}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SW="${SHOUWANG_BIN:-$ROOT/.venv/bin/shouwang}"
WORK="${E2E_DIR:-/tmp/shouwang-e2e-$SEED}"
SIM="$WORK/sim"
LOG="$WORK/logs"

rm -rf "$WORK"
mkdir -p "$LOG"
export SHOUWANG_VAR_DIR="$WORK/var"
if [[ -n "${SHOUWANG_DATABASE_URL:-}" ]]; then
  echo "database: $SHOUWANG_DATABASE_URL (must be empty or disposable)"
fi

t0=$(date +%s)
"$SW" migrate -v 0
"$SW" simulate --households "$HOUSEHOLDS" --months "$MONTHS" --seed "$SEED" --out "$SIM" | tee "$LOG/simulate.txt"
t_sim=$(date +%s)
"$SW" import registry "$SIM/registry/households.csv" "$SIM/registry/persons.csv" "$SIM/registry/incomes.csv" \
  > "$LOG/registry.txt" 2>&1
t_reg=$(date +%s)

first=""
last=""
for dir in "$SIM"/feeds/*/; do
  period="$(basename "$dir")"
  [[ -z "$first" ]] && first="$period"
  last="$period"
  for file in "$dir"*.csv; do
    kind="$(basename "$file" .csv)"
    # A delivery with a bad row is refused whole (exit 2, CONTRACT §2): the month goes on without it,
    # as it would until the department sends a corrected file. Any other failure stops the run.
    rc=0
    "$SW" import feed "$kind" "$file" --period "$period" >> "$LOG/feeds-$period.txt" 2>&1 || rc=$?
    if [[ $rc -eq 2 ]]; then
      echo "refused: $period $kind (see $LOG/feeds-$period.txt)" | tee -a "$LOG/refused.txt" >&2
    elif [[ $rc -ne 0 ]]; then
      echo "import failed ($rc): $period $kind" >&2
      exit "$rc"
    fi
  done
  # Citizens' self-reports of the month (mini-program and hotlines), entered as the county receives them.
  if [[ -f "$SIM/channels/$period/self_reports.csv" ]]; then
    "$SW" import selfreports "$SIM/channels/$period/self_reports.csv" >> "$LOG/selfreports.txt" 2>&1
  fi
  if [[ -d "$SIM/registry/updates/$period" ]]; then
    "$SW" import registry "$SIM/registry/updates/$period/"*.csv >> "$LOG/registry-$period.txt" 2>&1
  fi
  # The month's 务工月监测 exports (issue 16): episodes and plans, before the month is screened.
  if [[ -d "$SIM/employment/$period" ]]; then
    rc=0
    "$SW" import employment "$SIM/employment/$period/"*.xlsx --period "$period" \
      >> "$LOG/employment-$period.txt" 2>&1 || rc=$?
    if [[ $rc -eq 2 ]]; then
      echo "refused: $period employment (see $LOG/employment-$period.txt)" | tee -a "$LOG/refused.txt" >&2
    elif [[ $rc -ne 0 ]]; then
      echo "import failed ($rc): $period employment" >&2
      exit "$rc"
    fi
  fi
  "$SW" screen --period "$period" --engine "$ENGINE" --quiet | tee -a "$LOG/screen.txt"
done
t_scr=$(date +%s)

"$SW" evaluate --truth "$SIM/truth" --from "$first" --to "$last" | tee "$WORK/evaluation.json"
t_end=$(date +%s)
echo "simulate $((t_sim - t0))s, registry import $((t_reg - t_sim))s, feeds+screening $((t_scr - t_reg))s," \
  "evaluate $((t_end - t_scr))s; work directory $WORK" >&2
