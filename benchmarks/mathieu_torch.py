"""Side-by-side check of tsd's `mathieu` method: the same training in PyTorch.

This is an independent PyTorch port, written for tsd, of the training that
Jha et al. (ECCV 2018) released for Mathieu et al. (NIPS 2016), "Disentangling
factors of variation in deep representations using adversarial training". It
follows their networks, losses, optimisers and batch schedule; it is not their
code. Train it and `tsd train` with the `mathieu` method on the same MNIST
images, then compare the per-epoch losses, the throughput and the leakage of
the codes (`tsd probe` on the .npy files written here).

Model (MNIST, 1 x 28 x 28, inputs in [0, 1]):
  encoder        3 x [conv 5x5 / stride 2 / pad 1, InstanceNorm, ReLU] (1->16->32->64,
                 28->13->6->2), flatten 256, linear heads z mean, z log-variance, s
  decoder        linear z->256 and s->256 (LeakyReLU 0.2 each), concatenated,
                 viewed as 128 x 2 x 2, 2 x [conv-transpose 4x4 / stride 2 / pad 0,
                 InstanceNorm, LeakyReLU 0.2] (128->32->16), conv-transpose
                 4x4 / stride 2 / pad 1 (16->1), sigmoid (2->6->14->28)
  discriminator  an image pair stacked as 2 channels, 3 x [conv 5x5 / stride 2 / pad 1,
                 InstanceNorm, LeakyReLU 0.2] (2->32->64->128), flatten 512,
                 linear 512->2 (class 1 = real pair)
  init           Conv2d and Linear weights N(0, 0.05), biases 0; ConvTranspose2d
                 keeps PyTorch's default init (their init only matches Conv2d/Linear)

InstanceNorm: affine-free and WITHOUT running statistics (track_running_stats=False),
so training and encoding both normalise each image with its own statistics. Their
networks declare track_running_stats=True but never leave train mode, where PyTorch
uses instance statistics anyway; the running averages they store are never read.

Each iteration takes 7 batches from the stream (each batch: 64 images and, for each,
a random other image of the same class):
  A  auto-encoder (1 batch x1, pairs x2): z1 ~ q(z|x1); loss = KL(z1) + MSE(Dec(z1, s1), x1)
     + MSE(Dec(z1, s2), x1); KL = -0.5 sum(1 + logvar - mu^2 - exp(logvar)) / (64 * 784).
  B  generator, twice (2 batches each: x1, then x3): loss = CE(D(x3, Dec(z1, s3)), real)
     + CE(D(x3, Dec(N(0, I), s3)), real) + KL(z1); only encoder/decoder are stepped
     (own Adam state, separate from A's over the same parameters).
  C  discriminator, once (2 batches: x1, then x2 with its pairs x3): CE(D(x2, x3), real)
     + CE(D(x3, Dec(mu(x1), s(x3))), fake); stepped only when its accuracy on these
     2 x 64 pairs is below 0.8.
Adam lr 1e-4, betas (0.5, 0.999) for all three. Iterations per epoch = images // 64.

--batches cycled (default) mirrors their itertools.cycle over one DataLoader pass: one
shuffled pass of images // 64 batches (pairs included) is drawn from the seed and replayed
forever; an epoch takes 7 batches per iteration, so it goes through that pass 7 times.
--batches reshuffled draws a fresh shuffle (and fresh pairs) on every pass.
Pairs are always a *different* image of the class (theirs could, rarely, be the image
itself), drawn among the --images training images used.

Logged per epoch (means over its iterations): rec and swap and kl are step A's; gen is
the adversarial part of B (both CE terms summed), averaged over the two B steps; disc_loss
(real + fake CE) and disc_acc are step C's; disc_step_fraction is the share of C steps
taken. samples_per_s = iterations * 64 / epoch wall time; cpu_s = process CPU time.

--speed times one epoch on --images random MNIST-shaped images (after a warm-up epoch
of 1,000 on a separate model) with every discriminator step taken, so that the work per
iteration does not depend on the data, prints one JSON line in the format of
`cargo bench -p tsd-core --bench throughput -- --phase mathieu --json` and exits
(benchmarks/speed_side_by_side.sh runs both).

Usage:
  .venv/bin/python benchmarks/mathieu_torch.py --out /tmp/mathieu-torch --epochs 50
  nice -n 10 .venv/bin/python benchmarks/mathieu_torch.py --out /tmp/m --images 1000 \
      --test-images 500 --epochs 1 --threads 1

Outputs (under --out):
  log.csv       epoch,rec,swap,kl,gen,disc_loss,disc_acc,disc_step_fraction,samples_per_s,wall_s,cpu_s
  codes/        s_{train,test}.npy (specified code), z_{train,test}.npy (mean of q(z|x)),
                zsample_{train,test}.npy (one reparameterised sample, seeded), float32;
                y_{train,test}.npy (int64 digit labels). Train codes cover the --images
                training images, test codes the first --test-images test images.
  Probe them with: tsd probe --train codes/z_train.npy --train-labels codes/y_train.npy
                   --test codes/z_test.npy --test-labels codes/y_test.npy --mlp
"""
import argparse
import csv
import gzip
import json
import math
import struct
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = (REPO_ROOT / ".." / "shared" / "data" / "mnist").resolve()
PIXELS = 28 * 28
DISC_ACCURACY_LIMIT = 0.8
GENERATOR_STEPS = 2
LOG_COLUMNS = ["epoch", "rec", "swap", "kl", "gen", "disc_loss", "disc_acc", "disc_step_fraction",
               "samples_per_s", "wall_s", "cpu_s"]


