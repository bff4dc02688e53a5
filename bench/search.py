#!/usr/bin/python3
"""`make bench-search`: exact top-k cosine search, our EmbeddingIndex (pipeline-inference-bench search) beside FAISS's
IndexFlatIP (bench/peers/search_faiss.py), at 10k, 100k and 1M random unit vectors of width 128, top 10, one query at a
time, on one thread and on every core. Writes bench/results/search.{json,md}.
"""
import argparse
import datetime
import json
import os
import shlex
import subprocess
import sys

import benchrun
from peers.search_options import add_search_arguments

BENCH = ["dotnet", os.path.join(benchrun.ROOT, "bench/Pipeline.Inference.Bench/bin/Release/net10.0/linux-x64/pipeline-inference-bench.dll"), "search"]
PEER = ["/usr/bin/python3", os.path.join(benchrun.HERE, "peers/search_faiss.py")]


def run(command):
    print("  $ " + benchrun.shown(command), file=sys.stderr, flush=True)
    return json.loads(subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True, cwd=benchrun.ROOT).stdout.strip().splitlines()[-1])


def render(result):
    peer = {(row["size"], row["threads"]): row for row in result["peer"]["rows"]} if result["peer"] else {}
    lines = [
        "# Lookup by similarity: exact top-k cosine search",
        "",
        f"{result['date']}, {result['machine']}; `{result['command']}`. {result['conditions']}",
        "",
        f"{result['ours']['engine']} ({result['ours']['vector_isa']}) against {result['peer']['engine'] if result['peer'] else 'no peer (python3-faiss missing)'}: "
        f"seeded random unit vectors of width {result['dim']}, one query at a time, top {result['top_k']}, {result['seconds']} s (at least "
        f"{result['min_queries']} queries) per figure; threads `1` is one thread, `default` every core (the thread pool; FAISS's OpenMP).",
        "",
        "| vectors | threads | queries/s | p50 ms | p99 ms | FAISS queries/s | FAISS p99 ms | ratio (queries/s) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result["ours"]["rows"]:
        other = peer.get((row["size"], row["threads"]))
        theirs = f"{other['queries_per_second']:,.0f} | {other['p99_ms']:.2f} | {row['queries_per_second'] / other['queries_per_second']:.2f}×" if other else "| |"
        lines.append(f"| {row['size']:,} | {row['threads']} | {row['queries_per_second']:,.0f} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} | {theirs} |")
    sizes = sorted({row["size"] for row in result["ours"]["rows"]})
    lines += [
        "",
        "Memory: the vectors alone, " + ", ".join(f"{size:,}: {size * result['dim'] * 4 / 1e6:,.0f} MB" for size in sizes)
        + f"; managed bytes allocated per query: {max(row['managed_bytes_per_query'] for row in result['ours']['rows']):,} at most "
        "(the normalised query, the heap, the hits).",
        "",
    ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    add_search_arguments(parser)
    parser.add_argument("--note", default="", help="Conditions to record, such as other jobs on the machine.")
    args = parser.parse_args()
    options = ["--sizes", *map(str, args.sizes), "--dim", str(args.dim), "--top-k", str(args.top_k),
               "--seconds", str(args.seconds), "--min-queries", str(args.min_queries)]
    load_before = os.getloadavg()[0]
    ours = run(BENCH + options)
    try:
        import faiss  # noqa: F401 (only whether it is there)
        peer = run(PEER + options)
    except ImportError:
        peer = None
    niceness = os.nice(0)
    conditions = (f"Load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
                  + (f"; run at nice {niceness}" if niceness else "") + (f"; {args.note}" if args.note else "") + ".")
    result = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": benchrun.machine(),
        "command": "make bench-search" + (f' SEARCH_FLAGS="{shlex.join(sys.argv[1:])}"' if sys.argv[1:] else ""),
        "conditions": conditions,
        "dim": args.dim, "top_k": args.top_k, "seconds": args.seconds, "min_queries": args.min_queries,
        "ours": ours, "peer": peer,
    }
    benchrun.write_results(os.path.join(benchrun.HERE, "results/search.json"), os.path.join(benchrun.HERE, "results/search.md"), result, render)


if __name__ == "__main__":
    main()
