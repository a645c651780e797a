#!/usr/bin/env bash
# A wafersim sweep sharded over a Slurm job array, then merged into the file one machine
# would write. From the repository root, on a file system every node sees:
#
#   jid=$(sbatch --parsable examples/slurm-sweep.sh)
#   sbatch --dependency=afterok:$jid --array=1 examples/slurm-sweep.sh merge
#
# Each array task runs one shard (`--shard auto` reads SLURM_ARRAY_TASK_ID, _MIN and _COUNT);
# the second job runs once every task has succeeded. SCENARIO and OUT may be set in the
# environment (sbatch passes it on); the defaults sweep scenarios/sweep-1m.yaml.
#SBATCH --job-name=wafersim-sweep
#SBATCH --array=1-4
#SBATCH --cpus-per-task=2
set -euo pipefail
SCENARIO=${SCENARIO:-sweep-1m}
OUT=${OUT:-out/sweep}
mkdir -p "$OUT/parts"
if [ "${1:-shard}" = merge ]; then
  npx wafersim merge "$OUT"/parts/part-*.csv --out "$OUT/all.csv"
else
  npx wafersim sweep "$SCENARIO" --shard auto --out "$OUT/parts/part-$SLURM_ARRAY_TASK_ID.csv" --no-progress
fi
