#!/usr/bin/python3
"""Is the reference encoder's lead over raw pixels more than chance? McNemar's exact test on paired test predictions.

For each label seed it scores the reference encoder and raw pixels with the same tuned probes (`evaluate --tune`: kNN
and the linear probe at 1%, 10% and 100% of the labels) and writes each test image's prediction
(`evaluate --predictions`). Then, for each (protocol, fraction), it pairs the two files image by image and reports both
accuracies, the difference in images, the discordant pairs — b: the encoder right and pixels wrong, c: the reverse —
and the exact two-sided McNemar p-value: the binomial probability, at 1/2, of a split of the b + c discordant images
at least as uneven as the one seen. Writes bench/results/significance.{json,md}; runs go to bench/work/significance/. A
measurement already in the JSON with the same command is read back instead of run again, so an interrupted run continues.
"""
import argparse
import csv
import json
import math
import os
import shutil
import sys

from benchrun import TRAIN, add_reference_arguments, commands_section, measure_and_save, render_again, require_cli

LABELS = ["1%", "10%", "100%"]
PROTOCOLS = ["knn", "linear"]


def mcnemar_exact_p(b, c):
    """Two-sided exact McNemar p-value: P(X <= min(b, c)) doubled, X ~ Binomial(b + c, 1/2), at most 1 (1 with no
    discordant pair). Summed in integers, so it is exact up to the final division."""
    n = b + c
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(b, c) + 1))
    return min(1.0, 2 * tail / 2 ** n)


def read_predictions(path):
    """The (label, prediction) of each test image in a predictions file, checking that row i is test image i."""
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        if header != ["index", "label", "prediction"]:
            sys.exit(f"{path}: header {','.join(header)}, not index,label,prediction")
        rows = [(int(index), int(label), int(prediction)) for index, label, prediction in reader]
    if [row[0] for row in rows] != list(range(len(rows))):
        sys.exit(f"{path}: the rows are not test images 0, 1, 2… in order")
    return [(label, prediction) for _, label, prediction in rows]


def paired(encoder_path, pixels_path):
    """The comparison of two predictions files of the same test images: accuracies, difference, b, c and McNemar's p."""
    encoder, pixels = read_predictions(encoder_path), read_predictions(pixels_path)
    if len(encoder) != len(pixels) or any(e[0] != p[0] for e, p in zip(encoder, pixels)):
        sys.exit(f"{encoder_path} and {pixels_path} do not label the same test images alike: they cannot be paired")
    encoder_right = [label == prediction for label, prediction in encoder]
    pixels_right = [label == prediction for label, prediction in pixels]
    b = sum(e and not p for e, p in zip(encoder_right, pixels_right))
    c = sum(p and not e for e, p in zip(encoder_right, pixels_right))
    return {
        "images": len(encoder),
        "encoder": sum(encoder_right) / len(encoder),
        "pixels": sum(pixels_right) / len(pixels),
        "difference": sum(encoder_right) - sum(pixels_right),
        "b": b,
        "c": c,
        "p": mcnemar_exact_p(b, c),
    }


def file_name(protocol, labels):
    """The predictions file `evaluate --predictions` writes for a (protocol, fraction): % written pct, as eval/ names its JSON."""
    return f"{protocol}-{labels.replace('%', 'pct')}.csv"


def accuracies(output):
    """evaluate --json's accuracies by (protocol, labels)."""
    results = {}
    for line in output.splitlines():
        if line.startswith("{"):
            result = json.loads(line)
            results[f"{result['protocol']} {result['labels']}"] = result["accuracy"]
    return results


def measure(args, work, store):
    reference = os.path.abspath(args.reference)
    # evaluate --run writes eval/ into the run it scores: score a copy, so the shipped folder keeps its own evaluation.
    scored_reference = os.path.join(work, "reference")
    shutil.rmtree(scored_reference, ignore_errors=True)
    shutil.copytree(reference, scored_reference, ignore=shutil.ignore_patterns("eval", "report"))
    rows = []
    for seed in args.seeds:
        folder = os.path.join(work, f"seed{seed}")
        printed = {}
        for subject, extra in [("encoder", ["--run", scored_reference]), ("pixels", ["--representation", "pixels"])]:
            predictions = os.path.join(folder, subject)
            printed[subject] = store.run(
                [TRAIN, "evaluate", *extra, "--protocol", *PROTOCOLS, "--labels", *args.labels, "--tune", "--seed", str(seed),
                 "--predictions", predictions, "--json"],
                os.path.join(work, f"{subject}-seed{seed}.log"), accuracies, work_dir=predictions, needs_files=True)
        for protocol in PROTOCOLS:
            for labels in args.labels:
                name = file_name(protocol, labels)
                row = {"seed": seed, "protocol": protocol, "labels": labels,
                       **paired(os.path.join(folder, "encoder", name), os.path.join(folder, "pixels", name))}
                # The files must be the predictions of the accuracies evaluate printed.
                for subject in ("encoder", "pixels"):
                    stated = printed[subject][f"{protocol} {labels}"]
                    if abs(row[subject] - stated) > 1e-9:
                        sys.exit(f"{subject} {protocol} {labels}: the predictions score {row[subject]:.4%}, evaluate printed {stated:.4%}")
                rows.append(row)
        save(args, store, rows)
    return rows


def save(args, store, rows, show=False):
    store.save("significance", "significance.py", args.reference, args.seeds, rows, markdown, show)


def markdown(result):
    lines = [
        "# Is the reference encoder's lead over raw pixels more than chance?",
        "",
        f"{result['date']}, {result['machine']}; `{result['command']}`; reference `{result['reference']}`.",
        "",
        "Fashion-MNIST test predictions of the reference encoder and of raw pixels, both scored with k and C tuned on a "
        "stratified 20% of the labelled images (`evaluate --tune`), paired image by image. b: test images the encoder gets "
        "right and pixels wrong; c: the reverse; difference = b − c images. p: exact two-sided McNemar test (binomial, "
        "min(b, c) of b + c at 1/2); below 0.05, the lead is unlikely to be chance on these test images.",
        "",
        "| seed | protocol | labels | encoder | pixels | difference (images) | b | c | McNemar p |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result["rows"]:
        lines.append(f"| {row['seed']} | {row['protocol']} | {row['labels']} | {row['encoder']:.2%} | {row['pixels']:.2%} | "
                     f"{row['difference']:+d} | {row['b']} | {row['c']} | {row['p']:.3g} |")
    lines += commands_section(result, "significance")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_reference_arguments(parser, "significance")
    # One draw: at 100% every seed labels the same images (it moves only the tuning split).
    parser.set_defaults(seeds=[0])
    parser.add_argument("--labels", nargs="+", default=LABELS)
    parser.add_argument("--render", action="store_true", help="only write significance.md again from significance.json")
    args = parser.parse_args()
    if args.render:
        render_again(args.results, markdown)
        return
    require_cli(TRAIN)
    measure_and_save(args, measure, save)


if __name__ == "__main__":
    main()
