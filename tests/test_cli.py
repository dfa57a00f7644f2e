"""The ``ecs-exec-guard`` command: formats, exit codes, inputs (JSON, YAML, cdk.out) and errors.

Templates are written to ``tmp_path`` by the tests; no CDK import, no synthesis. Most tests
call ``main()`` in-process; a few run ``python -m ecs_exec_guard`` to check the real process.
"""

from __future__ import annotations

import copy
import importlib.metadata
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ecs_exec_guard import __version__
from ecs_exec_guard.analysis import RULES_BY_ID, managed_policies
from ecs_exec_guard.cli import main

ROOT = Path(__file__).resolve().parents[1]
FINDING_KEYS = {
    "rule_id",
    "severity",
    "template",
    "logical_id",
    "construct_path",
    "message",
    "fix",
    "path",
}
SUMMARY_KEYS = {
    "templates", "exec_launches_checked", "errors", "warnings", "suppressed", "by_rule", "notes"
}
SSM_ACTIONS = [
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
]


# -- templates --------------------------------------------------------------------------------


def exec_template(
    *,
    readonly: bool = False,
    init: bool = True,
    exec_on: bool = True,
    route: str = "nat",
) -> dict[str, Any]:
    """A Fargate service with exec on and everything exec needs: no finding at all.

    ``readonly`` breaks CTR1 (error), ``init=False`` breaks CTR2 (warning), ``route="none"``
    makes the subnet isolated (NET2, error), ``exec_on=False`` turns exec off (ENB1 with
    --require-exec).
    """
    resources: dict[str, Any] = {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "Subnet": {
            "Type": "AWS::EC2::Subnet",
            "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.1.0/24"},
        },
        "RouteTable": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "Vpc"}}},
        "RouteTableAssoc": {
            "Type": "AWS::EC2::SubnetRouteTableAssociation",
            "Properties": {"SubnetId": {"Ref": "Subnet"}, "RouteTableId": {"Ref": "RouteTable"}},
        },
        "TaskSg": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {"GroupDescription": "tasks", "VpcId": {"Ref": "Vpc"}},
        },
        "Cluster": {"Type": "AWS::ECS::Cluster"},
        "TaskRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                "Policies": [
                    {
                        "PolicyName": "exec",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {"Effect": "Allow", "Action": SSM_ACTIONS, "Resource": "*"}
                            ],
                        },
                    }
                ],
            },
        },
        "TaskDef": {
            "Type": "AWS::ECS::TaskDefinition",
            "Properties": {
                "RequiresCompatibilities": ["FARGATE"],
                "NetworkMode": "awsvpc",
                "Cpu": "256",
                "Memory": "512",
                "TaskRoleArn": {"Fn::GetAtt": ["TaskRole", "Arn"]},
                "ContainerDefinitions": [
                    {
                        "Name": "app",
                        "Image": "public.ecr.aws/docker/library/nginx:stable",
                        "Essential": True,
                        "ReadonlyRootFilesystem": readonly,
                        "LinuxParameters": {"InitProcessEnabled": init},
                    }
                ],
            },
        },
        "Service": {
            "Type": "AWS::ECS::Service",
            "Properties": {
                "Cluster": {"Ref": "Cluster"},
                "TaskDefinition": {"Ref": "TaskDef"},
                "LaunchType": "FARGATE",
                "DesiredCount": 1,
                "EnableExecuteCommand": exec_on,
                "NetworkConfiguration": {
                    "AwsvpcConfiguration": {
                        "Subnets": [{"Ref": "Subnet"}],
                        "SecurityGroups": [{"Fn::GetAtt": ["TaskSg", "GroupId"]}],
                        "AssignPublicIp": "DISABLED",
                    }
                },
            },
        },
    }
    if route == "nat":
        resources["DefaultRoute"] = {
            "Type": "AWS::EC2::Route",
            "Properties": {
                "RouteTableId": {"Ref": "RouteTable"},
                "DestinationCidrBlock": "0.0.0.0/0",
                "NatGatewayId": {"Ref": "Nat"},
            },
        }
        resources.update(public_nat_resources())
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}


def public_nat_resources() -> dict[str, Any]:
    """A NAT gateway in a public subnet routed to an attached internet gateway (NET2 follows
    the NAT gateway's own route, so it must be in the template)."""
    def res(rtype: str, **props: Any) -> dict[str, Any]:
        return {"Type": rtype, "Properties": props}

    def vpc() -> dict[str, str]:
        # A new dict per use: a shared one is dumped as a YAML alias, which CloudFormation
        # (and so the loader) refuses.
        return {"Ref": "Vpc"}

    return {
        "Igw": res("AWS::EC2::InternetGateway"),
        "IgwAttachment": res("AWS::EC2::VPCGatewayAttachment", VpcId=vpc(),
                             InternetGatewayId={"Ref": "Igw"}),
        "PublicSubnet": res("AWS::EC2::Subnet", VpcId=vpc(), CidrBlock="10.0.0.0/24"),
        "PublicRouteTable": res("AWS::EC2::RouteTable", VpcId=vpc()),
        "PublicRouteTableAssoc": res("AWS::EC2::SubnetRouteTableAssociation",
                                     SubnetId={"Ref": "PublicSubnet"},
                                     RouteTableId={"Ref": "PublicRouteTable"}),
        "PublicRoute": res("AWS::EC2::Route", RouteTableId={"Ref": "PublicRouteTable"},
                           DestinationCidrBlock="0.0.0.0/0", GatewayId={"Ref": "Igw"}),
        "Nat": res("AWS::EC2::NatGateway", SubnetId={"Ref": "PublicSubnet"},
                   AllocationId="eipalloc-0123456789abcdef0"),
    }


