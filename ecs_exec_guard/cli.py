"""``ecs-exec-guard``: check CloudFormation templates or a ``cdk.out`` for ECS Exec readiness.

Exit codes: 0 no finding at or above ``--fail-on``; 1 findings; 2 bad usage or unreadable
input (one line on stderr); 3 an internal error (one line on stderr, please report it).
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import quote

from . import __version__
from .analysis import RULES_BY_ID, Finding, Report, Severity, analyze, managed_policies
from .analysis.acknowledgments import Acknowledgment, AcknowledgmentError, from_assembly
from .analysis.analyzer import TemplateInput
from .analysis.explain import ExplainError, explain
from .analysis.explain_render import render_mermaid, render_text
from .analysis.findings import Suppressed
from .analysis.limits import (
    DEFAULT_MAX_TEMPLATE_BYTES,
    DEFAULT_MAX_TEMPLATES,
    DEFAULT_MAX_TOTAL_BYTES,
    Limits,
    finish_load,
    start_load,
)
from .analysis.loader import LoadError, assembly_acknowledgments, load_paths
from .analysis.parameters import resolve_parameters
from .analysis.rules_doc import render_markdown
from .analysis.versions import ruleset_version
from .formats import display_path, resource_line, source_uri, to_github, to_junit
from .metadata import information_uri, rule_help_uri

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FORMATS = ("text", "json", "sarif", "github", "junit")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


class _Version(argparse.Action):
    """``--version``: the tool's version, its rule set, then the date of its AWS managed policy
    data."""

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        print(
            f"{parser.prog} {__version__}\nrule set: {ruleset_version()}\n"
            f"{managed_policies.snapshot_description()}"
        )
        parser.exit(EXIT_OK)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ecs-exec-guard",
        description="Check that ECS Exec will work, from CloudFormation templates or a cdk.out.",
    )
    parser.add_argument(
        "--version", action=_Version, nargs=0, help="show the version and the data it uses"
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    check = sub.add_parser(
        "check",
        help="check templates (JSON or YAML) or cdk.out directories",
        description="Check templates (JSON or YAML) or cdk.out directories; all paths are one "
        "app, so cross-stack references resolve.",
    )
    check.add_argument("paths", nargs="+", metavar="PATH", help="a template file or a cdk.out")
    check.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="github: workflow-command annotations; junit: JUnit XML (default: text)",
    )
    check.add_argument(
        "--require-exec", action="store_true", help="report services without exec (EcsExec-ENB1)"
    )
    check.add_argument(
        "--parameters",
        action="append",
        default=[],
        metavar="[TEMPLATE:]FILE",
        help="parameter values from a file: the CloudFormation CLI's "
        '[{"ParameterKey": .., "ParameterValue": ..}] or a template configuration '
        '{"Parameters": {..}} (JSON or YAML); repeatable; TEMPLATE: limits it to one template',
    )
    check.add_argument(
        "-p",
        "--parameter",
        action="append",
        default=[],
        dest="parameter",
        metavar="[TEMPLATE:]KEY=VALUE",
        help="a parameter value (repeatable; TEMPLATE: limits it to one template, named by its "
        "path, file name or stack name; AWS::StackName may be given); parameters without a "
        "value stay unknown",
    )
    check.add_argument(
        "--fail-on",
        choices=("error", "warning", "none"),
        default="error",
        help="lowest severity that makes the exit code 1 (default: error)",
    )
    _limit_options(check)
    add_explain_parser(sub)
    rules = sub.add_parser("rules", help="list the rules")
    rules.add_argument("--markdown", action="store_true", help="print RULES.md")
    return parser


def _count(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def _limit_options(check: argparse.ArgumentParser) -> None:
    """Input limits (ecs_exec_guard/analysis/limits.py says why these defaults)."""
    group = check.add_argument_group(
        "input limits", "a larger input is refused (exit 2) before any analysis"
    )
    group.add_argument(
        "--max-template-bytes", type=_count, default=DEFAULT_MAX_TEMPLATE_BYTES, metavar="N",
        help=f"largest template file (default: {DEFAULT_MAX_TEMPLATE_BYTES:,}; CloudFormation "
        "deploys at most 1 MB)",
    )
    group.add_argument(
        "--max-templates", type=_count, default=DEFAULT_MAX_TEMPLATES, metavar="N",
        help=f"most templates in one run, nested ones included (default: {DEFAULT_MAX_TEMPLATES})",
    )
    group.add_argument(
        "--max-total-bytes", type=_count, default=DEFAULT_MAX_TOTAL_BYTES, metavar="N",
        help=f"most bytes of templates in one run (default: {DEFAULT_MAX_TOTAL_BYTES:,})",
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "rules":
            return _rules(args.markdown)
        if args.command == "explain":
            return _explain(args)
        return _check(args)
    except (LoadError, AcknowledgmentError, ExplainError) as exc:
        print(f"ecs-exec-guard: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # e.g. piped into `head`
        return EXIT_OK
    except Exception as exc:
        print(
            f"ecs-exec-guard: internal error: {type(exc).__name__}: {exc} "
            "(please report this with the template)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _rules(markdown: bool) -> int:
    if markdown:
        sys.stdout.write(render_markdown())
        return EXIT_OK
    for rule in RULES_BY_ID.values():
        print(f"{rule.id:<14} {rule.severity.value:<8} {rule.description}")
    return EXIT_OK


# -- explain ----------------------------------------------------------------------------------


def add_explain_parser(sub: Any) -> None:
    explain_cmd = sub.add_parser(
        "explain",
        help="show the chain of facts behind one launch's verdict",
        description="For one service, rule, schedule or state machine (by logical ID or "
        "construct path), print what exec depends on and the verdict on each link: task "
        "definition, containers, task role and the statements for each action, platform, "
        "subnets with their route tables and next hops, security groups, endpoints.",
    )
    explain_cmd.add_argument(
        "launch",
        metavar="LAUNCH",
        help="logical ID, construct path, or the construct's own path or name (Web, App/Web)",
    )
    explain_cmd.add_argument("paths", nargs="+", metavar="PATH", help="a template or a cdk.out")
    explain_cmd.add_argument(
        "--format",
        choices=("text", "mermaid", "json"),
        default="text",
        help="mermaid: a flowchart for a ```mermaid block (default: text)",
    )


def _explain(args: argparse.Namespace) -> int:
    chains = explain(load_paths(args.paths), args.launch)
    if args.format == "mermaid":
        sys.stdout.write(render_mermaid(chains))
    elif args.format == "json":
        print(json.dumps([c.to_json() for c in chains], indent=2))
    else:
        sys.stdout.write(render_text(chains))
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    limits = Limits(
        max_template_bytes=args.max_template_bytes,
        max_templates=args.max_templates,
        max_total_bytes=args.max_total_bytes,
    )
    # The templates and the analysis are many long-lived containers and next to no cyclic
    # garbage, which CPython's cyclic GC rescans as the heap grows: superlinear in the input
    # (8 templates of 2 MiB: 6.0 s of CPU with it, 2.0 s without). The process ends soon after.
    gc.disable()
    token = start_load(limits)  # the assembly files read for acknowledgments are bounded too
    try:
        notes: list[str] = []
        inputs = load_paths(args.paths, notes, limits)
        acks, stack_paths = cdk_acknowledgments(args.paths, inputs)
        common, per_template = resolve_parameters(args.parameters, args.parameter, inputs)
        report = analyze(
            inputs,
            require_exec=args.require_exec,
            parameters=common,
            template_parameters=per_template,
            acknowledgments=acks,
            stack_paths=stack_paths,
        )
    finally:
        finish_load(token)
        gc.enable()
    report.notes[:0] = notes  # what the loader skipped first
    sources = {name: path for name, _, path in inputs}
    threshold = {"error": 2, "warning": 1, "none": 99}[args.fail_on]
    if args.format == "json":
        print(json.dumps(to_json(report, sources), indent=2))
    elif args.format == "sarif":
        print(json.dumps(to_sarif(report, sources), indent=2))
    else:
        if args.format == "github":
            sys.stdout.write(to_github(report, sources))
        elif args.format == "junit":
            sys.stdout.write(to_junit(report, sources, lambda f: f.severity.rank >= threshold))
        else:
            sys.stdout.write(to_text(report))
        for note in report.notes:
            print(f"ecs-exec-guard: note: {note}", file=sys.stderr)
    failing = any(f.severity.rank >= threshold for f in report.findings)
    return EXIT_FINDINGS if failing else EXIT_OK


def cdk_acknowledgments(
    paths: list[str], inputs: list[TemplateInput]
) -> tuple[list[Acknowledgment], dict[str, str]]:
    """The CDK acknowledgments of the cloud assemblies among ``paths`` (as EcsExecChecks
    honours them), and each of their stack templates' construct path."""
    acks: list[Acknowledgment] = []
    stack_files: dict[str, str] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_dir() and (path / "manifest.json").is_file():
            entries, stacks = assembly_acknowledgments(path)
            acks.extend(from_assembly(entries, RULES_BY_ID))
            stack_files.update(stacks)
    stack_paths = {
        name: stack_files[str(Path(source).resolve())]
        for name, _, source in inputs
        if source is not None and str(Path(source).resolve()) in stack_files
    }
    return acks, stack_paths


