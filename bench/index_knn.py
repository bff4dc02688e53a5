#!/usr/bin/python3
"""Lookup by similarity as a classifier: how often do the entries `/v1/search` finds for an image share its class?

Builds two indexes of the 60,000 Fashion-MNIST training images with the reference encoder (`pipeline-infer index build`,
`--metric cosine` and `--metric standardized-cosine`), serves each (`pipeline-infer serve --index`), looks every one of
the 10,000 test images up through `POST /v1/search` as a user would (a PNG in, the top 20 entries out), and scores a
vote of the top k for k in 1, 5, 10, 20: majority (a tie goes to the class of the nearer entry) and weighted by
exp(score / 0.1), the kNN evaluation's weighting. The training images' ids are their indices, so their labels come from
the dataset's label file. Writes bench/results/index-knn.{json,md}.
"""
import argparse
import base64
import concurrent.futures
import datetime
import http.client
import json
import math
import os
import shlex
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zlib

import benchrun

METRICS = ["cosine", "standardized-cosine"]
TEMPERATURE = 0.1


def png(pixels, width, height):
    """An 8-bit greyscale PNG of the row-major bytes `pixels`."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    rows = b"".join(b"\x00" + pixels[y * width:(y + 1) * width] for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port, server, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server exited with code {server.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit(f"the server on port {port} was not ready after {seconds} s")


def search_all(port, queries, top_k, clients):
    """Every query through POST /v1/search on `clients` keep-alive connections: [(ids, scores)] in query order."""
    def part(start):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        out = []
        for body in queries[start::clients]:
            connection.request("POST", "/v1/search", body=json.dumps({"input": body, "top_k": top_k}),
                               headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            text = response.read()
            if response.status != 200:
                sys.exit(f"/v1/search answered {response.status}: {text[:300]!r}")
            data = json.loads(text)["data"]
            out.append(([int(hit["id"]) for hit in data], [hit["score"] for hit in data]))
        return out
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        parts = list(pool.map(part, range(clients)))
    results = [None] * len(queries)
    for start, found in enumerate(parts):
        results[start::clients] = found
    return results


def vote(labels, scores, k, weighted):
    """The class the top k vote for: by exp(score / T) weights, or by count with ties to the nearer entry's class."""
    tally = {}
    for rank, (label, score) in enumerate(zip(labels[:k], scores[:k])):
        weight, best = tally.get(label, (0.0, rank))
        tally[label] = (weight + (math.exp(score / TEMPERATURE) if weighted else 1.0), min(best, rank))
    return max(tally, key=lambda label: (tally[label][0], -tally[label][1]))


def correct(results, train_labels, test_labels, ks):
    """For each vote (`majority@k`, `weighted@k`), whether each query's vote is its class."""
    return {f"{'weighted' if weighted else 'majority'}@{k}":
            [vote([train_labels[i] for i in ids], scores, k, weighted) == test_labels[q] for q, (ids, scores) in enumerate(results)]
            for weighted in (False, True) for k in ks}


def paired(first, second):
    """The queries only `second` gets right and only `first` does, and McNemar's exact two-sided p-value."""
    only_second = sum(b and not a for a, b in zip(first, second))
    only_first = sum(a and not b for a, b in zip(first, second))
    n, low = only_first + only_second, min(only_first, only_second)
    p = min(1.0, 2 * sum(math.comb(n, i) for i in range(low + 1)) / 2 ** n) if n else 1.0
    return {"only_second": only_second, "only_first": only_first, "p_value": p}


