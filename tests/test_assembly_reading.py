"""How ``load_paths`` reads a cloud assembly's ``manifest.json``: which artifacts are templates,
nested assemblies (Stages) and their depth, cycles, the template-count limit, and what a broken
manifest says. Hand-written assemblies in tmp_path, shaped like what ``cdk synth`` writes
(``manifest.json`` with ``artifacts``; ``aws:cloudformation:stack`` artifacts name their
``templateFile``, ``cdk:cloud-assembly`` artifacts their ``directoryName``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ecs_exec_guard.analysis.limits import Limits
from ecs_exec_guard.analysis.loader import (
    LoadError,
    assembly_acknowledgments,
    load_paths,
    stack_entries,
)

LOGICAL_ID = "aws:cdk:logicalId"


def write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")


def manifest(directory: Path, artifacts: dict[str, Any]) -> Path:
    write(directory / "manifest.json", {"version": "48.0.0", "artifacts": artifacts})
    return directory


def stack(template: str, **extra: Any) -> dict[str, Any]:
    return {"type": "aws:cloudformation:stack", "properties": {"templateFile": template}, **extra}


def nested(directory: str) -> dict[str, Any]:
    return {"type": "cdk:cloud-assembly", "properties": {"directoryName": directory}}


def bucket_template(directory: Path, name: str) -> dict[str, Any]:
    body = {"Resources": {f"{name}Bucket": {"Type": "AWS::S3::Bucket"}}}
    write(directory / f"{name}.template.json", body)
    return body


def names(inputs: list[Any]) -> list[str]:
    return [name for name, _, _ in inputs]


# -- the template-count limit ---------------------------------------------------------------


def test_more_stacks_than_the_limit_are_refused_before_any_is_read(tmp_path: Path) -> None:
    out = manifest(tmp_path / "cdk.out", {
        "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}},
        "A": stack("A.template.json"), "B": stack("B.template.json"),
        "C": stack("C.template.json"),
    })
    for name in "ABC":
        bucket_template(out, name)
    with pytest.raises(LoadError) as err:
        load_paths([str(out)], limits=Limits(max_templates=2))
    assert str(err.value) == (
        f"{out / 'manifest.json'}: 3 templates, over the limit of 2 (raise it with "
        "--max-templates)")
    # At the limit, every stack is read (the cdk:tree artifact is not a template).
    inputs = load_paths([str(out)], limits=Limits(max_templates=3))
    assert names(inputs) == ["A.template.json", "B.template.json", "C.template.json"]


def test_the_count_limit_covers_every_assembly_of_the_load(tmp_path: Path) -> None:
    """Two assemblies of two stacks each: the second manifest is refused at 3 of 3 + 1."""
    first = manifest(tmp_path / "one", {"A": stack("A.template.json"),
                                        "B": stack("B.template.json")})
    second = manifest(tmp_path / "two", {"C": stack("C.template.json"),
                                         "D": stack("D.template.json")})
    for directory, pair in ((first, "AB"), (second, "CD")):
        for name in pair:
            bucket_template(directory, name)
    with pytest.raises(LoadError) as err:
        load_paths([str(first), str(second)], limits=Limits(max_templates=3))
    assert str(err.value) == (
        f"{second / 'manifest.json'}: 4 templates, over the limit of 3 (raise it with "
        "--max-templates)")


# -- a manifest that is not one -------------------------------------------------------------


@pytest.mark.parametrize(("text", "problem"), [
    ("not json", "invalid JSON: Expecting value: line 1 column 1 (char 0)"),
    ("[" * 100_000, "invalid JSON: nested too deeply"),
    ('["a", "list"]', "not a cloud assembly manifest (no artifacts)"),
    ('{"version": "48.0.0", "artifacts": ["a", "list"]}',
     "not a cloud assembly manifest (no artifacts)"),
    ('{"version": "48.0.0"}', "not a cloud assembly manifest (no artifacts)"),
], ids=["not json", "too deep", "a list", "artifacts a list", "no artifacts"])
def test_a_broken_manifest_is_a_load_error(tmp_path: Path, text: str, problem: str) -> None:
    write(tmp_path / "manifest.json", text)
    with pytest.raises(LoadError) as err:
        load_paths([str(tmp_path)])
    assert str(err.value) == f"{tmp_path / 'manifest.json'}: {problem}"


# -- which artifacts are read ---------------------------------------------------------------


def test_only_stack_artifacts_with_a_template_file_are_read(tmp_path: Path) -> None:
    out = tmp_path / "cdk.out"
    manifest(out, {
        "Odd": "not an artifact",
        "NoProps": {"type": "aws:cloudformation:stack"},
        "OddProps": {"type": "aws:cloudformation:stack", "properties": ["x"]},
        "NoFile": {"type": "aws:cloudformation:stack", "properties": {"templateFile": 5}},
        # Other artifact types are not templates, whatever their properties say.
        "Assets": {"type": "cdk:asset-manifest",
                   "properties": {"file": "Stray.assets.json",
                                  "templateFile": "Stray.template.json"}},
        "Tree": {"type": "cdk:tree",
                 "properties": {"file": "tree.json", "directoryName": "stray"}},
        "App": stack("App.template.json"),
        "Stage": nested("assembly-Prod"),
        "BadStage": {"type": "cdk:cloud-assembly", "properties": {"directoryName": None}},
        "Last": stack("Last.template.json"),
    })
    app = bucket_template(out, "App")
    last = bucket_template(out, "Last")
    bucket_template(out, "Stray")
    manifest(out / "stray", {"StrayStack": stack("StrayStack.template.json")})
    bucket_template(out / "stray", "StrayStack")
    manifest(out / "assembly-Prod", {"Prod": stack("Prod.template.json")})
    prod = bucket_template(out / "assembly-Prod", "Prod")
    inputs = load_paths([str(out)])
    assert inputs == [
        ("App.template.json", app, str(out / "App.template.json")),
        ("assembly-Prod/Prod.template.json", prod,
         str(out / "assembly-Prod" / "Prod.template.json")),
        ("Last.template.json", last, str(out / "Last.template.json")),
    ]


def test_a_stack_without_resources_is_an_empty_template(tmp_path: Path) -> None:
    out = manifest(tmp_path / "cdk.out", {"Empty": stack("Empty.template.json")})
    write(out / "Empty.template.json", {"Outputs": {}})
    assert load_paths([str(out)]) == [
        ("Empty.template.json", {"Outputs": {}}, str(out / "Empty.template.json"))]


def test_an_assembly_listed_twice_or_in_a_cycle_is_read_once(tmp_path: Path) -> None:
    out = manifest(tmp_path / "cdk.out", {
        "App": stack("App.template.json"), "Self": nested("."), "Stage": nested("stage"),
        "StageAgain": nested("stage")})
    manifest(out / "stage", {"Staged": stack("Staged.template.json"), "Up": nested("..")})
    bucket_template(out, "App")
    bucket_template(out / "stage", "Staged")
    assert names(load_paths([str(out)])) == ["App.template.json", "stage/Staged.template.json"]


def chain(root: Path, levels: int) -> Path:
    """``levels`` assemblies each holding the next (a Stage in a Stage...), then one stack."""
    directory = root
    for _ in range(levels):
        manifest(directory, {"Inner": nested("inner")})
        directory = directory / "inner"
    manifest(directory, {"App": stack("App.template.json")})
    bucket_template(directory, "App")
    return directory


def test_stages_nest_up_to_seventeen_deep(tmp_path: Path) -> None:
    deepest = chain(tmp_path, 17)
    inputs = load_paths([str(tmp_path)])
    assert names(inputs) == ["inner/" * 17 + "App.template.json"]
    assert inputs[0][2] == str(deepest / "App.template.json")


def test_stages_nested_deeper_are_a_load_error(tmp_path: Path) -> None:
    chain(tmp_path, 18)
    with pytest.raises(LoadError) as err:
        load_paths([str(tmp_path)])
    assert str(err.value) == (
        f"{tmp_path / ('inner/' * 17).rstrip('/')}: nested assemblies are too deep")


# -- the logical-ID metadata of a stack -----------------------------------------------------


def test_stack_entries_keep_the_logical_id_entries_only(tmp_path: Path) -> None:
    """Only ``aws:cdk:logicalId`` entries with a string ID; the leading slash goes (the stack
    is named Xray so that stripping anything more than "/" would show)."""
    out = tmp_path / "cdk.out"
    manifest(out, {
        "Odd": "not an artifact",
        "Other": {"type": "aws:cloudformation:stack", "properties": ["x"]},
        "Xray": stack("Xray.template.json", metadata={
            "/Xray/Web/Resource": [
                "not an entry",
                {"type": "aws:cdk:warning", "data": "careful"},
                {"type": LOGICAL_ID, "data": 5},
                {"type": LOGICAL_ID, "data": "Web"},
            ],
            "/Xray/Odd": 5,
            "/Xray/Queue/Resource": [{"type": LOGICAL_ID, "data": "Queue"}],
        }),
    })
    bucket_template(out, "Xray")
    assert stack_entries(out / "Xray.template.json") == [
        ("Xray/Web/Resource", "Web"), ("Xray/Queue/Resource", "Queue")]


def test_stack_entries_from_the_metadata_file(tmp_path: Path) -> None:
    out = manifest(tmp_path / "cdk.out", {"App": stack(
        "App.template.json", additionalMetadataFile="App.metadata.json",
        metadata={"/App/Inline": [{"type": LOGICAL_ID, "data": "Inline"}]})})
    write(out / "App.metadata.json", {"/App/Web": [{"type": LOGICAL_ID, "data": "Web"}]})
    assert stack_entries(out / "App.template.json") == [("App/Web", "Web")]
    # An unreadable metadata file gives no entries (the inline ones are not used either).
    for broken in ("{broken", json.dumps(["a", "list"])):
        write(out / "App.metadata.json", broken)
        assert stack_entries(out / "App.template.json") == []


# -- paths no file can have, and templates that are not files ---------------------------------


@pytest.mark.parametrize(("artifact", "bad"), [
    (stack("a\x00b.template.json"), "a\x00b.template.json"),
    (nested("x\x00y"), "x\x00y"),
], ids=["template file", "stage directory"])
def test_a_manifest_naming_a_path_with_a_nul_is_a_load_error(
    tmp_path: Path, artifact: dict[str, Any], bad: str
) -> None:
    """Only a crafted manifest holds such a name: a usage error, never a crash."""
    manifest(tmp_path, {"Bad": artifact})
    with pytest.raises(LoadError) as err:
        load_paths([str(tmp_path)])
    assert str(err.value) == f"{str(tmp_path / bad)!r}: not a usable path (embedded null byte)"
    with pytest.raises(LoadError) as err:
        assembly_acknowledgments(tmp_path)
    assert str(err.value) == f"{str(tmp_path / bad)!r}: not a usable path (embedded null byte)"


def test_a_nested_stack_whose_asset_path_has_a_nul_is_not_followed(tmp_path: Path) -> None:
    manifest(tmp_path, {"App": stack("App.template.json")})
    body = {"Resources": {"Child": {"Type": "AWS::CloudFormation::Stack",
                                    "Metadata": {"aws:asset:path": "c\x00.template.json"}}}}
    write(tmp_path / "App.template.json", body)
    assert load_paths([str(tmp_path)]) == [
        ("App.template.json", body, str(tmp_path / "App.template.json"))]


def test_a_template_file_that_is_a_directory_cannot_be_read(tmp_path: Path) -> None:
    manifest(tmp_path, {"App": stack("App.template.json")})
    (tmp_path / "App.template.json").mkdir()
    with pytest.raises(LoadError) as err:
        load_paths([str(tmp_path)])
    assert str(err.value) == f"{tmp_path / 'App.template.json'}: cannot read: Is a directory"