def write(path: Path, body: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body if isinstance(body, str) else json.dumps(body, indent=2), "utf-8")
    return path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def check_json(paths: list[Path], capsys: pytest.CaptureFixture[str], *extra: str) -> Any:
    code, out, err = run(["check", *map(str, paths), "--format", "json", *extra], capsys)
    assert code in (0, 1), err
    return json.loads(out)


def rule_ids(doc: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((f["rule_id"], f["logical_id"]) for f in doc["findings"])


@pytest.fixture
def clean(tmp_path: Path) -> Path:
    return write(tmp_path / "Clean.template.json", exec_template())


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """One error (CTR1) and one warning (CTR2) on the task definition, one error (NET2)."""
    return write(
        tmp_path / "Broken.template.json",
        exec_template(readonly=True, init=False, route="none"),
    )


@pytest.fixture
def warning_only(tmp_path: Path) -> Path:
    return write(tmp_path / "Warn.template.json", exec_template(init=False))


def test_the_base_template_is_clean(clean: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["check", str(clean)], capsys)
    assert (code, err) == (0, "")
    assert out == (
        "0 error(s), 0 warning(s) in 1 template(s); 1 exec-enabled launch(es) checked.\n"
    )


def test_the_broken_template_has_the_intended_findings(
    broken: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = check_json([broken], capsys)
    assert rule_ids(doc) == [
        ("EcsExec-CTR1", "TaskDef"),
        ("EcsExec-CTR2", "TaskDef"),
        ("EcsExec-NET2", "Service"),
    ]


# -- text ---------------------------------------------------------------------------------


def test_text_groups_by_template_and_resource_and_shows_fixes(
    tmp_path: Path, broken: Path, warning_only: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["check", str(broken), str(warning_only)], capsys)
    assert code == 1 and err == ""
    lines = out.splitlines()
    # Each template once, as a header; each resource once, indented under it.
    assert lines.count("Broken.template.json") == 1
    assert lines.count("Warn.template.json") == 1
    assert lines.index("Broken.template.json") < lines.index("Warn.template.json")
    broken_block = lines[lines.index("Broken.template.json") : lines.index("Warn.template.json")]
    assert [ln for ln in broken_block if re.fullmatch(r"  \S+", ln)] == [
        "  TaskDef",
        "  Service",
    ]
    task_def = broken_block[broken_block.index("  TaskDef") : broken_block.index("  Service")]
    assert task_def[1].startswith("    ERROR EcsExec-CTR1: ")
    assert task_def[2] == "          fix: " + RULES_BY_ID["EcsExec-CTR1"].fix
    assert task_def[3].startswith("    WARN  EcsExec-CTR2: ")
    assert task_def[4] == "          fix: " + RULES_BY_ID["EcsExec-CTR2"].fix
    # Every finding line is followed by its fix.
    for i, line in enumerate(lines):
        if re.match(r"    (ERROR|WARN ) EcsExec-", line):
            assert lines[i + 1].startswith("          fix: ")
    assert lines[-1] == (
        "2 error(s), 2 warning(s) in 2 template(s); 2 exec-enabled launch(es) checked."
    )


def test_text_shows_construct_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = exec_template(readonly=True)
    body["Resources"]["TaskDef"]["Metadata"] = {"aws:cdk:path": "App/Web/TaskDef/Resource"}
    path = write(tmp_path / "App.template.json", body)
    code, out, _ = run(["check", str(path)], capsys)
    assert code == 1
    assert "  TaskDef  [App/Web/TaskDef/Resource]" in out.splitlines()


# -- json ---------------------------------------------------------------------------------


def test_json_is_exactly_one_object(broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["check", str(broken), "--format", "json"], capsys)
    assert code == 1 and err == ""
    doc = json.loads(out)  # raises if stdout holds anything besides one JSON document
    assert isinstance(doc, dict)
    assert set(doc) == {"findings", "suppressed", "summary"}
    assert doc["suppressed"] == []
    assert doc["findings"]
    for finding in doc["findings"]:
        assert set(finding) == FINDING_KEYS
        assert finding["severity"] in ("error", "warning")
        assert finding["template"] == "Broken.template.json"
        assert finding["construct_path"] is None  # no aws:cdk:path metadata in this template
        assert finding["rule_id"] in RULES_BY_ID
        assert finding["message"] and finding["fix"]
    assert set(doc["summary"]) == SUMMARY_KEYS
    assert doc["summary"] == {
        "templates": 1,
        "exec_launches_checked": 1,
        "errors": 2,
        "warnings": 1,
        "suppressed": 0,
        "by_rule": {"EcsExec-CTR1": 1, "EcsExec-CTR2": 1, "EcsExec-NET2": 1},
        "notes": [],
    }


def test_json_with_no_findings(clean: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["check", str(clean), "--format", "json"], capsys)
    assert code == 0
    assert json.loads(out) == {
        "findings": [],
        "suppressed": [],
        "summary": {
            "templates": 1,
            "exec_launches_checked": 1,
            "errors": 0,
            "warnings": 0,
            "suppressed": 0,
            "by_rule": {},
            "notes": [],
        },
    }


# -- sarif --------------------------------------------------------------------------------

# The parts of the SARIF 2.1.0 schema (sarif-schema-2.1.0.json) that the output uses, with the
# schema's own required properties and enums. Written here so the test needs no network.
_MESSAGE = {
    "type": "object",
    "required": ["text"],
    "properties": {"text": {"type": "string", "minLength": 1}},
}
SARIF_SUBSET: dict[str, Any] = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "$schema": {"type": "string", "pattern": r"^https://"},
        "version": {"enum": ["2.1.0"]},
        "runs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["tool"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {
                                    "name": {"type": "string", "minLength": 1},
                                    "version": {"type": "string"},
                                    "informationUri": {"type": "string", "pattern": r"^https?://"},
                                    "rules": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["id"],
                                            "properties": {
                                                "id": {"type": "string"},
                                                "name": {"type": "string"},
                                                "shortDescription": _MESSAGE,
                                                "fullDescription": _MESSAGE,
                                                "help": _MESSAGE,
                                                "defaultConfiguration": {
                                                    "type": "object",
                                                    "properties": {
                                                        "level": {
                                                            "enum": [
                                                                "none",
                                                                "note",
                                                                "warning",
                                                                "error",
                                                            ]
                                                        }
                                                    },
                                                },
                                                "properties": {"type": "object"},
                                            },
                                        },
                                    },
                                },
                            }
                        },
                    },
                    "invocations": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["executionSuccessful"],
                            "properties": {
                                "executionSuccessful": {"type": "boolean"},
                                "toolExecutionNotifications": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["message"],
                                        "properties": {
                                            "level": {
                                                "enum": ["none", "note", "warning", "error"]
                                            },
                                            "message": _MESSAGE,
                                        },
                                    },
                                },
                            },
                        },
                    },
                    "properties": {"type": "object"},
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["message"],
                            "properties": {
                                "ruleId": {"type": "string"},
                                "ruleIndex": {"type": "integer", "minimum": -1},
                                "level": {"enum": ["none", "note", "warning", "error"]},
                                "message": _MESSAGE,
                                "locations": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "physicalLocation": {
                                                "type": "object",
                                                "properties": {
                                                    "artifactLocation": {
                                                        "type": "object",
                                                        "properties": {"uri": {"type": "string"}},
                                                    },
                                                    "region": {
                                                        "type": "object",
                                                        "properties": {
                                                            "startLine": {
                                                                "type": "integer",
                                                                "minimum": 1,
                                                            }
                                                        },
                                                    },
                                                },
                                            },
                                            "logicalLocations": {
                                                "type": "array",
                                                "items": {
                                                    "type": "object",
                                                    "properties": {
                                                        "name": {"type": "string"},
                                                        "fullyQualifiedName": {"type": "string"},
                                                        "kind": {"type": "string"},
                                                    },
                                                },
                                            },
                                        },
                                    },
                                },
                                "partialFingerprints": {
                                    "type": "object",
                                    "additionalProperties": {"type": "string"},
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}

