#!/usr/bin/env bash
# Leakage against reconstruction on MNIST: the matched-Z method at several
# weights of its MMD term and with each term switched off (ablation rows),
# beside the two-step method at several weights of its adversarial term, all
# at one reduced budget; then `tsd pareto` draws and tabulates them.
#
#   benchmarks/matched_z_pareto.sh [RUNS] [RESULTS]
#       (defaults: runs/pareto, results/pareto)
#
# Environment: SUBSET (training images, default 20000), STEP1 / STEP2
# (epochs of each step, default 20 / 20; fixed, no convergence rule), SEEDS
# (default 1), POINTS (names of the points to run, default all, in the order
# below), TSD (the binary, default target/release/tsd), DATA (default
# ../shared/data). Finished points are skipped, so the script resumes.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
runs="${1:-runs/pareto}"
results="${2:-results/pareto}"
subset="${SUBSET:-20000}"
step1="${STEP1:-20}"
step2="${STEP2:-20}"
seeds="${SEEDS:-1}"
tsd="${TSD:-${CARGO_TARGET_DIR:-$root/target}/release/tsd}"
data="${DATA:-$root/../shared/data}"
export OMP_WAIT_POLICY=PASSIVE
# shellcheck source=/dev/null
source "$root/scripts/env.sh"

# name method overrides...
all_points=(
  "two-step-adv1 two-step"
  "two-step-adv10 two-step step2.lambda_adv=10"
  "matched matched-z"
  "matched-mmd1 matched-z step2.matching.mmd=1"
  "matched-mmd100 matched-z step2.matching.mmd=100"
  "matched-no-mmd matched-z step2.matching.mmd=0"
  "matched-no-confusion matched-z step2.matching.confusion=0"
  "matched-no-reset matched-z step2.matching.adversary_reset=0"
  "matched-weak-adversary matched-z step2.adversary.optimizer=sgd step2.adversary.lr=0.01 step2.adversary.mlp.width=64 step2.matching.adversary_reset=5 step2.matching.adversary_warmup=1"
  "matched-with-adv matched-z step2.lambda_adv=1"
  "matched-warmup10 matched-z step2.matching.adversary_warmup=10"
  "matched-confusion10 matched-z step2.matching.confusion=10"
  "matched-adv-steps3 matched-z step2.adversary.steps_per_batch=3"
  "matched-noise matched-z step2.matching.noise=0.1"
)
wanted="${POINTS:-all}"
for point in "${all_points[@]}"; do
  read -r name method overrides <<<"$point"
  [[ "$wanted" == all || " $wanted " == *" $name "* ]] || continue
  sets=(--set "$method:step1.epochs=$step1" --set "$method:step2.epochs=$step2" --set "$method:step2.stop.kind=epochs")
  for o in $overrides; do sets+=(--set "$method:$o"); done
  echo "== $name: $method ${overrides:-(preset)}" >&2
  "$tsd" reproduce --dataset mnist --method "$method" --seeds "$seeds" --train-subset "$subset" \
    --runs "$runs/$name" --results "$runs/$name/results" --data-dir "$data" --device cpu --quiet "${sets[@]}"
done
"$tsd" pareto --runs "$runs" --results "$results"