def render(result):
    ks = result["k"]
    lines = [
        "# Lookup by similarity as a classifier: same-class neighbours through `/v1/search`",
        "",
        f"{result['date']}, {result['machine']}; `{result['command']}`. {result['conditions']}",
        "",
        f"Catalogue: the {result['catalogue']:,} Fashion-MNIST training images indexed with `{result['model']}` "
        f"(`pipeline-infer index build --data fashion-mnist:train`); queries: the {result['queries']:,} test images, "
        "each sent as a PNG to `POST /v1/search` of `pipeline-infer serve --index` (embedded by the server, then looked "
        f"up), top {max(ks)}. Accuracy of the class the top k vote for: by count (a tie goes to the nearer entry's class) "
        f"and weighted by exp(score / {TEMPERATURE}).",
        "",
        "| metric | " + " | ".join(f"k = {k}" for k in ks) + " | " + " | ".join(f"weighted k = {k}" for k in ks) + " | build s | search s |",
        "|---|" + "---:|" * (2 * len(ks) + 2),
    ]
    for metric in result["metrics"]:
        row = result["results"][metric]
        lines.append(f"| {metric} | " + " | ".join(f"{100 * row['accuracy'][f'majority@{k}']:.2f}%" for k in ks) + " | "
                     + " | ".join(f"{100 * row['accuracy'][f'weighted@{k}']:.2f}%" for k in ks)
                     + f" | {row['build_seconds']:.0f} | {row['search_seconds']:.0f} |")
    if result.get("paired"):
        first, second = result["metrics"]
        lines += ["", f"Paired, on the same queries: {second} minus {first} in points, the queries only {second} gets right / "
                  f"only {first} does, and McNemar's exact two-sided p-value.", "",
                  "| vote | points | only " + second + " | only " + first + " | p |", "|---|---:|---:|---:|---:|"]
        for key, pair in result["paired"].items():
            gain = result["results"][second]["accuracy"][key] - result["results"][first]["accuracy"][key]
            lines.append(f"| {key.replace('@', ' k = ')} | {100 * gain:+.2f} | {pair['only_second']} | {pair['only_first']} | {pair['p_value']:.3f} |")
    lines += ["", "Commands:", ""] + [f"    {command}" for command in result["commands"]] + [""]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="models/fashion-mnist-simclr-convnet6/encoder.onnx")
    parser.add_argument("--metrics", nargs="+", choices=METRICS, default=METRICS)
    parser.add_argument("--k", nargs="+", type=int, default=[1, 5, 10, 20])
    parser.add_argument("--queries", type=int, default=10_000, help="The first N test images (all 10,000 by default).")
    parser.add_argument("--clients", type=int, default=2, help="Concurrent connections to the server.")
    parser.add_argument("--work", default=None, help="Where to keep the indexes and logs (default: a temporary folder).")
    parser.add_argument("--note", default="", help="Conditions to record, such as other jobs on the machine.")
    args = parser.parse_args()
    benchrun.require_cli(benchrun.INFER)
    work = args.work or tempfile.mkdtemp(prefix="index-knn-")
    os.makedirs(work, exist_ok=True)

    _, train_label_bytes = benchrun.idx("train-labels-idx1-ubyte.gz")
    _, test_label_bytes = benchrun.idx("t10k-labels-idx1-ubyte.gz")
    (count, height, width), test_pixels = benchrun.idx("t10k-images-idx3-ubyte.gz")
    count = min(count, args.queries)
    size = height * width
    queries = [base64.b64encode(png(test_pixels[i * size:(i + 1) * size], width, height)).decode() for i in range(count)]
    load_before = os.getloadavg()[0]

    commands, results, right = [], {}, {}
    for metric in args.metrics:
        index = os.path.join(work, f"train-{metric}.index")
        build = [benchrun.INFER, "index", "build", "--model", args.model, "--data", "fashion-mnist:train", "--out", index, "--metric", metric]
        _, build_seconds = benchrun.timed(build, os.path.join(work, f"build-{metric}.log"))
        port = free_port()
        serve = [benchrun.INFER, "serve", "--model", args.model, "--index", index, "--urls", f"http://127.0.0.1:{port}"]
        commands += [benchrun.shown(build), benchrun.shown(serve)]
        print("  $ " + benchrun.shown(serve), file=sys.stderr, flush=True)
        with open(os.path.join(work, f"serve-{metric}.log"), "w") as log:
            server = subprocess.Popen(serve, stdout=log, stderr=subprocess.STDOUT, cwd=benchrun.ROOT)
        try:
            wait_ready(port, server)
            start = time.monotonic()
            found = search_all(port, queries, max(args.k), args.clients)
            search_seconds = time.monotonic() - start
        finally:
            server.terminate()
            server.wait(30)
        right[metric] = correct(found, train_label_bytes, test_label_bytes, args.k)
        accuracy = {key: sum(values) / count for key, values in right[metric].items()}
        results[metric] = {"accuracy": accuracy, "build_seconds": build_seconds, "search_seconds": search_seconds}
        print(f"  {metric}: " + ", ".join(f"{key} {100 * value:.2f}%" for key, value in accuracy.items()), file=sys.stderr, flush=True)

    niceness = os.nice(0)
    result = {
        "benchmark": "index-knn",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": benchrun.machine(),
        "command": "/usr/bin/python3 bench/index_knn.py" + (f" {shlex.join(sys.argv[1:])}" if sys.argv[1:] else ""),
        "conditions": f"Load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
                      + (f"; run at nice {niceness}" if niceness else "") + (f"; {args.note}" if args.note else "") + ".",
        "model": args.model, "catalogue": len(train_label_bytes), "queries": count, "k": args.k, "temperature": TEMPERATURE,
        "metrics": args.metrics, "results": results, "commands": commands,
        "paired": {key: paired(right[args.metrics[0]][key], right[args.metrics[1]][key]) for key in right[args.metrics[0]]}
                  if len(args.metrics) == 2 else None,
    }
    suffix = "" if count == len(test_label_bytes) else f"-first-{count}"
    benchrun.write_results(os.path.join(benchrun.HERE, f"results/index-knn{suffix}.json"),
                           os.path.join(benchrun.HERE, f"results/index-knn{suffix}.md"), result, render)


if __name__ == "__main__":
    main()