_TYPES: dict[str, Any] = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "boolean": bool,
}


def schema_errors(value: Any, schema: dict[str, Any], where: str = "$") -> list[str]:
    """Validate ``value`` against the subset of JSON Schema used in SARIF_SUBSET."""
    errors: list[str] = []
    expected = schema.get("type")
    if expected is not None:
        ok = isinstance(value, _TYPES[expected])
        if expected == "integer" and isinstance(value, bool):
            ok = False
        if not ok:
            return [f"{where}: expected {expected}, got {type(value).__name__}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} not in {schema['enum']}")
    if "minLength" in schema and len(value) < schema["minLength"]:
        errors.append(f"{where}: shorter than {schema['minLength']}")
    if "pattern" in schema and not re.search(schema["pattern"], value):
        errors.append(f"{where}: {value!r} does not match {schema['pattern']}")
    if "minimum" in schema and value < schema["minimum"]:
        errors.append(f"{where}: {value} < {schema['minimum']}")
    if isinstance(value, dict):
        for key in schema.get("required", ()):
            if key not in value:
                errors.append(f"{where}: missing required {key!r}")
        props = schema.get("properties", {})
        for key, item in value.items():
            if key in props:
                errors.extend(schema_errors(item, props[key], f"{where}.{key}"))
            elif "additionalProperties" in schema:
                errors.extend(schema_errors(item, schema["additionalProperties"], f"{where}.{key}"))
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{where}: fewer than {schema['minItems']} items")
        for i, item in enumerate(value):
            errors.extend(schema_errors(item, schema.get("items", {}), f"{where}[{i}]"))
    return errors


