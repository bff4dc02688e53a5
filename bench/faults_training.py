#!/usr/bin/python3
"""The training fault campaign (issue 12): SIGKILL at random points of a pretrain and of a fine-tune, each resumed.

For each command it runs the training uninterrupted twice (the second run shows what differs between two runs that
nobody killed: timings), then --kills times: starts it, kills it (SIGKILL, no chance to checkpoint) at a random point of
its training — after a random number of finished steps (pretrain) or epochs (fine-tune) plus a random share of the next —
checks the kill landed mid-training (the process was alive, the metrics log had fewer lines than the whole run's, and no
final artifact existed), runs the same command with --resume, and compares every file of the resumed run folder with the
uninterrupted run's: SHA-256, and for those that differ, which fields (metrics per step or epoch, JSON keys, ONNX graph
and metadata keys). Writes bench/results/reliability-training.{json,md}; runs and logs go to bench/work/faults-training/.
Exits 1 when a resumed run differs from the uninterrupted one in more than the fields two uninterrupted runs differ in.
"""
import argparse
import datetime
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

from benchrun import INFER, ROOT, TRAIN, machine, require_cli, shown, timed, uptime, write_results

PRETRAIN = ["--limit", "2048", "--epochs", "3", "--batch-size", "64", "--embedding-dim", "32", "--projection-dim", "16",
            "--checkpoint-every", "8", "--seed", "0", "--threads", "2", "--device", "cpu"]
FINETUNE = ["--data", "fashion-mnist:train", "--labels", "1%", "--recipe", "full", "--epochs", "12", "--validation", "10%",
            "--seed", "0", "--threads", "2", "--execution-provider", "cpu"]


class Campaign:
    """One command's campaign: how to run it, how far it is, and what its finished run folder holds."""

    def __init__(self, name, cli, verb, options, unit, final_file, started_file):
        self.name, self.cli, self.verb, self.options = name, cli, verb, options
        self.unit = unit  # what a metrics line is: a step or an epoch
        self.final_file = final_file  # written after training: its presence means the kill came too late
        self.started_file = started_file  # written before training: without it there is nothing to resume

    def command(self, folder, resume=False):
        return [self.cli, self.verb, *self.options, "--out", folder, *(["--resume"] if resume else [])]


def finished_lines(path):
    """Lines a writer has finished (a line still being written has no newline yet)."""
    try:
        with open(path, "rb") as f:
            return f.read().count(b"\n")
    except FileNotFoundError:
        return 0


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def files_of(folder):
    return sorted(os.path.relpath(os.path.join(where, name), folder) for where, _, names in os.walk(folder) for name in names)


def flatten(value, prefix=""):
    """A JSON value as {dotted.path: leaf}."""
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in flatten(item, f"{prefix}{key}.").items()}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in flatten(item, f"{prefix}{i}.").items()}
    return {prefix.rstrip("."): value}


def json_differences(a, b):
    """The dotted keys whose values differ between two JSON values; a value that is a JSON document is compared inside."""
    fa, fb = flatten(a), flatten(b)
    keys = set()
    for key in fa.keys() | fb.keys():
        va, vb = fa.get(key), fb.get(key)
        if va == vb:
            continue
        try:
            inner = json_differences(json.loads(va), json.loads(vb)) if isinstance(va, str) and isinstance(vb, str) else None
        except ValueError:
            inner = None
        keys |= {f"{key}/{k}" for k in inner} if inner else {key}
    return keys


def metrics_differences(a, b, unit):
    """What differs between two metrics logs: the fields that differ on some line, or why they cannot be compared."""
    def read(path):
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]
    la, lb = read(a), read(b)
    if [line.get(unit) for line in la] != [line.get(unit) for line in lb]:
        return {f"{unit}s logged: {[line.get(unit) for line in lb]}"}
    return set().union(*(json_differences(x, y) for x, y in zip(la, lb)))


