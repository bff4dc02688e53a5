#!/usr/bin/python3
"""`make bench-precision`: the shipped reference encoder beside its int8 and fp16 variants (pipeline-infer quantize):
file size, embeddings/s at batch 1 and 64 on the same threads (pipeline-bench precision, rounds alternating between the
models), kNN and linear-probe accuracy on Fashion-MNIST test (pipeline-train evaluate's protocols on each model's
embeddings), and a fine-tuned classifier (a linear head on 1% of the labels) and its variants scored by pipeline-infer
evaluate. Writes bench/results/precision.{json,md}; models and logs in bench/work/precision/.
"""
import argparse
import datetime
import json
import os
import re
import shlex
import sys

import benchrun

BENCH = ["dotnet", os.path.join(benchrun.ROOT, "bench/Pipeline.Bench/bin/Release/net10.0/linux-x64/pipeline-bench.dll"), "precision"]
WORK = os.path.join(benchrun.HERE, "work/precision")
VARIANTS = [("int8", ["--precision", "int8"]), ("int8-minmax", ["--precision", "int8", "--calibration-method", "minmax"]),
            ("fp16", ["--precision", "fp16"])]


def quantize(source, name, options, commands):
    out = os.path.join(WORK, f"{os.path.splitext(os.path.basename(source))[0]}.{name}.onnx")
    command = [benchrun.INFER, "quantize", "--model", source, "--calibration", "fashion-mnist:train", "--out", out, *options]
    commands.append(benchrun.shown(command))
    output, _ = benchrun.timed(command, os.path.join(WORK, f"quantize-{os.path.basename(out)}.log"))
    return out, output.strip()


def evaluate(model, commands):
    command = [benchrun.INFER, "evaluate", "--model", model, "--data", "fashion-mnist:test"]
    commands.append(benchrun.shown(command))
    output, _ = benchrun.timed(command, os.path.join(WORK, f"evaluate-{os.path.basename(model)}.log"))
    return benchrun.accuracy_line(output)


