#!/usr/bin/python3
"""`make bench` driver for the SimCLR step: TorchSharp (pipeline-bench) against PyTorch (peers/simclr_step_torch.py).

Runs the two alternately, same model, batch, augmentation and threads, for a fixed number of steps per round, in float32
and in bfloat16 mixed precision;
then one long TorchSharp run for the resident-memory drift. Writes bench/results/simclr-step.{json,md}.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OURS = ["dotnet", os.path.join(ROOT, "bench/Pipeline.Bench/bin/Release/net10.0/linux-x64/pipeline-bench.dll"), "simclr-step"]
PEER = ["/usr/bin/python3", os.path.join(HERE, "peers/simclr_step_torch.py")]
PRECISIONS = ["fp32", "bf16"]


def run(command):
    print("  $ " + " ".join(command), file=sys.stderr, flush=True)
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--drift-steps", type=int, default=1000)
    parser.add_argument("--drift-batch-size", type=int, default=64)
    args = parser.parse_args()

    common = ["--steps", str(args.steps), "--warmup", "5", "--batch-size", str(args.batch_size), "--threads", str(args.threads)]
    runs = {(name, precision): [] for name in ("torchsharp", "pytorch") for precision in PRECISIONS}
    for round_ in range(args.rounds):
        print(f"round {round_ + 1}/{args.rounds}", file=sys.stderr)
        for precision in PRECISIONS:
            runs["torchsharp", precision].append(run(OURS + common + ["--precision", precision]))
            runs["pytorch", precision].append(run(PEER + common + ["--precision", precision]))
    drift = run(OURS + ["--steps", str(args.drift_steps), "--warmup", "5", "--batch-size", str(args.drift_batch_size),
                        "--threads", str(args.threads), "--rss-every", str(max(1, args.drift_steps // 10))])

    ips = {key: statistics.median(r["images_per_second"] for r in rounds) for key, rounds in runs.items()}
    share = {key: statistics.median(r["augmentation_share"] for r in rounds) for key, rounds in runs.items()}
    result = {
        "benchmark": "simclr-step",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "command": " ".join(["make bench: bench/simclr_step.py"] + sys.argv[1:]),
        # The like-for-like ratio: both in float32, as the goal is stated.
        "torchsharp_images_per_second": ips["torchsharp", "fp32"],
        "pytorch_images_per_second": ips["pytorch", "fp32"],
        "ratio": ips["torchsharp", "fp32"] / ips["pytorch", "fp32"],
        "precisions": {precision: {
            "torchsharp_images_per_second": ips["torchsharp", precision],
            "pytorch_images_per_second": ips["pytorch", precision],
            "ratio": ips["torchsharp", precision] / ips["pytorch", precision],
            "torchsharp_augmentation_share": share["torchsharp", precision],
            "pytorch_augmentation_share": share["pytorch", precision],
        } for precision in PRECISIONS},
        "rss_drift": drift.get("rss_drift"),
        "rss_mib": drift["rss_mib"],
        "rounds": {f"{name} {precision}": rounds for (name, precision), rounds in runs.items()},
    }
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results/simclr-step.json"), "w") as f:
        json.dump(result, f, indent=2)
    implementation = {name: runs[name, "fp32"][0]["implementation"] for name in ("torchsharp", "pytorch")}
    table = [
        "# SimCLR training step: TorchSharp against PyTorch",
        "",
        f"{result['date']}, {result['machine']}; `{result['command']}`.",
        f"Same convnet (D = 128) + projection head, NT-Xent, per-sample augmentation, SGD; batch {args.batch_size}, "
        f"{args.threads} threads, {args.steps} timed steps per round, {args.rounds} alternating rounds (medians). bf16: "
        "mixed precision — convolutions and linear layers of the encoder and projection head in bfloat16 from float32 "
        "weights (`pretrain --precision bf16`; PyTorch: `torch.autocast(\"cpu\", torch.bfloat16)`).",
        "",
        "| precision | TorchSharp images/s | PyTorch images/s | ratio | augmentation share (TorchSharp / PyTorch) |",
        "|---|---:|---:|---:|---:|",
    ]
    for precision in PRECISIONS:
        row = result["precisions"][precision]
        table.append(f"| {precision} | {row['torchsharp_images_per_second']:.0f} | {row['pytorch_images_per_second']:.0f} | "
                     f"{row['ratio']:.2f}× | {row['torchsharp_augmentation_share']:.1%} / {row['pytorch_augmentation_share']:.1%} |")
    table += [
        "",
        f"{implementation['torchsharp']} against {implementation['pytorch']}. TorchSharp bf16 against PyTorch fp32, the "
        f"step a user gets from each by default: {ips['torchsharp', 'bf16'] / ips['pytorch', 'fp32']:.2f}×; TorchSharp bf16 "
        f"against its own fp32: {ips['torchsharp', 'bf16'] / ips['torchsharp', 'fp32']:.2f}×.",
        "",
        f"Resident memory over {args.drift_steps} steps at batch {args.drift_batch_size} (MiB, by step): "
        + ", ".join(f"{int(s)}: {m:.0f}" for s, m in drift["rss_mib"])
        + (f"; drift after warm-up {result['rss_drift']:+.1%} (goal < 5%)." if result["rss_drift"] is not None else "."),
        "",
    ]
    with open(os.path.join(HERE, "results/simclr-step.md"), "w") as f:
        f.write("\n".join(table))
    print("\n".join(table))


if __name__ == "__main__":
    main()