def onnx_differences(a, b, run_a, run_b):
    """What differs between two ONNX files: 'graph' when anything but the metadata differs, and the metadata keys that do
    once each run's folder is written RUN."""
    import onnx
    ma, mb = onnx.load(a), onnx.load(b)
    da = {p.key: p.value.replace(run_a, "RUN") for p in ma.metadata_props}
    db = {p.key: p.value.replace(run_b, "RUN") for p in mb.metadata_props}
    del ma.metadata_props[:], mb.metadata_props[:]
    graph = {"graph"} if ma.SerializeToString() != mb.SerializeToString() else set()
    return graph | {f"metadata {key}" for key in json_differences(da, db)}


def text_of(path, run):
    """A text file's content with its run folder's path written RUN (runs in different folders name them)."""
    with open(path, encoding="utf-8") as f:
        return f.read().replace(run, "RUN")


def differences(reference, folder, unit):
    """{file: set of what differs} for every file of either run folder that is not bit-identical: for a metrics log the
    fields that differ on some line, for JSON the keys, for ONNX 'graph' and the metadata keys, once each run's folder is
    written RUN (an empty set: the file differs only in that path); 'bytes' for any other file."""
    found = {}
    for name in sorted(set(files_of(reference)) | set(files_of(folder))):
        a, b = os.path.join(reference, name), os.path.join(folder, name)
        if not (os.path.exists(a) and os.path.exists(b)):
            found[name] = {"only in the " + ("uninterrupted" if os.path.exists(a) else "resumed") + " run"}
        elif sha256(a) != sha256(b):
            if name.endswith(".jsonl"):
                found[name] = metrics_differences(a, b, unit)
            elif name.endswith(".json"):
                found[name] = json_differences(json.loads(text_of(a, reference)), json.loads(text_of(b, folder)))
            elif name.endswith(".onnx"):
                found[name] = onnx_differences(a, b, reference, folder)
            elif name.endswith(".md"):
                found[name] = set() if text_of(a, reference) == text_of(b, folder) else {"text"}
            else:
                found[name] = {"bytes"}
    return found


def described(found):
    """'file: what, what; file: …', an empty set shown as 'the run folder's path'."""
    return "; ".join(f"{name}: {', '.join(sorted(what)) or 'the run folder path'}" for name, what in found.items()) or "nothing"


