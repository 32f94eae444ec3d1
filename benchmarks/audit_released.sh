#!/usr/bin/env bash
# Leakage audit of a released encoder (Jha et al.'s Mathieu et al. 2016 or
# cycle-consistent VAE checkpoint) with tsd's probes.
#
#   benchmarks/audit_released.sh ENCODER KIND [OUT] [EXTRA...]
#   benchmarks/audit_released.sh /tmp/released/mathieu/encoder mathieu /tmp/audit-mathieu
#   benchmarks/audit_released.sh /tmp/released/ccvae/encoder cycle-vae /tmp/audit-ccvae --norm running
#
# KIND is mathieu or cycle-vae; OUT defaults to /tmp/tsd-audit-KIND; EXTRA
# arguments go to benchmarks/audit_released.py (--norm instance|running,
# --limit N, --seed S, --threads T, --data-dir DIR).
#
# What it measures: benchmarks/audit_released.py encodes the 60,000 MNIST
# train and 10,000 test images with the released encoder into s (the
# specified code, meant to carry the digit), z (mean of q(z|x), the
# unspecified code, meant to carry none of it) and zsample (one sample of
# q(z|x)). Then `tsd probe --mlp` fits logistic, k-NN and MLP probes of the
# digit on each code's train rows and scores them on its test rows: high
# accuracy on s is what the method wants, accuracy above chance (~0.11) on
# z or zsample is leakage of the digit into the unspecified code.
#
# Environment: TSD_VENV (default ~/.cache/tsd/venv) holds the Python with
# torch; TSD is the tsd binary (default ${CARGO_TARGET_DIR:-target}/release/tsd,
# relative paths from the repository root; build it with
# `cargo build --release -p tsd-cli`). Writes OUT/<code>.json and OUT/<code>.log
# per code and prints a Markdown table of the test accuracies.
# Needs only the Python environment and the tsd binary.
set -euo pipefail

if [[ $# -lt 2 ]]; then
    sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
encoder="$1"
kind="$2"
out="${3:-/tmp/tsd-audit-$kind}"
shift "$(( $# < 3 ? $# : 3 ))"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
python="${TSD_VENV:-$HOME/.cache/tsd/venv}/bin/python"
target="${CARGO_TARGET_DIR:-target}"
[[ "$target" = /* ]] || target="$root/$target"
tsd="${TSD:-$target/release/tsd}"
[[ "$tsd" = /* ]] || tsd="$root/$tsd"

if [[ ! -x "$python" ]]; then
    echo "no Python at $python (set TSD_VENV)" >&2
    exit 1
fi
if [[ ! -x "$tsd" ]]; then
    echo "no tsd binary at $tsd (cargo build --release -p tsd-cli, or set TSD)" >&2
    exit 1
fi

"$python" "$here/audit_released.py" --encoder "$encoder" --kind "$kind" --out "$out" "$@"

codes=(s z zsample)
for code in "${codes[@]}"; do
    echo "probing $code ..." >&2
    "$tsd" probe \
        --train "$out/${code}_train.npy" --train-labels "$out/y_train.npy" \
        --test "$out/${code}_test.npy" --test-labels "$out/y_test.npy" \
        --mlp --json "$out/$code.json" >"$out/$code.log"
done

"$python" - "$out" "$kind" "$encoder" "${codes[@]}" <<'PY'
import json, sys
out, kind, encoder, codes = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
first = json.load(open(f"{out}/{codes[0]}.json"))
print(f"\nReleased {kind} encoder ({encoder}), {first['n_train']} train / {first['n_test']} test codes, "
      f"chance {first['chance']:.4f}\n")
print("| code | probe | test accuracy | 95% CI |")
print("|---|---|---|---|")
for code in codes:
    for p in json.load(open(f"{out}/{code}.json"))["probes"]:
        s = p["scores"]
        print(f"| {code} | {p['family']} | {s['accuracy']:.4f} | [{s['ci_low']:.4f}, {s['ci_high']:.4f}] |")
PY
