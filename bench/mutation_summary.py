"""Summarise a mutmut run over the analyzer into bench/MUTATION.md.

    python bench/mutation_summary.py [--elapsed SECONDS] [--workers N]

`make mutate` runs ``mutmut run`` (configured in pyproject.toml's ``[tool.mutmut]``) and then
this script, from the repository root, where mutmut left its results under ``mutants/``. It
counts the mutants by outcome, per module and in all, and lists every one that no test killed
with its file:line and the changed line. Mutants accepted as equivalent (no test can tell them
from the original) are listed with the reason in bench/mutation-equivalent.txt; they are shown
apart and left out of the kill rate:

    kill rate = (killed + timed out) / (mutants checked - accepted as equivalent)

A timed-out mutant is one that made the tests run far longer than usual (an endless loop, say):
detected, as mutmut's own score counts it. "No tests" mutants are in code that no fast test
runs; they count as not killed.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "MUTATION.md"
EQUIVALENT = ROOT / "bench" / "mutation-equivalent.txt"
TARGET = 0.90

# mutmut's exit codes per outcome (mutmut.stats.status_by_exit_code, 3.8).
KILLED = {1, 3}
SURVIVED = {0}
NO_TESTS = {5, 33}
TIMEOUT = {24, -24, 36, 152, 255}
SKIPPED = {34}
NOT_CHECKED = {None}


@dataclass(frozen=True)
class Mutant:
    name: str  # e.g. ecs_exec_guard.analysis.iam.x_allows__mutmut_12
    path: Path  # the source file, relative to the repository
    exit_code: int | None

    @property
    def status(self) -> str:
        code = self.exit_code
        if code in KILLED:
            return "killed"
        if code in SURVIVED:
            return "survived"
        if code in NO_TESTS:
            return "no tests"
        if code in TIMEOUT:
            return "timeout"
        if code in SKIPPED:
            return "skipped"
        if code in NOT_CHECKED:
            return "not checked"
        return "suspicious"

    @property
    def module(self) -> str:
        return str(self.path.relative_to("ecs_exec_guard/analysis"))


def read_mutants(root: Path) -> list[Mutant]:
    out = []
    for meta in sorted((root / "mutants").rglob("*.py.meta")):
        source = meta.relative_to(root / "mutants").with_suffix("")
        if not (root / source).is_file():
            continue  # left from a module that has since moved or gone
        data = json.loads(meta.read_text("utf-8"))
        for name, code in data["exit_code_by_key"].items():
            out.append(Mutant(name, source, code))
    return out


def read_equivalent(path: Path) -> dict[str, str]:
    """``mutant-name  reason`` per line; blank lines and ``#`` comments are skipped."""
    out: dict[str, str] = {}
    if not path.exists():
        return out
    for line in path.read_text("utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, reason = line.partition(" ")
        if not reason.strip():
            raise SystemExit(f"{path.name}: {name} has no reason")
        out[name] = reason.strip()
    return out


def function_span(source: str, mutant: str) -> tuple[int, int] | None:
    """The lines of the function a mutant changes, from mutmut's mangled name."""
    mangled = mutant.rpartition(".")[2].partition("__mutmut_")[0]
    if mangled.startswith("xǁ"):
        _, cls, func = mangled.split("ǁ")
    else:
        cls, func = "", mangled[2:]
    tree = ast.parse(source)
    scope: list[ast.stmt] = tree.body
    if cls:
        found = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls]
        if not found:
            return None
        scope = found[0].body
    for node in scope:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == func:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            return first, node.end_lineno or node.lineno
    return None


def locate(mutant: Mutant, root: Path) -> tuple[int | None, str, str]:
    """(line, original line, mutated line) of the first line a mutant changes."""
    import libcst as cst
    from mutmut.mutation.diff_apply import get_diff_for_mutant, read_functions_from_index

    cwd = os.getcwd()
    os.chdir(root)
    try:
        diff = get_diff_for_mutant(mutant.name, path=mutant.path)
        functions = read_functions_from_index(mutant.name, mutant.path)
    finally:
        os.chdir(cwd)
    lines = diff.splitlines()[2:]
    removed = next((x[1:] for x in lines if x.startswith("-")), "")
    added = next((x[1:] for x in lines if x.startswith("+")), "")
    source = (root / mutant.path).read_text("utf-8")
    span = function_span(source, mutant.name)
    if span is None:
        return None, removed.strip(), added.strip()
    # Where the first changed line is in the function's code, as the diff counts it, less the
    # comment lines mutmut keeps above the function (they are not in the span).
    offset = None
    for i, text in enumerate(lines):
        if text.startswith("@@"):
            offset = int(text.split()[1].split(",")[0].lstrip("-")) - 1
            for follow in lines[i + 1:]:
                if follow.startswith("-") or follow.startswith("+"):
                    break
                offset += 1
            break
    if offset is None or functions is None:
        return span[0], removed.strip(), added.strip()
    code = cst.Module([functions[0]]).code.strip().splitlines()
    head = next((i for i, text in enumerate(code)
                 if text.lstrip().startswith(("def ", "async def ", "@"))), 0)
    return span[0] + offset - head, removed.strip(), added.strip()


