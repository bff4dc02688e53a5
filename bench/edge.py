#!/usr/bin/python3
"""`make bench-edge`: the edge builds of pipeline-embed (make edge, and make edge-aot's where it has made them) side by
side: file size, start-up time and the embeddings of the same Fashion-MNIST test images, linux-x64 natively and
linux-arm64 under qemu-user (emulated, so its times say nothing of a real ARM device). Fails when a build's embeddings
disagree with the linux-x64 single file's beyond float tolerance. Writes bench/results/edge.{json,md}.
"""
import argparse
import datetime
import gzip
import json
import os
import shutil
import statistics
import struct
import subprocess
import sys
import time
import zlib

import numpy

import benchrun

EDGE = os.path.join(benchrun.ROOT, "artifacts/edge")
WORK = os.path.join(benchrun.ROOT, "bench/work/edge")
MODEL = os.path.join(benchrun.ROOT, "models/fashion-mnist-simclr-convnet6/encoder.onnx")
IMAGES = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
# qemu-user with an ARM /proc/cpuinfo (the script says why ONNX Runtime needs one under qemu).
QEMU = os.path.join(benchrun.ROOT, "build/qemu-arm64.sh")
# Both builds run the same float32 graph through the same ONNX Runtime version, with different CPU kernels (AVX-512
# against NEON): they may round differently, never by more than this.
TOLERANCE = 1e-4
# The builds measured, by folder under artifacts/edge: how to run each (arm64 under qemu), and whether it is optional
# (the Native AOT ones, from make edge-aot).
BUILDS = {"linux-x64": ([], False), "linux-x64-aot": ([], True), "linux-arm64": ([QEMU], False),
          "linux-arm64-aot": ([QEMU], True)}


