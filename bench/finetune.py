#!/usr/bin/python3
"""`make bench` driver for issue 6's benchmark: fine-tuning from the artifacts with ONNX Runtime alone.

Runs pipeline-bench finetune-speed (100 epochs of a linear head on 600 labels after feature caching; one artifact step
against the same TorchSharp step, same head, weights and batch) and finetune-accuracy at 1% and 10% of the labels (a
linear head alone and with the last conv block unfrozen, against the same architecture trained from scratch on the same
labels in TorchSharp), on MODEL (default runs/quickstart/encoder.onnx, which `make run` writes). Writes
bench/results/finetune.{json,md}.
"""
import datetime
import json
import os
import platform
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BENCH = ["dotnet", os.path.join(ROOT, "bench/Pipeline.Bench/bin/Release/net10.0/linux-x64/pipeline-bench.dll")]
# Raw-pixel logistic regression on standardised pixels (scikit-learn), DESIGN.md: 600 and 6,000 balanced labels.
RAW_PIXELS = {"1%": 0.784, "10%": 0.816}
# Epochs per label fraction: the fine-tunes make ~1,000 and ~1,900 steps of 64; from scratch sees 60,000 and 180,000 images.
EPOCHS = {"1%": (100, 100), "10%": (20, 30)}


def run(arguments):
    """Runs one measurement and returns its JSON, with the machine's 1-minute load average before and after it."""
    command = BENCH + arguments
    print("  $ " + " ".join(command), file=sys.stderr, flush=True)
    before = os.getloadavg()[0]
    result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout.strip().splitlines()[-1])
    result["load_average"] = [round(before, 1), round(os.getloadavg()[0], 1)]
    return result


def main():
    model = sys.argv[1] if len(sys.argv) > 1 else "runs/quickstart/encoder.onnx"
    # Both thread counts: on a shared 2-core machine, libtorch's two threads lose much more to a busy neighbour than ORT's.
    speeds = [run(["finetune-speed", "--model", model, "--seconds", "6", "--threads", str(threads)]) for threads in (1, 2)]
    speed = speeds[-1]
    accuracy = [run(["finetune-accuracy", "--model", model, "--labels", labels, "--epochs", str(EPOCHS[labels][0]),
                     "--scratch-epochs", str(EPOCHS[labels][1]), "--threads", "2"]) for labels in ("1%", "10%")]
    date = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    machine = f"{platform.machine()}, {os.cpu_count()} cores"
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results/finetune.json"), "w") as f:
        json.dump({"date": date, "machine": machine, "command": f"make bench (bench/finetune.py {model})", "speed": speeds,
                   "accuracy": accuracy, "raw_pixel_logistic_regression": RAW_PIXELS}, f, indent=2)

    lines = [
        "# Fine-tuning from the artifacts (ONNX Runtime alone)",
        "",
        f"{date}, {machine} shared with other work (1-minute load average before → after each measurement below); "
        f"`make bench` (bench/finetune.py) on `{model}`; the same thread count for ONNX Runtime and TorchSharp.",
        "",
        f"**Time to fine-tune a linear head on {speed['labels']} labels for {speed['epochs']} epochs** ({speed['steps']} steps of 64, "
        f"every label trained on): **{speed['fine_tune_seconds']:.2f} s** after caching the frozen encoder's features in "
        f"{speed['feature_caching_seconds']:.2f} s (goal < 2 s; 2 threads; load {speed['load_average'][0]} → {speed['load_average'][1]}).",
        "",
        "**One training step, artifacts (ONNX Runtime, FineTuner's I/O bindings) against TorchSharp** (autograd and "
        "torch.optim.AdamW on the same region, weights and batch of 64; best of 3 alternating rounds):",
        "",
        "| trainable region | input | threads | artifact steps/s | TorchSharp steps/s | ratio (goal ≥ 1.0) | ORT managed bytes/step | load |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for measured in speeds:
        for row in measured["step_comparison"]:
            lines.append(f"| {row['region']} | [64, {', '.join(map(str, row['input_shape']))}] | {measured['threads']} | "
                         f"{row['artifact_steps_per_second']:,.0f} | {row['torchsharp_steps_per_second']:,.1f} | {row['ratio']:.2f}× | "
                         f"{row['artifact_managed_bytes_per_step']} | {measured['load_average'][0]} → {measured['load_average'][1]} |")
    lines += [
        "",
        "**Test accuracy on the 10,000 Fashion-MNIST test images** (labels drawn class-balanced with seed 0; AdamW, learning "
        "rate 3e-3 with cosine decay, batch 64, the head standardising the embedding; no validation split, so every label trains; "
        "2 threads; load " + ", ".join(f"{r['labels']}: {r['load_average'][0]} → {r['load_average'][1]}" for r in accuracy) + "):",
        "",
        "| labels | method | test accuracy | epochs | seconds |",
        "|---|---|---:|---:|---:|",
    ]
    for result in accuracy:
        label = f"{result['labels']} ({result['label_count']})"
        for row in result["rows"]:
            lines.append(f"| {label} | {row['method']} | {row['accuracy']:.1%} | {row['epochs']} | {row['seconds']:.0f} |")
        lines.append(f"| {label} | raw-pixel logistic regression (DESIGN.md) | {RAW_PIXELS[result['labels']]:.1%} | | |")
    lines.append("")
    with open(os.path.join(HERE, "results/finetune.md"), "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
