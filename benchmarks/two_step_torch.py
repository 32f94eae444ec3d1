"""PyTorch eager port of tsd's two-step training, for timing side by side.

An independent port, written for tsd, of the training loop the authors
released (train_proc.py / DisAdvNet2.train, Keras): the same networks as
tsd's conv two-step model at the released MNIST settings (nf 16, S 10, Z 16,
Dense 256 before each code head, classifier 2 x 64, adversary 3 x 64,
BatchNorm momentum 0.01 / eps 1e-3), the same losses and optimisers. Step 2
works as the released loop does: S of the training set is computed once
(`Strain`); on each batch the Z-encoder and decoder step when the schedule
says so, then Z of the batch is predicted (`EncZ.predict`) and the adversary
takes one step on it; after each epoch the validation reconstruction and the
adversary's validation accuracy are measured. (The released loop also
evaluates the whole training set after every epoch; tsd does not, so neither
does this port.)

Pixels are random: speed does not depend on them. Prints one JSON line per
measurement:

  {"side": "pytorch", "phase": "step1", "images": 10000, "image_side": 28,
   "threads": 1, "epochs": 1, "batches": 100, "wall_s": ..., "cpu_s": ...}

Usage (the project's Python environment):
  ~/.cache/tsd/venv/bin/python benchmarks/two_step_torch.py --phase step1 --images 10000
  phases: step1, step2-every (encoder/decoder step on every batch),
          step2-released (every 4th batch of every 4th epoch; 4 epochs, one cycle)

Each measurement first trains one warm-up epoch of the phase on 1,000 images
with a separate model (kernel selection, allocator), then the measured epochs;
model building is not timed. benchmarks/speed_side_by_side.sh runs it interleaved with tsd.
"""

import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

KERNEL = 5
KERAS_EPSILON = 1e-7


def bn(features):
    return nn.BatchNorm1d(features, eps=1e-3, momentum=0.01)