def render(result):
    models = result["speed"]["models"]
    fp32 = models[0]
    lines = [
        "# Precision variants: int8 (QDQ) and fp16 beside the float32 encoder",
        "",
        f"{result['date']}, {result['machine']}; `{result['command']}`. {result['conditions']}",
        "",
        f"The shipped reference encoder (convnet6, D = 256) and its variants from `pipeline-infer quantize` (calibration: "
        f"1,024 images of fashion-mnist:train; proof: 1,000 other ones). Embeddings/s through `EmbeddingModel` (ONNX Runtime "
        f"{result['speed']['onnxruntime']}, CPU), {result['speed']['threads']} intra-op thread(s) for every model, median of "
        f"{result['rounds']} rounds alternating between the models, {result['seconds']} s each. Accuracy: pipeline-train "
        "evaluate's kNN (k = 200, T = 0.1) and linear probe on each model's embeddings of Fashion-MNIST (labelled train "
        "images drawn with seed 0), scored on the 10,000 test images.",
        "",
        "| model | file | size × | batch 1 /s | × | batch 64 /s | × | " + " | ".join(result["evaluations"]) + " | proof: cosine mean / min, top-10 shared |",
        "|---|---:|---:|---:|---:|---:|---:|" + "---:|" * len(result["evaluations"]) + "---|",
    ]
    for row in models:
        rates = row["embeddings_per_second"]
        accuracy = row.get("accuracy", {})
        proof = result["proofs"].get(row["precision_name"], "")
        lines.append(
            f"| {row['precision_name']} | {row['bytes'] / 1e6:.2f} MB | {fp32['bytes'] / row['bytes']:.1f}× | {rates['1']:,.0f} | "
            f"{rates['1'] / fp32['embeddings_per_second']['1']:.2f}× | {rates['64']:,.0f} | {rates['64'] / fp32['embeddings_per_second']['64']:.2f}× | "
            + " | ".join(f"{100 * accuracy[e]:.2f}% ({100 * (accuracy[e] - fp32['accuracy'][e]):+.2f})" if e in accuracy else "" for e in result["evaluations"])
            + f" | {proof} |")
    lines += [
        "",
        "Fine-tuned classifier (`pipeline-infer finetune --recipe frozen --head linear --labels 1% --seed 0` on the reference "
        "encoder), its variants made from `inference_model.onnx` the same way, scored by `pipeline-infer evaluate` on "
        "fashion-mnist:test:",
        "",
        "| classifier | test accuracy | change |",
        "|---|---:|---:|",
    ]
    classifier = result["classifier"]
    for name, accuracy in classifier.items():
        lines.append(f"| {name} | {100 * accuracy:.2f}% | {100 * (accuracy - classifier['fp32']):+.2f} |")
    lines += ["", "What `quantize` printed:", "", "```", *result["quantize_output"], "```", "", "Commands:", "", "```sh",
              *result["commands"], "```", ""]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=os.path.join(benchrun.ROOT, "models/fashion-mnist-simclr-convnet6/encoder.onnx"))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--evaluations", nargs="*", default=["knn-100%", "linear-100%", "knn-1%", "linear-1%"])
    parser.add_argument("--note", default="", help="Conditions to record, such as other jobs on the machine.")
    args = parser.parse_args()
    benchrun.require_cli(benchrun.INFER)
    os.makedirs(WORK, exist_ok=True)
    load_before = os.getloadavg()[0]
    commands, printed, proofs = [], [], {}

    models = [args.model]
    for name, options in VARIANTS:
        out, output = quantize(args.model, name, options, commands)
        models.append(out)
        printed.append(output)
        found = re.search(r"cosine mean ([\d.]+) .*?smallest ([\d.]+) .*?neighbours shared ([\d.]+)", output)
        proofs[name] = f"{found.group(1)} / {found.group(2)}, {found.group(3)}" if found else ""

    speed_command = BENCH + ["--models", *models, "--threads", str(args.threads), "--seconds", str(args.seconds),
                             "--rounds", str(args.rounds), "--accuracy", *args.evaluations]
    commands.append(benchrun.shown(speed_command))
    output, _ = benchrun.timed(speed_command, os.path.join(WORK, "precision-bench.log"))
    speed = json.loads(output.strip().splitlines()[-1])
    for row, name in zip(speed["models"], ["fp32"] + [name for name, _ in VARIANTS]):
        row["precision_name"] = name

    finetune = os.path.join(WORK, "finetune")
    command = [benchrun.INFER, "finetune", "--model", args.model, "--data", "fashion-mnist:train", "--labels", "1%",
               "--recipe", "frozen", "--head", "linear", "--seed", "0", "--out", finetune]
    commands.append(benchrun.shown(command))
    benchrun.timed(command, os.path.join(WORK, "finetune.log"))
    classifier_model = os.path.join(finetune, "inference_model.onnx")
    classifier = {"fp32": evaluate(classifier_model, commands)}
    for name, options in VARIANTS:
        out, output = quantize(classifier_model, name, options, commands)
        printed.append(output)
        classifier[name] = evaluate(out, commands)

    niceness = os.nice(0)
    result = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": benchrun.machine(),
        "command": "make bench-precision" + (f' PRECISION_FLAGS="{shlex.join(sys.argv[1:])}"' if sys.argv[1:] else ""),
        "conditions": f"Load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
                      + (f"; run at nice {niceness}" if niceness else "") + (f"; {args.note}" if args.note else "") + ".",
        "seconds": args.seconds, "rounds": args.rounds, "evaluations": args.evaluations,
        "speed": speed, "proofs": proofs, "classifier": classifier,
        "quantize_output": [line.replace(benchrun.ROOT + os.sep, "") for line in printed],
        "commands": commands,
    }
    benchrun.write_results(os.path.join(benchrun.HERE, "results/precision.json"), os.path.join(benchrun.HERE, "results/precision.md"), result, render)


if __name__ == "__main__":
    main()
