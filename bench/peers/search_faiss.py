#!/usr/bin/python3
"""The peer of `pipeline-inference-bench search`: FAISS's exact inner-product index (IndexFlatIP) over the same number of
seeded random unit vectors, one query at a time, top-k, on one thread and on FAISS's default (OpenMP: every core).
Prints one JSON object shaped like the C# benchmark's. Debian's python3-faiss (make bench-search installs it).
"""
import argparse
import json
import sys
import time

import faiss
import numpy as np
from search_options import add_search_arguments


def measure(size, dim, k, seconds, min_queries):
    rng = np.random.default_rng(size)
    start = time.perf_counter()
    vectors = rng.uniform(-1, 1, size=(size, dim)).astype(np.float32)
    faiss.normalize_L2(vectors)
    index = faiss.IndexFlatIP(dim)
    index.add(vectors)
    build_seconds = time.perf_counter() - start
    queries = rng.uniform(-1, 1, size=(256, dim)).astype(np.float32)
    faiss.normalize_L2(queries)
    print(f"{size} vectors of {dim}: built in {build_seconds:.1f} s", file=sys.stderr, flush=True)
    default_threads = faiss.omp_get_max_threads()
    rows = []
    for threads, count in (("1", 1), ("default", default_threads)):
        faiss.omp_set_num_threads(count)
        for q in range(3):
            index.search(queries[q:q + 1], k)
        latencies = []
        began = time.perf_counter()
        while time.perf_counter() - began < seconds or len(latencies) < min_queries:
            q = len(latencies) % len(queries)
            t = time.perf_counter()
            index.search(queries[q:q + 1], k)
            latencies.append((time.perf_counter() - t) * 1000)
        elapsed = time.perf_counter() - began
        latencies.sort()
        rank = lambda p: latencies[min(len(latencies) - 1, max(0, int(np.ceil(p * len(latencies))) - 1))]
        print(f"  threads {threads}: {len(latencies) / elapsed:.1f} queries/s, p99 {rank(0.99):.2f} ms", file=sys.stderr, flush=True)
        rows.append({"size": size, "dim": dim, "top_k": k, "threads": threads, "queries": len(latencies),
                     "queries_per_second": len(latencies) / elapsed, "p50_ms": rank(0.50), "p99_ms": rank(0.99),
                     "max_ms": latencies[-1], "build_seconds": build_seconds})
    faiss.omp_set_num_threads(default_threads)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    add_search_arguments(parser)
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        rows.extend(measure(size, args.dim, args.top_k, args.seconds, args.min_queries))
    print(json.dumps({"engine": f"FAISS {faiss.__version__} IndexFlatIP", "rows": rows}))


if __name__ == "__main__":
    main()
