"""CDK nested stacks in a cloud assembly (``stack_with_nested``): how each
``AWS::CloudFormation::Stack`` resource finds its template (``aws:asset:path`` metadata, else
the asset manifests' hashes and keys named in its ``TemplateURL``), and which construct paths
each template's resources get from the stack's ``aws:cdk:logicalId`` metadata.

The layout is the one ``cdk synth`` writes (see tests/test_loader_nested.py); the odd shapes are
hand-written, to pin what the loader does with each.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ecs_exec_guard.analysis import loader
from ecs_exec_guard.analysis.loader import (
    add_construct_paths,
    load_paths,
    stack_entries,
    stack_with_nested,
)

LOGICAL_ID = "aws:cdk:logicalId"
CHILD_HASH = "6d024bb8385d31e42e69e943d3242c195e8c6fa060e5e2e2f66d2fa221b00fe4"
ZIP_HASH = "e71f1c7dbbd98bb00ae0a178457fece11b0b223e3ee270e40cdf0239b6c686ca"
UNKNOWN_HASH = "0" * 64


def write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")


def url(key: str) -> dict[str, Any]:
    return {"Fn::Join": ["", ["https://s3.", {"Ref": "AWS::Region"}, ".",
                              {"Ref": "AWS::URLSuffix"}, "/cdk-assets/", f"{key}.json"]]}


def nested_stack(key: str | None = None, **extra: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {"Type": "AWS::CloudFormation::Stack", **extra}
    if key is not None:
        resource["Properties"] = {"TemplateURL": url(key)}
    return resource


def bucket(name: str) -> dict[str, Any]:
    return {"Resources": {name: {"Type": "AWS::S3::Bucket"}}}


def entry(path: str, logical_id: Any) -> tuple[str, list[dict[str, Any]]]:
    return path, [{"type": LOGICAL_ID, "data": logical_id}]


def assembly(out: Path, parent: dict[str, Any], files: dict[str, Any],
             metadata: dict[str, Any], assets: dict[str, str]) -> Path:
    write(out / "Parent.template.json", parent)
    for name, body in files.items():
        write(out / name, body)
    write(out / "Parent.assets.json", {"version": "48.0.0", "files": {
        key: {"source": {"path": path, "packaging": "file"}} for key, path in assets.items()}})
    write(out / "Parent.metadata.json", metadata)
    write(out / "manifest.json", {"version": "48.0.0", "artifacts": {
        "Parent": {"type": "aws:cloudformation:stack",
                   "properties": {"templateFile": "Parent.template.json"},
                   "additionalMetadataFile": "Parent.metadata.json", "displayName": "Parent"}}})
    return out


def shapes(tmp_path: Path) -> Path:
    """A parent whose nested stack resources find their templates (or not) in every way."""
    parent = {"Resources": {
        "Plain": {"Type": "AWS::S3::Bucket"},
        "Broken": "not a resource",
        "Unknown": nested_stack(UNKNOWN_HASH),  # no asset has this hash
        "Missing": nested_stack(Metadata={"aws:asset:path": "Gone.nested.template.json"}),
        "Zip": nested_stack(ZIP_HASH),  # an asset, but not a template
        "Child": nested_stack(CHILD_HASH),
        "ChildAgain": nested_stack(CHILD_HASH),  # the same file: read once
        "Bare": {"Type": "AWS::CloudFormation::Stack"},  # no TemplateURL at all
        "Named": nested_stack("named-child"),  # a key that is not a hash, in the URL
        "Pinned": nested_stack(Metadata={"aws:asset:path": "Pinned.nested.template.json",
                                         "Owner": "team"}),
    }}
    files = {
        "Child.nested.template.json": {"Outputs": {}},  # an empty nested stack
        "Named.nested.template.json": bucket("Queue"),
        "Other.nested.template.json": bucket("Stray"),
        "Pinned.nested.template.json": bucket("Topic"),
    }
    metadata = dict([
        entry("/Parent/Plain/Resource", "Plain"),
        entry("/Parent/Broken", "Broken"),
        entry("/Parent/Child.NestedStack/Child.NestedStackResource", "Child"),
        entry("/Parent/Child", "ChildItself"),  # a path that is exactly a nested prefix
        entry("/Parent/Pinned.NestedStack/Pinned.NestedStackResource", "Pinned"),
        entry("/Parent/Pinned/Topic/Resource", "Topic"),
        entry("/Parent/Pinned/Plain/Resource", "Plain"),  # the same ID, nested: not the top's
    ])
    assets = {
        CHILD_HASH: "Child.nested.template.json",
        ZIP_HASH: "asset.e71f1c7d.zip",
        "named-child": "Named.nested.template.json",
        "other-key": "Other.nested.template.json",  # named by no TemplateURL
    }
    return assembly(tmp_path / "cdk.out", parent, files, metadata, assets)


def expected(out: Path) -> list[tuple[str, Any, str]]:
    def asset(path: str, **more: str) -> dict[str, Any]:
        return {"aws:asset:path": path, **more}

    parent = {"Resources": {
        "Plain": {"Type": "AWS::S3::Bucket",
                  "Metadata": {"aws:cdk:path": "Parent/Plain/Resource"}},
        "Broken": "not a resource",
        "Unknown": nested_stack(UNKNOWN_HASH),
        "Missing": nested_stack(Metadata=asset("Gone.nested.template.json")),
        "Zip": nested_stack(ZIP_HASH),
        "Child": nested_stack(CHILD_HASH, Metadata=asset(
            "Child.nested.template.json",
            **{"aws:cdk:path": "Parent/Child.NestedStack/Child.NestedStackResource"})),
        "ChildAgain": nested_stack(CHILD_HASH, Metadata=asset("Child.nested.template.json")),
        "Bare": {"Type": "AWS::CloudFormation::Stack"},
        "Named": nested_stack("named-child", Metadata=asset("Named.nested.template.json")),
        "Pinned": nested_stack(Metadata=asset(
            "Pinned.nested.template.json", Owner="team",
            **{"aws:cdk:path": "Parent/Pinned.NestedStack/Pinned.NestedStackResource"})),
    }}
    pinned = {"Resources": {"Topic": {
        "Type": "AWS::S3::Bucket", "Metadata": {"aws:cdk:path": "Parent/Pinned/Topic/Resource"}}}}
    return [
        ("Parent.template.json", parent, str(out / "Parent.template.json")),
        ("Child.nested.template.json", {"Outputs": {}},
         str(out / "Child.nested.template.json")),
        ("Named.nested.template.json", bucket("Queue"), str(out / "Named.nested.template.json")),
        ("Pinned.nested.template.json", pinned, str(out / "Pinned.nested.template.json")),
    ]


def test_each_nested_stack_resource_finds_its_own_template(tmp_path: Path) -> None:
    out = shapes(tmp_path)
    assert load_paths([str(out)]) == expected(out)


def test_outside_a_load_the_same_templates_are_found(tmp_path: Path) -> None:
    """The pack calls stack_with_nested on the app's own synthesis, outside load_paths."""
    out = shapes(tmp_path)
    path = out / "Parent.template.json"
    assert stack_with_nested(out, path, stack_entries(path)) == expected(out)


