"""Our logistic probe against scikit-learn's LogisticRegression(lbfgs).

Run the Rust side first; it writes the codes and its own figures:

    cargo bench -p tsd-metrics --bench logistic
    .venv/bin/python benchmarks/probe_vs_sklearn.py target/tsd-bench

This script reads the same train.csv / test.csv, standardises with the train
mean and standard deviation (StandardScaler), fits LogisticRegression with the
settings our probe mirrors (C = 1 / alpha = 1.0, max_iter = 100, tol = 1e-4,
lbfgs, multinomial), and prints both sides' test accuracy and fit time.
Targets: accuracies within 0.5 points, our fit no slower than scikit-learn's.
Exit status 1 when a target is missed.

Pass --threads N to pin the BLAS/OpenMP threads of numpy and scikit-learn
(our fit is single-threaded); by default they are left as the environment says.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, nargs="?", default=Path("target/tsd-bench"))
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads is not None:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.threads)

    import numpy as np  # after the thread variables are set
    import sklearn
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    def load(name):
        path = args.folder / name
        with open(path) as f:
            header = f.readline().strip().split(",")
        data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)
        label = header.index("label")
        y = data[:, label].astype(np.int64)
        x = np.delete(data, label, axis=1).astype(np.float32).astype(np.float64)
        return x, y

    x_train, y_train = load("train.csv")
    x_test, y_test = load("test.csv")
    scaler = StandardScaler().fit(x_train)
    x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)

    times = []
    for _ in range(args.repeats):
        model = LogisticRegression(C=1.0, max_iter=100, tol=1e-4, solver="lbfgs")
        start = time.perf_counter()
        model.fit(x_train, y_train)
        times.append(time.perf_counter() - start)
    times.sort()
    sk_acc = float((model.predict(x_test) == y_test).mean())
    sk_med, sk_min = times[len(times) // 2], times[0]

    ours = json.loads((args.folder / "ours.json").read_text())
    threads = args.threads if args.threads is not None else "default"
    print(
        f"{x_train.shape[0]} x {x_train.shape[1]} train, {x_test.shape[0]} test, "
        f"{len(np.unique(y_train))} classes; scikit-learn {sklearn.__version__} "
        f"(threads: {threads}), {args.repeats} fits each"
    )
    print(f"{'':<14}{'accuracy':>10}{'fit median s':>14}{'fit min s':>11}")
    print(f"{'tsd-metrics':<14}{ours['accuracy']:>10.4f}"
          f"{ours['fit_seconds_median']:>14.3f}{ours['fit_seconds_min']:>11.3f}")
    print(f"{'scikit-learn':<14}{sk_acc:>10.4f}{sk_med:>14.3f}{sk_min:>11.3f}"
          f"   (n_iter_ {int(model.n_iter_[0])})")
    gap = abs(ours["accuracy"] - sk_acc) * 100
    speed = sk_med / ours["fit_seconds_median"]
    print(f"accuracy gap {gap:.2f} points (target <= 0.5); "
          f"ours {speed:.2f}x scikit-learn's speed (target >= 1)")
    return 0 if gap <= 0.5 and speed >= 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