def test_the_schema_subset_validator_rejects_bad_documents() -> None:
    assert schema_errors({"version": "2.1.0", "runs": []}, SARIF_SUBSET) == [
        "$.runs: fewer than 1 items"
    ]
    bad = {"version": "2.0.0", "runs": [{"tool": {"driver": {}}, "results": [{"level": "x"}]}]}
    assert len(schema_errors(bad, SARIF_SUBSET)) == 4


def test_sarif_is_valid_2_1_0(broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["check", str(broken), "--format", "sarif"], capsys)
    assert code == 1 and err == ""
    sarif = json.loads(out)
    assert schema_errors(sarif, SARIF_SUBSET) == []
    assert sarif["version"] == "2.1.0"
    assert sarif["$schema"].endswith("sarif-2.1.0.json")
    (run_,) = sarif["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "ecs-exec-guard" and driver["version"] == __version__
    assert [r["id"] for r in driver["rules"]] == list(RULES_BY_ID)
    results = run_["results"]
    assert sorted(r["ruleId"] for r in results) == [
        "EcsExec-CTR1",
        "EcsExec-CTR2",
        "EcsExec-NET2",
    ]
    template_lines = broken.read_text("utf-8").splitlines()
    for result in results:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        severity = RULES_BY_ID[result["ruleId"]].severity.value
        assert result["level"] == severity
        (location,) = result["locations"]
        logical = location["logicalLocations"][0]["name"]
        physical = location["physicalLocation"]
        assert Path(physical["artifactLocation"]["uri"]).name == "Broken.template.json"
        # The region points at the resource's key in the template, not at the same name used
        # as a key elsewhere ("Service": "ecs-tasks.amazonaws.com" in the trust policy).
        line = template_lines[physical["region"]["startLine"] - 1]
        assert line == f'    "{logical}": {{'
        fingerprint = result["partialFingerprints"]["ecsExecGuard/v1"]
        assert fingerprint == f"{result['ruleId']}:Broken.template.json:{logical}"


def test_sarif_region_in_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "exec.yaml", YAML_TEMPLATE)
    _, out, _ = run(["check", str(path), "--format", "sarif"], capsys)
    lines = YAML_TEMPLATE.splitlines()
    regions = {
        r["locations"][0]["logicalLocations"][0]["name"]: lines[
            r["locations"][0]["physicalLocation"]["region"]["startLine"] - 1
        ]
        for r in json.loads(out)["runs"][0]["results"]
    }
    assert regions == {"TaskDef": "  TaskDef:", "Service": "  Service:"}


def test_sarif_without_a_resources_layout_has_no_region(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "compact.json", json.dumps(exec_template(readonly=True)))
    _, out, _ = run(["check", str(path), "--format", "sarif"], capsys)
    (result,) = json.loads(out)["runs"][0]["results"]
    assert "region" not in result["locations"][0]["physicalLocation"]  # rather than a wrong one


def test_sarif_uris_are_percent_encoded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    inside = write(
        tmp_path / "work" / "my templates" / "A b.template.json", exec_template(readonly=True)
    )
    outside = write(tmp_path / "other dir" / "C.template.json", exec_template(readonly=True))
    monkeypatch.chdir(tmp_path / "work")
    _, out, _ = run(["check", str(inside), str(outside), "--format", "sarif"], capsys)
    uris = sorted(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in json.loads(out)["runs"][0]["results"]
    )
    assert uris == sorted(["my%20templates/A%20b.template.json", outside.resolve().as_uri()])
    assert all(" " not in uri for uri in uris)


def test_sarif_with_no_findings(clean: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["check", str(clean), "--format", "sarif"], capsys)
    assert code == 0
    sarif = json.loads(out)
    assert schema_errors(sarif, SARIF_SUBSET) == []
    assert sarif["runs"][0]["results"] == []


def test_sarif_uri_is_relative_to_the_working_directory(
    broken: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(broken.parent)
    _, out, _ = run(["check", broken.name, "--format", "sarif"], capsys)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in json.loads(out)["runs"][0]["results"]
    }
    assert uris == {"Broken.template.json"}


# -- exit codes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "fail_on", "expected"),
    [
        ("broken", None, 1),
        ("broken", "error", 1),
        ("broken", "warning", 1),
        ("broken", "none", 0),
        ("warning_only", None, 0),
        ("warning_only", "error", 0),
        ("warning_only", "warning", 1),
        ("warning_only", "none", 0),
        ("clean", None, 0),
        ("clean", "warning", 0),
        ("clean", "none", 0),
    ],
)
@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_fail_on(
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
    fixture: str,
    fail_on: str | None,
    expected: int,
    fmt: str,
) -> None:
    path: Path = request.getfixturevalue(fixture)
    argv = ["check", str(path), "--format", fmt]
    if fail_on is not None:
        argv += ["--fail-on", fail_on]
    code, out, err = run(argv, capsys)
    assert (code, err) == (expected, "")
    assert out  # the report is printed whatever the exit code


