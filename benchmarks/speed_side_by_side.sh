#!/usr/bin/env bash
# Training speed of tsd's two-step model and of its Mathieu et al. baseline
# against PyTorch eager ports of the same networks and training loops that we
# wrote (benchmarks/two_step_torch.py, benchmarks/mathieu_torch.py --speed),
# measured side by side on the same threads, interleaved.
#
#   benchmarks/speed_side_by_side.sh [OUT]     (default OUT: /tmp/tsd-speed)
#
# Environment: ROUNDS (interleaved rounds, default 3), IMAGES (training
# images, default 10000), THREADS (intra-op threads on both sides, default 1),
# SCALING=1 also times tsd's step-2 epoch at 2,500 / 5,000 / 10,000 images and
# at sides 28, 32 and 64; SPRITES=1 also times tsd's step-2 epoch (encoder on
# every batch, as released) at the released Sprites model on 5,000 random
# 3x32x32 images, against the arithmetic tsd executes (no port runs it);
# TSD_VENV (Python with torch, default ~/.cache/tsd/venv).
#
# Phases (random MNIST-shaped images; two-step: batch 100, released MNIST settings):
#   step1           one epoch of step 1 (S-encoder and classifier)
#   step2-every     one epoch of step 2 with the encoder/decoder stepping on every batch
#   step2-released  one cycle of the released schedule (4 epochs: the first
#                   steps the encoder/decoder on every 4th batch, the adversary
#                   steps on every batch of all four)
#   mathieu         one epoch of the baseline at its MNIST preset (IMAGES/64
#                   iterations of batch 64: an auto-encoder step, two generator
#                   steps and a discriminator step, the last taken on every
#                   iteration so that the work does not depend on the data);
#                   its "batches" are iterations
# Two-step validation (1,000 images) after each epoch is included on both
# sides; the baseline's (tsd only: the port has none) is included on tsd's.
# In each round the two sides run one after the other, in alternating order. Prints, per
# phase, the median over rounds of CPU and wall milliseconds per batch, the
# ratios (PyTorch / tsd: above 1 means tsd is faster), the achieved GFLOP/s
# (the port's arithmetic, counted from the layer shapes, per CPU-second) against
# a 2048x2048 matmul measured in the same run, and the machine's load average.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
out="${1:-/tmp/tsd-speed}"
rounds="${ROUNDS:-3}"
images="${IMAGES:-10000}"
threads="${THREADS:-1}"
python="${TSD_VENV:-$HOME/.cache/tsd/venv}/bin/python"
[[ -x "$python" ]] || { echo "missing $python (set TSD_VENV; scripts/setup makes it)" >&2; exit 1; }
export OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS="$threads"
# shellcheck source=/dev/null
source "$root/scripts/env.sh"
mkdir -p "$out"
results="$out/measurements.jsonl"
: > "$results"

echo "building the tsd benchmark ..." >&2
(cd "$root" && cargo bench -p tsd-core --bench throughput --no-run --quiet 2>&1 | grep -v "^$" >&2) || true
tsd_bench() { (cd "$root" && cargo bench -q -p tsd-core --bench throughput -- "$@" 2>/dev/null); }
torch_bench() {
    if [[ "$2" == mathieu ]]; then
        "$python" "$here/mathieu_torch.py" --speed --images "$4" --threads "$threads"
    else
        "$python" "$here/two_step_torch.py" "$@"
    fi
}

measure() { # side phase images side_px [scaling|sprites]
    local load
    load="$(cut -d' ' -f1 /proc/loadavg)"
    local tag=""
    [[ "${5:-}" == scaling ]] && tag=', "scaling": true'
    local args=(--phase "$2" --images "$3" --side "$4" --threads "$threads")
    [[ "${5:-}" == sprites ]] && args+=(--preset sprites)
    local line
    if [[ "$1" == tsd ]]; then line="$(tsd_bench "${args[@]}" --json)"; else line="$(torch_bench "${args[@]}")"; fi
    echo "${line%\}}, \"load\": $load$tag}" >> "$results"
    echo "  $1 $2: $line" >&2
}

for ((r = 0; r < rounds; r++)); do
    echo "round $((r + 1))/$rounds" >&2
    for phase in step1 step2-every step2-released mathieu; do
        if ((r % 2 == 0)); then sides=(tsd pytorch); else sides=(pytorch tsd); fi
        for side in "${sides[@]}"; do measure "$side" "$phase" "$images" 28; done
    done
