"""CI output formats of ``ecs-exec-guard check`` besides text, JSON and SARIF, and the helpers
that place a finding in its file (shared with SARIF).

- ``github``: GitHub Actions workflow commands (``::error file=..,line=..,title=..::message``),
  which the runner turns into annotations on the pull request's changed files.
- ``junit``: JUnit XML, which most CI systems render as a test report. As cfn-lint does, each
  rule is a test case per template; a finding at or above ``--fail-on`` is a failure of it,
  one below is recorded in the case's ``system-out`` and the case passes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree as ET

from .analysis import ALL_RULES, Finding, Report, Severity


def resource_line(
    path: str | None, logical_id: str, cache: dict[str, dict[str, int]]
) -> int | None:
    """The line of the resource's key in its template: one level inside ``Resources``.

    Only there: the same name can be a key elsewhere (``"Service": "ecs-tasks.amazonaws.com"``
    in a trust policy, an output). None when the layout does not tell (one-line JSON). Each
    file is read and indexed once, however many findings it has.
    """
    if path is None:
        return None
    if path not in cache:
        try:
            cache[path] = _resource_key_lines(Path(path).read_text(encoding="utf-8").splitlines())
        except (OSError, UnicodeDecodeError):
            cache[path] = {}
    return cache[path].get(logical_id)


_SECTION = re.compile(r'^(\s*)"?Resources"?\s*:')
_KEY = re.compile(r'^(\s*)"?([^"\s:]+)"?\s*:')


def _resource_key_lines(lines: list[str]) -> dict[str, int]:
    """Logical ID -> 1-based line of its key, for the keys one level inside ``Resources``."""
    starts = [(len(m.group(1)), i) for i, ln in enumerate(lines) if (m := _SECTION.match(ln))]
    if not starts:
        return {}
    indent, start = min(starts)  # the top-level Resources key
    child: int | None = None
    found: dict[str, int] = {}
    for i in range(start + 1, len(lines)):
        text = lines[i]
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        depth = len(text) - len(text.lstrip())
        if depth <= indent:
            break  # the end of the Resources section
        if child is None:
            child = depth  # the indentation of the resource keys
        m = _KEY.match(text)
        if m and len(m.group(1)) == child:
            found.setdefault(m.group(2), i + 1)
    return found


def display_path(path: str) -> str:
    """A template file as reports give it: relative to the working directory (POSIX) when it
    is under it, else absolute."""
    p = Path(path).resolve()
    try:
        return p.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return p.as_posix()


def source_uri(path: str) -> str:
    """A URI reference for SARIF: :func:`display_path` when the file is under the working
    directory, else an absolute ``file://`` URI; percent-encoded either way."""
    shown = display_path(path)
    return Path(shown).as_uri() if Path(shown).is_absolute() else quote(shown)


# -- GitHub Actions workflow commands -------------------------------------------------------


def _escape_data(text: str) -> str:
    # As @actions/core's command.ts escapes a command's message.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    # As @actions/core's command.ts escapes a property value.
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def to_github(report: Report, sources: dict[str, str | None]) -> str:
    """One ``::error``/``::warning`` command per finding, with the file and line of the
    resource when the template is a file; a final ``::notice`` when there is none."""
    cache: dict[str, dict[str, int]] = {}
    lines: list[str] = []
    for f in report.findings:
        level = "error" if f.severity is Severity.ERROR else "warning"
        props: list[str] = []
        source = sources.get(f.template)
        if source is not None:
            props.append(f"file={_escape_property(display_path(source))}")
            line = resource_line(source, f.logical_id, cache)
            if line is not None:
                props.append(f"line={line}")
        where = f.construct_path or f"{f.template}/{f.logical_id}"
        props.append(f"title={_escape_property(f'{f.rule_id} on {where}')}")
        message = f"{f.message}\nFix: {f.fix}"
        lines.append(f"::{level} {','.join(props)}::{_escape_data(message)}")
    s = report.summary()
    summary = (
        f"ecs-exec-guard: {s['errors']} error(s), {s['warnings']} warning(s) in "
        f"{s['templates']} template(s); {s['exec_launches_checked']} exec-enabled launch(es)"
        " checked." + (f" {s['suppressed']} acknowledged finding(s) suppressed."
                       if s["suppressed"] else "")
    )
    lines.append(f"::notice title=ecs-exec-guard::{_escape_data(summary)}")
    return "\n".join(lines) + "\n"


# -- JUnit XML ------------------------------------------------------------------------------


def to_junit(
    report: Report,
    sources: dict[str, str | None],
    fails: Callable[[Finding], bool],
) -> str:
    """A ``testsuite`` per template, a ``testcase`` per rule; ``fails`` says which findings
    are failures (those at or above ``--fail-on``)."""
    root = ET.Element("testsuites", name="ecs-exec-guard")
    by_template: dict[str, list[Finding]] = {name: [] for name in report.templates}
    for f in report.findings:
        by_template.setdefault(f.template, []).append(f)
    total = failed = 0
    for template, findings in by_template.items():
        suite = ET.SubElement(root, "testsuite", name=template)
        source = sources.get(template)
        if source is not None:
            suite.set("file", display_path(source))
        suite_failed = 0
        for rule in ALL_RULES:
            mine = [f for f in findings if f.rule_id == rule.id]
            case = ET.SubElement(
                suite, "testcase", classname=template, name=f"{rule.id} {rule.description}"
            )
            failing = [f for f in mine if fails(f)]
            if failing:
                suite_failed += 1
                failure = ET.SubElement(
                    case,
                    "failure",
                    type=max(failing, key=lambda f: f.severity.rank).severity.value,
                    message=f"{len(failing)} finding(s): {rule.description}",
                )
                failure.text = "\n".join(_finding_text(f) for f in failing)
            passing = [f for f in mine if not fails(f)]
            if passing:
                out = ET.SubElement(case, "system-out")
                out.text = "\n".join(_finding_text(f) for f in passing)
        suite.set("tests", str(len(ALL_RULES)))
        suite.set("failures", str(suite_failed))
        suite.set("errors", "0")
        total += len(ALL_RULES)
        failed += suite_failed
    root.set("tests", str(total))
    root.set("failures", str(failed))
    root.set("errors", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _finding_text(f: Finding) -> str:
    label = "ERROR" if f.severity is Severity.ERROR else "WARNING"
    where = f.logical_id + (f" [{f.construct_path}]" if f.construct_path else "")
    return f"{label} {f.rule_id} on {where}: {f.message} Fix: {f.fix}"
