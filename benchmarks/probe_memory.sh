#!/usr/bin/env bash
# Peak memory and wall time of `tsd probe` (logistic + kNN + MI, the default
# probes) on N x D codes with 10 classes, from NPY and from CSV, against
# stated bounds. Issue 17 measured 1.41 GB peak / 3:46 wall (NPY) and 8:54
# (CSV) on 100,000 x 512 codes before any change.
#
#   benchmarks/probe_memory.sh                 # 100,000 x 512 (train), 10,000 x 512 (test)
#   N=20000 D=64 benchmarks/probe_memory.sh    # a smaller check
#
# Bounds (exit 1 when exceeded): peak RSS at most 3 x the bytes of the f32
# train and test matrices plus 600 MB (libtorch's libraries, mapped by the
# binary, take about 400 MB of it).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/env.sh"
n="${N:-100000}"
d="${D:-512}"
test_n="${TEST_N:-10000}"
cargo build --release --locked --quiet -p tsd-cli
tsd="${CARGO_TARGET_DIR:-target}/release/tsd"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
.venv/bin/python - "$dir" "$n" "$d" "$test_n" <<'PY'
import sys, numpy as np
out, n, d, t = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = np.random.default_rng(0)
for name, rows in [("train", n), ("test", t)]:
    y = rng.integers(0, 10, rows)
    x = rng.normal(size=(rows, d)).astype(np.float32)
    x[:, 0] += y  # one informative dimension
    np.save(f"{out}/{name}_x.npy", x)
    np.save(f"{out}/{name}_y.npy", y.astype(np.int64))
    header = ",".join(f"d{j}" for j in range(d)) + ",label"
    np.savetxt(f"{out}/{name}.csv", np.column_stack([x, y]), delimiter=",", header=header, comments="", fmt=["%.6g"] * d + ["%d"])
PY
matrices=$(( (n + test_n) * d * 4 ))
bound_kb=$(( (3 * matrices + 600 * 1024 * 1024) / 1024 ))
status=0
printf '%-5s %10s %12s %14s %10s\n' input "rows x d" "peak RSS MB" "bound MB" "wall s"
for kind in npy csv; do
    if [ "$kind" = npy ]; then
        args=(--train "$dir/train_x.npy" --train-labels "$dir/train_y.npy" --test "$dir/test_x.npy" --test-labels "$dir/test_y.npy")
    else
        args=(--train "$dir/train.csv" --test "$dir/test.csv")
    fi
    /usr/bin/time -f "%M %e" -o "$dir/time" "$tsd" probe "${args[@]}" >/dev/null
    read -r peak_kb wall <"$dir/time"
    printf '%-5s %10s %12d %14d %10s\n' "$kind" "${n}x${d}" $((peak_kb / 1024)) $((bound_kb / 1024)) "$wall"
    if [ "$peak_kb" -gt "$bound_kb" ]; then
        status=1
    fi
done
exit "$status"
