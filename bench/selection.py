#!/usr/bin/python3
"""Which images to label (issue 15): typiclust, maxherding, k-center and random selection from the reference encoder's embeddings.

For each label seed, budget and strategy it runs `pipeline-infer select` on the 60,000 Fashion-MNIST training images
(labels unseen), fine-tunes on the chosen images with their labels (`finetune --labels FILE`: a linear head on the frozen
encoder, `--recipe frozen`, and every layer with crops and flips, finetune's default recipe for small labelled sets), and scores the classifier on the 10,000 test images. Writes
bench/results/selection.{json,md} (mean, and min–max over the seeds, with how the choice spread over the classes); runs go
to bench/work/selection/, where the pool's embeddings are kept once (`--embedding-cache`). A measurement already in the JSON with the same command is read back instead of run again.
Beside the strategies, a reference no user can run: the label-aware choice of bench/label_aware_selection.py, scored the same way.
"""
import argparse
import os
import re
import statistics
import sys

from benchrun import HERE, INFER, TRAIN, accuracy_line, add_reference_arguments, commands_section, measure_and_save, require_cli, timed

# The last is no strategy of select's but a reference: TypiClust's rule told the classes (bench/label_aware_selection.py).
LABEL_AWARE = "label-aware"
STRATEGIES = ["typiclust", "maxherding", "kcenter", "random", LABEL_AWARE]
# Semi-supervised training on the chosen labels and all the other images (pipeline-train fixmatch), with --fixmatch-epochs.
FIXMATCH = "FixMatch"
BATCH = 64
EPOCHS = 100


def coverage(output):
    found = re.search(r"classes covered (\d+)/(\d+), (\d+)–(\d+) per class", output)
    if not found:
        sys.exit("pipeline-infer select printed no class coverage")
    return {"classes": int(found.group(1)), "fewest": int(found.group(3)), "most": int(found.group(4))}


def trainings(args, encoder, work, slug, strategy, seed, chosen):
    """What is trained on one choice, as (column, training command, evaluate command, run folder)."""
    # The every-layer fine-tune is finetune's default for up to 2,000 labels (the auto recipe picks full).
    heads = [("linear head", ["--recipe", "frozen", "--epochs", str(EPOCHS)]),
             ("every layer", ["--head", "linear", "--epochs", str(EPOCHS)])]
    commands = []
    for head, options in heads:
        # The label-aware reference is measured with the linear head only, where selection's goal is set.
        if head == "every layer" and (not args.every_layer or strategy == LABEL_AWARE):
            continue
        run = os.path.join(work, f"{slug}-{head.replace(' ', '-')}")
        commands.append((head, [INFER, "finetune", "--model", encoder, "--data", "fashion-mnist:train", "--labels", chosen, *options,
                                "--batch-size", str(BATCH), "--validation", "0%", "--seed", str(seed), "--out", run], run))
    if args.fixmatch_epochs:
        run = os.path.join(work, f"{slug}-fixmatch")
        commands.append((FIXMATCH, [TRAIN, "fixmatch", "--student", os.path.abspath(args.reference), "--data", "fashion-mnist:train",
                                    "--labels", chosen, "--epochs", str(args.fixmatch_epochs), "--seed", str(seed), "--out", run], run))
    return [(head, train, [INFER, "evaluate", "--model", os.path.join(run, "inference_model.onnx"), "--data", "fashion-mnist:test"], run)
            for head, train, run in commands]


def pool_cache(work):
    """select's --embedding-cache of the pool's embeddings, shared by every choice and read by the label-aware reference."""
    return os.path.join(work, "pool.safetensors")


def selection_command(encoder, work, strategy, budget, seed, chosen):
    pool = pool_cache(work)
    if strategy == LABEL_AWARE:
        return [sys.executable, os.path.join(HERE, "label_aware_selection.py"), "--pool", pool, "--budget", str(budget),
                "--seed", str(seed), "--out", chosen]
    return [INFER, "select", "--model", encoder, "--data", "fashion-mnist:train", "--budget", str(budget), "--strategy", strategy,
            "--seed", str(seed), "--embedding-cache", pool, "--out", chosen]


