"""``load_paths`` on a directory without a manifest: which files the search reads as templates,
which directories it skips or reads as cloud assemblies, and the notes it leaves for what it
skipped (a broken template, an assembly that cannot be read).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ecs_exec_guard.analysis.loader import LoadError, load_paths

TEMPLATE = {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}}}


def write(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def search(root: Path) -> tuple[list[str], list[str]]:
    notes: list[str] = []
    inputs = load_paths([str(root)], notes)
    return [name for name, _, _ in inputs], notes


def test_what_the_search_reads_as_templates(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "Resources:\n  A: {Type: T}\n")  # not a template's file name
    write(tmp_path / "a.template.json", TEMPLATE)
    write(tmp_path / "b.json", TEMPLATE)
    write(tmp_path / "c.md", "Resources:\n  A: {Type: T}\n")
    write(tmp_path / "d.json", {"version": "1", "items": []})  # JSON, not a template
    write(tmp_path / "e.yml", "AWSTemplateFormatVersion: 2010-09-09\nOutputs: {}\n")  # no Resources
    write(tmp_path / "f.yaml", "Resources:\n  A: {Type: T}\n")
    write(tmp_path / "g.yml", "Resources: [not, a, mapping]\n")
    names, notes = search(tmp_path)
    assert names == ["a.template.json", "b.json", "f.yaml"]
    assert notes == [f"skipped {tmp_path / 'g.yml'}: Resources is not a mapping"]


def test_a_broken_file_is_noted_only_when_it_looks_like_a_template(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "Resources:\n  A: [\n")
    write(tmp_path / "b.yaml", "just: [text\n")
    write(tmp_path / "c.json", '{\n  "AWSTemplateFormatVersion": "2010-09-09",\n  "Resources": {')
    write(tmp_path / "d.json", TEMPLATE)
    names, notes = search(tmp_path)
    assert names == ["d.json"]
    assert notes == [
        f"skipped {tmp_path / 'a.yaml'}: invalid YAML at line 3: did not find expected node "
        "content",
        f"skipped {tmp_path / 'c.json'}: invalid JSON: Expecting property name enclosed in "
        "double quotes: line 3 column 17 (char 62)",
    ]


def test_a_named_template_that_is_not_one_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "app.template.yaml", "Outputs: {}\n")
    with pytest.raises(LoadError) as err:
        load_paths([str(tmp_path)])
    assert str(err.value) == (
        f"{tmp_path / 'app.template.yaml'}: not a CloudFormation template (no Resources "
        "section)")


def test_directories_the_search_skips(tmp_path: Path) -> None:
    write(tmp_path / "app.json", TEMPLATE)
    for skipped in (".hidden", "node_modules", "__pycache__", "lib/site-packages"):
        write(tmp_path / skipped / "t.json", TEMPLATE)
    write(tmp_path / "venv" / "pyvenv.cfg", "home = /usr/bin\n")
    write(tmp_path / "venv" / "t.json", TEMPLATE)
    write(tmp_path / "sub" / "t.json", TEMPLATE)
    write(tmp_path / "sub" / "deeper" / "t.yaml", "Resources: {}\n")
    names, notes = search(tmp_path)
    assert names == ["app.json", "sub/t.json", "sub/deeper/t.yaml"]
    assert notes == []


def test_a_subdirectory_with_a_manifest_is_a_cloud_assembly(tmp_path: Path) -> None:
    write(tmp_path / "app.json", TEMPLATE)
    out = tmp_path / "cdk.out"
    write(out / "manifest.json", {"version": "48.0.0", "artifacts": {"App": {
        "type": "aws:cloudformation:stack", "properties": {"templateFile": "App.template.json"},
        "metadata": {"/App/Bucket/Resource": [
            {"type": "aws:cdk:logicalId", "data": "Bucket"}]}}}})
    write(out / "App.template.json", TEMPLATE)
    write(out / "stray.json", TEMPLATE)  # in an assembly, only its stacks are read
    broken = write(tmp_path / "broken.out" / "manifest.json", "not json")
    write(tmp_path / "broken.out" / "t.json", TEMPLATE)
    notes: list[str] = []
    inputs = load_paths([str(tmp_path)], notes)
    assert inputs == [
        ("cdk.out/App.template.json", {"Resources": {"Bucket": {
            "Type": "AWS::S3::Bucket", "Metadata": {"aws:cdk:path": "App/Bucket/Resource"}}}},
         str(out / "App.template.json")),
        ("app.json", TEMPLATE, str(tmp_path / "app.json")),
    ]
    assert notes == [
        f"skipped {broken}: invalid JSON: Expecting value: line 1 column 1 (char 0)"]


def test_a_directory_without_templates_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "readme.md", "no templates here\n")
    write(tmp_path / "data.json", {"items": []})
    with pytest.raises(LoadError) as err:
        load_paths([str(tmp_path)])
    assert str(err.value) == f"{tmp_path}: no CloudFormation templates found in this directory"
