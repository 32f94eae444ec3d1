"""Codes of a released encoder (Jha et al.'s checkpoints) for a leakage audit with `tsd probe`.

Rebuilds the encoder that wrote a released PyTorch 0.4 state dict, loads it
strictly, encodes the MNIST train (60,000) and test (10,000) images and writes
the codes in the layout `benchmarks/mathieu_torch.py` writes, so tsd's probes can
measure how much each code carries about the digit.

Kinds (both encoders share one architecture: 3 x [conv 5x5 / stride 2 / pad 1,
InstanceNorm, ReLU] 1->16->32->64, flatten 256, three linear heads of width 16):
  mathieu    ananyahjha93/disentangling-factors-of-variation-using-adversarial-training
             (Mathieu et al. 2016): heads style_mu, style_logvar = z (unspecified),
             class_output = s (specified).
  cycle-vae  ananyahjha93/cycle-consistent-vae (Jha et al. 2018): the released
             checkpoint names its heads varying_factor_mu, varying_factor_logvar = z
             (unspecified, varies within a pair) and common_factor = s (specified,
             shared by a pair); the repository's networks.py (later code) calls them
             style_mu, style_logvar, class_output. Either naming is accepted.

--norm instance (default) normalises each image with its own statistics, as their
training did (their networks never leave train mode). --norm running uses the
running averages stored in the checkpoint instead (what model.eval() would do).

Inputs: uint8 / 255 in [0, 1], 1 x 28 x 28 (their transform is ToTensor() only).

Usage:
  .venv/bin/python benchmarks/audit_released.py --encoder /tmp/released/mathieu/encoder \
      --kind mathieu --out /tmp/audit-mathieu [--norm running] [--limit 2000]

Outputs (under --out): s_{train,test}.npy, z_{train,test}.npy (mean of q(z|x)),
zsample_{train,test}.npy (one reparameterised sample from a generator seeded with
--seed), float32; y_{train,test}.npy, int64. `benchmarks/audit_released.sh` runs this
and then `tsd probe` on each code.
"""
import argparse
import sys
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, str(Path(__file__).resolve().parent))
from mathieu_torch import DEFAULT_DATA, load_mnist  # noqa: E402

# Head names per kind: (z mean, z log-variance, s), in the order tried.
HEADS = {
    "mathieu": [("style_mu", "style_logvar", "class_output")],
    "cycle-vae": [("varying_factor_mu", "varying_factor_logvar", "common_factor"),
                  ("style_mu", "style_logvar", "class_output")],
}


class ReleasedInstanceNorm(nn.Module):
    """Affine-free InstanceNorm2d holding the checkpoint's running averages.

    `use_running` picks them (eval-mode behaviour) over each image's statistics
    (train-mode behaviour, what their training and sampling used)."""

    def __init__(self, channels, use_running):
        super().__init__()
        self.use_running = use_running
        self.register_buffer("running_mean", torch.zeros(channels))
        self.register_buffer("running_var", torch.ones(channels))

    def forward(self, x):
        if self.use_running:
            return F.instance_norm(x, self.running_mean, self.running_var, use_input_stats=False, eps=1e-5)
        return F.instance_norm(x, use_input_stats=True, eps=1e-5)


class ReleasedEncoder(nn.Module):
    def __init__(self, heads, z_dim, s_dim, use_running):
        super().__init__()
        layers = OrderedDict()
        for i, (c_in, c_out) in enumerate([(1, 16), (16, 32), (32, 64)], start=1):
            layers[f"convolution_{i}"] = nn.Conv2d(c_in, c_out, 5, stride=2, padding=1)
            layers[f"convolution_{i}_in"] = ReleasedInstanceNorm(c_out, use_running)
            layers[f"ReLU_{i}"] = nn.ReLU()
        self.conv_model = nn.Sequential(layers)
        self.head_names = heads
        mu_name, logvar_name, s_name = heads
        self.add_module(mu_name, nn.Linear(256, z_dim))
        self.add_module(logvar_name, nn.Linear(256, z_dim))
        self.add_module(s_name, nn.Linear(256, s_dim))

    def forward(self, x):
        h = self.conv_model(x).flatten(1)
        mu_name, logvar_name, s_name = self.head_names
        return getattr(self, mu_name)(h), getattr(self, logvar_name)(h), getattr(self, s_name)(h)