# ----------------------------------------------------------------------------- data

def read_idx(path):
    """An IDX file (optionally gzipped) as a numpy array of its declared shape."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    shape = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    array = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if array.size != math.prod(shape):
        raise ValueError(f"{path}: header says {shape}, file holds {array.size} values")
    return array.reshape(shape)


def load_mnist(data_dir, split, limit=None):
    """Images as float32 N x 1 x 28 x 28 in [0, 1] (uint8 / 255, as ToTensor) and int64 labels."""
    prefix = "train" if split == "train" else "t10k"
    data_dir = Path(data_dir)
    images = read_idx(data_dir / f"{prefix}-images-idx3-ubyte.gz")
    labels = read_idx(data_dir / f"{prefix}-labels-idx1-ubyte.gz")
    if limit is not None:
        if limit > len(labels):
            raise SystemExit(f"asked for {limit} {split} images, {data_dir} holds {len(labels)}")
        images, labels = images[:limit], labels[:limit]
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1).contiguous()
    return x, torch.from_numpy(labels.astype(np.int64))


class PairedStream:
    """Endless stream of (image indices, same-class partner indices) batches.

    A pass shuffles all images, draws each one's partner (a different image of its
    class, or itself if it is its class's only image) and cuts full batches (the rest
    is dropped). `cycled` draws one pass and replays it; `reshuffled` draws a new one
    each time the pass is used up.
    """

    def __init__(self, labels, batch, seed, mode):
        self.labels = np.asarray(labels)
        self.batch = batch
        self.mode = mode
        self.rng = np.random.default_rng(seed)
        self.by_class = [np.flatnonzero(self.labels == c) for c in np.unique(self.labels)]
        self.per_pass = len(self.labels) // batch
        if self.per_pass == 0:
            raise SystemExit(f"{len(self.labels)} images make no full batch of {batch}")
        self.batches = self._draw_pass()
        self.position = 0

    def _partners(self):
        partner = np.empty(len(self.labels), dtype=np.int64)
        for members in self.by_class:
            m = len(members)
            if m == 1:
                partner[members] = members
                continue
            pick = self.rng.integers(0, m - 1, size=m)
            pick += pick >= np.arange(m)  # skip the image itself
            partner[members] = members[pick]
        return partner

    def _draw_pass(self):
        order = self.rng.permutation(len(self.labels))
        partner = self._partners()
        out = []
        for k in range(self.per_pass):
            idx = order[k * self.batch:(k + 1) * self.batch]
            out.append((torch.from_numpy(idx.copy()), torch.from_numpy(partner[idx])))
        return out

    def next(self):
        if self.position == self.per_pass:
            self.position = 0
            if self.mode == "reshuffled":
                self.batches = self._draw_pass()
        b = self.batches[self.position]
        self.position += 1
        return b


# ----------------------------------------------------------------------------- networks

def instance_norm(channels):
    # Instance statistics in training and evaluation alike (see the module docstring).
    return nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)


class Encoder(nn.Module):
    def __init__(self, z_dim, s_dim):
        super().__init__()
        layers = []
        for c_in, c_out in [(1, 16), (16, 32), (32, 64)]:
            layers += [nn.Conv2d(c_in, c_out, 5, stride=2, padding=1), instance_norm(c_out), nn.ReLU()]
        self.features = nn.Sequential(*layers)
        self.z_mu = nn.Linear(256, z_dim)
        self.z_logvar = nn.Linear(256, z_dim)
        self.s = nn.Linear(256, s_dim)

    def forward(self, x):
        h = self.features(x).flatten(1)
        return self.z_mu(h), self.z_logvar(h), self.s(h)


class Decoder(nn.Module):
    def __init__(self, z_dim, s_dim):
        super().__init__()
        self.from_z = nn.Linear(z_dim, 256)
        self.from_s = nn.Linear(s_dim, 256)
        self.up = nn.Sequential(
            nn.ConvTranspose2d(128, 32, 4, stride=2, padding=0), instance_norm(32), nn.LeakyReLU(0.2),
            nn.ConvTranspose2d(32, 16, 4, stride=2, padding=0), instance_norm(16), nn.LeakyReLU(0.2),
            nn.ConvTranspose2d(16, 1, 4, stride=2, padding=1), nn.Sigmoid(),
        )

    def forward(self, z, s):
        h = torch.cat([F.leaky_relu(self.from_z(z), 0.2), F.leaky_relu(self.from_s(s), 0.2)], dim=1)
        return self.up(h.view(-1, 128, 2, 2))


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        layers = []
        for c_in, c_out in [(2, 32), (32, 64), (64, 128)]:
            layers += [nn.Conv2d(c_in, c_out, 5, stride=2, padding=1), instance_norm(c_out), nn.LeakyReLU(0.2)]
        self.features = nn.Sequential(*layers)
        self.out = nn.Linear(512, 2)

    def forward(self, a, b):
        return self.out(self.features(torch.cat([a, b], dim=1)).flatten(1))


def init_weights(module):
    # ConvTranspose2d is not a Conv2d subclass: it keeps PyTorch's default init.
    if type(module) in (nn.Conv2d, nn.Linear):
        nn.init.normal_(module.weight, 0.0, 0.05)
        nn.init.zeros_(module.bias)


def kl_per_pixel(mu, logvar):
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / (mu.shape[0] * PIXELS)


def reparameterise(mu, logvar, generator):
    eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype)
    return mu + torch.exp(0.5 * logvar) * eps


# ----------------------------------------------------------------------------- training

class Trainer:
    def __init__(self, args, x, y):
        self.x = x
        self.batch = args.batch
        self.z_dim = args.z_dim
        self.enc = Encoder(args.z_dim, args.s_dim)
        self.dec = Decoder(args.z_dim, args.s_dim)
        self.disc = Discriminator()
        for net in (self.enc, self.dec, self.disc):
            net.apply(init_weights)
        gen_params = list(self.enc.parameters()) + list(self.dec.parameters())
        adam = lambda params: torch.optim.Adam(params, lr=1e-4, betas=(0.5, 0.999))
        self.opt_ae = adam(gen_params)
        self.opt_gen = adam(gen_params)
        self.opt_disc = adam(self.disc.parameters())
        self.stream = PairedStream(y.numpy(), args.batch, args.seed, args.batches)
        self.noise = torch.Generator().manual_seed(args.seed + 1)
        self.disc_limit = math.inf if args.speed else DISC_ACCURACY_LIMIT

    def take(self):
        idx, partner = self.stream.next()
        return self.x[idx], self.x[partner]

    def iteration(self):
        """Steps A, B, C; returns (rec, swap, kl, gen, disc_loss, disc_acc, disc_stepped)."""
        n = self.batch

        # A: reconstruction and same-class swap.
        x1, x2 = self.take()
        mu, logvar, s = self.enc(torch.cat([x1, x2]))
        mu1, logvar1 = mu[:n], logvar[:n]
        z1 = reparameterise(mu1, logvar1, self.noise)
        out = self.dec(torch.cat([z1, z1]), s)  # s = [s1; s2]
        rec = F.mse_loss(out[:n], x1)
        swap = F.mse_loss(out[n:], x1)
        kl = kl_per_pixel(mu1, logvar1)
        self.opt_ae.zero_grad(set_to_none=True)
        (kl + rec + swap).backward()
        self.opt_ae.step()

        # B: the generator's fakes must pass as real pairs (D is not updated here).
        self.disc.requires_grad_(False)
        gen = 0.0
        for _ in range(GENERATOR_STEPS):
            x1, _ = self.take()
            x3, _ = self.take()
            mu, logvar, s = self.enc(torch.cat([x1, x3]))
            mu1, logvar1, s3 = mu[:n], logvar[:n], s[n:]
            z1 = reparameterise(mu1, logvar1, self.noise)
            prior = torch.randn((n, self.z_dim), generator=self.noise)
            fakes = self.dec(torch.cat([z1, prior]), torch.cat([s3, s3]))
            logits = self.disc(torch.cat([x3, x3]), fakes)
            real = torch.ones(2 * n, dtype=torch.long)
            adversarial = F.cross_entropy(logits[:n], real[:n]) + F.cross_entropy(logits[n:], real[n:])
            loss = adversarial + kl_per_pixel(mu1, logvar1)
            self.opt_gen.zero_grad(set_to_none=True)
            loss.backward()
            self.opt_gen.step()
            gen += adversarial.item() / GENERATOR_STEPS
        self.disc.requires_grad_(True)

        # C: the discriminator, stepped only while its accuracy is below the limit.
        x1, _ = self.take()
        x2, x3 = self.take()
        with torch.no_grad():
            mu, _, s = self.enc(torch.cat([x1, x3]))
            fake = self.dec(mu[:n], s[n:])
        logits = self.disc(torch.cat([x2, x3]), torch.cat([x3, fake]))
        truth = torch.cat([torch.ones(n, dtype=torch.long), torch.zeros(n, dtype=torch.long)])
        disc_loss = F.cross_entropy(logits[:n], truth[:n]) + F.cross_entropy(logits[n:], truth[n:])
        disc_acc = (logits.argmax(1) == truth).float().mean().item()
        stepped = disc_acc < self.disc_limit
        if stepped:
            self.opt_disc.zero_grad(set_to_none=True)
            disc_loss.backward()
            self.opt_disc.step()
        return rec.item(), swap.item(), kl.item(), gen, disc_loss.item(), disc_acc, float(stepped)

    def epoch(self, iterations):
        sums = np.zeros(7)
        for i in range(iterations):
            figures = np.array(self.iteration())
            if not np.all(np.isfinite(figures)):
                raise SystemExit(f"iteration {i}: non-finite figures {figures.tolist()}")
            sums += figures
        return sums / max(iterations, 1)

    @torch.no_grad()
    def codes(self, x, seed, chunk=1000):
        generator = torch.Generator().manual_seed(seed)
        s_all, z_all, zs_all = [], [], []
        for start in range(0, len(x), chunk):
            mu, logvar, s = self.enc(x[start:start + chunk])
            s_all.append(s)
            z_all.append(mu)
            zs_all.append(reparameterise(mu, logvar, generator))
        cat = lambda parts: torch.cat(parts).numpy().astype(np.float32)
        return cat(s_all), cat(z_all), cat(zs_all)


def speed(args):
    """--speed: one timed epoch on random images after a warm-up epoch; one JSON line."""
    random = lambda n: (torch.rand((n, 1, 28, 28)), torch.arange(n) % 10)
    warm = Trainer(args, *random(1000))
    warm.epoch(1000 // args.batch)
    trainer = Trainer(args, *random(args.images))
    iterations = args.images // args.batch
    wall, cpu = time.perf_counter(), time.process_time()
    trainer.epoch(iterations)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(json.dumps({
        "side": "pytorch", "phase": "mathieu", "images": args.images, "image_side": 28,
        "threads": torch.get_num_threads(), "epochs": 1, "batches": iterations, "wall_s": wall, "cpu_s": cpu,
    }))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA,
                        help=f"folder of the MNIST IDX .gz files (default {DEFAULT_DATA})")
    parser.add_argument("--images", type=int, default=60000, help="first N training images (default all)")
    parser.add_argument("--test-images", type=int, default=10000, help="first N test images to encode (0: none)")
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--z-dim", type=int, default=16)
    parser.add_argument("--s-dim", type=int, default=16)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    parser.add_argument("--batches", choices=["cycled", "reshuffled"], default="cycled")
    parser.add_argument("--speed", action="store_true",
                        help="time one epoch on --images random images, every discriminator step taken; "
                             "print one JSON line and exit")
    parser.add_argument("--out", type=Path, help="output folder (required unless --speed)")
    args = parser.parse_args()
    if args.out is None and not args.speed:
        parser.error("--out is required unless --speed")

    if args.threads is not None:
        torch.set_num_threads(args.threads)
        torch.set_num_interop_threads(1)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)

    if args.speed:
        speed(args)
        return
    x_train, y_train = load_mnist(args.data_dir, "train", args.images)
    x_test, y_test = load_mnist(args.data_dir, "test", args.test_images) if args.test_images > 0 else (None, None)
    trainer = Trainer(args, x_train, y_train)
    iterations = len(y_train) // args.batch
    print(f"mathieu_torch: {len(y_train)} train images, {iterations} iterations/epoch, {args.epochs} epochs, "
          f"batches {args.batches}, seed {args.seed}, torch {torch.__version__}, {torch.get_num_threads()} threads",
          flush=True)

    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "log.csv", "w", newline="") as log_file:
        log = csv.writer(log_file)
        log.writerow(LOG_COLUMNS)
        print(",".join(LOG_COLUMNS), flush=True)
        for epoch in range(args.epochs):
            wall, cpu = time.perf_counter(), time.process_time()
            means = trainer.epoch(iterations)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            row = [epoch] + [f"{v:.6g}" for v in means[:7]] + [
                f"{iterations * args.batch / wall:.1f}", f"{wall:.2f}", f"{cpu:.2f}"]
            log.writerow(row)
            log_file.flush()
            print(",".join(map(str, row)), flush=True)

    codes_dir = args.out / "codes"
    codes_dir.mkdir(exist_ok=True)
    splits = [("train", x_train, y_train)] + ([("test", x_test, y_test)] if x_test is not None else [])
    for split, x, y in splits:
        s, z, zsample = trainer.codes(x, args.seed + (2 if split == "train" else 3))
        for name, array in [("s", s), ("z", z), ("zsample", zsample)]:
            np.save(codes_dir / f"{name}_{split}.npy", array)
        np.save(codes_dir / f"y_{split}.npy", y.numpy().astype(np.int64))
        print(f"codes {split}: s {s.shape}, z {z.shape}, zsample {zsample.shape}, y {tuple(y.shape)} -> {codes_dir}")


if __name__ == "__main__":
    main()
