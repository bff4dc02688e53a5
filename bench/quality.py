#!/usr/bin/python3
"""What pretraining buys (issue 11): the reference encoder against fair baselines, in the same run, over label draws.

For each label seed and label fraction it measures, on the 10,000 Fashion-MNIST test images:
  - the linear probe and kNN with k and C tuned on held-out labelled images (`evaluate --tune`), on the reference
    encoder, on the same architecture untrained (`pretrain --epochs 0`) and on raw pixels;
  - the reference encoder fine-tuned through the ONNX artifacts with finetune's full recipe (`finetune --recipe full`:
    every layer, crops and flips, AdamW lr 1e-3, label smoothing 0.1, batch 64, no validation split);
  - the same architecture trained from scratch on the same labels with the same augmentation, optimizer, label
    smoothing and steps (`pipeline-bench scratch-accuracy`, TorchSharp, batch norm training);
  - at 1%: the student distilled from that fine-tune on all training images (`pipeline-train distill`);
  - at 1%: FixMatch from the reference encoder on the same labels and all training images (`pipeline-train fixmatch`);
  - at 1%: the student distilled from that FixMatch model (SimCLRv2's third step with the best semi-supervised teacher).
Writes bench/results/quality.{json,md} (mean, and min–max over the seeds); runs go to bench/work/quality/. A measurement
already in the JSON with the same command is read back instead of run again, so an interrupted run continues.
"""
import argparse
import json
import os
import shutil
import statistics
import sys

from benchrun import (INFER, ROOT, TRAIN, accuracy_line, add_reference_arguments, commands_section, measure_and_save, render_again,
                      require_cli)

BENCH = os.path.join(ROOT, "bench/Pipeline.Bench/bin/Release/net10.0/linux-x64/pipeline-bench.dll")
PROBE_LABELS = ["1%", "10%", "100%"]


def probe_results(output):
    results = {}
    for line in output.splitlines():
        if line.startswith("{"):
            result = json.loads(line)
            results[f"{result['protocol']} {result['labels']}"] = result["accuracy"]
    return results


def last_json(output):
    return json.loads(output.strip().splitlines()[-1])


def measure(args, work, store):
    reference = os.path.abspath(args.reference)
    encoder = os.path.join(reference, "encoder.onnx")
    with open(os.path.join(reference, "run.json")) as f:
        architecture = json.load(f)["encoder"]["architecture"]
    untrained = os.path.join(work, "untrained")
    store.run([TRAIN, "pretrain", "--method", "simclr", "--encoder", architecture, "--epochs", "0", "--seed", "0", "--out", untrained],
              os.path.join(work, "untrained.log"), lambda output: None, work_dir=untrained, needs_files=True)
    # The probes write eval/ into the run they score: score a copy, so the shipped folder keeps its own evaluation.
    scored_reference = os.path.join(work, "reference")
    shutil.rmtree(scored_reference, ignore_errors=True)
    shutil.copytree(reference, scored_reference, ignore=shutil.ignore_patterns("eval", "report"))
    rows = {}

    def add(row, seed, value):
        rows.setdefault(row, {})[seed] = value

    for seed in args.seeds:
        tag = f"seed{seed}"
        for labels in args.labels:
            epochs = str(args.epochs[labels])
            slug = f"{labels.rstrip('%')}pct-{tag}"
            # The folder names the recipe: a result read back by its command must come from this recipe's model.
            finetune = os.path.join(work, "finetune-full-" + slug)
            teacher = os.path.join(finetune, "inference_model.onnx")
            distilled = os.path.join(work, f"distill-{args.teacher_input}-{slug}")
            distill = [TRAIN, "distill", "--teacher", teacher, "--student", reference, "--data", "fashion-mnist:train",
                       "--epochs", str(args.distill_epochs), "--teacher-input", args.teacher_input, "--seed", str(seed), "--out", distilled,
                       "--resume"]
            fixmatched = os.path.join(work, f"fixmatch-{slug}")
            fixmatch = [TRAIN, "fixmatch", "--student", reference, "--labels", os.path.join(finetune, "labelled.csv"), "--data", "fashion-mnist:train",
                        "--epochs", str(args.fixmatch_epochs), "--seed", str(seed), "--out", fixmatched, "--resume"]
            # Distilled from FixMatch: the teacher is the semi-supervised model, the student starts again from the reference.
            fixmatch_distilled = os.path.join(work, f"distill-fixmatch-{args.teacher_input}-{slug}")
            fixmatch_distill = [TRAIN, "distill", "--teacher", os.path.join(fixmatched, "inference_model.onnx"), "--student", reference,
                                "--data", "fashion-mnist:train", "--epochs", str(args.distill_epochs), "--teacher-input", args.teacher_input,
                                "--seed", str(seed), "--out", fixmatch_distilled, "--resume"]
            both = labels in args.distill and labels in args.fixmatch
            pending = (labels in args.distill and not store.has(distill)) or (labels in args.fixmatch and not store.has(fixmatch))
            store.run([INFER, "finetune", "--model", encoder, "--data", "fashion-mnist:train", "--labels", labels, "--recipe", "full",
                       "--epochs", epochs, "--seed", str(seed), "--out", finetune],
                      finetune + ".log", lambda output: None, work_dir=finetune,
                      needs_files=os.path.join(finetune, "labelled.csv") if pending else False)
            add(f"{labels}: fine-tuned reference encoder, full recipe (every layer, crops, flips, label smoothing)", seed,
                store.run([INFER, "evaluate", "--model", teacher, "--data", "fashion-mnist:test"], finetune + ".evaluate.log", accuracy_line))
            scratch = store.run(["dotnet", BENCH, "scratch-accuracy", "--model", encoder, "--labels", labels, "--epochs", epochs,
                                 "--seed", str(seed), "--min-crop-scale", "0.5", "--label-smoothing", "0.1"],
                                os.path.join(work, f"scratch-{slug}.log"), last_json)
            add(f"{labels}: {architecture} from scratch, same labels, crops, flips, label smoothing, steps", seed, scratch["accuracy"])
            save(args, store, rows)
            # --resume, and the folder kept: an hour-long distillation or FixMatch run stopped with the session continues
            # from its last finished epoch when the benchmark is run again. FixMatch takes the fine-tune's labelled.csv.
            # FixMatch and its student first: they hold the best 1% results, so a bench stopped early has them.
            for wanted, command, folder, row in [
                    (args.fixmatch, fixmatch, fixmatched, "FixMatch from the reference encoder (same labels, all training images, no teacher)"),
                    (args.distill if both else [], fixmatch_distill, fixmatch_distilled,
                     "distilled student, the FixMatch model above as teacher (all training images)"),
                    (args.distill, distill, distilled, "distilled student (all training images, the fine-tune above as teacher)")]:
                if labels in wanted:
                    store.run(command, folder + ".log", lambda output: None)
                    add(f"{labels}: {row}", seed,
                        store.run([INFER, "evaluate", "--model", os.path.join(folder, "inference_model.onnx"), "--data", "fashion-mnist:test"],
                                  folder + ".evaluate.log", accuracy_line))
                    save(args, store, rows)
    for seed in args.seeds:
        tag = f"seed{seed}"
        # 100% labels every image whatever the seed (the seed moves only the tuning split), so it is scored once.
        labels = PROBE_LABELS if seed == args.seeds[0] else [fraction for fraction in PROBE_LABELS if fraction != "100%"]
        for subject, extra in [("reference encoder", ["--run", scored_reference]), ("untrained " + architecture, ["--run", untrained]),
                               ("raw pixels", ["--representation", "pixels"])]:
            results = store.run([TRAIN, "evaluate", *extra, "--protocol", "linear", "knn", "--labels", *labels, "--tune",
                                 "--seed", str(seed), "--json"], os.path.join(work, f"{subject.replace(' ', '-')}-{tag}.log"), probe_results)
            for name, value in results.items():
                add(f"{name}: {subject} (tuned)", seed, value)
            save(args, store, rows)
    return rows