def _call_spans(line: str, function: str) -> list[tuple[int, int]]:
    """The argument spans of each call of ``function(...)`` in a line (parentheses balanced)."""
    spans = []
    for match in re.finditer(rf"\b{function}\(", line):
        depth, start = 1, match.end()
        for i in range(start, len(line)):
            depth += {"(": 1, ")": -1}.get(line[i], 0)
            if depth == 0:
                spans.append((start, i))
                break
    return spans


def case_insensitive_key(before: str, after: str) -> bool:
    """Whether a mutant only changes the case of a key that ``get_ci`` looks up.

    ``model.get_ci`` reads a key ignoring case, so ``get_ci(p, "UserData")`` and
    ``get_ci(p, "userdata")`` read the same value: no test can tell them apart.
    """
    if before == after or len(before) != len(after) or before.lower() != after.lower():
        return False
    spans = _call_spans(before, "get_ci")
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    return bool(spans) and all(any(lo <= i < hi for lo, hi in spans) for i in changed)


def rate(killed: int, timeout: int, total: int, equivalent: int, unchecked: int = 0) -> float:
    """(killed + timed out) / (mutants - equivalent), over the mutants a run has checked."""
    tested = total - equivalent - unchecked
    return (killed + timeout) / tested if tested else float("nan")


def _pct(value: float) -> str:
    return "–" if value != value else f"{value:.1%}"  # NaN: nothing checked


def cell(text: str, width: int = 90) -> str:
    text = text.replace("|", "\\|").replace("`", "'")
    return text if len(text) <= width else text[: width - 1] + "…"


PATTERNS = {"get_ci-key-case": case_insensitive_key}