def png(pixels, size):
    """A greyscale PNG of size x size bytes, written with zlib alone."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + pixels[y * size:(y + 1) * size] for y in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def write_images(count):
    """The first `count` Fashion-MNIST test images as PNG files; returns their paths."""
    folder = os.path.join(WORK, "images")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    with gzip.open(IMAGES) as f:
        data = f.read()
    paths = []
    for i in range(count):
        path = os.path.join(folder, f"{i:03d}.png")
        with open(path, "wb") as out:
            out.write(png(data[16 + i * 784:16 + (i + 1) * 784], 28))
        paths.append(path)
    return paths


def run(command, environment):
    """Runs a command to its end; returns its wall seconds. Exits when it fails."""
    start = time.monotonic()
    completed = subprocess.run(command, capture_output=True, text=True, cwd=benchrun.ROOT, env=environment)
    seconds = time.monotonic() - start
    if completed.returncode != 0:
        sys.exit(f"{benchrun.shown(command)} failed with exit code {completed.returncode}:\n{completed.stderr}")
    return seconds


def measure(rid, images, repeats):
    binary = os.path.join(EDGE, rid, "pipeline-embed")
    folder = os.path.dirname(binary)
    # The single file unpacks its native libraries (ONNX Runtime, SkiaSharp) at the first start into this folder.
    extract = os.path.join(WORK, "extract", rid)
    shutil.rmtree(extract, ignore_errors=True)
    environment = dict(os.environ, DOTNET_BUNDLE_EXTRACT_BASE_DIR=extract)
    prefix = BUILDS[rid][0]
    out = os.path.join(WORK, f"{rid}.npy")
    embed_one = prefix + [binary, "--model", MODEL, "--input", images[0], "--out", os.path.join(WORK, f"{rid}-one.npy")]
    embed_all = prefix + [binary, "--model", MODEL, "--input", *images, "--out", out]
    help_only = prefix + [binary, "--help"]
    print(f"{rid}: $ {benchrun.shown(embed_one)} (and --help, and {len(images)} images)", file=sys.stderr, flush=True)
    first = run(embed_one, environment)
    helps = [run(help_only, environment) for _ in range(repeats)]
    ones = [run(embed_one, environment) for _ in range(repeats)]
    run(embed_all, environment)
    return {
        "rid": rid,
        "emulated": bool(prefix),
        "files": sorted(os.listdir(folder)),
        "bytes": sum(os.path.getsize(os.path.join(folder, name)) for name in os.listdir(folder)),
        "first_start_embed_one_s": first,
        "help_s": statistics.median(helps),
        "embed_one_s": statistics.median(ones),
        "repeats": repeats,
        "commands": [benchrun.shown(c) for c in (help_only, embed_one)],
        "embeddings": numpy.load(out),
    }


def render(result):
    rows = result["builds"]
    lines = [
        "# Edge builds of pipeline-embed",
        "",
        f"`make bench-edge` on {result['machine']}, {result['date']} (`{result['uptime']}`). "
        "Self-contained, trimmed, single-file builds from `make edge` (Native AOT from `make edge-aot`); the model is the shipped reference encoder "
        f"({os.path.relpath(MODEL, benchrun.ROOT)}, 28x28 grey → {result['dim']}). linux-arm64 runs under "
        "qemu-user on this x86-64 machine: **emulated**, so its times are qemu's, not an ARM device's.",
        "",
        "| build | files | size | first start, embed 1 image | start, `--help` | start, embed 1 image |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        name = row["rid"] + (" (qemu, emulated)" if row["emulated"] else "")
        lines.append(f"| {name} | {', '.join(row['files'])} | {row['bytes'] / 1e6:.1f} MB | {row['first_start_embed_one_s']:.2f} s | "
                     f"{row['help_s']:.2f} s | {row['embed_one_s']:.2f} s |")
    agreement = result["agreement"]
    lines += [
        "",
        f"Times are medians of {rows[0]['repeats']} runs, wall clock, process start to exit; the first start of a "
        "single file also unpacks its native libraries (ONNX Runtime, SkiaSharp) into DOTNET_BUNDLE_EXTRACT_BASE_DIR.",
        "",
        f"**Agreement** on {agreement['images']} Fashion-MNIST test images with the linux-x64 single file's embeddings "
        f"(tolerance {TOLERANCE:g}):",
        "",
        "| build | largest absolute difference | smallest cosine similarity |",
        "|---|---:|---:|",
    ]
    lines += [f"| {rid} | {difference:.2e} | {agreement['min_cosine'][rid]:.8f} |" for rid, difference in agreement["max_abs_diff"].items()]
    lines += [
        "",
        "Commands:",
        "",
        "```",
        "make edge          # artifacts/edge/linux-x64/pipeline-embed, artifacts/edge/linux-arm64/pipeline-embed",
        "make edge-aot      # artifacts/edge/linux-x64-aot/, artifacts/edge/linux-arm64-aot/",
        "make bench-edge    # this page",
    ]
    for row in rows:
        lines += row["commands"]
    lines += ["```", ""]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=8, help="Fashion-MNIST test images embedded by both builds.")
    parser.add_argument("--repeats", type=int, default=3, help="runs per start-up time (the median is kept).")
    args = parser.parse_args()
    os.makedirs(WORK, exist_ok=True)
    images = write_images(args.images)
    missing = [rid for rid, (_, optional) in BUILDS.items() if not optional and not os.access(os.path.join(EDGE, rid, "pipeline-embed"), os.X_OK)]
    if missing:
        sys.exit(f"artifacts/edge/{missing[0]}/pipeline-embed is missing: run `make edge` first.")
    builds = [measure(rid, images, args.repeats) for rid in BUILDS if os.access(os.path.join(EDGE, rid, "pipeline-embed"), os.X_OK)]
    embeddings = {build["rid"]: build.pop("embeddings") for build in builds}
    x64 = embeddings.pop("linux-x64")
    # In float64, so that equal embeddings read as a cosine of 1, not float32's rounding of it.
    cosine = {rid: (x64 * other).sum(1, dtype=numpy.float64)
              / (numpy.linalg.norm(x64.astype(numpy.float64), axis=1) * numpy.linalg.norm(other.astype(numpy.float64), axis=1))
              for rid, other in embeddings.items()}
    result = {
        "date": datetime.date.today().isoformat(),
        "machine": benchrun.machine(),
        "uptime": benchrun.uptime(),
        "dim": int(x64.shape[1]),
        "builds": builds,
        "agreement": {"images": args.images, "tolerance": TOLERANCE,
                      "max_abs_diff": {rid: float(numpy.abs(x64 - other).max()) for rid, other in embeddings.items()},
                      "min_cosine": {rid: float(values.min()) for rid, values in cosine.items()}},
    }
    benchrun.write_results(os.path.join(benchrun.HERE, "results/edge.json"), os.path.join(benchrun.HERE, "results/edge.md"),
                           result, render)
    for rid, difference in result["agreement"]["max_abs_diff"].items():
        if difference > TOLERANCE:
            sys.exit(f"the {rid} build's embeddings differ from the linux-x64 build's by {difference:.2e}, more than {TOLERANCE:g}")


if __name__ == "__main__":
    main()