def test_require_exec(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "NoExec.template.json", exec_template(exec_on=False))
    code, out, _ = run(["check", str(path), "--format", "json"], capsys)
    assert code == 0
    assert json.loads(out)["findings"] == []
    code, out, _ = run(["check", str(path), "--format", "json", "--require-exec"], capsys)
    assert code == 1
    doc = json.loads(out)
    assert rule_ids(doc) == [("EcsExec-ENB1", "Service")]
    assert doc["findings"][0]["severity"] == "error"
    # A service with exec on satisfies --require-exec.
    clean = write(tmp_path / "Exec.template.json", exec_template())
    assert run(["check", str(clean), "--require-exec"], capsys)[0] == 0


# -- YAML ---------------------------------------------------------------------------------

YAML_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Description: Exec service written with the short forms
Parameters:
  Env:
    Type: String
    Default: prod
Conditions:
  IsProd: !Equals [prod, prod]
  AlwaysTrue: !Not [!Equals [a, b]]
Mappings:
  Ports:
    Https:
      Value: 443
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.0.0.0/16
  Subnet:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: !Select [1, [10.0.0.0/24, 10.0.1.0/24]]
  RouteTable:
    Type: AWS::EC2::RouteTable
    Properties:
      VpcId: !Ref Vpc
  RouteTableAssoc:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties:
      SubnetId: !Ref Subnet
      RouteTableId: !Ref RouteTable
  DefaultRoute:
    Type: AWS::EC2::Route
    Properties:
      RouteTableId: !Ref RouteTable
      DestinationCidrBlock: !Join ["", ["0.0.0.0", "/0"]]
      NatGatewayId: !Ref Nat
  Nat:
    Type: AWS::EC2::NatGateway
    Properties:
      SubnetId: !Ref PublicSubnet
      AllocationId: eipalloc-0123456789abcdef0
  PublicSubnet:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: 10.0.0.0/24
  PublicRouteTable:
    Type: AWS::EC2::RouteTable
    Properties:
      VpcId: !Ref Vpc
  PublicRouteTableAssoc:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties:
      SubnetId: !Ref PublicSubnet
      RouteTableId: !Ref PublicRouteTable
  PublicRoute:
    Type: AWS::EC2::Route
    Properties:
      RouteTableId: !Ref PublicRouteTable
      DestinationCidrBlock: 0.0.0.0/0
      GatewayId: !Ref Igw
  Igw:
    Type: AWS::EC2::InternetGateway
  IgwAttachment:
    Type: AWS::EC2::VPCGatewayAttachment
    Properties:
      VpcId: !Ref Vpc
      InternetGatewayId: !Ref Igw
  TaskSg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: !Sub "tasks of ${AWS::StackName} in ${Env}"
      VpcId: !Ref Vpc
      SecurityGroupEgress:
        - IpProtocol: tcp
          FromPort: !FindInMap [Ports, Https, Value]
          ToPort: !FindInMap [Ports, Https, Value]
          CidrIp: !If [IsProd, 0.0.0.0/0, 10.0.0.0/8]
  Cluster:
    Type: AWS::ECS::Cluster
  TaskRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: ecs-tasks.amazonaws.com}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: !Sub "${AWS::StackName}-exec"
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: !Split
                  - ","
                  - !Join
                    - ","
                    - - ssmmessages:CreateControlChannel
                      - ssmmessages:CreateDataChannel
                      - ssmmessages:OpenControlChannel
                      - ssmmessages:OpenDataChannel
                Resource: "*"
  TaskDef:
    Type: AWS::ECS::TaskDefinition
    Properties:
      RequiresCompatibilities: [FARGATE]
      NetworkMode: awsvpc
      Cpu: "256"
      Memory: "512"
      TaskRoleArn: !GetAtt TaskRole.Arn
      ContainerDefinitions:
        - Name: app
          Image: public.ecr.aws/docker/library/nginx:stable
          ReadonlyRootFilesystem: !If [AlwaysTrue, true, false]
          LinuxParameters:
            InitProcessEnabled: !If [IsProd, true, !Ref AWS::NoValue]
  Service:
    Type: AWS::ECS::Service
    Properties:
      Cluster: !Ref Cluster
      TaskDefinition: !Ref TaskDef
      LaunchType: FARGATE
      EnableExecuteCommand: true
      PlatformVersion: !If [IsProd, 1.3.0, LATEST]
      NetworkConfiguration:
        AwsvpcConfiguration:
          AssignPublicIp: DISABLED
          Subnets: [!Ref Subnet]
          SecurityGroups:
            - !GetAtt [TaskSg, GroupId]
"""


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".template"])
def test_yaml_short_forms_resolve(
    tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / f"exec{suffix}", YAML_TEMPLATE)
    doc = check_json([path], capsys)
    # Every short form resolved: the two deliberate errors are found (read-only root through
    # !If, platform 1.3.0 through !If), and nothing is "cannot verify" (an unresolved !Ref,
    # !GetAtt, !Sub, !Join, !Split, !Select or !FindInMap would be a NET7 / IAM4 warning).
    assert rule_ids(doc) == [("EcsExec-CTR1", "TaskDef"), ("EcsExec-PLT1", "Service")]
    assert doc["summary"]["warnings"] == 0


def test_yaml_equals_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The same template as JSON and as YAML with short forms gives the same findings."""
    body = exec_template(readonly=True, init=False, route="none")
    json_path = write(tmp_path / "json" / "Stack.template.json", body)
    yaml_path = write(tmp_path / "yaml" / "Stack.template.yaml", _yaml_with_short_forms(body))
    from_json = check_json([json_path], capsys)
    from_yaml = check_json([yaml_path], capsys)
    assert len(from_json["findings"]) == 3
    for doc in (from_json, from_yaml):
        for finding in doc["findings"]:
            finding.pop("template")
            finding.pop("path")
    assert from_yaml == from_json