def kill_mid_training(campaign, folder, log, rng, units, unit_seconds):
    """Starts the command, kills it (SIGKILL) after a random number of finished units plus a random share of the next one;
    returns what was seen at the kill, or None when the run had already finished training (nothing was killed)."""
    after = rng.randrange(units)  # finished steps or epochs before the kill: 0 … all but one
    share = rng.random()
    metrics = os.path.join(folder, "metrics.jsonl")
    command = campaign.command(folder)
    print("  $ " + shown(command) + f"  # SIGKILL after {after} {campaign.unit}s + {share:.2f} of the next", file=sys.stderr, flush=True)
    started = time.monotonic()
    with open(log, "w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        # Training has begun once the run folder can be resumed and `after` lines are in.
        while process.poll() is None and not (os.path.exists(os.path.join(folder, campaign.started_file)) and finished_lines(metrics) >= after):
            time.sleep(0.005)
        time.sleep(share * unit_seconds)
        seen = {"after": after, "share": round(share, 3), "alive": process.poll() is None, "lines": finished_lines(metrics),
                "final_file": os.path.exists(os.path.join(folder, campaign.final_file)),
                "seconds": round(time.monotonic() - started, 2)}
        if seen["alive"]:
            process.send_signal(signal.SIGKILL)
        process.wait()
    seen["exit"] = process.returncode
    seen["mid_training"] = seen["alive"] and seen["lines"] < units and not seen["final_file"]
    return seen


def checkpoint_at_kill(campaign, folder):
    """The unit the resumed run continues from: the newest checkpoint's step (pretrain) or finished epochs (fine-tune)."""
    if campaign.name == "pretrain":
        steps = [int(name[len("step-"):-len(".safetensors")]) for name in os.listdir(os.path.join(folder, "checkpoints"))
                 if name.endswith(".safetensors")] if os.path.isdir(os.path.join(folder, "checkpoints")) else []
        return max(steps, default=0)
    state = os.path.join(folder, "checkpoint.safetensors")
    if not os.path.exists(state):
        return 0
    with open(state, "rb") as f:
        header = json.loads(f.read(int.from_bytes(f.read(8), "little")))
    return int(header["__metadata__"]["epoch"])


def run_campaign(campaign, work, kills, rng, max_attempts):
    base = os.path.join(work, campaign.name)
    shutil.rmtree(base, ignore_errors=True)
    os.makedirs(base)
    straight, again = os.path.join(base, "uninterrupted"), os.path.join(base, "uninterrupted-again")
    _, seconds = timed(campaign.command(straight), os.path.join(base, "uninterrupted.log"))
    timed(campaign.command(again), os.path.join(base, "uninterrupted-again.log"))
    units = finished_lines(os.path.join(straight, "metrics.jsonl"))
    # The training's pace, from the first to the last line of the uninterrupted run's log.
    with open(os.path.join(straight, "metrics.jsonl")) as f:
        lines = [json.loads(line) for line in f if line.strip()]
    unit_seconds = training_seconds(lines) / max(1, units - 1)
    baseline = differences(straight, again, campaign.unit)
    kills_seen = []
    attempts = 0
    while len(kills_seen) < kills and attempts < max_attempts:
        attempts += 1
        folder = os.path.join(base, f"kill-{len(kills_seen) + 1:02d}")
        shutil.rmtree(folder, ignore_errors=True)
        seen = kill_mid_training(campaign, folder, folder + ".log", rng, units, unit_seconds)
        if not seen["mid_training"]:
            print(f"  the kill point came after training ({seen}); drawing another", file=sys.stderr)
            continue
        seen["resumed_from"] = checkpoint_at_kill(campaign, folder)
        _, seen["resume_seconds"] = timed(campaign.command(folder, resume=True), folder + ".resume.log")
        found = differences(straight, folder, campaign.unit)
        seen["differences"] = {name: sorted(what) for name, what in found.items()}
        seen["beyond_baseline"] = {name: sorted(what - baseline[name]) if name in baseline else sorted(what)
                                   for name, what in found.items() if name not in baseline or what - baseline[name]}
        seen["identical"] = [name for name in files_of(straight) if name not in found]
        kills_seen.append(seen)
        print(f"  kill {len(kills_seen)}: {seen['lines']} {campaign.unit}s logged, resumed from {seen['resumed_from']}; "
              f"{'same as uninterrupted but for ' + json.dumps(seen['differences']) if not seen['beyond_baseline'] else 'DIFFERS: ' + json.dumps(seen['beyond_baseline'])}",
              file=sys.stderr, flush=True)
    return {
        "command": shown(campaign.command("RUN")),
        "unit": campaign.unit,
        "units": units,
        "uninterrupted_seconds": round(seconds, 1),
        "files": len(files_of(straight)),
        "baseline": {name: sorted(what) for name, what in baseline.items()},
        "attempts": attempts,
        "kills": kills_seen,
    }


def training_seconds(lines):
    """Seconds from the first to the last metrics line (pretrain logs elapsedSeconds, fine-tune elapsed as h:mm:ss.f)."""
    def seconds(line):
        if "elapsedSeconds" in line:
            return line["elapsedSeconds"]
        h, m, s = line["elapsed"].split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)
    return seconds(lines[-1]) - seconds(lines[0]) if len(lines) > 1 else 1.0