def load_encoder(path, kind, use_running):
    state = torch.load(path, map_location="cpu", weights_only=False)
    if isinstance(state, nn.Module):
        state = state.state_dict()
    if not isinstance(state, dict):
        raise SystemExit(f"{path}: expected a state dict, found {type(state).__name__}")
    # PyTorch >= 0.4.1 adds num_batches_tracked to norm layers; the encoder never reads it.
    state = OrderedDict((k, v) for k, v in state.items() if not k.endswith("num_batches_tracked"))
    keys = set(state)
    for heads in HEADS[kind]:
        if f"{heads[0]}.weight" in keys:
            break
    else:
        raise SystemExit(f"{path}: no head named {' or '.join(h[0] for h in HEADS[kind])} for kind {kind}; "
                         f"its keys: {sorted(keys)}")
    z_dim, s_dim = state[f"{heads[0]}.weight"].shape[0], state[f"{heads[2]}.weight"].shape[0]
    encoder = ReleasedEncoder(heads, z_dim, s_dim, use_running)
    expected = set(encoder.state_dict())
    if keys != expected:
        raise SystemExit(f"{path}: the checkpoint does not match the {kind} encoder\n"
                         f"  missing:    {sorted(expected - keys)}\n  unexpected: {sorted(keys - expected)}")
    try:
        encoder.load_state_dict(state, strict=True)
    except RuntimeError as e:  # shape mismatches
        raise SystemExit(f"{path}: the checkpoint does not fit the {kind} encoder: {e}")
    return encoder.eval(), heads, z_dim, s_dim


@torch.no_grad()
def encode(encoder, x, generator, chunk=1000):
    s_all, z_all, zs_all = [], [], []
    for start in range(0, len(x), chunk):
        mu, logvar, s = encoder(x[start:start + chunk])
        eps = torch.randn(mu.shape, generator=generator)
        s_all.append(s)
        z_all.append(mu)
        zs_all.append(mu + torch.exp(0.5 * logvar) * eps)
    return [torch.cat(parts).numpy().astype(np.float32) for parts in (s_all, z_all, zs_all)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--encoder", type=Path, required=True, help="released encoder state dict")
    parser.add_argument("--kind", choices=sorted(HEADS), required=True)
    parser.add_argument("--norm", choices=["instance", "running"], default="instance")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0, help="seed of the zsample noise")
    parser.add_argument("--limit", type=int, default=None, help="first N images of each split (default all)")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    args = parser.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)

    encoder, heads, z_dim, s_dim = load_encoder(args.encoder, args.kind, args.norm == "running")
    print(f"{args.encoder}: {args.kind} encoder, z = {heads[0]}/{heads[1]} ({z_dim}), s = {heads[2]} ({s_dim}), "
          f"norm {args.norm}")
    args.out.mkdir(parents=True, exist_ok=True)
    generator = torch.Generator().manual_seed(args.seed)
    for split in ("train", "test"):
        limit = None if args.limit is None else min(args.limit, 60000 if split == "train" else 10000)
        x, y = load_mnist(args.data_dir, split, limit)
        started = time.perf_counter()
        s, z, zsample = encode(encoder, x, generator)
        for name, array in (("s", s), ("z", z), ("zsample", zsample)):
            np.save(args.out / f"{name}_{split}.npy", array)
        np.save(args.out / f"y_{split}.npy", y.numpy().astype(np.int64))
        print(f"{split}: s {s.shape}, z {z.shape}, zsample {zsample.shape}, y {tuple(y.shape)} "
              f"({time.perf_counter() - started:.1f} s) -> {args.out}", flush=True)


if __name__ == "__main__":
    main()