def _yaml_with_short_forms(body: dict[str, Any]) -> str:
    """The template as YAML, every Ref written as !Ref and every GetAtt as !GetAtt a.b."""
    import yaml

    class ShortForm(str):
        pass

    class Dumper(yaml.SafeDumper):
        pass

    Dumper.add_representer(
        ShortForm, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", str(v))
    )

    def short(value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) == {"Ref"}:
                return ShortForm(f"!Ref {value['Ref']}")
            if set(value) == {"Fn::GetAtt"}:
                return ShortForm("!GetAtt " + ".".join(value["Fn::GetAtt"]))
            return {k: short(v) for k, v in value.items()}
        if isinstance(value, list):
            return [short(v) for v in value]
        return value

    text = yaml.dump(short(copy.deepcopy(body)), Dumper=Dumper, sort_keys=False)
    # The dumper quotes the short forms as strings; unquote them so that they become tags.
    text = re.sub(r"'(!(?:Ref|GetAtt) [^']+)'", r"\1", text)
    assert "!Ref Subnet" in text and "!GetAtt TaskRole.Arn" in text
    assert "Fn::GetAtt" not in text and "Ref:" not in text
    return text


def test_yaml_dates_and_long_forms(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A YAML template in long form, with an unquoted date as the format version."""
    import yaml

    body = exec_template(readonly=True)
    text = yaml.safe_dump(body).replace("'2010-09-09'", "2010-09-09")
    assert "AWSTemplateFormatVersion: 2010-09-09" in text
    path = write(tmp_path / "long.yaml", text)
    assert rule_ids(check_json([path], capsys)) == [("EcsExec-CTR1", "TaskDef")]


# -- cdk.out --------------------------------------------------------------------------------


def _artifact(template: str, paths: dict[str, str]) -> dict[str, Any]:
    return {
        "type": "aws:cloudformation:stack",
        "environment": "aws://unknown-account/unknown-region",
        "properties": {"templateFile": template},
        "metadata": {
            f"/{path}": [{"type": "aws:cdk:logicalId", "data": logical_id}]
            for logical_id, path in paths.items()
        },
        "displayName": template.split(".")[0],
    }


def network_and_app_stacks() -> tuple[dict[str, Any], dict[str, Any]]:
    """The network in one stack (exported), the service in another (imported).

    The subnet has no default route, so the service is isolated: NET2, an error, which the
    analyzer can only find through the cross-stack reference. Without it, the subnet would be
    "not in the input" (a NET7 warning).
    """
    whole = exec_template(route="none")["Resources"]
    net_ids = ["Vpc", "Subnet", "RouteTable", "RouteTableAssoc", "TaskSg"]
    network = {
        "Resources": {k: whole[k] for k in net_ids},
        "Outputs": {
            "SubnetOut": {
                "Value": {"Ref": "Subnet"},
                "Export": {"Name": "Network:ExportsOutputRefSubnet"},
            },
            "SgOut": {
                "Value": {"Fn::GetAtt": ["TaskSg", "GroupId"]},
                "Export": {"Name": {"Fn::Sub": "${AWS::StackName}:SgId"}},
            },
        },
    }
    app = {"Resources": {k: v for k, v in whole.items() if k not in net_ids}}
    awsvpc = app["Resources"]["Service"]["Properties"]["NetworkConfiguration"][
        "AwsvpcConfiguration"
    ]
    awsvpc["Subnets"] = [{"Fn::ImportValue": "Network:ExportsOutputRefSubnet"}]
    # Fn::Sub with ${AWS::StackName} is resolved per template; refer to the literal name.
    network["Outputs"]["SgOut"]["Export"]["Name"] = "Network:SgId"
    awsvpc["SecurityGroups"] = [{"Fn::ImportValue": "Network:SgId"}]
    return network, app


def write_assembly(
    directory: Path,
    stacks: dict[str, tuple[dict[str, Any], dict[str, str]]],
    nested: dict[str, str] | None = None,
) -> Path:
    """A cloud assembly: ``stacks`` maps a stack name to (template, logical ID -> path)."""
    artifacts: dict[str, Any] = {}
    for name, (body, paths) in stacks.items():
        template = f"{name}.template.json"
        write(directory / template, body)
        artifacts[name] = _artifact(template, paths)
    for artifact_id, dirname in (nested or {}).items():
        artifacts[artifact_id] = {
            "type": "cdk:cloud-assembly",
            "properties": {"directoryName": dirname, "displayName": artifact_id},
        }
    artifacts["Tree"] = {"type": "cdk:tree", "properties": {"file": "tree.json"}}
    write(directory / "manifest.json", {"version": "48.0.0", "artifacts": artifacts})
    return directory


def test_cdk_out_with_two_stacks_resolves_cross_stack_references(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    network, app = network_and_app_stacks()
    out = write_assembly(
        tmp_path / "cdk.out",
        {
            "Network": (network, {"Subnet": "Network/Vpc/Subnet/Resource"}),
            "App": (app, {"Service": "App/Web/Service", "TaskDef": "App/Web/TaskDef"}),
        },
    )
    doc = check_json([out], capsys)
    assert [
        (f["rule_id"], f["template"], f["logical_id"], f["construct_path"]) for f in doc["findings"]
    ] == [("EcsExec-NET2", "App.template.json", "Service", "App/Web/Service")]
    assert "Subnet" in doc["findings"][0]["message"]
    assert doc["summary"]["templates"] == 2


def test_the_app_stack_alone_cannot_verify_the_network(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The control for the test above: without the network stack, no NET2, a NET7 warning."""
    _, app = network_and_app_stacks()
    path = write(tmp_path / "App.template.json", app)
    doc = check_json([path], capsys)
    assert rule_ids(doc) == [("EcsExec-NET7", "Service")]
    assert doc["findings"][0]["message"].split(": ", 1)[0] == "Cannot verify"


def test_templates_given_separately_are_one_app(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    network, app = network_and_app_stacks()
    a = write(tmp_path / "Network.template.json", network)
    b = write(tmp_path / "App.template.json", app)
    assert rule_ids(check_json([a, b], capsys)) == [("EcsExec-NET2", "Service")]


def test_nested_stage_assemblies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cdk.out"
    network, app = network_and_app_stacks()
    # The root assembly has one stack; stage Prod (assembly-Prod) has the network and the app;
    # stage Prod's own stage Canary (assembly-Prod-Canary, nested) has a broken task definition.
    write_assembly(
        out,
        {"Root": (exec_template(), {"TaskDef": "Root/TaskDef"})},
        nested={"assembly-Prod": "assembly-Prod"},
    )
    write_assembly(
        out / "assembly-Prod",
        {
            "ProdNetwork": (network, {}),
            "ProdApp": (app, {"Service": "Prod/App/Service"}),
        },
        nested={"assembly-Prod-Canary": "assembly-Prod-Canary"},
    )
    write_assembly(
        out / "assembly-Prod" / "assembly-Prod-Canary",
        {"Canary": (exec_template(readonly=True), {"TaskDef": "Prod/Canary/Stack/TaskDef"})},
    )
    doc = check_json([out], capsys)
    assert sorted((f["rule_id"], f["template"], f["construct_path"]) for f in doc["findings"]) == [
        (
            "EcsExec-CTR1",
            "assembly-Prod/assembly-Prod-Canary/Canary.template.json",
            "Prod/Canary/Stack/TaskDef",
        ),
        ("EcsExec-NET2", "assembly-Prod/ProdApp.template.json", "Prod/App/Service"),
    ]
    assert doc["summary"]["templates"] == 4


def test_directory_without_manifest_is_searched_for_templates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "a" / "One.template.json", exec_template(readonly=True))
    write(tmp_path / "a" / "sub" / "Two.template.yaml", YAML_TEMPLATE)
    write(tmp_path / "a" / "notes.json", {"not": "a template"})
    doc = check_json([tmp_path / "a"], capsys)
    assert sorted((f["rule_id"], f["template"]) for f in doc["findings"]) == [
        ("EcsExec-CTR1", "One.template.json"),
        ("EcsExec-CTR1", "sub/Two.template.yaml"),
        ("EcsExec-PLT1", "sub/Two.template.yaml"),
    ]


def test_same_file_name_twice_gets_distinct_template_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = write(tmp_path / "a" / "Stack.template.json", exec_template(readonly=True))
    b = write(tmp_path / "b" / "Stack.template.json", exec_template(readonly=True))
    doc = check_json([a, b], capsys)
    assert sorted(f["template"] for f in doc["findings"]) == [
        "Stack.template.json",
        "Stack.template.json#2",
    ]


# -- usage and input errors: exit 2, one line on stderr, no traceback ----------------------


def _assert_one_line_error(code: int, out: str, err: str) -> None:
    assert code == 2
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, repr(err)
    assert err.startswith("ecs-exec-guard")
    assert "Traceback" not in err


BAD_INPUTS: dict[str, tuple[str, str | None]] = {
    # name: (file name, content; None = do not create)
    "invalid-json": ("bad.json", '{"Resources": {"A": }'),
    "invalid-yaml": ("bad.yaml", "Resources:\n  A: [unclosed\n  B: {\n"),
    "yaml-bad-indent": ("indent.yaml", "Resources:\n  A:\n    Type: x\n   B: y\n"),
    "no-resources": ("empty.json", '{"AWSTemplateFormatVersion": "2010-09-09"}'),
    "no-resources-yaml": ("empty.yaml", "AWSTemplateFormatVersion: 2010-09-09\n"),
    "resources-not-a-mapping": ("list.json", '{"Resources": [1, 2]}'),
    "not-a-mapping": ("scalar.yaml", "just a string\n"),
    "empty-file": ("nothing.json", ""),
    "missing-path": ("does-not-exist.json", None),
    "json-nested-too-deeply": ("deep.json", '{"a": ' + "[" * 100_000),
    "yaml-nested-too-deeply": ("deep.yaml", "a: " + "[" * 100_000),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_exits_2_with_one_line(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    filename, content = BAD_INPUTS[name]
    path = tmp_path / filename
    if content is not None:
        path.write_text(content, "utf-8")
    code, out, err = run(["check", str(path)], capsys)
    _assert_one_line_error(code, out, err)
    assert filename in err


def test_empty_directory_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    code, out, err = run(["check", str(tmp_path / "empty")], capsys)
    _assert_one_line_error(code, out, err)
    assert "no CloudFormation templates" in err


def test_binary_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "image.json"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00")
    _assert_one_line_error(*run(["check", str(path)], capsys))


def test_broken_manifest_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "manifest.json").write_text("{not json", "utf-8")
    _assert_one_line_error(*run(["check", str(tmp_path)], capsys))


def test_manifest_without_artifacts_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "manifest.json").write_text('{"version": "48.0.0"}', "utf-8")
    _assert_one_line_error(*run(["check", str(tmp_path)], capsys))


@pytest.mark.parametrize(
    "artifacts",
    [
        {"A": {"type": "aws:cloudformation:stack", "properties": [1]}},
        {"A": {"type": "aws:cloudformation:stack", "properties": "Stack.template.json"}},
        {"A": "not an artifact"},
        {"A": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "missing"}}},
        {"A": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "gone.json"}}},
    ],
    ids=["properties-list", "properties-string", "artifact-string", "no-stage-dir", "no-template"],
)
def test_malformed_manifest_exits_2(
    tmp_path: Path, artifacts: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "manifest.json", {"version": "48.0.0", "artifacts": artifacts})
    _assert_one_line_error(*run(["check", str(tmp_path)], capsys))


