"""Local nested templates (a ``TemplateURL`` / SAM ``Location`` that is a file path, as before
``aws cloudformation package``): which resources the loader follows, the name each loaded copy
gets (one copy per nested stack that deploys the file), and the metadata that tells the model
which copy is whose. Also the loader's own errors for a template it cannot read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ecs_exec_guard.analysis.limits import Limits
from ecs_exec_guard.analysis.loader import LoadError, load_paths, load_template
from ecs_exec_guard.analysis.model import NESTED_TEMPLATE_KEY

CHILD = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}


def write(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def stack(url: str, **extra: Any) -> dict[str, Any]:
    return {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": url}, **extra}


def own(name: str, **more: Any) -> dict[str, Any]:
    return {NESTED_TEMPLATE_KEY: name, **more}


def test_each_nested_stack_gets_its_own_copy_of_the_file(tmp_path: Path) -> None:
    parent = {"Resources": {
        "Plain": {"Type": "AWS::S3::Bucket"},
        "Remote": stack("https://s3.amazonaws.com/bucket/child.yaml"),
        "Cdk": stack("child.yaml", Metadata={"aws:asset:path": "Cdk.nested.template.json"}),
        "Absent": stack("absent.yaml"),
        "First": stack("child.yaml", Metadata={"Owner": "team"}),
        "Second": stack("./child.yaml", Metadata="not a mapping"),
        "Third": {"Type": "AWS::Serverless::Application",
                  "Properties": {"Location": "file://child.yaml"}},
    }}
    root = write(tmp_path / "app" / "parent.json", parent).parent
    write(root / "child.yaml", "Resources:\n  Queue: {Type: AWS::SQS::Queue}\n")
    # An input already named like the second copy would be: the copy's name gets a "#" more.
    write(root / "x" / "child.yaml#Second", CHILD)
    inputs = load_paths([str(root / "parent.json"), str(root / "x" / "child.yaml#Second")])
    child = str(root / "child.yaml")
    assert [(name, source) for name, _, source in inputs] == [
        ("parent.json", str(root / "parent.json")),
        ("child.yaml#Second", str(root / "x" / "child.yaml#Second")),
        ("child.yaml", child),
        ("child.yaml#Second#", child),
        ("child.yaml#Third", child),
    ]
    resources = inputs[0][1]["Resources"]
    assert {k: v.get("Metadata") for k, v in resources.items()} == {
        "Plain": None, "Remote": None,
        "Cdk": {"aws:asset:path": "Cdk.nested.template.json"},  # CDK's: not followed here
        "Absent": None,  # missing: left to the analysis (INP1)
        "First": own("child.yaml", Owner="team"),
        "Second": own("child.yaml#Second#"),
        "Third": own("child.yaml#Third"),
    }
    assert all(body == CHILD for _, body, _ in inputs[1:])


def test_a_nested_template_that_is_an_input_is_that_stacks_own(tmp_path: Path) -> None:
    """In a directory search the child is an input already: the first stack claims it. A
    child the search does not read (a hidden directory) is named from its parent's folder."""
    write(tmp_path / "sub" / "parent.json", {"Resources": {
        "First": stack("child.json"), "Second": stack("child.json"),
        "Hidden": stack(".hidden/c.json")}})
    write(tmp_path / "sub" / "child.json", CHILD)
    write(tmp_path / "sub" / ".hidden" / "c.json", CHILD)
    inputs = load_paths([str(tmp_path)])
    sub = tmp_path / "sub"
    assert [(name, source) for name, _, source in inputs] == [
        ("sub/child.json", str(sub / "child.json")),
        ("sub/parent.json", str(sub / "parent.json")),
        ("sub/child.json#Second", str(sub / "child.json")),
        ("sub/.hidden/c.json", str(sub / ".hidden" / "c.json")),
    ]
    assert {k: v["Metadata"] for k, v in inputs[1][1]["Resources"].items()} == {
        "First": own("sub/child.json"), "Second": own("sub/child.json#Second"),
        "Hidden": own("sub/.hidden/c.json")}