def render(mutants: list[Mutant], equivalent: dict[str, str], root: Path,
           elapsed: float | None, workers: int | None) -> str:
    # Where each mutant that no test killed is, and whether it is accepted as equivalent:
    # by name, or by a pattern named in the equivalent file ("pattern:<name> <reason>").
    located: dict[str, tuple[int | None, str, str]] = {}
    accepted: dict[str, str] = {}
    patterns = {name.partition(":")[2]: reason for name, reason in equivalent.items()
                if name.startswith("pattern:")}
    for m in mutants:
        if m.status in ("killed", "not checked"):
            continue
        located[m.name] = locate(m, root)
        _, before, after = located[m.name]
        if m.name in equivalent:
            accepted[m.name] = equivalent[m.name]
        for pattern, reason in patterns.items():
            if PATTERNS[pattern](before, after):
                accepted[m.name] = f"{reason} ({pattern})"

    by_module: dict[str, Counter[str]] = defaultdict(Counter)
    for m in mutants:
        status = "equivalent" if m.name in accepted and m.status != "timeout" else m.status
        by_module[m.module][status] += 1
        by_module[m.module]["total"] += 1
    total: Counter[str] = Counter()
    for counts in by_module.values():
        total.update(counts)
    kill_rate = rate(total["killed"], total["timeout"], total["total"], total["equivalent"],
                     total["not checked"])

    lines = [
        "# Mutation testing of the analyzer",
        "",
        "Written by `make mutate` (mutmut over `ecs_exec_guard/analysis/`, fast tests only: see",
        "`[tool.mutmut]` in pyproject.toml); do not edit by hand. Equivalent mutants are accepted",
        "in [mutation-equivalent.txt](mutation-equivalent.txt), by name or by a pattern, each",
        "with its reason; every one accepted is listed below.",
        "",
        f"Run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"mutmut {version('mutmut')}"
        + (f", {workers} workers" if workers else "")
        + (f", {elapsed / 60:.0f} min wall clock ({elapsed:.0f} s)" if elapsed else "")
        + ".",
        "",
        "Kill rate = (killed + timed out) / (mutants checked - accepted as equivalent). "
        f"Target: {TARGET:.0%}."
        + (f" **This run was stopped before the end: {total['not checked']} mutants were not "
           "checked. mutmut checks the mutants whose tests are quickest first, so the rate is "
           "over those; `make mutate` goes on from here.**" if total["not checked"] else ""),
        "",
        f"**{total['total']} mutants, {total['killed']} killed, "
        f"{total['survived']} survived, {total['no tests']} without a test, "
        f"{total['timeout']} timed out, {total['equivalent']} accepted as equivalent, "
        f"{total['not checked']} not checked: kill rate {kill_rate:.1%}.**",
        "",
        "| module | mutants | killed | survived | no tests | timed out | equivalent | other "
        "| kill rate |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    known = {"total", "killed", "survived", "no tests", "timeout", "equivalent"}
    for module, c in sorted(by_module.items()):
        other = sum(v for k, v in c.items() if k not in known)
        module_rate = rate(c["killed"], c["timeout"], c["total"], c["equivalent"],
                           c["not checked"])
        lines.append(
            f"| {module} | {c['total']} | {c['killed']} | {c['survived']} | {c['no tests']} "
            f"| {c['timeout']} | {c['equivalent']} | {other} "
            f"| {_pct(module_rate)} |"
        )
    other_total = sum(v for k, v in total.items() if k not in known)
    lines.append(
        f"| **all** | {total['total']} | {total['killed']} | {total['survived']} "
        f"| {total['no tests']} | {total['timeout']} | {total['equivalent']} | {other_total} "
        f"| {kill_rate:.1%} |"
    )

    def row(m: Mutant) -> str:
        line, before, after = located[m.name]
        short = m.name.rpartition(".")[2]
        return (f"| {m.path}:{line} | {m.status} | `{short}` | `{cell(before, 60)}` "
                f"| `{cell(after, 60)}` |")

    header = ["| where | status | mutant | original | mutated |", "|---|---|---|---|---|"]
    order = sorted(mutants, key=lambda m: (str(m.path), located.get(m.name, (0,))[0] or 0))
    not_killed = [m for m in order if m.name in located and m.status != "timeout"
                  and m.name not in accepted]
    lines += ["", f"## Not killed ({len(not_killed)})", ""]
    if not_killed:
        lines += header + [row(m) for m in not_killed]
    timeouts = [m for m in order if m.status == "timeout"]
    if timeouts:
        lines += ["", f"## Timed out ({len(timeouts)})", "", *header, *map(row, timeouts)]
    equivalents = [m for m in order if m.name in accepted and m.status != "timeout"]
    if equivalents:
        lines += ["", f"## Accepted as equivalent ({len(equivalents)})", "",
                  "| where | mutant | original | mutated | why |", "|---|---|---|---|---|"]
        for m in equivalents:
            line, before, after = located[m.name]
            lines.append(f"| {m.path}:{line} | `{m.name.rpartition('.')[2]}` "
                         f"| `{cell(before, 50)}` | `{cell(after, 50)}` "
                         f"| {cell(accepted[m.name], 200)} |")
    names = {m.name for m in mutants}
    stale = sorted(n for n in equivalent if not n.startswith("pattern:") and n not in names)
    killed_equivalent = sorted(m.name for m in mutants
                               if m.name in equivalent and m.status == "killed")
    if stale or killed_equivalent:
        lines += ["", "## mutation-equivalent.txt needs a look", ""]
        lines += [f"- `{n}`: no such mutant any more" for n in stale]
        lines += [f"- `{n}`: now killed, no longer needs to be listed" for n in killed_equivalent]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--elapsed", type=float, help="seconds the mutmut run took")
    parser.add_argument("--workers", type=int, help="mutmut --max-children")
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    mutants = read_mutants(args.root)
    if not mutants:
        print("no mutmut results under mutants/: run `make mutate`", file=sys.stderr)
        return 2
    sys.path.insert(0, str(args.root))
    text = render(mutants, read_equivalent(EQUIVALENT), args.root, args.elapsed, args.workers)
    args.out.write_text(text, "utf-8")
    print(text.split("\n\n")[4])  # the one-line total
    return 0


if __name__ == "__main__":
    sys.exit(main())