def test_one_bad_path_among_good_ones_exits_2(
    tmp_path: Path, clean: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["check", str(clean), str(tmp_path / "missing.yaml")], capsys)
    _assert_one_line_error(code, out, err)


BAD_FLAGS = [
    [],
    ["lint"],
    ["check"],
    ["check", "x.json", "--format", "xml"],
    ["check", "x.json", "--fail-on", "info"],
    ["check", "x.json", "--no-such-flag"],
    ["rules", "--json"],
]


@pytest.mark.parametrize("argv", BAD_FLAGS, ids=lambda a: " ".join(a) or "no-args")
def test_bad_flags_exit_2_with_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out, err = capsys.readouterr()
    _assert_one_line_error(exc.value.code, out, err)  # type: ignore[arg-type]
    assert "error:" in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    date = json.loads(managed_policies.DATA_FILE.read_text())["snapshot"]["date"]
    first, second, third = capsys.readouterr().out.splitlines()
    # The package (its installed metadata: pyproject is the one source), the rule set (count
    # and fingerprint), the data.
    assert first == f"ecs-exec-guard {__version__}"
    assert __version__ == importlib.metadata.version("ecs-exec-guard")
    assert re.fullmatch(rf"rule set: {len(RULES_BY_ID)} rules, [0-9a-f]{{12}}", second), second
    assert third.startswith("AWS managed policies: ") and f"({date}, commit " in third