def save(args, store, rows, show=False):
    store.save("quality", "quality.py", args.reference, args.seeds, rows, markdown, show)


def markdown(result):
    lines = [
        "# What pretraining buys: the reference encoder against fair baselines",
        "",
        f"{result['date']}, {result['machine']}; `{result['command']}`; reference `{result['reference']}`.",
        "",
        f"Fashion-MNIST test accuracy (10,000 images). Label draws: seeds {', '.join(map(str, result['seeds']))} (class-balanced, "
        "the same images for every row of a seed); mean, and the lowest and highest draw. Probes: logistic regression and "
        "cosine kNN with C and k chosen on a stratified 20% of the labelled images (`evaluate --tune`), the same procedure "
        "for every representation.",
        "",
        "| measure | mean | min – max | draws |",
        "|---|---:|---:|---:|",
    ]
    for name, draws in sorted(result["rows"].items(), key=lambda item: (item[0].split(":")[0], item[0])):
        values = list(draws.values())
        lines.append(f"| {name} | {statistics.mean(values):.1%} | {min(values):.1%} – {max(values):.1%} | {len(values)} |")
    lines += commands_section(result, "quality")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_reference_arguments(parser, "quality")
    parser.add_argument("--labels", nargs="+", default=["1%", "10%"])
    parser.add_argument("--distill", nargs="*", default=["1%"], help="label fractions whose fine-tune is distilled")
    parser.add_argument("--distill-epochs", type=int, default=10)
    parser.add_argument("--fixmatch", nargs="*", default=["1%"], help="label fractions trained with pipeline-train fixmatch")
    parser.add_argument("--fixmatch-epochs", type=int, default=10)
    parser.add_argument("--teacher-input", choices=["view", "image"], default="view", help="distill --teacher-input")
    parser.add_argument("--epochs-1pct", type=int, default=50, help="fine-tune and scratch epochs at 1%% (10 steps of 64 each)")
    parser.add_argument("--epochs-10pct", type=int, default=10, help="fine-tune and scratch epochs at 10%% (94 steps of 64 each)")
    parser.add_argument("--render", action="store_true", help="only write quality.md again from quality.json")
    args = parser.parse_args()
    args.epochs = {"1%": args.epochs_1pct, "10%": args.epochs_10pct}
    unknown = [labels for labels in args.labels if labels not in args.epochs]
    if unknown:
        sys.exit(f"--labels takes 1% and 10%, not {', '.join(unknown)}")
    if args.render:
        render_again(args.results, markdown)
        return
    require_cli(TRAIN)
    require_cli(INFER)
    if not os.path.exists(BENCH):
        sys.exit(f"{BENCH} is missing: run `make build` first.")
    measure_and_save(args, measure, save)


if __name__ == "__main__":
    main()
