"""Where a cloud assembly keeps CDK acknowledgments, read by ``loader.assembly_acknowledgments``.

``Validations.of(c).acknowledge(...)`` writes ``aws:cdk:acknowledged-rules`` metadata under the
construct's path, in the stack's ``*.metadata.json`` (``additionalMetadataFile``) or inline in
the manifest's artifact ``metadata``; acknowledgments on the App or a Stage are only in the
``validation-report.json`` of the last synthesis (``acknowledgedAt`` of suppressed violations).
Stages are nested assemblies (``cdk:cloud-assembly`` artifacts with a ``directoryName``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_acknowledgments import assembly, check_assembly

from ecs_exec_guard.analysis.loader import LoadError, assembly_acknowledgments

ACK = "aws:cdk:acknowledged-rules"


def write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")


def manifest(directory: Path, artifacts: dict[str, Any]) -> None:
    write(directory / "manifest.json", {"version": "55.0.0", "artifacts": artifacts})


def stack(template: str, display: str | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "aws:cloudformation:stack",
                           "properties": {"templateFile": template}, **extra}
    if display is not None:
        out["displayName"] = display
    return out


def test_inline_metadata_nested_stages_and_the_validation_report(tmp_path: Path) -> None:
    root = tmp_path / "cdk.out"
    manifest(root, {
        "App": stack("App.template.json", "App", metadata={
            "/App/Web": [{"type": ACK, "data": {"EcsExec::EcsExec-CTR1": "inline"}},
                         {"type": "aws:cdk:logicalId", "data": "Web"},
                         "not an entry"],
            "/App/Odd": [{"type": ACK, "data": ["not", "a", "mapping"]}],
            "/App/Other": "not a list"}),
        "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}},
        "assembly-Prod": {"type": "cdk:cloud-assembly",
                          "properties": {"directoryName": "assembly-Prod"}},
        "NoProps": {"type": "aws:cloudformation:stack"},
        "Odd": "not an artifact",
    })
    write(root / "validation-report.json", {"pluginReports": [
        {"pluginName": "EcsExec", "suppressedViolations": [
            {"ruleName": "EcsExec-CTR2", "acknowledgedAt": "/", "acknowledgedId":
             "EcsExec::EcsExec-CTR2", "reason": "app-wide"},
            {"ruleName": "EcsExec-CTR3", "acknowledgedAt": None},
            "not a violation"]},
        {"pluginName": "Other"}, "not a report"]})
    prod = root / "assembly-Prod"
    manifest(prod, {"ProdApp": stack("ProdApp.template.json", additionalMetadataFile=(
        "ProdApp.metadata.json"))})
    write(prod / "ProdApp.metadata.json", {
        "/Prod/App/Web": [{"type": ACK, "data": {"EcsExec::EcsExec-IAM2": "staged"}}]})
    entries, stacks = assembly_acknowledgments(root)
    assert entries == [
        ("", "EcsExec::EcsExec-CTR2", "app-wide"),
        ("App/Web", "EcsExec::EcsExec-CTR1", "inline"),
        ("Prod/App/Web", "EcsExec::EcsExec-IAM2", "staged"),
    ]
    # Each stack's template (resolved path) -> its construct path (displayName, else its ID).
    assert stacks == {str((root / "App.template.json").resolve()): "App",
                      str((prod / "ProdApp.template.json").resolve()): "ProdApp"}


@pytest.mark.parametrize("report", ["not json", json.dumps(["a", "list"])],
                         ids=["not json", "not an object"])
def test_an_unreadable_validation_report_adds_nothing(tmp_path: Path, report: str) -> None:
    manifest(tmp_path, {"App": stack("App.template.json", "App")})
    (tmp_path / "validation-report.json").write_text(report, encoding="utf-8")
    assert assembly_acknowledgments(tmp_path) == ([], {
        str((tmp_path / "App.template.json").resolve()): "App"})


def test_an_unreadable_metadata_file_adds_nothing(tmp_path: Path) -> None:
    manifest(tmp_path, {"App": stack("App.template.json", "App", additionalMetadataFile=(
        "App.metadata.json"), metadata={"/App": [{"type": ACK, "data": {"x": "inline"}}]})})
    (tmp_path / "App.metadata.json").write_text("{broken", encoding="utf-8")
    entries, _ = assembly_acknowledgments(tmp_path)
    assert entries == []


def test_stages_nested_too_deeply_are_refused(tmp_path: Path) -> None:
    directory = tmp_path
    for _ in range(18):
        manifest(directory, {"Inner": {"type": "cdk:cloud-assembly",
                                       "properties": {"directoryName": "inner"}}})
        directory = directory / "inner"
    manifest(directory, {})
    with pytest.raises(LoadError, match="nested assemblies are too deep"):
        assembly_acknowledgments(tmp_path)


def test_an_app_wide_acknowledgment_from_the_report_suppresses_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = assembly(tmp_path, {})
    write(directory / "validation-report.json", {"pluginReports": [{"suppressedViolations": [
        {"acknowledgedAt": "/", "acknowledgedId": "EcsExec::EcsExec-CTR1",
         "reason": "the whole app"}]}]})
    doc = check_assembly(directory, capsys)
    assert doc["findings"] == []
    assert [(s["rule_id"], s["acknowledgment"]["reason"]) for s in doc["suppressed"]] == [
        ("EcsExec-CTR1", "the whole app")]
