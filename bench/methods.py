#!/usr/bin/python3
"""`make bench` driver for issue 3's comparison: every pretraining method at one budget, on Fashion-MNIST test.

For each method it runs `pipeline-train pretrain` (same convnet encoder, same images, epochs, batch and seed) and then
`pipeline-train evaluate --protocol knn linear --labels 1% 10% 100% --json`, timing both processes. Two baselines use
the same evaluation: `random`, the convnet as the seed initialises it (`pretrain --epochs 0`, never trained), and
`pixels`, the raw pixels standardised per position (`evaluate --representation pixels`). Writes
bench/results/methods.{json,md}; the runs go to bench/work/methods/ (ignored by git).
"""
import argparse
import datetime
import json
import os
import re
import shutil
import sys

from benchrun import write_results, TRAIN, HERE, machine, require_cli, shown, timed, uptime

METHODS = ["simclr", "vae", "ae", "dae", "rotation", "random", "pixels"]
LABELS = ["1%", "10%", "100%"]
PROTOCOLS = ["linear", "knn"]
# DESIGN.md: scikit-learn on standardised pixels, logistic regression (C = 1) and cosine kNN (k = 20, distance-weighted).
SKLEARN_PIXELS = {"linear": {"1%": 0.784, "10%": 0.816, "100%": 0.836}, "knn": {"1%": 0.692, "10%": 0.785, "100%": 0.845}}
DESCRIPTION = {
    "simclr": "SimCLR, h",
    "vae": "VAE, μ",
    "ae": "AE, code",
    "dae": "denoising AE, code",
    "rotation": "rotation prediction, h",
    "random": "untrained convnet, h",
    "pixels": "raw pixels, standardised",
}


def embedding_dim(run):
    with open(os.path.join(run, "run.json")) as f:
        config = json.load(f)
    return config["method"].get("latentDim", config["encoder"]["embeddingDim"])


def measure(method, args, work):
    run = os.path.join(work, method)
    shutil.rmtree(run, ignore_errors=True)
    os.makedirs(work, exist_ok=True)
    entry = {"method": method, "load_before": os.getloadavg()}
    evaluate = [TRAIN, "evaluate", "--protocol", "knn", "linear", "--labels", *LABELS, "--seed", str(args.seed), "--json"]
    if method == "pixels":
        entry["pretrain_command"] = None
        entry["pretrain_wall_seconds"] = None
        entry["training_seconds"] = None
        entry["embedding_dim"] = 28 * 28
        evaluate += ["--representation", "pixels", "--train-data", "fashion-mnist:train"]
        log = run + ".evaluate.log"
    else:
        pretrain = [TRAIN, "pretrain", "--method", "simclr" if method == "random" else method, "--data", "fashion-mnist:train",
                    "--encoder", "convnet", "--limit", str(args.limit), "--epochs", "0" if method == "random" else str(args.epochs),
                    "--batch-size", str(args.batch_size), "--seed", str(args.seed), "--out", run]
        output, seconds = timed(pretrain, run + ".pretrain.log")
        trained = re.search(r"pretrained: (\d+) steps, final loss (\S+), (\d+) s", output)
        entry["pretrain_command"] = shown(pretrain)
        entry["pretrain_wall_seconds"] = seconds
        entry["training_seconds"] = float(trained.group(3)) if trained else 0.0
        entry["steps"] = int(trained.group(1)) if trained else 0
        entry["final_loss"] = float(trained.group(2)) if trained else None
        entry["embedding_dim"] = embedding_dim(run)
        evaluate += ["--run", run]
        log = run + ".evaluate.log"
    output, seconds = timed(evaluate, log)
    entry["evaluate_command"] = shown(evaluate)
    entry["evaluate_wall_seconds"] = seconds
    entry["accuracy"] = {protocol: {} for protocol in PROTOCOLS}
    for line in output.splitlines():
        if line.startswith("{"):
            result = json.loads(line)
            entry["accuracy"][result["protocol"]][result["labels"]] = result["accuracy"]
    entry["load_after"] = os.getloadavg()
    print(f"  {method}: " + ", ".join(f"{p} {l} {entry['accuracy'][p].get(l, float('nan')):.1%}" for p in PROTOCOLS for l in LABELS),
          file=sys.stderr, flush=True)
    return entry