def render(result):
    out = ["# Training faults: SIGKILL mid-training, then --resume", "",
           f"Command: `{result['command']}` ({result['date']}; {result['machine']}; {result['uptime']})", "",
           "Each kill lands after a random number of finished steps (pretrain) or epochs (fine-tune) plus a random share of the "
           "next, and counts only when the process was still alive, its metrics log had fewer lines than the whole run's and "
           "its final artifact (encoder.onnx, inference_model.onnx) did not exist yet. The resumed run continues from the "
           "newest checkpoint and is compared file by file with an uninterrupted run of the same command; a second "
           "uninterrupted run shows what differs between two runs nobody killed.", ""]
    for campaign in result["campaigns"]:
        kills = campaign["kills"]
        out += [f"## {campaign['name']}", "", f"`{campaign['command']}` (RUN: a fresh folder; resumed: the same command with `--resume`)", "",
                f"- Uninterrupted: {campaign['units']} {campaign['unit']}s in {campaign['uninterrupted_seconds']} s (with start-up and export), "
                f"{campaign['files']} files in the run folder.",
                f"- Kills mid-training: **{len(kills)}** of {campaign['attempts']} points drawn ({campaign['attempts'] - len(kills)} came after training and killed nothing).",
                f"- Resumed runs bit-identical to the uninterrupted run in every file: **{sum(1 for k in kills if not k['differences'])}** of {len(kills)}; "
                f"identical but for what two uninterrupted runs differ in: **{sum(1 for k in kills if not k['beyond_baseline'])}** of {len(kills)}.",
                "- Bit-identical (SHA-256) to the uninterrupted run's in every resumed run: "
                + ", ".join(name for name in campaign["kills"][0]["identical"] if all(name in kill["identical"] for kill in kills)) + "." if kills else "",
                "- Two uninterrupted runs differ in (wall-clock times, and the run folder's own path where a file names it): "
                + described({name: set(what) for name, what in campaign["baseline"].items()}) + ".",
                "- Resumed runs differ from the uninterrupted run in: "
                + "; ".join(sorted({described({name: set(what)}) for kill in kills for name, what in kill["differences"].items()})) + ".",
                "", f"| kill | {campaign['unit']}s finished at the kill | seconds after start | resumed from {campaign['unit']} | "
                "files bit-identical | differs from uninterrupted (beyond two uninterrupted runs' differences) |", "|---:|---:|---:|---:|---:|---|"]
        for i, kill in enumerate(kills, 1):
            beyond = described({name: set(what) for name, what in kill["beyond_baseline"].items()})
            out.append(f"| {i} | {kill['lines']} | {kill['seconds']} | {kill['resumed_from']} | {len(kill['identical'])} of {campaign['files']} | {beyond} |")
        out.append("")
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=10, help="kills that land mid-training, per command")
    parser.add_argument("--seed", type=int, default=0, help="seed of the kill points")
    parser.add_argument("--only", choices=["pretrain", "finetune"], nargs="+", default=["pretrain", "finetune"])
    parser.add_argument("--work", default=os.path.join(ROOT, "bench/work/faults-training"))
    parser.add_argument("--results", default=os.path.join(ROOT, "bench/results/reliability-training.json"))
    args = parser.parse_args()
    require_cli(TRAIN)
    require_cli(INFER)
    rng = random.Random(args.seed)
    pretrain = Campaign("pretrain", TRAIN, "pretrain", PRETRAIN, "step", "encoder.onnx", "run.json")
    campaigns = []
    if "pretrain" in args.only:
        campaigns.append({"name": "pretrain", **run_campaign(pretrain, args.work, args.kills, rng, args.kills * 3)})
    if "finetune" in args.only:
        encoder = os.path.join(args.work, "pretrain", "uninterrupted", "encoder.onnx")
        if not os.path.exists(encoder):
            timed(pretrain.command(os.path.dirname(encoder)), os.path.join(args.work, "encoder.log"))
        finetune = Campaign("finetune", INFER, "finetune", ["--model", encoder, *FINETUNE], "epoch", "inference_model.onnx", "finetune.json")
        campaigns.append({"name": "finetune", **run_campaign(finetune, args.work, args.kills, rng, args.kills * 3)})
    result = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), "machine": machine(), "uptime": uptime(),
              "command": "/usr/bin/python3 bench/faults_training.py" + "".join(f" {a}" for a in sys.argv[1:]), "campaigns": campaigns}
    write_results(args.results, args.results[:-len(".json")] + ".md", result, render)
    sys.exit(1 if any(kill["beyond_baseline"] for campaign in campaigns for kill in campaign["kills"]) else 0)


if __name__ == "__main__":
    main()
