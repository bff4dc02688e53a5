#!/usr/bin/python3
"""Pretraining recipes compared side by side at one budget (issue 11): linear probe and kNN per setting, with wall time.

Each recipe is a name and the `pipeline-train pretrain` options that make it; every recipe trains on the same images
for the same epochs, batch and seed, then `pipeline-train evaluate --protocol linear knn --labels 1% 100%` scores it on
fashion-mnist:test. The recipes come from a JSON file (`--recipes FILE`: a list of {"name": …, "args": [...]}) or the
built-in sweep below. Writes bench/results/NAME.{json,md} (default NAME: recipes); runs go to bench/work/recipes/.
A recipe already measured with the same command is read back from the JSON instead of trained again, so a sweep can
be extended and re-rendered cheaply.
"""
import argparse
import datetime
import json
import os
import re
import shutil
import sys

from benchrun import write_results, HERE, TRAIN, machine, require_cli, shown, timed, uptime

LABELS = ["1%", "100%"]
PROTOCOLS = ["linear", "knn"]
TUNED = ["--min-crop-scale", "0.2", "--temperature", "0.2"]
# The built-in sweep: the axes issue 11 names, each varied alone from the tuned convnet recipe of DESIGN.md.
RECIPES = [
    {"name": "convnet tuned", "args": ["--encoder", "convnet", *TUNED]},
    {"name": "convnet6 tuned", "args": ["--encoder", "convnet6", *TUNED]},
    {"name": "convnet6 tuned, bf16", "args": ["--encoder", "convnet6", *TUNED, "--precision", "bf16"]},
    {"name": "convnet tuned, crop 0.35", "args": ["--encoder", "convnet", "--min-crop-scale", "0.35", "--temperature", "0.2"]},
    {"name": "convnet tuned, τ 0.1", "args": ["--encoder", "convnet", "--min-crop-scale", "0.2", "--temperature", "0.1"]},
    {"name": "convnet tuned, no jitter", "args": ["--encoder", "convnet", *TUNED, "--color-jitter-probability", "0"]},
    {"name": "convnet tuned, blur 0.5", "args": ["--encoder", "convnet", *TUNED, "--blur-probability", "0.5"]},
    {"name": "convnet tuned, batch 128", "args": ["--encoder", "convnet", *TUNED, "--batch-size", "128"]},
    {"name": "convnet tuned, LARS", "args": ["--encoder", "convnet", *TUNED, "--optimizer", "lars"]},
]


def pretrain_command(recipe, args, work):
    """The recipe's pretrain command and run folder; a recipe's own --batch-size (or any option) follows the budget's."""
    run = os.path.join(work, re.sub(r"[^a-z0-9]+", "-", recipe["name"].lower()).strip("-"))
    return [TRAIN, "pretrain", "--method", "simclr", "--data", "fashion-mnist:train", "--limit", str(args.limit),
            "--epochs", str(args.epochs), "--batch-size", str(args.batch_size), "--seed", str(args.seed),
            *recipe["args"], "--out", run], run


def measure(recipe, args, work):
    pretrain, run = pretrain_command(recipe, args, work)
    shutil.rmtree(run, ignore_errors=True)
    os.makedirs(work, exist_ok=True)
    entry = {"name": recipe["name"], "args": recipe["args"], "load_before": os.getloadavg()}
    output, seconds = timed(pretrain, run + ".pretrain.log")
    trained = re.search(r"pretrained: (\d+) steps, final loss (\S+), (\d+) s, (\d+) images/s", output)
    if not trained:
        sys.exit(f"{shown(pretrain)} printed no 'pretrained:' line; see {run}.pretrain.log")
    entry.update(pretrain_command=shown(pretrain), pretrain_wall_seconds=seconds, steps=int(trained.group(1)),
                 final_loss=float(trained.group(2)), training_seconds=float(trained.group(3)),
                 images_per_second=float(trained.group(4)))
    with open(os.path.join(run, "run.json")) as f:
        entry["embedding_dim"] = json.load(f)["encoder"]["embeddingDim"]
    evaluate = [TRAIN, "evaluate", "--run", run, "--protocol", *PROTOCOLS, "--labels", *LABELS, "--seed", str(args.seed), "--json"]
    output, seconds = timed(evaluate, run + ".evaluate.log")
    entry.update(evaluate_command=shown(evaluate), evaluate_wall_seconds=seconds, load_after=os.getloadavg())
    entry["accuracy"] = {protocol: {} for protocol in PROTOCOLS}
    for line in output.splitlines():
        if line.startswith("{"):
            result = json.loads(line)
            entry["accuracy"][result["protocol"]][result["labels"]] = result["accuracy"]
    print(f"  {recipe['name']}: " + ", ".join(f"{p} {l} {entry['accuracy'][p].get(l, float('nan')):.1%}"
                                             for p in PROTOCOLS for l in LABELS), file=sys.stderr, flush=True)
    return entry