done
if [[ "${SCALING:-0}" == 1 ]]; then
    echo "scaling (tsd, step2-every)" >&2
    for n in 2500 5000 10000; do measure tsd step2-every "$n" 28 scaling; done
    for px in 32 64; do measure tsd step2-every "$images" "$px" scaling; done
fi
if [[ "${SPRITES:-0}" == 1 ]]; then
    echo "Sprites preset (tsd, step2-every)" >&2
    for ((r = 0; r < rounds; r++)); do measure tsd step2-every 5000 32 sprites; done
fi

"$python" - "$results" "$threads" <<'PY'
import json, statistics, sys, time
import torch

path, threads = sys.argv[1], int(sys.argv[2])
rows = [json.loads(l) for l in open(path)]
torch.set_num_threads(threads)

# Matmul peak on the same threads: GFLOP per CPU-second.
a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
for _ in range(3):
    a @ b
cpu = time.process_time()
for _ in range(10):
    a @ b
peak = 10 * 2 * 2048**3 / (time.process_time() - cpu) / 1e9

def conv_flops(cin, cout, out_side):
    return 2 * 25 * cin * cout * out_side * out_side

def net_flops(side, channels=1, nf=16, hidden=256, s_dim=10, z_dim=16, cls=(64, 2), adv=(64, 3), classes=10,
              upsample_cost=1.0):
    """Forward FLOPs per image of each two-step network (conv and dense layers), by default the
    MNIST model as the port runs it. upsample_cost scales each upsample + 5x5 conv pair: 1 for the
    port; 36 / 100 as tsd runs it, one stride-2 transposed conv of a 6x6 kernel at the lower
    resolution (36 multiply-adds per input pixel and channel pair instead of 4 x 25)."""
    h1, h2, q = (side + 1) // 2, ((side + 1) // 2 + 1) // 2, side // 4
    def enc(dim):
        return (conv_flops(channels, nf, h1) + conv_flops(nf, nf // 2, h2) + conv_flops(nf // 2, nf // 2, h2)
                + 2 * (nf // 2 * h2 * h2) * hidden + 2 * hidden * dim)
    dec = (2 * (s_dim + z_dim) * (nf // 2 * q * q) + conv_flops(nf // 2, nf // 2, q)
           + upsample_cost * (conv_flops(nf // 2, nf // 2, 2 * q) + conv_flops(nf // 2, nf, 4 * q))
           + conv_flops(nf, channels, 4 * q))
    mlp = lambda d, w, depth: 2 * (d * w + (depth - 1) * w * w + w * classes)
    return {"enc_s": enc(s_dim), "enc_z": enc(z_dim), "dec": dec, "cls": mlp(s_dim, *cls), "adv": mlp(z_dim, *adv)}

# The released Sprites model as tsd runs it.
SPRITES_EXECUTED = dict(channels=3, nf=64, s_dim=32, z_dim=128, cls=(256, 3), adv=(256, 3), classes=672,
                        upsample_cost=36 / 100)

def mathieu_flops():
    """Forward FLOPs per image of the baseline's networks (MNIST preset, s = z = 16)."""
    deconv = lambda cin, cout, in_side: 2 * 16 * cin * cout * in_side * in_side  # 4x4 kernels
    enc = conv_flops(1, 16, 13) + conv_flops(16, 32, 6) + conv_flops(32, 64, 2) + 3 * 2 * 256 * 16
    dec = 2 * 2 * 16 * 256 + deconv(128, 32, 2) + deconv(32, 16, 6) + deconv(16, 1, 14)
    disc = conv_flops(2, 32, 13) + conv_flops(32, 64, 6) + conv_flops(64, 128, 2) + 2 * 512 * 2
    return enc, dec, disc

def iteration_flops(n=64):
    """One iteration of the baseline: A, two B steps, C with its step (the port's passes)."""
    enc, dec, disc = mathieu_flops()
    a = 3 * 2 * n * (enc + dec)
    b = 2 * 3 * 2 * n * (enc + dec + disc)
    c = 2 * n * enc + n * dec + 3 * 2 * n * disc
    return a + b + c

def phase_flops(row, val=1000, batch=100, **net):
    """The arithmetic of the phase (training = forward + 2x for backward) of the networks
    net_flops(**net) describes (default: the port's MNIST model)."""
    if row["phase"] == "mathieu":
        return row["batches"] * iteration_flops()
    f, n, e = net_flops(row["image_side"], **net), row["images"], row["epochs"]
    if row["phase"] == "step1":
        return n * 3 * (f["enc_s"] + f["cls"]) + val * (f["enc_s"] + f["cls"])
    s_once = (n + val) * f["enc_s"]
    adv_epoch = n * (f["enc_z"] + 3 * f["adv"])  # predict Z, one adversary step
    val_epoch = val * (f["enc_z"] + f["dec"] + f["adv"])
    enc_step = 3 * (f["enc_z"] + f["dec"] + f["adv"])
    stepped = n if row["phase"] == "step2-every" else -(-n // batch) // 4 * batch
    return s_once + e * (adv_epoch + val_epoch) + stepped * enc_step

sprites = [r for r in rows if r.get("preset") == "sprites"]
scaling = [r for r in rows if r.get("scaling")]
rows = [r for r in rows if not r.get("scaling") and r.get("preset") != "sprites"]

print(f"training speed, tsd vs PyTorch eager (same networks and loops), {threads} thread(s); two-step: "
      f"batch 100, validation 1,000 images; mathieu: batch 64, a 'batch' is an iteration (A, 2 x B, C); "
      f"matmul peak {peak:.1f} GFLOP per CPU-second")
print()
print("GFLOP/CPU-s: the port's operation count (forward + 2x backward of every layer it runs) over tsd's CPU "
      "time; tsd skips part of that work (cached codes, the decoder's fused upsample-convs), so this is an "
      "effective rate, not the hardware's.")
print()
print("| phase | images | side | tsd CPU ms/batch | PyTorch CPU ms/batch | CPU ratio | tsd wall ms/batch "
      "| PyTorch wall ms/batch | wall ratio | tsd GFLOP/CPU-s | % of matmul peak | rounds | load avg |")
print("|---" * 13 + "|")
keys = []
for r in rows:
    k = (r["phase"], r["images"], r["image_side"])
    if k not in keys:
        keys.append(k)
for k in keys:
    sel = lambda side: [r for r in rows if (r["phase"], r["images"], r["image_side"]) == k and r["side"] == side]
    t, p = sel("tsd"), sel("pytorch")
    med = lambda rs, f: statistics.median(r[f] / r["batches"] * 1e3 for r in rs) if rs else float("nan")
    tc, pc, tw, pw = med(t, "cpu_s"), med(p, "cpu_s"), med(t, "wall_s"), med(p, "wall_s")
    gflops = phase_flops(t[0]) / (tc / 1e3 * t[0]["batches"]) / 1e9 if t else float("nan")
    load = statistics.median(r["load"] for r in t + p)
    ratio = lambda a, b: f"{a / b:.2f}x" if p and t else "-"
    print(f"| {k[0]} | {k[1]} | {k[2]} | {tc:.1f} | {pc:.1f} | {ratio(pc, tc)} | {tw:.1f} | {pw:.1f} | {ratio(pw, tw)} "
          f"| {gflops:.1f} | {100 * gflops / peak:.0f}% | {len(t)} | {load:.2f} |")

def print_table(caption, columns, lines):
    print()
    print(caption)
    print()
    print("| " + " | ".join(columns) + " |")
    print("|---" * len(columns) + "|")
    for line in lines:
        print("| " + " | ".join(line) + " |")

if scaling:
    lines = []
    for r in scaling:
        ms = r["cpu_s"] / r["batches"] * 1e3
        g = phase_flops(r) / r["cpu_s"] / 1e9
        lines.append([f"{r['images']}", f"{r['image_side']}", f"{r['wall_s']:.1f}", f"{ms:.1f}", f"{g:.1f}",
                      f"{r['load']:.2f}"])
    print_table("tsd's step-2 epoch (encoder/decoder on every batch) by training images and image side:",
                ["images", "side", "epoch wall s", "CPU ms/batch", "GFLOP/CPU-s", "load avg"], lines)
if sprites:
    lines = []
    for r in sprites:
        ms = r["cpu_s"] / r["batches"] * 1e3
        g = phase_flops(r, **SPRITES_EXECUTED) / r["cpu_s"] / 1e9
        lines.append([f"{r['images']}", f"{ms:.1f}", f"{r['wall_s'] / r['batches'] * 1e3:.1f}", f"{g:.1f}",
                      f"{100 * g / peak:.0f}%", f"{r['load']:.2f}"])
    print_table("tsd's step-2 epoch at the released Sprites model (3x32x32, nf 64, S 32, Z 128, 672 classes; the "
                "encoder/decoder on every batch, as released; validation 1,000 images), against the arithmetic tsd "
                "executes:",
                ["images", "CPU ms/batch", "wall ms/batch", "executed GFLOP/CPU-s", "% of matmul peak", "load avg"],
                lines)
PY
