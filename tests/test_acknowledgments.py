"""Acknowledgments (issue 10.11): the same meaning in the analyzer, the CLI and the pack.

Plain CloudFormation: ``Metadata: {"ecs-exec-guard": {"acknowledge": [{"id", "reason"}]}}`` on
the resource a finding is reported on. CDK: ``Validations.of(c).acknowledge(...)``, recorded in
the cloud assembly as ``aws:cdk:acknowledged-rules`` metadata under the construct's path (the
shape below is what aws-cdk-lib 2.275 writes into ``<Stack>.metadata.json``; the pack's own
agreement with CDK is tested on real synthesized apps in test_pack.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cfn import Template, exec_app
from test_cli import exec_template, run, write

from ecs_exec_guard.analysis import Severity
from ecs_exec_guard.analysis.acknowledgments import AcknowledgmentError


def readonly_app() -> Template:
    app = exec_app()
    app.container()["ReadonlyRootFilesystem"] = True
    return app


def acknowledge(app: Template, logical_id: str, *entries: dict[str, Any]) -> None:
    app.resources[logical_id]["Metadata"] = {"ecs-exec-guard": {"acknowledge": list(entries)}}


# -- the analyzer ---------------------------------------------------------------------------


@pytest.mark.parametrize("ack_id", ["EcsExec-CTR1", "EcsExec::EcsExec-CTR1"])
def test_metadata_acknowledgment_suppresses_that_rule_on_that_resource(ack_id: str) -> None:
    app = readonly_app()
    acknowledge(app, "TaskDef", {"id": ack_id, "reason": "the app writes to /tmp only"})
    report = app.analyze()
    assert report.findings == []
    (sup,) = report.suppressed
    assert (sup.finding.rule_id, sup.finding.logical_id, sup.finding.severity) == (
        "EcsExec-CTR1", "TaskDef", Severity.ERROR)
    assert (sup.reason, sup.source, sup.at) == (
        "the app writes to /tmp only", "metadata", "App.template.json/TaskDef")
    assert report.summary()["suppressed"] == 1 and report.summary()["errors"] == 0


def test_twin_acknowledging_another_rule_suppresses_nothing() -> None:
    app = readonly_app()
    acknowledge(app, "TaskDef", {"id": "EcsExec-CTR4", "reason": "root is fine"})
    report = app.analyze()
    assert [(f.rule_id, f.logical_id) for f in report.findings] == [("EcsExec-CTR1", "TaskDef")]
    assert report.suppressed == []


def test_twin_acknowledging_the_rule_on_another_resource_suppresses_nothing() -> None:
    app = readonly_app()
    acknowledge(app, "Service", {"id": "EcsExec-CTR1", "reason": "wrong place"})
    report = app.analyze()
    assert [(f.rule_id, f.logical_id) for f in report.findings] == [("EcsExec-CTR1", "TaskDef")]
    assert report.suppressed == []


BAD: dict[str, tuple[Any, str]] = {
    "no reason": ({"acknowledge": [{"id": "EcsExec-CTR1"}]},
                  "App.template.json: TaskDef: Metadata.ecs-exec-guard.acknowledge[0]: "
                  "acknowledging EcsExec-CTR1 needs a reason"),
    "blank reason": ({"acknowledge": [{"id": "EcsExec-CTR1", "reason": "  "}]},
                     "App.template.json: TaskDef: Metadata.ecs-exec-guard.acknowledge[0]: "
                     "acknowledging EcsExec-CTR1 needs a reason"),
    "unknown rule": ({"acknowledge": [{"id": "EcsExec-CTR9", "reason": "x"}]},
                     "App.template.json: TaskDef: Metadata.ecs-exec-guard.acknowledge[0]: "
                     "EcsExec-CTR9 is not a rule of this tool"),
    "another pack": ({"acknowledge": [{"id": "AwsSolutions::ECS2", "reason": "x"}]},
                     "App.template.json: TaskDef: Metadata.ecs-exec-guard.acknowledge[0]: "
                     "AwsSolutions::ECS2 is not a rule of this tool"),
    "no id": ({"acknowledge": [{"reason": "x"}]},
              "App.template.json: TaskDef: Metadata.ecs-exec-guard.acknowledge[0] has no id "
              "(a rule ID such as EcsExec-CTR1)"),
    "misspelt key": ({"acknowledgements": [{"id": "EcsExec-CTR1", "reason": "x"}]},
                     "App.template.json: TaskDef: Metadata.ecs-exec-guard must be a mapping with "
                     "one key, acknowledge (a list of {id, reason})"),
    "not a list": ({"acknowledge": {"id": "EcsExec-CTR1", "reason": "x"}},
                   "App.template.json: TaskDef: Metadata.ecs-exec-guard.acknowledge must be a "
                   "list of {id, reason}"),
    "extra key": ({"acknowledge": [{"id": "EcsExec-CTR1", "reason": "x", "until": "2027"}]},
                  "App.template.json: TaskDef: Metadata.ecs-exec-guard.acknowledge[0] must be a "
                  "mapping with id and reason"),
}


@pytest.mark.parametrize(("value", "message"), BAD.values(), ids=BAD.keys())
def test_invalid_acknowledgments_are_refused(value: Any, message: str) -> None:
    app = readonly_app()
    app.resources["TaskDef"]["Metadata"] = {"ecs-exec-guard": value}
    with pytest.raises(AcknowledgmentError) as exc:
        app.analyze()
    assert str(exc.value) == message


# -- the CLI: plain templates ---------------------------------------------------------------


def acked_template(reason: str | None = "accepted: the app writes to /tmp only") -> dict[str, Any]:
    body = exec_template(readonly=True)
    entry: dict[str, Any] = {"id": "EcsExec-CTR1"}
    if reason is not None:
        entry["reason"] = reason
    body["Resources"]["TaskDef"]["Metadata"] = {"ecs-exec-guard": {"acknowledge": [entry]}}
    return body


def test_cli_json_lists_acknowledged_findings_as_suppressed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "App.template.json", acked_template())
    code, out, err = run(["check", str(path), "--format", "json"], capsys)
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert doc["findings"] == []
    (sup,) = doc["suppressed"]
    assert (sup["rule_id"], sup["logical_id"], sup["severity"]) == (
        "EcsExec-CTR1", "TaskDef", "error")
    assert sup["acknowledgment"] == {"reason": "accepted: the app writes to /tmp only",
                                     "source": "metadata", "at": "App.template.json/TaskDef"}
    assert doc["summary"]["suppressed"] == 1


def test_cli_without_the_acknowledgment_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "App.template.json", exec_template(readonly=True))
    code, out, _ = run(["check", str(path), "--format", "json"], capsys)
    doc = json.loads(out)
    assert code == 1
    assert [(f["rule_id"], f["logical_id"]) for f in doc["findings"]] == [
        ("EcsExec-CTR1", "TaskDef")]
    assert doc["suppressed"] == []


def test_cli_sarif_marks_acknowledged_results_as_suppressed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "App.template.json", acked_template())
    code, out, _ = run(["check", str(path), "--format", "sarif"], capsys)
    assert code == 0
    (result,) = json.loads(out)["runs"][0]["results"]
    assert result["ruleId"] == "EcsExec-CTR1"
    assert result["suppressions"] == [{
        "kind": "inSource", "status": "accepted",
        "justification": "accepted: the app writes to /tmp only",
        "properties": {"acknowledgedAt": "App.template.json/TaskDef"},
    }]


def test_cli_text_says_what_was_acknowledged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "App.template.json", acked_template())
    code, out, _ = run(["check", str(path)], capsys)
    assert code == 0
    assert out.splitlines() == [
        "acknowledged (suppressed):",
        "  EcsExec-CTR1 on App.template.json: TaskDef: accepted: the app writes to /tmp only",
        "",
        "0 error(s), 0 warning(s) in 1 template(s); 1 exec-enabled launch(es) checked. "
        "1 acknowledged finding(s) suppressed.",
    ]


def test_cli_acknowledgment_without_a_reason_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "App.template.json", acked_template(reason=None))
    code, out, err = run(["check", str(path)], capsys)
    assert (code, out) == (2, "")
    assert err == ("ecs-exec-guard: error: App.template.json: TaskDef: Metadata.ecs-exec-guard"
                   ".acknowledge[0]: acknowledging EcsExec-CTR1 needs a reason\n")


# -- the CLI: a cloud assembly --------------------------------------------------------------


def assembly(directory: Path, acks: dict[str, dict[str, str]], *, paths: bool = True) -> Path:
    """A one-stack cloud assembly (Stack) with the read-only task definition at
    ``Stack/Web/TaskDef/Resource``; ``acks`` maps a construct path to {ID: reason}."""
    body = exec_template(readonly=True)
    if paths:
        body["Resources"]["TaskDef"]["Metadata"] = {"aws:cdk:path": "Stack/Web/TaskDef/Resource"}
    write(directory / "Stack.template.json", body)
    metadata: dict[str, list[dict[str, Any]]] = {}
    for path, entries in acks.items():
        metadata[f"/{path}"] = [{"type": "aws:cdk:acknowledged-rules", "data": entries,
                                 "trace": ["..."]}]
    write(directory / "Stack.metadata.json", metadata)
    write(directory / "manifest.json", {"version": "55.0.0", "artifacts": {"Stack": {
        "type": "aws:cloudformation:stack", "environment": "aws://unknown-account/unknown-region",
        "properties": {"templateFile": "Stack.template.json"},
        "additionalMetadataFile": "Stack.metadata.json", "displayName": "Stack"}}})
    return directory


def check_assembly(directory: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code, out, err = run(["check", str(directory), "--format", "json", "--fail-on", "none"],
                         capsys)
    assert (code, err) == (0, "")
    return json.loads(out)  # type: ignore[no-any-return]


@pytest.mark.parametrize("at", ["Stack/Web/TaskDef/Resource", "Stack/Web/TaskDef", "Stack/Web",
                                "Stack"])
def test_cdk_acknowledgment_on_the_resource_or_an_ancestor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], at: str
) -> None:
    doc = check_assembly(assembly(tmp_path, {at: {"EcsExec::EcsExec-CTR1": "accepted"}}), capsys)
    assert doc["findings"] == []
    assert [(s["rule_id"], s["acknowledgment"]) for s in doc["suppressed"]] == [
        ("EcsExec-CTR1", {"reason": "accepted", "source": "cdk", "at": at})]


@pytest.mark.parametrize(
    "acks",
    [
        {"Stack/Web2": {"EcsExec::EcsExec-CTR1": "a sibling"}},
        {"Stack/We": {"EcsExec::EcsExec-CTR1": "a name prefix is not an ancestor"}},
        {"Stack/Web": {"EcsExec::EcsExec-CTR2": "another rule"}},
        {"Stack/Web": {"AwsSolutions::EcsExec-CTR1": "another pack"}},
    ],
    ids=["sibling", "name prefix", "another rule", "another pack"],
)
def test_cdk_acknowledgment_twins_that_do_not_cover(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], acks: dict[str, dict[str, str]]
) -> None:
    doc = check_assembly(assembly(tmp_path, acks), capsys)
    assert [(f["rule_id"], f["construct_path"]) for f in doc["findings"]] == [
        ("EcsExec-CTR1", "Stack/Web/TaskDef/Resource")]
    assert doc["suppressed"] == []


def test_cdk_acknowledgment_on_the_stack_covers_resources_without_a_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The pack reports a finding without a construct path at its stack: so does the CLI."""
    doc = check_assembly(
        assembly(tmp_path, {"Stack": {"EcsExec::EcsExec-CTR1": "stack-wide"}}, paths=False),
        capsys)
    assert doc["findings"] == []
    assert [s["logical_id"] for s in doc["suppressed"]] == ["TaskDef"]


def test_the_closest_cdk_acknowledgment_gives_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = check_assembly(assembly(tmp_path, {
        "Stack": {"EcsExec::EcsExec-CTR1": "stack"},
        "Stack/Web": {"EcsExec::EcsExec-CTR1": "web"},
    }), capsys)
    assert [s["acknowledgment"]["reason"] for s in doc["suppressed"]] == ["web"]
