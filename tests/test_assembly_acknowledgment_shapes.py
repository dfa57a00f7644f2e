"""``loader.assembly_acknowledgments`` on the odd shapes a cloud assembly can hold: artifacts
that are not stacks, Stages listed twice or in a cycle, Stages at the depth limit, metadata
entries of other types, and a ``validation-report.json`` with entries to skip.

Where CDK writes acknowledgments: see tests/test_assembly_acknowledgments.py. Construct paths
start with X here, so that stripping more than the leading "/" would show.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ecs_exec_guard.analysis.loader import LoadError, assembly_acknowledgments

ACK = "aws:cdk:acknowledged-rules"


def write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")


def manifest(directory: Path, artifacts: dict[str, Any]) -> Path:
    write(directory / "manifest.json", {"version": "48.0.0", "artifacts": artifacts})
    return directory


def stack(template: str, metadata: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"type": "aws:cloudformation:stack", "properties": {"templateFile": template},
            "metadata": metadata or {}, **extra}


def nested(directory: str) -> dict[str, Any]:
    return {"type": "cdk:cloud-assembly", "properties": {"directoryName": directory}}


def acks(**ids: str) -> list[dict[str, Any]]:
    return [{"type": ACK, "data": {f"EcsExec::{rule}": reason for rule, reason in ids.items()}}]


def resolved(path: Path) -> str:
    return str(path.resolve())


def test_every_artifact_shape_in_turn(tmp_path: Path) -> None:
    root = manifest(tmp_path / "cdk.out", {
        "Odd": "not an artifact",
        "Stage": nested("stage"),
        "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}},
        # A stack artifact is never read as a Stage, whatever its properties say.
        "Xeno": {"type": "aws:cloudformation:stack",
                 "properties": {"templateFile": "Xeno.template.json", "directoryName": "none"},
                 "displayName": "Prod/Xeno",
                 "metadata": {"/Prod/Xeno/Web": [
                     {"type": "aws:cdk:logicalId", "data": "Web"},
                     "not an entry",
                     {"type": ACK, "data": {"EcsExec::EcsExec-CTR1": "read-only is fine",
                                            "Other::Rule": 5}},
                 ], "/Prod/Xeno/Odd": 5}},
        "NoTemplate": {"type": "aws:cloudformation:stack", "properties": {"templateFile": None},
                       "metadata": {"/Xeno/Loose": acks(**{"EcsExec-IAM2": "loose"})}},
    })
    manifest(root / "stage", {"Xylo": stack("Xylo.template.json", {
        "/Xylo/Task": acks(**{"EcsExec-IAM1": "staged"})})})
    entries, stacks = assembly_acknowledgments(root)
    assert entries == [
        ("Xylo/Task", "EcsExec::EcsExec-IAM1", "staged"),
        ("Prod/Xeno/Web", "EcsExec::EcsExec-CTR1", "read-only is fine"),
        ("Prod/Xeno/Web", "Other::Rule", "5"),
        ("Xeno/Loose", "EcsExec::EcsExec-IAM2", "loose"),
    ]
    assert stacks == {
        resolved(root / "stage" / "Xylo.template.json"): "Xylo",  # no displayName: its ID
        resolved(root / "Xeno.template.json"): "Prod/Xeno",
    }


def test_a_stage_listed_twice_or_in_a_cycle_is_read_once(tmp_path: Path) -> None:
    root = manifest(tmp_path / "cdk.out", {
        "Stage": nested("stage"), "Again": nested("stage"), "Self": nested(".")})
    manifest(root / "stage", {"Up": nested(".."), "App": stack("App.template.json", {
        "/Xstage/App": acks(**{"EcsExec-CTR2": "once"})})})
    entries, stacks = assembly_acknowledgments(root)
    assert entries == [("Xstage/App", "EcsExec::EcsExec-CTR2", "once")]
    assert stacks == {resolved(root / "stage" / "App.template.json"): "App"}


def chain(root: Path, levels: int) -> Path:
    directory = root
    for _ in range(levels):
        manifest(directory, {"Inner": nested("inner")})
        directory = directory / "inner"
    return manifest(directory, {"App": stack("App.template.json", {
        "/Deep/App": acks(**{"EcsExec-CTR1": "deep"})})})


def test_stages_seventeen_deep_are_read(tmp_path: Path) -> None:
    deepest = chain(tmp_path, 17)
    assert assembly_acknowledgments(tmp_path) == (
        [("Deep/App", "EcsExec::EcsExec-CTR1", "deep")],
        {resolved(deepest / "App.template.json"): "App"})


def test_stages_eighteen_deep_are_refused(tmp_path: Path) -> None:
    chain(tmp_path, 18)
    with pytest.raises(LoadError) as err:
        assembly_acknowledgments(tmp_path)
    assert str(err.value) == (
        f"{tmp_path / ('inner/' * 17).rstrip('/')}: nested assemblies are too deep")


def test_the_validation_report_entries_to_skip(tmp_path: Path) -> None:
    root = manifest(tmp_path, {})
    write(root / "validation-report.json", {"pluginReports": [
        "not a report",
        {"pluginName": "Other", "suppressedViolations": "not a list"},
        {"pluginName": "EcsExec", "suppressedViolations": [
            "not a violation",
            {"acknowledgedAt": None, "acknowledgedId": "EcsExec::EcsExec-CTR3", "reason": "x"},
            {"acknowledgedAt": "/Xray/Stage", "acknowledgedId": None, "reason": "y"},
            {"acknowledgedAt": "/Xray/Stage/", "acknowledgedId": "EcsExec::EcsExec-CTR2",
             "reason": "the stage"},
            {"acknowledgedAt": "/", "acknowledgedId": "EcsExec::EcsExec-CTR1"},
        ]},
    ]})
    entries, stacks = assembly_acknowledgments(root)
    assert entries == [
        ("Xray/Stage/", "EcsExec::EcsExec-CTR2", "the stage"),
        ("", "EcsExec::EcsExec-CTR1", "None"),
    ]
    assert stacks == {}


def test_only_the_top_assemblys_validation_report_is_read(tmp_path: Path) -> None:
    root = manifest(tmp_path, {"Stage": nested("stage")})
    manifest(root / "stage", {})
    report = {"pluginReports": [{"suppressedViolations": [
        {"acknowledgedAt": "/Xray", "acknowledgedId": "EcsExec::EcsExec-CTR1", "reason": "r"}]}]}
    write(root / "stage" / "validation-report.json", report)
    assert assembly_acknowledgments(root) == ([], {})
    write(root / "validation-report.json", report)
    assert assembly_acknowledgments(root) == ([("Xray", "EcsExec::EcsExec-CTR1", "r")], {})