def conv(cin, cout, stride):
    return nn.Conv2d(cin, cout, KERNEL, stride=stride, padding=KERNEL // 2)


def trunk_side(side):
    half = lambda s: (s + 1) // 2
    return half(half(side))


class Encoder(nn.Module):
    """conv(nf, /2) -> conv(nf/2, /2) -> conv(nf/2) -> Dense(hidden) BN ReLU -> Dense(dim) ReLU."""

    def __init__(self, channels, side, nf, hidden, dim):
        super().__init__()
        self.convs = nn.ModuleList([conv(channels, nf, 2), conv(nf, nf // 2, 2), conv(nf // 2, nf // 2, 1)])
        flat = nf // 2 * trunk_side(side) ** 2
        self.hidden = nn.Linear(flat, hidden)
        self.bn = bn(hidden)
        self.head = nn.Linear(hidden, dim)

    def forward(self, x):
        for c in self.convs:
            x = F.relu(c(x))
        x = F.relu(self.bn(self.hidden(x.flatten(1))))
        return F.relu(self.head(x))


class Decoder(nn.Module):
    """Dense -> (nf/2, D/4, D/4) -> conv up2 -> conv up2 -> conv(nf) -> conv(C), linear output."""

    def __init__(self, code_dim, channels, side, nf):
        super().__init__()
        self.q, self.nf = side // 4, nf
        self.dense = nn.Linear(code_dim, nf // 2 * self.q * self.q)
        self.convs = nn.ModuleList(
            [conv(nf // 2, nf // 2, 1), conv(nf // 2, nf // 2, 1), conv(nf // 2, nf, 1), conv(nf, channels, 1)]
        )

    def forward(self, code):
        q = self.q
        h = F.relu(self.dense(code)).view(-1, self.nf // 2, q, q)
        h = F.interpolate(F.relu(self.convs[0](h)), size=(2 * q, 2 * q), mode="nearest")
        h = F.interpolate(F.relu(self.convs[1](h)), size=(4 * q, 4 * q), mode="nearest")
        h = F.relu(self.convs[2](h))
        return self.convs[3](h)


def mlp(inputs, width, depth, classes):
    layers, d = [], inputs
    for _ in range(depth):
        layers += [nn.Linear(d, width), bn(width), nn.ReLU()]
        d = width
    layers.append(nn.Linear(d, classes))
    return nn.Sequential(*layers)


def clipped_ce(logits, y):
    """Keras' categorical_crossentropy: the true class's probability clipped to [eps, 1 - eps]."""
    p = logits.softmax(-1).gather(1, y.unsqueeze(1))
    return -p.clamp(KERAS_EPSILON, 1 - KERAS_EPSILON).log().mean()


class TwoStep:
    def __init__(self, channels=1, side=28, nf=16, hidden=256, s_dim=10, z_dim=16, classes=10):
        self.enc_s = Encoder(channels, side, nf, hidden, s_dim)
        self.classifier = mlp(s_dim, 64, 2, classes)
        self.enc_z = Encoder(channels, side, nf, hidden, z_dim)
        self.decoder = Decoder(s_dim + z_dim, channels, side, nf)
        self.adversary = mlp(z_dim, 64, 3, classes)
        self.opt_s = torch.optim.Adam(list(self.enc_s.parameters()) + list(self.classifier.parameters()), lr=1e-3)
        zd = list(self.enc_z.parameters()) + list(self.decoder.parameters())
        self.opt_z = torch.optim.Adam(zd, lr=1e-4, betas=(0.5, 0.999))
        self.opt_adv = torch.optim.SGD(self.adversary.parameters(), lr=0.01)

    def step1_epoch(self, x, y, val_x, val_y, batch, gen):
        self.enc_s.train(), self.classifier.train()
        for idx in torch.randperm(len(x), generator=gen).split(batch):
            loss = F.cross_entropy(self.classifier(self.enc_s(x[idx])), y[idx])
            self.opt_s.zero_grad()
            loss.backward()
            self.opt_s.step()
        self.enc_s.eval(), self.classifier.eval()
        with torch.no_grad():
            hits = sum((self.classifier(self.enc_s(xv)).argmax(1) == yv).sum().item()
                       for xv, yv in zip(val_x.split(batch), val_y.split(batch)))
        return hits / len(val_y)

    def encode_s(self, x, batch):
        self.enc_s.eval()
        with torch.no_grad():
            return torch.cat([self.enc_s(xb) for xb in x.split(batch)])

    def step2_epoch(self, x, s, y, val_x, val_s, val_y, batch, gen, steps_encoder):
        for b, idx in enumerate(torch.randperm(len(x), generator=gen).split(batch)):
            xb, yb = x[idx], y[idx]
            if steps_encoder(b):
                self.enc_z.train(), self.adversary.train()
                z = self.enc_z(xb)
                rec = F.mse_loss(self.decoder(torch.cat([z, s[idx]], 1)), xb)
                loss = 5.0 * rec - 1.0 * clipped_ce(self.adversary(z), yb)
                self.opt_z.zero_grad()
                loss.backward()
                self.opt_z.step()
            self.enc_z.eval()
            with torch.no_grad():
                z_fixed = self.enc_z(xb)
            self.adversary.train()
            adv = clipped_ce(self.adversary(z_fixed), yb)
            self.opt_adv.zero_grad()
            adv.backward()
            self.opt_adv.step()
        self.enc_z.eval(), self.adversary.eval()
        with torch.no_grad():
            rec, hits = 0.0, 0
            for xv, sv, yv in zip(val_x.split(batch), val_s.split(batch), val_y.split(batch)):
                z = self.enc_z(xv)
                rec += F.mse_loss(self.decoder(torch.cat([z, sv], 1)), xv).item() * len(yv)
                hits += (self.adversary(z).argmax(1) == yv).sum().item()
        return rec / len(val_y), hits / len(val_y)


def run_phase(model, phase, x, y, val_x, val_y, batch, gen, epochs):
    if phase == "step1":
        for _ in range(epochs):
            model.step1_epoch(x, y, val_x, val_y, batch, gen)
        return
    s, val_s = model.encode_s(x, batch), model.encode_s(val_x, batch)
    for e in range(epochs):
        if phase == "step2-every":
            steps = lambda b: True
        else:
            steps = lambda b, e=e: e % 4 == 0 and b % 4 == 0
        model.step2_epoch(x, s, y, val_x, val_s, val_y, batch, gen, steps)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--phase", required=True, choices=["step1", "step2-every", "step2-released"])
    ap.add_argument("--images", type=int, default=10000)
    ap.add_argument("--val-images", type=int, default=1000)
    ap.add_argument("--side", type=int, default=28)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    shape = (1, args.side, args.side)
    x, y = torch.rand((args.images,) + shape), torch.randint(0, 10, (args.images,))
    val_x, val_y = torch.rand((args.val_images,) + shape), torch.randint(0, 10, (args.val_images,))
    warm, model = TwoStep(side=args.side), TwoStep(side=args.side)
    epochs = 4 if args.phase == "step2-released" else 1
    run_phase(warm, args.phase.replace("released", "every"), x[:1000], y[:1000], val_x, val_y, 100, gen, 1)
    wall, cpu = time.perf_counter(), time.process_time()
    run_phase(model, args.phase, x, y, val_x, val_y, 100, gen, epochs)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(json.dumps({
        "side": "pytorch", "phase": args.phase, "images": args.images, "image_side": args.side,
        "threads": args.threads, "epochs": epochs, "batches": epochs * -(-args.images // 100),
        "wall_s": wall, "cpu_s": cpu,
    }))


if __name__ == "__main__":
    main()
