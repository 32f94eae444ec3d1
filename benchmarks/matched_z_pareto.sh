#!/usr/bin/env bash
# Leakage against reconstruction on MNIST: the matched-Z method at several
# weights of its MMD term and with each term switched off (ablation rows),
# beside the two-step method at several weights of its adversarial term, all
# at one reduced budget; then `tsd pareto --validation` draws and tabulates
# them, each run's Z also probed on the validation hold-out (the column a
# setting is chosen by; the test figures are the ones reported).
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
# `matched` is the preset; `matched-<change>` changes one thing from it.
# `matched-c1*` are the same sweep around the earlier preset (confusion
# weight 1, the preset until the validation probes chose 10).
c1="step2.matching.confusion=1"
weak_adversary="step2.adversary.optimizer=sgd step2.adversary.lr=0.01 step2.adversary.mlp.width=64 step2.matching.adversary_reset=5 step2.matching.adversary_warmup=1"
all_points=(
  "two-step-adv1 two-step"
  "two-step-adv10 two-step step2.lambda_adv=10"
  "matched matched-z"
  "matched-no-confusion matched-z step2.matching.confusion=0"
  "matched-no-mmd matched-z step2.matching.mmd=0"
  "matched-no-reset matched-z step2.matching.adversary_reset=0"
  "matched-weak-adversary matched-z $weak_adversary"
  "matched-c1 matched-z $c1"
  "matched-c1-mmd1 matched-z $c1 step2.matching.mmd=1"
  "matched-c1-mmd100 matched-z $c1 step2.matching.mmd=100"
  "matched-c1-no-mmd matched-z $c1 step2.matching.mmd=0"
  "matched-c1-no-reset matched-z $c1 step2.matching.adversary_reset=0"
  "matched-c1-weak-adversary matched-z $c1 $weak_adversary"
  "matched-c1-with-adv matched-z $c1 step2.lambda_adv=1"
  "matched-c1-warmup10 matched-z $c1 step2.matching.adversary_warmup=10"
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
"$tsd" pareto --runs "$runs" --results "$results" --validation