# -- formats --------------------------------------------------------------------------------


def to_json(report: Report, sources: dict[str, str | None] | None = None) -> dict[str, Any]:
    """Findings, suppressed findings and summary; each finding's ``path`` is its template file
    as SARIF gives it (relative to the working directory), or null for a template given without
    a file."""
    sources = sources or {}

    def with_path(entry: dict[str, Any], template: str) -> dict[str, Any]:
        source = sources.get(template)
        entry["path"] = display_path(source) if source else None
        return entry

    return {
        "findings": [with_path(f.to_json(), f.template) for f in report.findings],
        "suppressed": [with_path(s.to_json(), s.finding.template) for s in report.suppressed],
        "summary": report.summary(),
    }


def to_text(report: Report) -> str:
    lines: list[str] = []
    # Findings come in rule order; group them by template, then by resource (first-seen order),
    # so that each template and each resource is listed once.
    by_template: dict[str, dict[str, list[Finding]]] = {}
    for f in report.findings:
        by_template.setdefault(f.template, {}).setdefault(f.logical_id, []).append(f)
    for template, by_resource in by_template.items():
        lines.append(f"{template}")
        for logical_id, findings in by_resource.items():
            _resource_lines(lines, logical_id, findings)
    if report.suppressed:
        lines.append("acknowledged (suppressed):")
        for sup in report.suppressed:
            f = sup.finding
            path = f"  [{f.construct_path}]" if f.construct_path else ""
            lines.append(f"  {f.rule_id} on {f.template}: {f.logical_id}{path}: {sup.reason}")
    s = report.summary()
    if lines:
        lines.append("")
    lines.append(
        f"{s['errors']} error(s), {s['warnings']} warning(s) in {s['templates']} template(s); "
        f"{s['exec_launches_checked']} exec-enabled launch(es) checked."
        + (f" {s['suppressed']} acknowledged finding(s) suppressed." if s["suppressed"] else "")
    )
    return "\n".join(lines) + "\n"


