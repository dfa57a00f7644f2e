"""Nested stacks in a cloud assembly, read the way ``cdk synth`` writes them.

What CDK 2.27x writes for ``Parent`` > ``Child`` (a NestedStack) > ``Grand`` (a NestedStack in
Child), seen in a synthesized assembly: each nested stack is an ``AWS::CloudFormation::Stack``
whose ``TemplateURL`` is an Fn::Join ending in ``/<asset hash>.json``; ``Parent.assets.json``
maps that hash to ``ParentChild<hash>.nested.template.json``; the logical-ID metadata of every
nested template is in the parent's artifact (``Parent.metadata.json``), under construct paths
such as ``/Parent/Child/TaskDef/Resource``, and the nested stack resource itself is at
``/Parent/Child.NestedStack/Child.NestedStackResource``. Logical IDs repeat across the nested
templates. ``aws:asset:path`` metadata on the stack resource is written only when asset
metadata is on. The templates themselves are this project's (tests/cfn.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cfn import JSON, exec_app, ref

from ecs_exec_guard.analysis import analyze
from ecs_exec_guard.analysis.loader import load_paths, stack_entries

CHILD_HASH = "6d024bb8385d31e42e69e943d3242c195e8c6fa060e5e2e2f66d2fa221b00fe4"
GRAND_HASH = "e71f1c7dbbd98bb00ae0a178457fece11b0b223e3ee270e40cdf0239b6c686ca"
CHILD_FILE = "ParentChild8B49BB45.nested.template.json"
CHILD_ID = "ChildNestedStackChildNestedStackResourceC40294CA"
GRAND_ID = "GrandNestedStackGrandNestedStackResource687B9F46"
GRAND_FILE = "ParentChildGrandFE51BAE9.nested.template.json"


def nested_stack(asset_hash: str, asset_path: str | None = None) -> JSON:
    resource: JSON = {
        "Type": "AWS::CloudFormation::Stack",
        "Properties": {"TemplateURL": {"Fn::Join": ["", [
            "https://s3.", ref("AWS::Region"), ".", ref("AWS::URLSuffix"), "/",
            {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"},
            f"/{asset_hash}.json"]]}},
        "UpdateReplacePolicy": "Delete",
        "DeletionPolicy": "Delete",
    }
    if asset_path is not None:
        resource["Metadata"] = {"aws:asset:path": asset_path}
    return resource


def write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")


def assembly(tmp_path: Path, *, asset_metadata: bool = False, readonly: str = "Grand") -> Path:
    """Parent > Child > Grand; Child and Grand each hold a whole exec app, one read-only."""
    out = tmp_path / "cdk.out"
    parent = {"Resources": {CHILD_ID: nested_stack(
        CHILD_HASH, CHILD_FILE if asset_metadata else None)}}
    apps = {}
    for name in ("Child", "Grand"):
        app = exec_app(name)
        app.container()["ReadonlyRootFilesystem"] = name == readonly
        apps[name] = app.body()
    apps["Child"]["Resources"][GRAND_ID] = nested_stack(
        GRAND_HASH, GRAND_FILE if asset_metadata else None)
    write(out / "Parent.template.json", parent)
    write(out / CHILD_FILE, apps["Child"])
    write(out / GRAND_FILE, apps["Grand"])
    write(out / "Parent.assets.json", {"version": "48.0.0", "files": {
        GRAND_HASH: {"source": {"path": GRAND_FILE, "packaging": "file"}},
        CHILD_HASH: {"source": {"path": CHILD_FILE, "packaging": "file"}},
        "4c27b675bd0ef5f698c260f890791fd53809c6f40cbc6fa2759b634600970e9a": {
            "source": {"path": "Parent.template.json", "packaging": "file"}},
    }})
    metadata: dict[str, list[JSON]] = {
        "/Parent/Child.NestedStack/Child.NestedStackResource": [
            {"type": "aws:cdk:logicalId", "data": CHILD_ID}],
        "/Parent/Child/Grand.NestedStack/Grand.NestedStackResource": [
            {"type": "aws:cdk:logicalId", "data": GRAND_ID}],
    }
    for name, prefix in (("Child", "/Parent/Child"), ("Grand", "/Parent/Child/Grand")):
        for logical_id in apps[name]["Resources"]:
            if logical_id != GRAND_ID:
                metadata[f"{prefix}/{logical_id}/Resource"] = [
                    {"type": "aws:cdk:logicalId", "data": logical_id}]
    write(out / "Parent.metadata.json", metadata)
    write(out / "manifest.json", {"version": "48.0.0", "artifacts": {
        "Parent": {"type": "aws:cloudformation:stack",
                   "environment": "aws://unknown-account/unknown-region",
                   "properties": {"templateFile": "Parent.template.json"},
                   "additionalMetadataFile": "Parent.metadata.json",
                   "displayName": "Parent"},
        "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}},
    }})
    return out


@pytest.mark.parametrize("asset_metadata", [False, True], ids=["assets manifest", "metadata"])
@pytest.mark.parametrize("readonly", ["Grand", "Child"])
def test_nested_templates_are_found_and_findings_carry_their_own_paths(
    tmp_path: Path, asset_metadata: bool, readonly: str
) -> None:
    """The same logical ID in Child and Grand: the finding names the template that has it."""
    inputs = load_paths([str(assembly(tmp_path, asset_metadata=asset_metadata,
                                      readonly=readonly))])
    assert [name for name, _, _ in inputs] == ["Parent.template.json", CHILD_FILE, GRAND_FILE]
    report = analyze(inputs)
    assert report.launches_checked == 2
    where = {"Child": (CHILD_FILE, "Parent/Child"), "Grand": (GRAND_FILE, "Parent/Child/Grand")}
    template, prefix = where[readonly]
    assert [(f.rule_id, f.template, f.construct_path) for f in report.findings] == [
        ("EcsExec-CTR1", template, f"{prefix}/TaskDef/Resource")]
    # The loader names each nested template on its stack resource, for the model to link.
    parent = inputs[0][1]["Resources"][CHILD_ID]
    assert parent["Metadata"]["aws:asset:path"] == CHILD_FILE


def test_a_nested_template_that_is_missing_is_skipped(tmp_path: Path) -> None:
    out = assembly(tmp_path)
    (out / GRAND_FILE).unlink()
    inputs = load_paths([str(out)])
    assert [name for name, _, _ in inputs] == ["Parent.template.json", CHILD_FILE]
    # What the missing template holds cannot be checked: INP1 says so on its stack resource.
    assert [(f.rule_id, f.severity.value, f.template, f.logical_id)
            for f in analyze(inputs).findings] == [
        ("EcsExec-INP1", "warning", CHILD_FILE, GRAND_ID)]


def test_a_nested_stack_without_a_known_template_is_skipped(tmp_path: Path) -> None:
    out = assembly(tmp_path)
    (out / "Parent.assets.json").write_text("not json", encoding="utf-8")
    inputs = load_paths([str(out)])
    assert [name for name, _, _ in inputs] == ["Parent.template.json"]


def test_stack_entries_of_a_template_in_an_assembly(tmp_path: Path) -> None:
    out = assembly(tmp_path)
    entries = stack_entries(out / "Parent.template.json")
    assert ("Parent/Child/Grand/TaskDef/Resource", "TaskDef") in entries
    assert ("Parent/Child/TaskDef/Resource", "TaskDef") in entries
    assert len(entries) == len(set(entries)) == 2 + 2 * len(exec_app().resources)
    # Not a template of the assembly, or no assembly at all: no entries.
    assert stack_entries(out / CHILD_FILE) == []
    write(tmp_path / "alone" / "App.template.json", {"Resources": {}})
    assert stack_entries(tmp_path / "alone" / "App.template.json") == []