def without_construct_paths(value: Any) -> Any:
    """The value without ``aws:cdk:path`` entries (and Metadata left empty by that)."""
    if not isinstance(value, dict):
        return value
    out = {k: without_construct_paths(v) for k, v in value.items() if k != "aws:cdk:path"}
    return {k: v for k, v in out.items() if not (k == "Metadata" and v == {})}


def test_without_logical_id_metadata_nothing_gets_a_construct_path(tmp_path: Path) -> None:
    out = shapes(tmp_path)
    path = out / "Parent.template.json"
    assert stack_with_nested(out, path, []) == [
        (name, without_construct_paths(body), source) for name, body, source in expected(out)]


@pytest.mark.parametrize("limit", [3, 4], ids=["over", "at"])
def test_construct_paths_are_dropped_past_the_path_check_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    """Entries x nested prefix lengths over MAX_PATH_CHECKS: no construct paths at all."""
    parent = {"Resources": {"Web": {"Type": "AWS::S3::Bucket"},
                            "Child": nested_stack(CHILD_HASH)}}
    metadata = dict([entry("/Parent/Web/Resource", "Web"),
                     entry("/Parent/Child.NestedStack/Child.NestedStackResource", "Child"),
                     entry("/Parent/Child/Queue/Resource", "Queue"),
                     entry("/Parent/Child/Topic/Resource", "Topic")])
    out = assembly(tmp_path / "cdk.out", parent,
                   {"Child.nested.template.json": {"Resources": {
                       "Queue": {"Type": "AWS::SQS::Queue"}}}},
                   metadata, {CHILD_HASH: "Child.nested.template.json"})
    monkeypatch.setattr(loader, "MAX_PATH_CHECKS", limit)  # 4 entries x 1 prefix length
    inputs = load_paths([str(out)])
    paths = {lid: res.get("Metadata", {}).get("aws:cdk:path")
             for _, body, _ in inputs for lid, res in body["Resources"].items()}
    if limit == 4:
        assert paths == {"Web": "Parent/Web/Resource",
                         "Child": "Parent/Child.NestedStack/Child.NestedStackResource",
                         "Queue": "Parent/Child/Queue/Resource"}
    else:
        assert paths == {"Web": None, "Child": None, "Queue": None}


