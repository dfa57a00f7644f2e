"""Hostile inputs: shapes crafted to make ``ecs-exec-guard check`` slow or hungry, and how long
the CLI takes on each (whole process, as CI runs it).

    python bench/run.py --hostile        (or python bench/hostile.py)

Each shape is written under a temporary directory, sized up to the default input limits
(``ecs_exec_guard/analysis/limits.py``), and checked with ``python -m ecs_exec_guard check``.
The table (wall and CPU seconds, exit code, what the tool answered) goes into the "Hostile
input" section of bench/RESULTS.md; bench/hostile.json keeps the raw numbers. The tests
(tests/test_hostile.py) build the same shapes through :func:`shapes` and assert the exit code
and a generous time limit.
"""

from __future__ import annotations

import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # also when loaded by path (tests)

from hostile_shapes import JSON, Shape, assembly, shapes

__all__ = ["Shape", "assembly", "main", "shapes", "with_saved_section"]

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "bench" / "hostile.json"
RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## Hostile input"


# -- running ----------------------------------------------------------------------------------


def run_cli(paths: list[str], args: tuple[str, ...], timeout: float) -> tuple[int, float, float,
                                                                             str]:
    """Exit code, wall seconds, CPU seconds (user + system of the child), last stderr line."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "ecs_exec_guard", "check", *paths, *args],
            env=env, capture_output=True, text=True, timeout=timeout, check=False,
        )
        code, err, out = proc.returncode, proc.stderr, proc.stdout
    except subprocess.TimeoutExpired:
        code, err, out = -1, f"timed out after {timeout:.0f} s", ""
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = (err.strip() or _summary(out)).splitlines()
    return code, wall, cpu, lines[-1] if lines else ""


def _summary(out: str) -> str:
    m = re.search(r"^\d+ error\(s\).*$", out, re.M)
    if m:
        return m.group(0)
    try:
        data = json.loads(out)
        results = data["runs"][0]["results"]
        return f"{len(results)} SARIF results"
    except (ValueError, KeyError, IndexError, TypeError):
        return out.strip().splitlines()[-1] if out.strip() else ""


def measure(timeout: float = 120.0) -> list[JSON]:
    rows: list[JSON] = []
    with tempfile.TemporaryDirectory(prefix="ecs-exec-guard-hostile-") as tmp:
        for shape in shapes():
            d = Path(tmp) / shape.name
            d.mkdir()
            paths = shape.build(d)
            size = sum(_size(Path(p)) for p in paths)
            code, wall, cpu, said = run_cli(paths, shape.args, timeout)
            said = said.replace(f"{d}/", "")  # the file, not this run's temporary directory
            rows.append({"shape": shape.name, "bytes": size, "exit": code,
                         "expected": list(shape.expect), "wall": round(wall, 2),
                         "cpu": round(cpu, 2), "said": said[:160]})
            print(f"{shape.name:<30} {size:>10,} B exit {code} {wall:6.2f} s wall "
                  f"{cpu:6.2f} s cpu  {said[:90]}", flush=True)
    return rows


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


#: What the CLI did with each shape before issue 16 (main of 2026-11-30 before this branch,
#: same machine, killed after 30 s or 60 s): kept by hand, as that code is gone.
BEFORE = {
    "yaml-alias-bomb": "killed after 30 s",
    "template-over-size-limit": "analysed (0.1 s)",
    "assembly-over-template-limit": "analysed (0.5 s)",
    "assembly-cycle": "exit 2, nested assemblies are too deep",
    "assembly-nested-metadata": "killed after 30 s",
    "deep-construct-paths-acknowledged": "1.4 s",
    "export-chain-strings": "killed after 30 s",
    "export-chain-lists": "killed after 30 s",
    "shared-subnet-list": "killed after 30 s",
    "fn-sub-amplified": "exit 3, MemoryError",
    "fn-split-shared": "killed after 30 s",
    "find-in-map-shared": "killed after 30 s",
    "fn-if-branches-x-find-in-map": "killed after 30 s",
    "iam-wildcards": "7.3 s",
    "endpoints-x-launches": "killed after 30 s",
    "ec2-clusters-x-instances": "killed after 30 s",
    "sarif-many-findings": "killed after 30 s",
    # The network package's shapes: main of 2026-11-30 with the network depth (0f884d1).
    "nat-gateway-chain": "exit 3, RecursionError",
    "acl-entries-x-subnets": "killed after 60 s",
}
HONEST = ("wide-honest-300x3000", "honest-services-at-size-limit",
          "honest-branches-at-size-limit", "honest-assembly-at-total-limit")
CRAFTED_CPU_TARGET = 3.0  # seconds


def render(rows: list[JSON], machine: str) -> str:
    lines = [
        SECTION,
        "",
        "Written by `python bench/run.py --hostile` (one run each; do not edit by hand). Each "
        "shape is a template crafted to make the check slow or hungry (or, for the honest ones, "
        "an ordinary app as large as the limits allow), sized up to the default input limits; "
        "times are the whole `ecs-exec-guard check` process (wall on this shared machine, and "
        f"CPU). Machine: {machine}.",
        "",
        "| shape | input bytes | exit | wall s | CPU s | what the tool answered | before |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        said = r["said"].replace("|", "\\|")
        before = BEFORE.get(r["shape"], "same" if r["shape"] not in HONEST else "")
        lines.append(f"| {r['shape']} | {r['bytes']:,} | {r['exit']} | {r['wall']:.2f} "
                     f"| {r['cpu']:.2f} | {said} | {before} |")
    crafted = [r for r in rows if r["shape"] not in HONEST]
    honest = [r for r in rows if r["shape"] in HONEST]
    worst = max(crafted, key=lambda r: r["cpu"])
    ok = all(r["exit"] in r["expected"] for r in rows)
    lines += [
        "",
        f"- {'met' if ok else 'NOT met'}: every shape ends with its expected exit code "
        "(2 for input over a limit, else 0/1; never 3).",
        f"- {'met' if worst['cpu'] < CRAFTED_CPU_TARGET else 'NOT met'}: no crafted input "
        f"under the limits takes more than {CRAFTED_CPU_TARGET:.0f} s of CPU (the slowest, "
        f"{worst['shape']}, took {worst['cpu']:.2f} s).",
        *[f"- honest input, linear in its size: {r['shape']} took {r['cpu']:.2f} s of CPU "
          f"({r['cpu'] / (r['bytes'] / 2**20):.2f} s per MiB"
          + ("; nine analyses, one per branch" if "branches" in r["shape"] else "") + ")."
          for r in honest],
        "",
        "What each shape is:",
        "",
        *[f"- **{r['shape']}**: {_doc(r['shape'])}" for r in rows],
        "",
    ]
    return "\n".join(lines)


def _doc(name: str) -> str:
    """A shape's description: its builder's docstring, on one line."""
    build = next((s.build for s in shapes() if s.name == name), None)
    return " ".join((build.__doc__ or "").split()) if build else ""


def write_results(rows: list[JSON], machine: str, out: Path = RESULTS) -> None:
    RAW.write_text(json.dumps({"machine": machine, "rows": rows}, indent=2) + "\n", "utf-8")
    section = render(rows, machine)
    text = out.read_text("utf-8") if out.exists() else "# Benchmark results\n"
    out.write_text(replace_section(text, section), "utf-8")


def replace_section(text: str, section: str) -> str:
    """``text`` with its hostile-input section (up to the next ``## `` or the end) replaced."""
    start = text.find(SECTION)
    if start < 0:
        return text.rstrip("\n") + "\n\n" + section
    end = text.find("\n## ", start + len(SECTION))
    rest = text[end + 1:] if end >= 0 else ""
    return text[:start] + section + ("\n" + rest if rest else "")


def with_saved_section(text: str) -> str:
    """``text`` (bench/run.py's RESULTS.md) with the section rendered from bench/hostile.json."""
    if not RAW.exists():
        return text
    data = json.loads(RAW.read_text("utf-8"))
    return replace_section(text, render(data["rows"], data["machine"]))


def main(out: Path = RESULTS) -> None:
    machine = f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    rows = measure()
    write_results(rows, machine, out)
    print(f"wrote {out} ({SECTION})")


if __name__ == "__main__":
    main()
