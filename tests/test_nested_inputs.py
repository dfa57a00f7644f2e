"""INP1 over every way a nested stack names its template (issue 15: mutation testing): a local
TemplateURL (``file://`` too), SAM's Location, CDK's asset metadata; remote URLs, empty ones
and stacks not created are left alone; a template shared by two stacks is one stack's."""

from __future__ import annotations

from typing import Any

from ecs_exec_guard.analysis import analyze

NOT_CHECKED = "what it deploys is not checked for exec."


def stack(url: str | None = None, *, asset: str | None = None, condition: str | None = None,
          sam: bool = False) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "Type": "AWS::Serverless::Application" if sam else "AWS::CloudFormation::Stack",
        "Properties": {}}
    if url is not None:
        resource["Properties"]["Location" if sam else "TemplateURL"] = url
    if asset is not None:
        resource["Metadata"] = {"aws:asset:path": asset}
    if condition is not None:
        resource["Condition"] = condition
    return resource


def test_inp1_for_each_kind_of_nested_stack() -> None:
    parent = {
        "Parameters": {"Env": {"Type": "String"}},
        "Conditions": {"Off": {"Fn::Equals": ["a", "b"]},
                       "Maybe": {"Fn::Equals": [{"Ref": "Env"}, "x"]}},
        "Resources": {
            "Missing": stack("child/missing.yaml"),
            "Remote": stack("https://s3.amazonaws.com/b/t.yaml"),
            "S3Url": stack("s3://bucket/t.yaml"),
            "FileUrl": stack("file://other.yaml"),
            "Off": stack("gone.yaml", condition="Off"),
            "Maybe": stack("maybe.yaml", condition="Maybe"),
            "First": stack("shared.yaml"),
            "Second": stack("shared.yaml"),
            "Sam": stack("sam.yaml", sam=True),
            "Asset": stack(asset="asset.json"),
            "Empty": stack(""),
            "NoProperties": {"Type": "AWS::CloudFormation::Stack"},
        },
    }
    shared = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}
    report = analyze({"parent.yaml": parent, "shared.yaml": shared})
    assert [(f.rule_id, f.severity.value, f.logical_id, f.message) for f in report.findings] == [
        ("EcsExec-INP1", "warning", stack_id, f"Cannot verify: The template of nested stack "
                                              f"{stack_id} ({path}) {where}; {NOT_CHECKED}")
        for stack_id, path, where in [
            ("Missing", "child/missing.yaml", "is not in the input"),
            ("FileUrl", "other.yaml", "is not in the input"),
            ("Maybe", "maybe.yaml", "is not in the input"),
            ("Second", "shared.yaml", "is in the input as shared.yaml, but that is nested "
                                      "stack First's (each nested stack needs its own copy; "
                                      "the CLI loads one per stack)"),
            ("Asset", "asset.json", "is not in the input"),
            ("Sam", "sam.yaml", "is not in the input"),
        ]
    ]