def test_nested_stacks_of_each_assembly_use_that_assemblys_assets(tmp_path: Path) -> None:
    """A Stage (nested assembly) has its own asset manifests: the same hash names its file."""
    out = assembly(tmp_path / "cdk.out", {"Resources": {"Child": nested_stack(CHILD_HASH)}},
                   {"Child.nested.template.json": bucket("Top")}, {},
                   {CHILD_HASH: "Child.nested.template.json"})
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest["artifacts"]["Stage"] = {"type": "cdk:cloud-assembly",
                                      "properties": {"directoryName": "stage"}}
    write(out / "manifest.json", manifest)
    assembly(out / "stage", {"Resources": {"Child": nested_stack(CHILD_HASH)}},
             {"StagedChild.nested.template.json": bucket("Staged")}, {},
             {CHILD_HASH: "StagedChild.nested.template.json"})
    inputs = load_paths([str(out)])
    assert [(name, sorted(body["Resources"])) for name, body, _ in inputs] == [
        ("Parent.template.json", ["Child"]),
        ("Child.nested.template.json", ["Top"]),
        ("stage/Parent.template.json", ["Child"]),
        ("stage/StagedChild.nested.template.json", ["Staged"]),
    ]


def test_the_asset_manifests_of_a_directory_are_read_once_per_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every stack of an assembly reads the same directory's ``*.assets.json``: once."""
    out = assembly(tmp_path / "cdk.out", {"Resources": {"Child": nested_stack(CHILD_HASH)}},
                   {"Child.nested.template.json": bucket("Queue")}, {},
                   {CHILD_HASH: "Child.nested.template.json"})
    write(out / "Second.template.json", {"Resources": {"Child": nested_stack(CHILD_HASH)}})
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest["artifacts"]["Second"] = {"type": "aws:cloudformation:stack",
                                       "properties": {"templateFile": "Second.template.json"}}
    write(out / "manifest.json", manifest)
    opened: list[str] = []
    original = Path.open

    def counting_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        opened.append(self.name)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", counting_open)
    inputs = load_paths([str(out)])
    assert [name for name, _, _ in inputs] == [
        "Parent.template.json", "Child.nested.template.json", "Second.template.json",
        "Child.nested.template.json#2"]
    assert opened.count("Parent.assets.json") == 1


def test_asset_manifests_that_say_nothing_usable_are_passed_over(tmp_path: Path) -> None:
    """Several ``*.assets.json``: the broken ones are skipped, whichever order they are in."""
    out = assembly(tmp_path / "cdk.out", {"Resources": {"Child": nested_stack(CHILD_HASH)}},
                   {"Child.nested.template.json": bucket("Queue")}, {}, {})
    names = ["A.assets.json", "B.assets.json", "C.assets.json", "D.assets.json"]
    for name in names:
        write(out / name, "")
    (out / "Parent.assets.json").unlink()
    order = [p.name for p in out.glob("*.assets.json")]  # the order the loader meets them
    good = {"files": {
        "odd": "not an entry",
        "no-source": {"source": None},
        "no-path": {"source": {"path": 5}},
        CHILD_HASH: {"source": {"path": "Child.nested.template.json"}},
    }}
    for name, text in zip(order, ["{broken", "[]", json.dumps({"files": ["x"]}),
                                  json.dumps(good)], strict=True):
        write(out / name, text)
    inputs = load_paths([str(out)])
    assert [name for name, _, _ in inputs] == [
        "Parent.template.json", "Child.nested.template.json"]


def test_add_construct_paths_fills_in_only_what_is_missing() -> None:
    body: dict[str, Any] = {"Resources": {
        "New": {"Type": "AWS::S3::Bucket"},
        "Other": {"Type": "AWS::S3::Bucket", "Metadata": {"Owner": "team"}},
        "Own": {"Type": "AWS::S3::Bucket", "Metadata": {"aws:cdk:path": "Own/Path"}},
        "OddMeta": {"Type": "AWS::S3::Bucket", "Metadata": ["a", "list"]},
        "Unlisted": {"Type": "AWS::S3::Bucket"},
        "Broken": "not a resource",
    }}
    paths = {name: f"App/{name}/Resource"
             for name in ("New", "Other", "Own", "OddMeta", "Broken", "Absent")}
    add_construct_paths(body, paths)
    assert body == {"Resources": {
        "New": {"Type": "AWS::S3::Bucket", "Metadata": {"aws:cdk:path": "App/New/Resource"}},
        "Other": {"Type": "AWS::S3::Bucket",
                  "Metadata": {"Owner": "team", "aws:cdk:path": "App/Other/Resource"}},
        "Own": {"Type": "AWS::S3::Bucket", "Metadata": {"aws:cdk:path": "Own/Path"}},
        "OddMeta": {"Type": "AWS::S3::Bucket", "Metadata": ["a", "list"]},
        "Unlisted": {"Type": "AWS::S3::Bucket"},
        "Broken": "not a resource",
    }}
    for odd in ({}, {"Resources": ["a", "list"]}):
        before = json.loads(json.dumps(odd))
        add_construct_paths(odd, paths)  # nothing to add to
        assert odd == before
