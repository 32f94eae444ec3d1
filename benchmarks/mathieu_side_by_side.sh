#!/usr/bin/env bash
# Side-by-side check of tsd's `mathieu` method against our PyTorch port of the
# same training (benchmarks/mathieu_torch.py), for the same short budget.
#
#   benchmarks/mathieu_side_by_side.sh [OUT]        (default OUT: /tmp/tsd-mathieu-side-by-side)
#
# Environment: IMAGES (training images, default 10000), EPOCHS (default 3),
# SEEDS (how many, default 2: seeds 0..SEEDS-1), THREADS (torch threads of the
# port, default 2), DATA (the folder holding mnist/, default ../shared/data),
# TSD (the tsd binary, default ${CARGO_TARGET_DIR:-target}/release/tsd),
# TSD_VENV (Python with torch, default ~/.cache/tsd/venv).
#
# Each side trains every seed on IMAGES MNIST training images (tsd: a seeded
# random subset, after its 2,000-image validation hold-out; the port: the
# first IMAGES) for EPOCHS epochs of IMAGES/64 iterations, then the same
# probes (`tsd probe --mlp` for the port's codes; `tsd train`'s own audit for
# tsd's) read the digit from S, from the mean of Z and from one sample of Z on
# the 10,000 test images. Prints the per-epoch losses and throughput of both
# sides and the probe accuracies. Seeds give different initialisations and
# batches on the two sides (the random generators differ), so agreement is
# judged against the spread over seeds.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
out="${1:-/tmp/tsd-mathieu-side-by-side}"
images="${IMAGES:-10000}"
epochs="${EPOCHS:-3}"
seeds="${SEEDS:-2}"
threads="${THREADS:-2}"
data="${DATA:-$root/../shared/data}"
python="${TSD_VENV:-$HOME/.cache/tsd/venv}/bin/python"
target="${CARGO_TARGET_DIR:-target}"
[[ "$target" = /* ]] || target="$root/$target"
tsd="${TSD:-$target/release/tsd}"
for tool in "$python" "$tsd"; do
    [[ -x "$tool" ]] || { echo "missing $tool (set TSD_VENV / TSD; cargo build --release -p tsd-cli)" >&2; exit 1; }
done
export OMP_WAIT_POLICY=PASSIVE
mkdir -p "$out"

for ((seed = 0; seed < seeds; seed++)); do
    echo "== seed $seed: tsd" >&2
    rm -rf "$out/tsd-seed$seed"
    "$tsd" train --method mathieu --data-dir "$data" --device cpu --quiet \
        --train-subset "$images" --set "epochs=$epochs" --set "seed=$seed" --out "$out/tsd-seed$seed" >&2
    echo "== seed $seed: PyTorch port" >&2
    rm -rf "$out/torch-seed$seed"
    "$python" "$here/mathieu_torch.py" --data-dir "$data/mnist" --images "$images" --epochs "$epochs" \
        --seed "$seed" --threads "$threads" --out "$out/torch-seed$seed" >&2
    for code in s z zsample; do
        c="$out/torch-seed$seed/codes"
        "$tsd" probe --train "$c/${code}_train.npy" --train-labels "$c/y_train.npy" \
            --test "$c/${code}_test.npy" --test-labels "$c/y_test.npy" --mlp \
            --json "$out/torch-seed$seed/$code.json" >/dev/null
    done
done

"$python" - "$out" "$seeds" <<'PY'
import csv, json, sys
out, seeds = sys.argv[1], int(sys.argv[2])
cols = ["rec", "swap", "kl", "gen", "disc_loss", "disc_acc", "disc_step_fraction", "samples_per_s"]

def tsd_log(path):
    rows = {}
    for r in csv.DictReader(open(path)):
        rows.setdefault(int(r["epoch"]), {})[r["metric"]] = float(r["value"])
    return [rows[e] for e in sorted(rows)]

def mlp(report):
    return next(p["scores"]["accuracy"] for p in report["probes"] if p["family"] == "mlp")

print("| side | seed | epoch | " + " | ".join(cols) + " |")
print("|---" * (len(cols) + 3) + "|")
for seed in range(seeds):
    sides = [("tsd", tsd_log(f"{out}/tsd-seed{seed}/log.csv")),
             ("PyTorch", list(csv.DictReader(open(f"{out}/torch-seed{seed}/log.csv"))))]
    for name, log in sides:
        for e, row in enumerate(log):
            cells = [f"{float(row[c]):.4f}" if c != "samples_per_s" else f"{float(row[c]):.0f}" for c in cols]
            print(f"| {name} | {seed} | {e + 1} | " + " | ".join(cells) + " |")
print()
print("Fresh MLP probe, test accuracy % (digit; chance about 11%):")
print()
print("| side | seed | S | Z mean | Z sample |")
print("|---|---|---|---|---|")
for seed in range(seeds):
    s = json.load(open(f"{out}/tsd-seed{seed}/summary.json"))
    tsd = [mlp(s["s"]["label"]), mlp(s["z"]["label"]), mlp(s["z_sample"]["label"])]
    port = [mlp(json.load(open(f"{out}/torch-seed{seed}/{c}.json"))) for c in ("s", "z", "zsample")]
    for name, v in (("tsd", tsd), ("PyTorch", port)):
        print(f"| {name} | {seed} | " + " | ".join(f"{100 * x:.2f}" for x in v) + " |")
PY
