"""What the Python benchmark drivers share: running a CLI with a log, showing its command, describing the machine."""
import datetime
import gzip
import json
import os
import platform
import re
import shutil
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TRAIN = os.path.join(ROOT, "bin/pipeline-train")
INFER = os.path.join(ROOT, "bin/pipeline-infer")
# Where the CLIs read fashion-mnist: $PIPELINE_FASHION_MNIST_DIR when set, else Debian's folder (FashionMnist.ResolveDirectory).
FASHION_MNIST = os.environ.get("PIPELINE_FASHION_MNIST_DIR") or "/usr/share/datasets/fashion-mnist"


def idx(name):
    """The array of an IDX file of FASHION_MNIST (train-labels-idx1-ubyte.gz, …) as (shape, bytes)."""
    with gzip.open(os.path.join(FASHION_MNIST, name), "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(f">{dims}I", data[4:4 + 4 * dims])
    return shape, data[4 + 4 * dims:]


def shown(command):
    """The command as typed in the repository root: ./bin/…, paths relative to the root."""
    return " ".join("./" + os.path.relpath(part, ROOT) if part in (TRAIN, INFER)
                    else os.path.relpath(part, ROOT) if part.startswith(ROOT + os.sep) else part for part in command)


def timed(command, log_path):
    """Runs a CLI with its stderr in a log file; returns (stdout, wall seconds). Exits when the CLI fails."""
    print("  $ " + shown(command), file=sys.stderr, flush=True)
    start = time.monotonic()
    with open(log_path, "w") as log:
        completed = subprocess.run(command, stdout=subprocess.PIPE, stderr=log, text=True, cwd=ROOT)
    seconds = time.monotonic() - start
    with open(log_path, "a") as log:
        log.write(completed.stdout)
    if completed.returncode != 0:
        sys.exit(f"{shown(command)} failed with exit code {completed.returncode}; see {os.path.relpath(log_path, ROOT)}")
    return completed.stdout, seconds


def uptime():
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine():
    return f"{cpu_model()}, {os.cpu_count()} cores, {platform.machine()}, CPU only"


def require_cli(path=TRAIN):
    if not os.access(path, os.X_OK):
        sys.exit(f"{path} is missing: run `make build` first.")


def write_results(json_path, markdown_path, result, render):
    """Writes a benchmark's JSON and its Markdown table (render(result)), and prints the table."""
    os.makedirs(os.path.dirname(json_path), exist_ok=True)
    with open(json_path, "w") as f:
        json.dump(result, f, indent=2)
    text = render(result)
    with open(markdown_path, "w") as f:
        f.write(text)
    print(text)


class Measurements:
    """The measurements so far, keyed by command; saved after each one so that a stopped run loses nothing."""

    def __init__(self, path):
        self.path = path
        # The commands this run measured or read back, in order: what its rows come from.
        self.used = []
        self.entries = {}
        if os.path.exists(path):
            with open(path) as f:
                self.entries = {entry["command"]: entry for entry in json.load(f).get("measurements", [])}

    def save(self, benchmark, script, reference, seeds, rows, render, show=False):
        """Writes the results so far as JSON — the rows, the commands they come from, and every measurement kept, earlier
        settings' included — and render(result) as Markdown."""
        result = {
            "benchmark": benchmark,
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "machine": machine(),
            "uptime": uptime(),
            "command": f"/usr/bin/python3 bench/{script}" + "".join(f" {a}" for a in sys.argv[1:]),
            "reference": os.path.relpath(os.path.abspath(reference), ROOT),
            "seeds": seeds,
            "rows": rows,
            "commands": list(self.used),
            "measurements": list(self.entries.values()),
        }
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with open(self.path, "w") as f:
            json.dump(result, f, indent=2)
        text = render(result)
        with open(self.path[:-len(".json")] + ".md", "w") as f:
            f.write(text)
        if show:
            print(text)

    def has(self, command):
        return shown(command) in self.entries

    def run(self, command, log, parse, work_dir=None, needs_files=False):
        """Runs command unless its result is kept. needs_files: a later step reads what it writes to work_dir, so a kept
        result whose folder is gone (a fresh clone keeps bench/results but not bench/work) is measured again; a path
        instead of True names the file that later step reads (a folder written by an older build may lack it, and a command
        without a work_dir writes only that file)."""
        key = shown(command)
        if key not in self.used:
            self.used.append(key)
        needed = needs_files if isinstance(needs_files, str) else work_dir
        if key in self.entries and not (needs_files and needed and not os.path.exists(needed)):
            return self.entries[key]["result"]
        if work_dir:
            shutil.rmtree(work_dir, ignore_errors=True)
        output, seconds = timed(command, log)
        entry = {"command": key, "seconds": seconds, "load": os.getloadavg()[0], "result": parse(output)}
        self.entries[key] = entry
        return entry["result"]


def render_again(json_path, render):
    """Writes a benchmark's Markdown (render(result)) again from its JSON, running nothing."""
    with open(json_path) as f:
        result = json.load(f)
    with open(json_path[:-len(".json")] + ".md", "w") as f:
        f.write(render(result))


def measure_and_save(args, measure, save):
    """A label-draw benchmark's run: measure(args, work, store) with runs in args.work and the measurements kept in
    args.results, then save(args, store, rows, show=True) writes and prints the results."""
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    store = Measurements(os.path.abspath(args.results))
    rows = measure(args, work, store)
    save(args, store, rows, show=True)


def accuracy_line(output):
    found = re.search(r"accuracy ([\d.]+) %", output)
    if not found:
        sys.exit("pipeline-infer evaluate printed no accuracy")
    return float(found.group(1)) / 100


def add_reference_arguments(parser, name):
    """The options every label-draw benchmark takes: the reference run, the seeds, and where results and runs go."""
    parser.add_argument("--reference", default=os.path.join(ROOT, "models/fashion-mnist-simclr-convnet6"), help="the reference run folder")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--results", default=os.path.join(HERE, f"results/{name}.json"))
    parser.add_argument("--work", default=os.path.join(HERE, f"work/{name}"))


def commands_section(result, name):
    """The Markdown that ends a results table: every command the benchmark ran, in order."""
    return ["", f"Commands (runs and logs in bench/work/{name}/):", "", "```sh",
            *result.get("commands", [entry["command"] for entry in result["measurements"]]), "```", ""]