def test_rules_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["rules"], capsys)
    assert code == 0 and err == ""
    assert [line.split()[0] for line in out.splitlines()] == list(RULES_BY_ID)


def test_internal_error_is_one_line_and_exit_3(
    clean: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import ecs_exec_guard.cli as cli

    def boom(*_: Any, **__: Any) -> Any:
        raise RuntimeError("analyzer exploded\nsecond line")

    monkeypatch.setattr(cli, "analyze", boom)
    code, out, err = run(["check", str(clean)], capsys)
    assert code == 3 and out == ""
    assert err.startswith("ecs-exec-guard: internal error: RuntimeError: analyzer exploded")
    assert "Traceback" not in err


# -- python -m ecs_exec_guard -------------------------------------------------------------------


def _module(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-m", "ecs_exec_guard", *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "{broken}"],
        ["check", "{broken}", "--format", "json"],
        ["check", "{broken}", "--format", "sarif", "--fail-on", "none"],
        ["check", "{clean}", "--require-exec", "--fail-on", "warning"],
        ["check", "{missing}"],
        ["check", "{broken}", "--format", "xml"],
        ["rules"],
        ["rules", "--markdown"],
        [],
    ],
    ids=lambda a: " ".join(a) or "no-args",
)
def test_python_m_matches_main(
    argv: list[str],
    tmp_path: Path,
    broken: Path,
    clean: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    names = {"broken": broken.name, "clean": clean.name, "missing": "missing.json"}
    args = [a.format(**names) for a in argv]
    proc = _module(*args, cwd=tmp_path)
    monkeypatch.chdir(tmp_path)  # SARIF URIs are relative to the working directory
    try:
        code = main(args)
    except SystemExit as exc:
        code = exc.code  # type: ignore[assignment]
    out, err = capsys.readouterr()
    assert (proc.returncode, proc.stdout, proc.stderr) == (code, out, err)
    assert "Traceback" not in proc.stderr
