"""How nested stacks are linked to the input's templates (``Model.parent_of``,
``nested_candidate``, ``nested_template_of``) (issue 15: mutation testing): the loader's
explicit metadata first (one stack per template), then a local TemplateURL or SAM Location
relative to the parent (by file path or by name), then a template of the same file name; a
stack never deploys its own template."""

from __future__ import annotations

from typing import Any

from ecs_exec_guard.analysis.model import NESTED_TEMPLATE_KEY, Model


def stack(url: str | None = None, meta: dict[str, Any] | None = None, *,
          sam: bool = False) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "Type": "AWS::Serverless::Application" if sam else "AWS::CloudFormation::Stack",
        "Properties": {("Location" if sam else "TemplateURL"): url} if url else {}}
    if meta is not None:
        resource["Metadata"] = meta
    return resource


def test_nested_stack_links() -> None:
    child = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}
    explicit = {NESTED_TEMPLATE_KEY: "explicit.json"}
    parent = {"Resources": {
        "ByPath": stack("sub/child.yaml"),
        "ByBase": stack("elsewhere/base.yaml"),
        "Explicit": stack("https://example.invalid/t.json", explicit),
        "Explicit2": stack("https://example.invalid/t.json", explicit),
        "ExplicitMissing": stack("https://example.invalid/t.json",
                                 {NESTED_TEMPLATE_KEY: "missing.json"}),
        "Self": stack("parent.yaml"),
        "Sam": stack("sam.yaml", sam=True),
        "Dotted": stack("./sub/../sub/child2.yaml"),
    }}
    model = Model([("dir/parent.yaml", parent, "/tmp/app/dir/parent.yaml"),
                   ("dir/sub/child.yaml", child, None), ("other/base.yaml", child, None),
                   ("explicit.json", child, None), ("sam.yaml", child, None),
                   ("dir/sub/child2.yaml", child, "/tmp/app/dir/sub/child2.yaml")])
    assert {name: stack.logical_id for name, stack in model.parent_of.items()} == {
        "explicit.json": "Explicit", "dir/sub/child.yaml": "ByPath",
        "other/base.yaml": "ByBase", "dir/sub/child2.yaml": "Dotted", "sam.yaml": "Sam"}
    resources = model.templates["dir/parent.yaml"].resources

    def names(logical_id: str) -> tuple[str | None, str | None]:
        candidate = model.nested_candidate(resources[logical_id])
        linked = model.nested_template_of(resources[logical_id])
        return (candidate.name if candidate else None, linked.name if linked else None)

    assert {logical_id: names(logical_id) for logical_id in resources} == {
        "ByPath": ("dir/sub/child.yaml", "dir/sub/child.yaml"),
        "ByBase": ("other/base.yaml", "other/base.yaml"),
        "Explicit": (None, "explicit.json"),
        "Explicit2": (None, None),
        "ExplicitMissing": (None, None),
        "Self": (None, None),
        "Sam": ("sam.yaml", "sam.yaml"),
        "Dotted": ("dir/sub/child2.yaml", "dir/sub/child2.yaml"),
    }
