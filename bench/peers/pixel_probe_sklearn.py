#!/usr/bin/python3
"""Side check for bench/results/methods.md: scikit-learn's logistic regression (C = 1) on standardised Fashion-MNIST
pixels with 1% of the labels (600, class-balanced), over several random draws of those 600 images, with the scaler
fitted on all 60,000 training images (DESIGN.md's baseline) and re-fitted on the 600 (what our LinearProbe does).
Shows how much of the gap between our raw-pixel linear probe at 1% and DESIGN.md's 78.4% one draw explains.
Run with /usr/bin/python3 (Debian's python3-sklearn).
"""
import argparse
import gzip

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

DATA = "/usr/share/datasets/fashion-mnist/"


def images(name):
    return np.frombuffer(gzip.open(DATA + name).read(), np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255


def labels(name):
    return np.frombuffer(gzip.open(DATA + name).read(), np.uint8, offset=8)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--draws", type=int, default=8)
    parser.add_argument("--per-class", type=int, default=60)
    args = parser.parse_args()
    x, y = images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz")
    x_test, y_test = images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz")
    scaler = StandardScaler().fit(x)
    x, x_test = scaler.transform(x), scaler.transform(x_test)
    rows = {"scaler on all 60,000": [], "scaler re-fitted on the labelled draw": []}
    for seed in range(args.draws):
        draw = np.random.RandomState(seed)
        chosen = np.concatenate([draw.choice(np.where(y == c)[0], args.per_class, replace=False) for c in range(10)])
        model = LogisticRegression(C=1.0, max_iter=2000).fit(x[chosen], y[chosen])
        rows["scaler on all 60,000"].append(model.score(x_test, y_test))
        refit = StandardScaler().fit(x[chosen])
        model = LogisticRegression(C=1.0, max_iter=2000).fit(refit.transform(x[chosen]), y[chosen])
        rows["scaler re-fitted on the labelled draw"].append(model.score(refit.transform(x_test), y_test))
    for name, accuracies in rows.items():
        print(f"{name}: {args.draws} draws of {10 * args.per_class}: mean {np.mean(accuracies):.1%}, "
              f"min {min(accuracies):.1%}, max {max(accuracies):.1%} ({', '.join(f'{a:.1%}' for a in accuracies)})")


if __name__ == "__main__":
    main()
