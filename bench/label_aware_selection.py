#!/usr/bin/python3
"""A reference no user can run: the images TypiClust's rule picks when it is told the classes.

Per class of the Fashion-MNIST training images, k-means (k-means++ seeding, Lloyd iterations) into budget / 10 clusters
of that class's unit-length embeddings, then the most typical image of each cluster: the one with the smallest mean
Euclidean distance to its min(20, m / 2) nearest images of the cluster, TypiClust's typicality. The choice is perfectly
balanced and typical within each class; what `pipeline-infer select` reaches without labels is measured against it by
bench/selection.py. Reads the pool's embeddings from select's --embedding-cache file; writes the ids, one per line under
an `id` header (what finetune --labels reads), and prints the class coverage the way select does.
"""
import argparse
import json
import os
import struct

import numpy as np
import torch

from benchrun import idx

NEIGHBOURS = 20
ITERATIONS = 50


def embeddings(path):
    """The [N, D] float32 embeddings of a safetensors file written by select --embedding-cache, scaled to unit length."""
    with open(path, "rb") as f:
        header = json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))["embeddings"]
        data = f.read()
    start, end = header["data_offsets"]
    rows = torch.from_numpy(np.frombuffer(data[start:end], dtype=np.float32).reshape(header["shape"]).copy())
    return rows / rows.norm(dim=1, keepdim=True).clamp_min(1e-12)


def train_labels():
    _, labels = idx("train-labels-idx1-ubyte.gz")
    return torch.from_numpy(np.frombuffer(labels, dtype=np.uint8).astype(np.int64))


def kmeans(rows, k, generator):
    """Cluster assignments of rows into k clusters."""
    n = rows.shape[0]
    chosen = [torch.randint(n, (1,), generator=generator).item()]
    nearest = ((rows - rows[chosen[0]]) ** 2).sum(1)
    for _ in range(1, k):
        chosen.append(torch.multinomial(nearest / nearest.sum(), 1, generator=generator).item())
        nearest = torch.minimum(nearest, ((rows - rows[chosen[-1]]) ** 2).sum(1))
    centroids = rows[chosen].clone()
    assignments = torch.cdist(rows, centroids).argmin(1)
    for _ in range(ITERATIONS):
        sums = torch.zeros_like(centroids).index_add_(0, assignments, rows)
        counts = torch.bincount(assignments, minlength=k)
        filled = counts > 0
        centroids[filled] = sums[filled] / counts[filled, None]
        moved = torch.cdist(rows, centroids).argmin(1)
        if torch.equal(moved, assignments):
            break
        assignments = moved
    return assignments


def most_typical(rows, members):
    """The member with the smallest mean distance to its nearest fellow members."""
    if len(members) == 1:
        return members[0].item()
    k = min(NEIGHBOURS, len(members) // 2)
    cluster = rows[members]
    mean_distance = torch.cat([torch.cdist(cluster[start:start + 1024], cluster).topk(k + 1, largest=False).values[:, 1:].mean(1)
                               for start in range(0, len(members), 1024)])
    return members[mean_distance.argmin()].item()


def select(rows, labels, budget, seed):
    classes = int(labels.max()) + 1
    if budget % classes:
        raise SystemExit(f"--budget must be a multiple of the {classes} classes, not {budget}.")
    generator = torch.Generator().manual_seed(seed)
    picks = []
    for label in range(classes):
        members = (labels == label).nonzero().squeeze(1)
        assignments = kmeans(rows[members], budget // classes, generator)
        picks += [most_typical(rows, members[assignments == c]) for c in range(budget // classes) if (assignments == c).any()]
    return picks, classes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", required=True, help="the safetensors file select --embedding-cache wrote for fashion-mnist:train")
    parser.add_argument("--budget", type=int, required=True, help="images to choose, a multiple of the 10 classes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    rows, labels = embeddings(args.pool), train_labels()
    if rows.shape[0] != labels.shape[0]:
        raise SystemExit(f"{args.pool} holds {rows.shape[0]} embeddings, not one per Fashion-MNIST training image ({labels.shape[0]}).")
    picks, classes = select(rows, labels, args.budget, args.seed)
    with open(args.out + ".tmp", "w") as f:
        f.write("id\n" + "".join(f"{p}\n" for p in picks))
    os.replace(args.out + ".tmp", args.out)
    counts = torch.bincount(labels[picks], minlength=classes)
    print(f"chose {len(picks)} images; classes covered {int((counts > 0).sum())}/{classes}, "
          f"{int(counts.min())}–{int(counts.max())} per class")


if __name__ == "__main__":
    main()
