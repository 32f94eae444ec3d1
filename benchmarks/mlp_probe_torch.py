"""Cross-check of tsd's probes with PyTorch and scikit-learn on the same codes.

Usage: .venv/bin/python benchmarks/mlp_probe_torch.py RUN/codes/z  [--epochs 50]

Reads `<prefix>_train.csv` and `<prefix>_test.csv` (written by `tsd codes`),
standardises with train statistics, and prints the test accuracy of
  - scikit-learn LogisticRegression (lbfgs, C=1),
  - the MLP probe of Jha et al. (z -> 256 -> 256, BatchNorm + LeakyReLU 0.2),
    trained with Adam 1e-3, batch 128, for a fixed number of epochs (no early
    stopping: the accuracy after every 10 epochs is printed).
"""
import argparse
import time

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression


def load(path):
    data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)
    return data[:, :-1].astype(np.float32), data[:, -1].astype(np.int64)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("prefix")
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    xtr, ytr = load(args.prefix + "_train.csv")
    xte, yte = load(args.prefix + "_test.csv")
    mean, std = xtr.mean(0), xtr.std(0) + 1e-8
    xtr, xte = (xtr - mean) / std, (xte - mean) / std
    chance = np.bincount(yte).max() / len(yte)
    print(f"{args.prefix}: {xtr.shape[0]} train, {xte.shape[0]} test, dim {xtr.shape[1]}, chance {chance:.4f}")

    t = time.time()
    lr = LogisticRegression(max_iter=1000).fit(xtr, ytr)
    print(f"sklearn logistic: test accuracy {lr.score(xte, yte):.4f} ({time.time() - t:.1f} s)")

    torch.manual_seed(args.seed)
    n_classes = int(ytr.max()) + 1
    d = xtr.shape[1]
    net = torch.nn.Sequential(
        torch.nn.Linear(d, 256), torch.nn.BatchNorm1d(256), torch.nn.LeakyReLU(0.2),
        torch.nn.Linear(256, 256), torch.nn.BatchNorm1d(256), torch.nn.LeakyReLU(0.2),
        torch.nn.Linear(256, n_classes),
    )
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    xtr_t, ytr_t = torch.from_numpy(xtr), torch.from_numpy(ytr)
    xte_t, yte_t = torch.from_numpy(xte), torch.from_numpy(yte)
    t = time.time()
    for epoch in range(1, args.epochs + 1):
        net.train()
        perm = torch.randperm(len(xtr_t))
        for i in range(0, len(perm), 128):
            idx = perm[i:i + 128]
            if len(idx) < 2:
                continue
            loss = torch.nn.functional.cross_entropy(net(xtr_t[idx]), ytr_t[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        if epoch % 10 == 0 or epoch == args.epochs:
            net.eval()
            with torch.no_grad():
                acc = (net(xte_t).argmax(1) == yte_t).float().mean().item()
                train_acc = (net(xtr_t).argmax(1) == ytr_t).float().mean().item()
            print(f"torch MLP probe epoch {epoch}: train {train_acc:.4f} test {acc:.4f} ({time.time() - t:.1f} s)")


if __name__ == "__main__":
    main()
