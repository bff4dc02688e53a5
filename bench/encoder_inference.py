#!/usr/bin/python3
"""`make bench` driver for issue 4's benchmark: embeddings/s of an encoder in TorchSharp eager against ONNX Runtime on
its export, batch 1 and 64, both encoders, in one process per encoder. Writes bench/results/encoder-inference.{json,md}.
"""
import datetime
import json
import os
import platform
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BENCH = ["dotnet", os.path.join(ROOT, "bench/Pipeline.Bench/bin/Release/net10.0/linux-x64/pipeline-bench.dll"), "encoder-inference"]


def main():
    results = []
    for encoder in ("convnet", "resnet18"):
        command = BENCH + ["--encoder", encoder, "--batch-sizes", "1", "64", "--seconds", "5", "--threads", "2"]
        print("  $ " + " ".join(command), file=sys.stderr, flush=True)
        results.append(json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]))
    date = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results/encoder-inference.json"), "w") as f:
        json.dump({"date": date, "machine": f"{platform.machine()}, {os.cpu_count()} cores", "command": "make bench", "results": results}, f, indent=2)
    lines = [
        "# Encoder inference: ONNX Runtime against TorchSharp eager",
        "",
        f"{date}, {platform.machine()}, {os.cpu_count()} cores; `make bench` (bench/encoder_inference.py). Same encoder "
        "(random weights, 1×28×28 input), same Fashion-MNIST test images, 2 threads each; ONNX Runtime with full graph "
        "optimisation through the OrtValue API over reused buffers; 5 s per figure.",
        "",
        "| encoder | batch | TorchSharp embeddings/s | ONNX Runtime embeddings/s | ratio (goal ≥ 2) | ORT managed bytes/call |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        for row in result["rows"]:
            lines.append(f"| {result['encoder']} (D = {result['embedding_dim']}) | {row['batch_size']} | "
                         f"{row['torchsharp_embeddings_per_second']:.0f} | {row['onnxruntime_embeddings_per_second']:.0f} | "
                         f"{row['ratio']:.2f}× | {row['onnxruntime_managed_bytes_per_call']} |")
    lines.append("")
    with open(os.path.join(HERE, "results/encoder-inference.md"), "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
