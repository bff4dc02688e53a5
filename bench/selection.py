#!/usr/bin/python3
"""Which images to label (issue 15): typiclust, maxherding, k-center and random selection from the reference encoder's embeddings.

For each label seed, budget and strategy it runs `pipeline-infer select` on the 60,000 Fashion-MNIST training images
(labels unseen), fine-tunes on the chosen images with their labels (`finetune --labels FILE`: a linear head on the frozen
encoder, `--recipe frozen`, and every layer with crops and flips, finetune's default recipe for small labelled sets), and scores the classifier on the 10,000 test images. Writes
bench/results/selection.{json,md} (mean, and min–max over the seeds, with how the choice spread over the classes); runs go
to bench/work/selection/, where the pool's embeddings are kept once (`--embedding-cache`). A measurement already in the JSON with the same command is read back instead of run again.
"""
import argparse
import os
import re
import statistics
import sys

from benchrun import INFER, accuracy_line, add_reference_arguments, commands_section, measure_and_save, require_cli

STRATEGIES = ["typiclust", "maxherding", "kcenter", "random"]
BATCH = 64
EPOCHS = 100


def coverage(output):
    found = re.search(r"classes covered (\d+)/(\d+), (\d+)–(\d+) per class", output)
    if not found:
        sys.exit("pipeline-infer select printed no class coverage")
    return {"classes": int(found.group(1)), "fewest": int(found.group(3)), "most": int(found.group(4))}


def measure(args, work, store):
    encoder = os.path.join(os.path.abspath(args.reference), "encoder.onnx")
    rows = {}
    for seed in args.seeds:
        for budget in args.budgets:
            for strategy in args.strategies:
                slug = f"{strategy}-{budget}-seed{seed}"
                chosen = os.path.join(work, slug + ".csv")
                row = rows.setdefault(f"{budget} {strategy}", {})
                row.setdefault("coverage", {})[seed] = store.run(
                    [INFER, "select", "--model", encoder, "--data", "fashion-mnist:train", "--budget", str(budget), "--strategy", strategy,
                     "--seed", str(seed), "--embedding-cache", os.path.join(work, "pool.safetensors"), "--out", chosen],
                    os.path.join(work, slug + ".select.log"), coverage)
                # The every-layer fine-tune is finetune's default for up to 2,000 labels (the auto recipe picks full).
                heads = [("linear head", ["--recipe", "frozen", "--epochs", str(EPOCHS)]),
                         ("every layer", ["--head", "linear", "--epochs", str(EPOCHS)])]
                for head, options in heads:
                    if head == "every layer" and not args.every_layer:
                        continue
                    run = os.path.join(work, f"{slug}-{head.replace(' ', '-')}")
                    store.run([INFER, "finetune", "--model", encoder, "--data", "fashion-mnist:train", "--labels", chosen, *options,
                               "--batch-size", str(BATCH), "--validation", "0%", "--seed", str(seed), "--out", run],
                              run + ".log", lambda output: None, work_dir=run)
                    row.setdefault(head, {})[seed] = store.run(
                        [INFER, "evaluate", "--model", os.path.join(run, "inference_model.onnx"), "--data", "fashion-mnist:test"],
                        run + ".evaluate.log", accuracy_line)
                save(args, store, rows)
    return rows


def save(args, store, rows, show=False):
    store.save("selection", "selection.py", args.reference, args.seeds, rows, markdown, show)


def spread(draws):
    values = list(draws.values())
    if not values:
        return "–"
    return f"{statistics.mean(values):.1%} ({min(values):.1%} – {max(values):.1%})"


def markdown(result):
    lines = [
        "# Which images to label: selection strategies from the reference encoder's embeddings",
        "",
        f"{result['date']}, {result['machine']}; `{result['command']}`; encoder `{result['reference']}/encoder.onnx`.",
        "",
        "Fashion-MNIST: the pool is the 60,000 training images, whose labels the strategies never see; the chosen images are "
        "fine-tuned on with their labels and scored on the 10,000 test images. Mean over the seeds, (lowest – highest). "
        f"Both {EPOCHS} epochs in batches of {BATCH}, no validation split. Linear head: `--recipe frozen`, a linear head on the "
        "frozen encoder (lr 3e-3, no augmentation); every layer: `finetune`'s default for up to 2,000 labels, the full recipe "
        "(every layer, crops and flips, lr 1e-3, label smoothing 0.1), which the commands reach through the auto recipe. "
        "Until 2026-12-05 that every-layer column was printed as the linear head, and its runs were in `*-linear-head` "
        "folders; they were moved to `*-every-layer`, and their commands show where they are now. Classes: how many of the 10 the choice covered, and the fewest and most "
        "images of one class, averaged over the seeds.",
        "",
        "| budget | strategy | linear head | every layer | classes covered | images per class |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for name, row in sorted(result["rows"].items(), key=lambda item: (int(item[0].split()[0]), STRATEGIES.index(item[0].split()[1]))):
        budget, strategy = name.split()
        covered = list(row.get("coverage", {}).values())
        classes = f"{statistics.mean(c['classes'] for c in covered):.1f}" if covered else "–"
        per_class = (f"{statistics.mean(c['fewest'] for c in covered):.1f} – {statistics.mean(c['most'] for c in covered):.1f}"
                     if covered else "–")
        lines.append(f"| {budget} | {strategy} | {spread(row.get('linear head', {}))} | {spread(row.get('every layer', {}))} | "
                     f"{classes} | {per_class} |")
    lines += commands_section(result, "selection")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_reference_arguments(parser, "selection")
    parser.add_argument("--budgets", type=int, nargs="+", default=[10, 20, 50, 100, 600])
    parser.add_argument("--strategies", nargs="+", default=STRATEGIES, choices=STRATEGIES)
    parser.add_argument("--no-every-layer", dest="every_layer", action="store_false", help="fine-tune the linear head only")
    args = parser.parse_args()
    require_cli(INFER)
    measure_and_save(args, measure, save)


if __name__ == "__main__":
    main()