def embed_pool(encoder, work):
    """Writes select's cache of the pool's embeddings, which the label-aware reference reads, through a one-image choice."""
    pool = pool_cache(work)
    if not os.path.exists(pool):
        timed([INFER, "select", "--model", encoder, "--data", "fashion-mnist:train", "--budget", "1", "--strategy", "random",
               "--embedding-cache", pool, "--out", os.path.join(work, "pool.csv")], os.path.join(work, "pool.log"))


def measure(args, work, store):
    encoder = os.path.join(os.path.abspath(args.reference), "encoder.onnx")
    rows = {}
    for seed in args.seeds:
        for budget in args.budgets:
            for strategy in args.strategies:
                slug = f"{strategy}-{budget}-seed{seed}"
                chosen = os.path.join(work, slug + ".csv")
                row = rows.setdefault(f"{budget} {strategy}", {})
                runs = trainings(args, encoder, work, slug, strategy, seed, chosen)
                selection = selection_command(encoder, work, strategy, budget, seed, chosen)
                # A training still to run reads the chosen ids, which a fresh clone lacks even where the choice is kept.
                choice_read = any(not store.has(command) for _, train, evaluate, _ in runs for command in (train, evaluate))
                if strategy == LABEL_AWARE and (choice_read or not store.has(selection)):
                    embed_pool(encoder, work)
                row.setdefault("coverage", {})[seed] = store.run(selection, os.path.join(work, slug + ".select.log"), coverage,
                                                                 needs_files=chosen if choice_read else False)
                for head, train, evaluate, run in runs:
                    store.run(train, run + ".log", lambda output: None, work_dir=run, needs_files=not store.has(evaluate))
                    row.setdefault(head, {})[seed] = store.run(evaluate, run + ".evaluate.log", accuracy_line)
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
        "images of one class, averaged over the seeds. label-aware is a reference, not a strategy: TypiClust's rule told the classes "
        "(per class, k-means into budget / 10 clusters and the most typical image of each; bench/label_aware_selection.py), "
        "perfectly balanced — how far a choice made without labels is from one made with them.",
    ]
    fixmatch = [command for command in result["commands"] if " fixmatch " in command]
    if fixmatch:
        epochs = re.search(r"--epochs (\d+)", fixmatch[0]).group(1)
        lines[-1] += (f" FixMatch: `pipeline-train fixmatch` for {epochs} epochs from the reference run on the chosen labels and the "
                      "unlabelled rest of the pool (its defaults otherwise: 256 images a step, each a weak and a strong view, "
                      "64 labelled ones drawn with replacement, confidence 0.95).")
    columns = ["linear head", "every layer"] + ([FIXMATCH] if fixmatch else [])
    lines += ["", "| budget | strategy | " + " | ".join(columns) + " | classes covered | images per class |",
              "|---:|---|" + "---:|" * len(columns) + "---:|---:|"]
    for name, row in sorted(result["rows"].items(), key=lambda item: (int(item[0].split()[0]), STRATEGIES.index(item[0].split()[1]))):
        budget, strategy = name.split()
        covered = list(row.get("coverage", {}).values())
        classes = f"{statistics.mean(c['classes'] for c in covered):.1f}" if covered else "–"
        per_class = (f"{statistics.mean(c['fewest'] for c in covered):.1f} – {statistics.mean(c['most'] for c in covered):.1f}"
                     if covered else "–")
        lines.append(f"| {budget} | {strategy} | " + " | ".join(spread(row.get(column, {})) for column in columns) + f" | {classes} | {per_class} |")
    lines += commands_section(result, "selection")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_reference_arguments(parser, "selection")
    parser.add_argument("--budgets", type=int, nargs="+", default=[10, 20, 50, 100, 600])
    parser.add_argument("--strategies", nargs="+", default=STRATEGIES, choices=STRATEGIES)
    parser.add_argument("--no-every-layer", dest="every_layer", action="store_false", help="fine-tune the linear head only")
    parser.add_argument("--fixmatch-epochs", type=int, default=0,
                        help="also train FixMatch from the reference run on each choice for this many epochs (0: not measured)")
    args = parser.parse_args()
    require_cli(INFER)
    if args.fixmatch_epochs:
        require_cli(TRAIN)
    measure_and_save(args, measure, save)


if __name__ == "__main__":
    main()