def test_nested_stacks_after_an_empty_stack_are_followed(tmp_path: Path) -> None:
    out = tmp_path / "cdk.out"
    write(out / "manifest.json", {"version": "48.0.0", "artifacts": {"Empty": {
        "type": "aws:cloudformation:stack",
        "properties": {"templateFile": "Empty.template.json"}}}})
    write(out / "Empty.template.json", {})
    parent = write(tmp_path / "parent.json", {"Resources": {"Child": stack("child.json")}})
    write(tmp_path / "child.json", CHILD)
    inputs = load_paths([str(out), str(parent)])
    assert [name for name, _, _ in inputs] == [
        "Empty.template.json", "parent.json", "child.json"]


def test_notes_are_optional(tmp_path: Path) -> None:
    write(tmp_path / "app.json", CHILD)
    write(tmp_path / "broken.yaml", "Resources:\n  A: [\n")
    assert [name for name, _, _ in load_paths([str(tmp_path)])] == ["app.json"]


# -- templates the loader cannot read --------------------------------------------------------


def test_a_stack_whose_template_is_missing(tmp_path: Path) -> None:
    write(tmp_path / "manifest.json", {"version": "48.0.0", "artifacts": {"App": {
        "type": "aws:cloudformation:stack", "properties": {"templateFile": "App.template.json"}}}})
    with pytest.raises(LoadError) as err:
        load_paths([str(tmp_path)])
    assert str(err.value) == (
        f"{tmp_path / 'App.template.json'}: cannot read: No such file or directory")


def test_a_named_template_over_the_size_limit(tmp_path: Path) -> None:
    path = write(tmp_path / "big.template.json", {"Resources": {}, "Description": "x" * 2000})
    with pytest.raises(LoadError) as err:
        load_paths([str(path)], limits=Limits(max_template_bytes=1000))
    size = path.stat().st_size
    assert str(err.value) == (
        f"{path}: {size:,} bytes, over the limit of 1,000 bytes per template (CloudFormation "
        "deploys at most 1 MB; raise it with --max-template-bytes)")


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="needs Linux /proc")
def test_a_template_larger_than_its_size_said_is_cut_off(tmp_path: Path) -> None:
    """A file that grows after the size check (here a /proc file, whose size says 0) is read
    only up to the limit."""
    link = tmp_path / "grows.template.json"
    link.symlink_to("/proc/self/status")
    with pytest.raises(LoadError) as err:
        load_paths([str(link)], limits=Limits(max_template_bytes=100))
    assert str(err.value) == f"{link}: over 100 bytes (raise the limit with --max-template-bytes)"


def test_a_template_that_is_not_text(tmp_path: Path) -> None:
    path = tmp_path / "app.template.json"
    path.write_bytes(b'{"Resources": {"\xff": {}}}')
    with pytest.raises(LoadError) as err:
        load_paths([str(path)])
    assert str(err.value) == f"{path}: not a text file"


def test_a_manifest_over_the_total_limit(tmp_path: Path) -> None:
    write(tmp_path / "manifest.json", {"version": "48.0.0", "artifacts": {}, "pad": "x" * 500})
    with pytest.raises(LoadError) as err:
        load_paths([str(tmp_path)], limits=Limits(max_total_bytes=200))
    assert str(err.value) == (
        f"{tmp_path / 'manifest.json'}: over 200 bytes (raise the limit with --max-total-bytes)")


def test_a_path_that_is_not_there(tmp_path: Path) -> None:
    with pytest.raises(LoadError) as err:
        load_paths([str(tmp_path / "nope.json")])
    assert str(err.value) == f"{tmp_path / 'nope.json'}: no such file or directory"


def test_load_template_outside_a_load_names_what_it_cannot_read(tmp_path: Path) -> None:
    """The pack reads its app's own templates with load_template, outside load_paths."""
    bad = tmp_path / "a\x00b.template.json"
    with pytest.raises(LoadError) as err:
        load_template(bad)
    assert str(err.value) == f"{str(bad)!r}: not a usable path (embedded null byte)"
    with pytest.raises(LoadError) as err:
        load_template(tmp_path)
    assert str(err.value) == f"{tmp_path}: cannot read: Is a directory"
    path = write(tmp_path / "app.template.json", CHILD)
    assert load_template(path) == ("app.template.json", CHILD, str(path))
    assert load_template(path, "named") == ("named", CHILD, str(path))