def table(result):
    pixels = next((entry for entry in result["methods"] if entry["method"] == "pixels"), None)
    header = ("| method (embedding) | D | " + " | ".join(f"{'linear' if p == 'linear' else 'kNN'} {l}" for p in PROTOCOLS for l in LABELS)
              + " | pretrain wall s (training loop) | evaluate wall s | 1-min load before → after |")
    lines = [header, "|---|---:|" + "---:|" * (len(PROTOCOLS) * len(LABELS)) + "---:|---:|---:|"]
    for entry in result["methods"]:
        cells = []
        for protocol in PROTOCOLS:
            for labels in LABELS:
                accuracy = entry["accuracy"][protocol].get(labels)
                text = "—" if accuracy is None else f"{accuracy:.1%}"
                # Bold: above our own raw-pixel figure with the same classifier and labels.
                if accuracy is not None and pixels is not None and entry is not pixels and accuracy > pixels["accuracy"][protocol].get(labels, 1):
                    text = f"**{text}**"
                cells.append(text)
        pretrain = ("—" if entry["pretrain_wall_seconds"] is None
                    else f"{entry['pretrain_wall_seconds']:.0f} ({entry['training_seconds']:.0f})")
        lines.append(f"| {entry['method']} ({DESCRIPTION[entry['method']]}) | {entry['embedding_dim']} | " + " | ".join(cells)
                     + f" | {pretrain} | {entry['evaluate_wall_seconds']:.0f} | {entry['load_before'][0]:.1f} → {entry['load_after'][0]:.1f} |")
    lines.append("| scikit-learn on standardised pixels (DESIGN.md, not rerun; kNN k = 20) | 784 | "
                 + " | ".join(f"{SKLEARN_PIXELS[p][l]:.1%}" for p in PROTOCOLS for l in LABELS) + " | — | — | |")
    return lines


def markdown(result):
    budget = result["budget"]
    lines = [
        "# Pretraining methods at one budget: linear probe and kNN on Fashion-MNIST test",
        "",
        f"{result['date']} ({result['wall_seconds'] / 60:.0f} min in all), {result['machine']}; `{result['command']}`.",
        "",
        f"Every method trains the same convnet on the first {budget['limit']:,} images of fashion-mnist:train for "
        f"{budget['epochs']} epochs of batch {budget['batch_size']}, seed {budget['seed']}, with its default options; `random` "
        f"is that convnet as seed {budget['seed']} initialises it, never trained (`pretrain --epochs 0`); `pixels` is the "
        "784 grey levels standardised per position with the training images' statistics (`evaluate --representation "
        "pixels`). Each is then scored on the 10,000 test images by the same classifiers, fitted on a class-balanced 1%, "
        "10% or 100% of the 60,000 labelled training images: the linear probe (logistic regression, C = 1, on "
        "standardised features) and cosine kNN (k = 200, votes weighted exp(s / 0.1)). **Bold**: above the raw-pixel row "
        "with the same classifier and labels. Wall times are whole processes (pretrain: data loading, training, the ONNX "
        "export with its parity check and the report; the training loop alone in brackets).",
        "",
        *table(result),
        "",
        f"Load on the 2 shared cores (`uptime`) at the start: `{result['uptime_start']}`; at the end: "
        f"`{result['uptime_end']}`. Other jobs ran on the machine during the benchmark (the last column), so wall times "
        "are upper bounds and only roughly comparable between rows; the accuracies do not depend on the load.",
        "",
        "Commands, per method (the runs and logs are in bench/work/methods/):",
        "",
        "```sh",
    ]
    for entry in result["methods"]:
        if entry["pretrain_command"]:
            lines.append(entry["pretrain_command"])
        lines.append(entry["evaluate_command"])
    lines += ["```", ""]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=10240, help="training images per method (the first N of fashion-mnist:train)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per method (random: 0)")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=METHODS)
    parser.add_argument("--work", default=os.path.join(HERE, "work/methods"), help="folder for the runs and their logs")
    parser.add_argument("--results", default=os.path.join(HERE, "results"), help="folder for methods.json and methods.md")
    parser.add_argument("--render", action="store_true", help="only write methods.md again from methods.json; run nothing")
    args = parser.parse_args()
    json_path = os.path.join(args.results, "methods.json")
    markdown_path = os.path.join(args.results, "methods.md")
    if args.render:
        with open(json_path) as f:
            result = json.load(f)
        with open(markdown_path, "w") as f:
            f.write(markdown(result))
        print(markdown(result))
        return
    require_cli()

    started = datetime.datetime.now(datetime.timezone.utc)
    uptime_start = uptime()
    print(f"uptime at start: {uptime_start}", file=sys.stderr, flush=True)
    entries = [measure(method, args, os.path.abspath(args.work)) for method in args.methods]
    uptime_end = uptime()
    finished = datetime.datetime.now(datetime.timezone.utc)

    result = {
        "benchmark": "methods",
        "date": started.isoformat(timespec="seconds"),
        "wall_seconds": (finished - started).total_seconds(),
        "machine": machine(),
        "uptime_start": uptime_start,
        "uptime_end": uptime_end,
        "command": "make bench-methods (or make bench): /usr/bin/python3 bench/methods.py" + "".join(f" {a}" for a in sys.argv[1:]),
        "budget": {"limit": args.limit, "epochs": args.epochs, "batch_size": args.batch_size, "seed": args.seed,
                   "encoder": "convnet"},
        "evaluation": {"test_data": "fashion-mnist:test", "train_data": "fashion-mnist:train", "labels": LABELS,
                       "knn": "cosine, k = 200, votes exp(s / 0.1)",
                       "linear": "multinomial logistic regression on standardised features, C = 1, 1000 full-batch Adam steps"},
        "sklearn_pixels_design_md": SKLEARN_PIXELS,
        "methods": entries,
    }
    write_results(json_path, markdown_path, result, markdown)


if __name__ == "__main__":
    main()
