#!/usr/bin/python3
"""PyTorch peer of `Pipeline.Bench simclr-step`: the same SimCLR training step, op for op.

Same convnet encoder (D = 128), projection head (Linear-BN-ReLU-Linear), NT-Xent (tau 0.5), per-sample
augmentation (random resized crop + flip through one grid_sample, brightness/contrast jitter in a random order per
sample, p = 0.8), SGD with momentum 0.9 and weight decay 5e-4 on weights only, on the first images of Fashion-MNIST.
`--precision bf16` runs the encoder and projection head under torch.autocast("cpu", bfloat16) — convolutions and linear
layers in bfloat16 from float32 weights, as the trainer's `--precision bf16` — with the loss in float32. Prints one JSON
object. Run it with Debian's interpreter: /usr/bin/python3 (python3-torch).
"""
import argparse
import contextlib
import gzip
import json
import math
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

FASHION = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"


def load_images(count):
    with gzip.open(FASHION, "rb") as f:
        data = f.read()
    return torch.frombuffer(bytearray(data[16:16 + count * 784]), dtype=torch.uint8).reshape(count, 1, 28, 28)


def convnet(d=128, c=1):
    w1, w2 = d // 4, d // 2
    return nn.Sequential(
        nn.Conv2d(c, w1, 3, padding=1, bias=False), nn.BatchNorm2d(w1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(w1, w2, 3, padding=1, bias=False), nn.BatchNorm2d(w2), nn.ReLU(),
        nn.Conv2d(w2, w2, 3, padding=1, bias=False), nn.BatchNorm2d(w2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(w2, d, 3, padding=1, bias=False), nn.BatchNorm2d(d), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten())


def head(d=128, p=128):
    return nn.Sequential(nn.Linear(d, d, bias=False), nn.BatchNorm1d(d), nn.ReLU(), nn.Linear(d, p))


def nt_xent(z1, z2, tau=0.5):
    n = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    logits = (z @ z.t()) / tau
    logits = logits.masked_fill(torch.eye(2 * n, dtype=torch.bool), float("-inf"))
    targets = (torch.arange(2 * n) + n) % (2 * n)
    return F.cross_entropy(logits, targets)


def augment(x, g, attempts=10):
    """Per-sample crop (scale 0.08-1, ratio 3/4-4/3, torchvision's rejection loop) + flip, then jitter."""
    n, c, h, w = x.shape
    u = lambda *s: torch.rand(*s, dtype=torch.float64, generator=g)
    area = 0.08 + 0.92 * u(n, attempts)
    ratio = (math.log(3 / 4) + (math.log(4 / 3) - math.log(3 / 4)) * u(n, attempts)).exp()
    fw, fh = (area * ratio).sqrt(), (area / ratio).sqrt()
    fits = (fw <= 1) & (fh <= 1)
    rank = torch.arange(attempts, 0, -1, dtype=torch.float64)
    first = (fits.double() * rank).argmax(1, keepdim=True)
    drawn = fits.any(1)
    fw = torch.where(drawn, fw.gather(1, first).squeeze(1), torch.ones(n, dtype=torch.float64))
    fh = torch.where(drawn, fh.gather(1, first).squeeze(1), torch.ones(n, dtype=torch.float64))
    centre = u(n, 2)
    cx = torch.where(drawn, (1 - fw) * (2 * centre[:, 0] - 1), torch.zeros(n, dtype=torch.float64))
    cy = torch.where(drawn, (1 - fh) * (2 * centre[:, 1] - 1), torch.zeros(n, dtype=torch.float64))
    sign = torch.where(u(n) < 0.5, -1.0, 1.0).double()
    xs = (torch.arange(w, dtype=torch.float64) * 2 + 1) / w - 1
    ys = (torch.arange(h, dtype=torch.float64) * 2 + 1) / h - 1
    gx = ((fw * sign).view(n, 1) * xs + cx.view(n, 1)).float()
    gy = (fh.view(n, 1) * ys + cy.view(n, 1)).float()
    grid = torch.stack([gx.view(n, 1, w).expand(n, h, w), gy.view(n, h, 1).expand(n, h, w)], 3)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)

    # Brightness and contrast (0.4 each) with p = 0.8, in a random order per sample, as affine maps y = f x + k mean.
    fired = u(n) < 0.8
    draws = u(n, 2)
    order = u(n, 2).argsort(1)
    factors = 0.6 + 0.8 * draws                                   # [N, 2]: brightness, contrast
    offsets = torch.stack([torch.zeros(n, dtype=torch.float64), 1 - factors[:, 1]], 1)
    factors = torch.cat([factors, torch.ones(n, 1, dtype=torch.float64)], 1)
    offsets = torch.cat([offsets, torch.zeros(n, 1, dtype=torch.float64)], 1)
    chosen = torch.where(fired.unsqueeze(1), order, torch.full_like(order, 2))
    step_factors = factors.gather(1, chosen).float()
    step_offsets = offsets.gather(1, chosen).float()
    flat = x.reshape(n, c, h * w)
    for position in range(2):
        mean = flat.mean(2, keepdim=True)
        flat = (step_factors[:, position].view(n, 1, 1) * flat + step_offsets[:, position].view(n, 1, 1) * mean).clamp_(0, 1)
    return flat.view(n, c, h, w)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)  # Debian's torch defaults to one thread.
    torch.manual_seed(args.seed)
    images = load_images(4096)
    mean, std = 0.2860, 0.3530
    encoder, projection = convnet(), head()
    model = nn.ModuleDict({"encoder": encoder, "projection_head": projection})
    decay = [p for p in model.parameters() if p.dim() > 1]
    no_decay = [p for p in model.parameters() if p.dim() <= 1]
    optimizer = torch.optim.SGD([{"params": decay, "weight_decay": 5e-4}, {"params": no_decay, "weight_decay": 0}],
                                lr=0.12, momentum=0.9)
    model.train()

    augment_seconds = 0.0
    started = None
    for step in range(args.warmup + args.steps):
        if step == args.warmup:
            started = time.perf_counter()
            augment_seconds = 0.0
        first = (step * args.batch_size) % (images.shape[0] - args.batch_size)
        pixels = images[first:first + args.batch_size].float().div_(255)
        g = torch.Generator().manual_seed(step)
        t0 = time.perf_counter()
        views = torch.cat([augment(pixels, g), augment(pixels, g)])
        augment_seconds += time.perf_counter() - t0
        with torch.autocast("cpu", dtype=torch.bfloat16) if args.precision == "bf16" else contextlib.nullcontext():
            z = projection(encoder((views - mean) / std))
        z = z.float()
        n = pixels.shape[0]
        loss = nt_xent(z[:n], z[n:])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss.item()
    seconds = time.perf_counter() - started
    print(json.dumps({
        "implementation": "pytorch " + torch.__version__,
        "steps": args.steps,
        "batch_size": args.batch_size,
        "threads": args.threads,
        "precision": args.precision,
        "images_per_second": args.steps * args.batch_size / seconds,
        "augmentation_share": augment_seconds / seconds,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
