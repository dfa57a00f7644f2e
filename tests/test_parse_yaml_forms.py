"""``parse_template_text``: JSON and YAML text to a template dict, with CloudFormation's YAML
short forms, and the one-line LoadError for each way a text is not a template.

What CloudFormation refuses in YAML (the binary, omap, pairs, set and timestamp tags, aliases,
merge keys) is from the AWS CloudFormation User Guide, "Template formats".
"""

from __future__ import annotations

import pytest

from ecs_exec_guard.analysis.parse import LoadError, parse_template_text

SHORT_FORMS = """\
AWSTemplateFormatVersion: 2010-09-09
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  Both: !And [!Condition IsProd, !Not [!Condition IsDev]]
Resources:
  Task:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: !Sub "${AWS::StackName}-task"
      Role: !GetAtt Role.Arn
      Listed: !GetAtt [Role, Arn]
      Dotted: !GetAtt Stack.Outputs.RoleArn
      Joined: !Join ["", [a, !Ref Env, {k: [1, {z: 2}]}, [x, [y]]]]
      Picked: !Select [0, !GetAZs ""]
      Included: !Transform {Name: AWS::Include, Parameters: {Location: {at: [1, {q: r}]}}}
      Chosen: !If [IsProd, !FindInMap [Sizes, !Ref Env, cpu], !Ref AWS::NoValue]
      When: 2024-01-02T03:04:05Z
"""


def test_short_forms_become_the_long_forms() -> None:
    assert parse_template_text(SHORT_FORMS, "app.yaml") == {
        "AWSTemplateFormatVersion": "2010-09-09",  # a date stays text
        "Conditions": {
            "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
            "Both": {"Fn::And": [{"Condition": "IsProd"},
                                 {"Fn::Not": [{"Condition": "IsDev"}]}]},
        },
        "Resources": {"Task": {"Type": "AWS::ECS::TaskDefinition", "Properties": {
            "Family": {"Fn::Sub": "${AWS::StackName}-task"},
            "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            "Listed": {"Fn::GetAtt": ["Role", "Arn"]},
            "Dotted": {"Fn::GetAtt": ["Stack", "Outputs.RoleArn"]},
            "Joined": {"Fn::Join": ["", ["a", {"Ref": "Env"}, {"k": [1, {"z": 2}]},
                                         ["x", ["y"]]]]},
            "Picked": {"Fn::Select": [0, {"Fn::GetAZs": ""}]},
            "Included": {"Fn::Transform": {"Name": "AWS::Include",
                                           "Parameters": {"Location": {"at": [1, {"q": "r"}]}}}},
            "Chosen": {"Fn::If": ["IsProd", {"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "cpu"]},
                                  {"Ref": "AWS::NoValue"}]},
            "When": "2024-01-02T03:04:05Z",
        }}},
    }


def test_json_is_read_as_json() -> None:
    # Leading blanks, then "{": JSON, where 1e5 is a number (YAML would read the text "1e5").
    text = '  {"Resources": {"A": {"Type": "AWS::S3::Bucket", "Properties": {"N": 1e5}}}}'
    assert parse_template_text(text, "app.json") == {
        "Resources": {"A": {"Type": "AWS::S3::Bucket", "Properties": {"N": 100000.0}}}}


def test_a_stack_without_resources_when_they_are_not_required() -> None:
    assert parse_template_text("Outputs: {}\n", "t.yaml", require_resources=False) == {
        "Outputs": {}}
    assert parse_template_text('{"Outputs": {}}', "t.json", False) == {"Outputs": {}}
    with pytest.raises(LoadError) as err:
        parse_template_text("- a list\n", "t.yaml", require_resources=False)
    assert str(err.value) == "t.yaml: not a CloudFormation template (the document is not a mapping)"


@pytest.mark.parametrize(("text", "message"), [
    # What CloudFormation refuses.
    ("Resources:\n  A: !!binary aGVsbG8=\n",
     "invalid YAML at line 2: the !!binary tag is not supported by CloudFormation"),
    ("Resources: !!omap\n  - A: 1\n",
     "invalid YAML at line 1: the !!omap tag is not supported by CloudFormation"),
    ("Resources:\n  A: !!pairs\n    - a: 1\n",
     "invalid YAML at line 2: the !!pairs tag is not supported by CloudFormation"),
    ("Resources:\n  A: !!set {a, b}\n",
     "invalid YAML at line 2: the !!set tag is not supported by CloudFormation"),
    ("Resources:\n  A: &x {Type: T}\n  B: *x\n",
     "invalid YAML at line 2: an alias (*name) repeats the node anchored here, and "
     "CloudFormation does not allow YAML aliases (expand them first, e.g. with aws "
     "cloudformation package)"),
    ("Resources:\n  B:\n    Type: T\n    <<: {Properties: {}}\n",
     "invalid YAML at line 4: YAML merge keys (<<) are not allowed in CloudFormation templates"),
    # What no YAML reader takes.
    ("Resources:\n  A: [\n", "invalid YAML at line 3: did not find expected node content"),
    ("Resources: \x07\n",
     "invalid YAML: unacceptable character #x0007: control characters are not allowed"),
    ("Resources:\n  A: !!int abc\n",
     "invalid YAML: invalid literal for int() with base 10: 'abc'"),
    ("Resources:\n  A: !!bool maybe\n", "invalid YAML: 'maybe' is not a value of its tag"),
    # Python's own limit on int digits; its advice after "; " is not for the user.
    ("Resources:\n  A: " + "1" * 5000 + "\n", "invalid YAML: Exceeds the limit (4300 digits) "
     "for integer string conversion: value has 5000 digits"),
    ("Resources:\n  A: !!python/name:os.system\n",
     "invalid YAML at line 2: could not determine a constructor for the tag "
     "'tag:yaml.org,2002:python/name:os.system'"),
    ("Resources: " + "!Not [" * 900 + "x" + "]" * 900, "invalid YAML: nested too deeply"),
    # JSON.
    ('{"Resources": ', "invalid JSON: Expecting value: line 1 column 15 (char 14)"),
    ('{"a":' + "[" * 100_000, "invalid JSON: nested too deeply"),
    # Not a template.
    ("- a\n- b\n", "not a CloudFormation template (the document is not a mapping)"),
    ("", "not a CloudFormation template (the document is not a mapping)"),
    ('["a"]', "not a CloudFormation template (the document is not a mapping)"),
    ("Outputs: {}\n", "not a CloudFormation template (no Resources section)"),
    ('{"Outputs": {}}', "not a CloudFormation template (no Resources section)"),
    ("Resources: [a]\n", "Resources is not a mapping"),
    ('{"Resources": null}', "Resources is not a mapping"),
], ids=["binary", "omap", "pairs", "set", "alias", "merge key", "unclosed", "control character",
        "bad int", "bad bool", "huge int", "python tag", "yaml too deep", "json cut",
        "json too deep", "yaml list", "empty", "json list", "yaml no resources",
        "json no resources", "yaml resources a list", "json resources null"])
def test_what_is_not_a_template_says_why(text: str, message: str) -> None:
    with pytest.raises(LoadError) as err:
        parse_template_text(text, "t.yaml")
    assert str(err.value) == f"t.yaml: {message}"