def _resource_lines(lines: list[str], logical_id: str, findings: list[Finding]) -> None:
    path = findings[0].construct_path
    lines.append(f"  {logical_id}" + (f"  [{path}]" if path else ""))
    for f in findings:
        label = "ERROR" if f.severity is Severity.ERROR else "WARN "
        lines.append(f"    {label} {f.rule_id}: {f.message}")
        lines.append(f"          fix: {f.fix}")


def to_sarif(report: Report, sources: dict[str, str | None]) -> dict[str, Any]:
    rule_ids = list(RULES_BY_ID)
    rules = [
        {
            "id": r.id,
            "name": r.id.replace("EcsExec-", "EcsExec"),
            "shortDescription": {"text": r.description},
            "fullDescription": {"text": r.explanation},
            "help": {"text": f"{r.explanation}\nFix: {r.fix}"},
            "defaultConfiguration": {
                "level": "error" if r.severity is Severity.ERROR else "warning"
            },
            "properties": {"reportedOn": r.reported_on},
        }
        for r in RULES_BY_ID.values()
    ]
    for rule in rules:  # the rule's section of RULES.md, when pyproject names the repository
        if help_uri := rule_help_uri(str(rule["id"])):
            rule["helpUri"] = help_uri
    cache: dict[str, dict[str, int]] = {}
    results = [_sarif_result(f, sources, cache, rule_ids) for f in report.findings]
    for sup in report.suppressed:
        result = _sarif_result(sup.finding, sources, cache, rule_ids)
        result["suppressions"] = [_sarif_suppression(sup)]
        results.append(result)
    invocation = {
        "executionSuccessful": True,
        "toolExecutionNotifications": [
            {"level": "warning", "message": {"text": note}} for note in report.notes
        ],
    }
    driver: dict[str, Any] = {"name": "ecs-exec-guard", "version": __version__}
    if info := information_uri():
        driver["informationUri"] = info
    driver["rules"] = rules
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "invocations": [invocation],
                "results": results,
                "properties": {"summary": report.summary()},
            }
        ],
    }


def _sarif_result(
    f: Finding,
    sources: dict[str, str | None],
    cache: dict[str, dict[str, int]],
    rule_ids: list[str],
) -> dict[str, Any]:
    source = sources.get(f.template)
    location: dict[str, Any] = {
        "logicalLocations": [
            {
                "name": f.logical_id,
                "fullyQualifiedName": f.construct_path or f"{f.template}/{f.logical_id}",
                "kind": "resource",
            }
        ]
    }
    physical: dict[str, Any] = {
        "artifactLocation": {"uri": source_uri(source) if source else quote(f.template)}
    }
    line = resource_line(source, f.logical_id, cache)
    if line is not None:
        physical["region"] = {"startLine": line}
    location["physicalLocation"] = physical
    return {
        "ruleId": f.rule_id,
        "ruleIndex": rule_ids.index(f.rule_id),
        "level": "error" if f.severity is Severity.ERROR else "warning",
        "message": {"text": f"{f.message} Fix: {f.fix}"},
        "locations": [location],
        "partialFingerprints": {"ecsExecGuard/v1": f"{f.rule_id}:{f.template}:{f.logical_id}"},
    }


def _sarif_suppression(sup: Suppressed) -> dict[str, Any]:
    """SARIF 2.1.0 suppression: ``inSource`` for template metadata, ``external`` for CDK."""
    return {
        "kind": "inSource" if sup.source == "metadata" else "external",
        "status": "accepted",
        "justification": sup.reason,
        "properties": {"acknowledgedAt": sup.at},
    }
