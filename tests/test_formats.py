"""`check --format github` (workflow-command annotations) and `--format junit`, and SARIF's
``helpUri`` into RULES.md. Templates are written under tmp_path; no CDK import."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from cfn import Template, exec_app

from ecs_exec_guard.analysis import ALL_RULES
from ecs_exec_guard.cli import main


def broken() -> Template:
    t = exec_app()
    t.container()["ReadonlyRootFilesystem"] = True  # CTR1, an error on TaskDef
    t.container()["User"] = "1000"  # CTR4, a warning on TaskDef
    return t


def write(directory: Path, t: Template, name: str = "App.template.json") -> Path:
    path = directory / name
    path.write_text(json.dumps(t.body(), indent=2), encoding="utf-8")
    return path


def line_of(path: Path, logical_id: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i + 1 for i, text in enumerate(lines) if text == f'    "{logical_id}": {{')


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    return code, capsys.readouterr().out


@pytest.fixture
def in_tmp(tmp_path: Path) -> Any:
    cwd = os.getcwd()
    os.chdir(tmp_path)
    yield tmp_path
    os.chdir(cwd)


def test_github_annotations_carry_file_line_and_title(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_tmp / "cdk out").mkdir()
    path = write(in_tmp / "cdk out", broken())
    code, out = run(["check", str(path), "--format", "github"], capsys)
    assert code == 1
    line = line_of(path, "TaskDef")
    lines = out.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(
        f"::error file=cdk out/App.template.json,line={line},"
        "title=EcsExec-CTR1 on App.template.json/TaskDef::Container(s) app of TaskDef have a "
        "read-only root filesystem"
    )
    assert "%0AFix: " in lines[0]  # the fix on the annotation's second line
    assert lines[1].startswith(f"::warning file=cdk out/App.template.json,line={line},"
                               "title=EcsExec-CTR4 on App.template.json/TaskDef::")
    assert lines[2] == (
        "::notice title=ecs-exec-guard::ecs-exec-guard: 1 error(s), 1 warning(s) in "
        "1 template(s); 1 exec-enabled launch(es) checked."
    )


def test_github_escapes_properties_and_messages(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    t = broken()
    t.resources["TaskDef"]["Metadata"] = {"aws:cdk:path": "App/Web,1/Task:Def"}
    path = write(in_tmp, t, "a,b.template.json")
    _, out = run(["check", str(path), "--format", "github", "--fail-on", "none"], capsys)
    first = out.splitlines()[0]
    assert first.startswith("::error file=a%2Cb.template.json,line=")
    assert ",title=EcsExec-CTR1 on App/Web%2C1/Task%3ADef::" in first
    assert "\n" not in first and "%0A" in first


def test_github_clean_template_prints_only_the_summary(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(in_tmp, exec_app())
    code, out = run(["check", str(path), "--format", "github"], capsys)
    assert code == 0
    assert out == (
        "::notice title=ecs-exec-guard::ecs-exec-guard: 0 error(s), 0 warning(s) in "
        "1 template(s); 1 exec-enabled launch(es) checked.\n"
    )


def test_github_summary_counts_acknowledged_findings(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As the text summary does: an acknowledged finding leaves a trace in the job's log.
    t = broken()
    t.resources["TaskDef"]["Metadata"] = {"ecs-exec-guard": {"acknowledge": [
        {"id": "EcsExec-CTR4", "reason": "root sessions are accepted"}]}}
    path = write(in_tmp, t)
    code, out = run(["check", str(path), "--format", "github"], capsys)
    assert code == 1
    lines = out.splitlines()
    assert [x.split(" ", 1)[0] for x in lines] == ["::error", "::notice"]
    assert lines[1] == (
        "::notice title=ecs-exec-guard::ecs-exec-guard: 1 error(s), 0 warning(s) in "
        "1 template(s); 1 exec-enabled launch(es) checked. 1 acknowledged finding(s) suppressed."
    )


def test_junit_one_case_per_rule_failures_at_fail_on(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(in_tmp, broken())
    code, out = run(["check", str(path), "--format", "junit"], capsys)
    assert code == 1
    assert out.startswith('<?xml version="1.0" encoding="utf-8"?>\n<testsuites ')
    root = ET.fromstring(out.split("\n", 1)[1])
    assert (root.tag, root.get("tests"), root.get("failures")) == (
        "testsuites", str(len(ALL_RULES)), "1"
    )
    (suite,) = root
    assert (suite.get("name"), suite.get("file")) == ("App.template.json", "App.template.json")
    cases = {c.get("name", "").split()[0]: c for c in suite}
    assert list(cases) == [r.id for r in ALL_RULES]
    failure = cases["EcsExec-CTR1"].find("failure")
    assert failure is not None and failure.get("type") == "error"
    assert "ERROR EcsExec-CTR1 on TaskDef: Container(s) app" in (failure.text or "")
    # The warning is below --fail-on error: recorded, not a failure.
    ctr4 = cases["EcsExec-CTR4"]
    assert ctr4.find("failure") is None
    assert (ctr4.findtext("system-out") or "").startswith("WARNING EcsExec-CTR4 on TaskDef:")
    failing = [rid for rid, c in cases.items() if c.find("failure") is not None]
    assert failing == ["EcsExec-CTR1"]


def test_junit_warnings_fail_with_fail_on_warning(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(in_tmp, broken())
    _, out = run(["check", str(path), "--format", "junit", "--fail-on", "warning"], capsys)
    root = ET.fromstring(out.split("\n", 1)[1])
    failing = [c.get("name", "").split()[0] for c in root.iter("testcase")
               if c.find("failure") is not None]
    assert failing == ["EcsExec-CTR1", "EcsExec-CTR4"]


def test_junit_clean_template_passes_every_case(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(in_tmp, exec_app())
    code, out = run(["check", str(path), "--format", "junit"], capsys)
    assert code == 0
    root = ET.fromstring(out.split("\n", 1)[1])
    assert root.get("failures") == "0"
    assert all(c.find("failure") is None and c.find("system-out") is None
               for c in root.iter("testcase"))


def test_sarif_help_uri_is_the_rules_section(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from importlib import metadata

    path = write(in_tmp, broken())
    _, out = run(["check", str(path), "--format", "sarif"], capsys)
    driver = json.loads(out)["runs"][0]["tool"]["driver"]
    urls = dict(
        (e.split(",", 1)[0].strip(), e.split(",", 1)[1].strip())
        for e in metadata.metadata("ecs-exec-guard").get_all("Project-URL") or []
    )
    assert driver["informationUri"] == urls["Homepage"]
    for rule in driver["rules"]:
        assert rule["helpUri"] == f"{urls['Rules']}#{rule['id'].lower()}"
    rules_md = (Path(__file__).resolve().parents[1] / "RULES.md").read_text("utf-8")
    assert all(f"\n### {r.id}\n" in rules_md for r in ALL_RULES)


def test_ruleset_version_counts_and_fingerprints_the_rules() -> None:
    from ecs_exec_guard.analysis.versions import ruleset_version

    count, digest = ruleset_version().split(" rules, ")
    assert int(count) == len(ALL_RULES)
    assert len(digest) == 12 and int(digest, 16) >= 0