def markdown(result):
    budget = result["budget"]
    header = ("| recipe | D | " + " | ".join(f"{'linear' if p == 'linear' else 'kNN'} {l}" for p in PROTOCOLS for l in LABELS)
              + " | images/s | training s | final loss | 1-min load before → after |")
    lines = [
        f"# {result['title']}",
        "",
        f"{result['date']} ({result['wall_seconds'] / 60:.0f} min in all), {result['machine']}; `{result['command']}`.",
        "",
        f"SimCLR on the first {budget['limit']:,} images of fashion-mnist:train, {budget['epochs']} epochs of batch "
        f"{budget['batch_size']} (unless the recipe says otherwise), seed {budget['seed']}; linear probe (logistic "
        "regression, C = 1, standardised features) and cosine kNN (k = 200, votes exp(s / 0.1)) fitted on a "
        "class-balanced 1% or 100% of the labelled training images, scored on the 10,000 test images. **Bold**: the "
        "best of the column. Throughput and times are of the training loop while other jobs may share the 2 cores "
        "(last column).",
        "",
        header,
        "|---|---:|" + "---:|" * (len(PROTOCOLS) * len(LABELS)) + "---:|---:|---:|---:|",
    ]
    best = {(p, l): max(e["accuracy"][p].get(l, 0) for e in result["recipes"]) for p in PROTOCOLS for l in LABELS}
    for entry in result["recipes"]:
        cells = []
        for protocol in PROTOCOLS:
            for labels in LABELS:
                accuracy = entry["accuracy"][protocol].get(labels)
                text = "—" if accuracy is None else f"{accuracy:.1%}"
                cells.append(f"**{text}**" if accuracy is not None and accuracy == best[(protocol, labels)] else text)
        lines.append(f"| {entry['name']} | {entry['embedding_dim']} | " + " | ".join(cells)
                     + f" | {entry['images_per_second']:.0f} | {entry['training_seconds']:.0f} | {entry['final_loss']:.3f}"
                     + f" | {entry['load_before'][0]:.1f} → {entry['load_after'][0]:.1f} |")
    lines += ["", "Commands (runs and logs in bench/work/recipes/):", "", "```sh"]
    for entry in result["recipes"]:
        lines += [entry["pretrain_command"], entry["evaluate_command"]]
    lines += ["```", ""]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=60000, help="training images (the first N of fashion-mnist:train)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--recipes", help="JSON file: a list of {\"name\": …, \"args\": [pretrain options]}; default the built-in sweep")
    parser.add_argument("--only", nargs="+", help="run only the recipes with these names")
    parser.add_argument("--name", default="recipes", help="results file name: bench/results/NAME.{json,md}")
    parser.add_argument("--title", default="SimCLR pretraining recipes at one budget: linear probe and kNN on Fashion-MNIST test")
    parser.add_argument("--work", default=os.path.join(HERE, "work/recipes"), help="folder for the runs and their logs")
    parser.add_argument("--results", default=os.path.join(HERE, "results"))
    parser.add_argument("--render", action="store_true", help="only write NAME.md again from NAME.json; run nothing")
    args = parser.parse_args()
    json_path = os.path.join(args.results, args.name + ".json")
    markdown_path = os.path.join(args.results, args.name + ".md")
    previous = {}
    if os.path.exists(json_path):
        with open(json_path) as f:
            result = json.load(f)
        previous = {entry["pretrain_command"]: entry for entry in result["recipes"]}
        if args.render:
            with open(markdown_path, "w") as f:
                f.write(markdown(result))
            print(markdown(result))
            return
    elif args.render:
        sys.exit(f"{json_path} does not exist: run the sweep first.")
    require_cli()
    recipes = RECIPES
    if args.recipes:
        with open(args.recipes) as f:
            recipes = json.load(f)
    if args.only:
        unknown = set(args.only) - {recipe["name"] for recipe in recipes}
        if unknown:
            sys.exit(f"no recipe named {', '.join(sorted(unknown))}")
        recipes = [recipe for recipe in recipes if recipe["name"] in args.only]

    started = datetime.datetime.now(datetime.timezone.utc)
    uptime_start = uptime()
    work = os.path.abspath(args.work)
    entries = []
    for recipe in recipes:
        command = shown(pretrain_command(recipe, args, work)[0])
        entries.append(previous[command] if command in previous else measure(recipe, args, work))
    finished = datetime.datetime.now(datetime.timezone.utc)
    result = {
        "benchmark": args.name,
        "title": args.title,
        "date": started.isoformat(timespec="seconds"),
        "wall_seconds": (finished - started).total_seconds(),
        "machine": machine(),
        "uptime_start": uptime_start,
        "uptime_end": uptime(),
        "command": "/usr/bin/python3 bench/recipes.py" + "".join(f" {a}" for a in sys.argv[1:]),
        "budget": {"limit": args.limit, "epochs": args.epochs, "batch_size": args.batch_size, "seed": args.seed},
        "recipes": entries,
    }
    write_results(json_path, markdown_path, result, markdown)


if __name__ == "__main__":
    main()
