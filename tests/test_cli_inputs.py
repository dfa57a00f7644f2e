"""What the CLI reads and says about it (issue 10, items 7 and 12): nested templates named by a
local path are followed; a directory is searched for every template; a run that checked no
exec launch says so; JSON and SARIF give template paths the same way.

The nested shapes are written here after the aws-samples serverless ECS patterns (a SAM parent
whose ``AWS::Serverless::Application`` resources have ``Location: vpc.yml`` and pass
``!GetAtt VpcStack.Outputs.X`` to each other) and plain CloudFormation
(``AWS::CloudFormation::Stack`` with ``TemplateURL: nested/network.yaml``, which
``aws cloudformation package`` uploads).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cfn import exec_app, ref

from ecs_exec_guard.analysis import analyze
from ecs_exec_guard.analysis.analyzer import NO_EXEC_LAUNCH
from ecs_exec_guard.cli import main

VPC_YML = """\
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
  Igw:
    Type: AWS::EC2::InternetGateway
  IgwAttachment:
    Type: AWS::EC2::VPCGatewayAttachment
    Properties: {VpcId: !Ref Vpc, InternetGatewayId: !Ref Igw}
  PublicRouteTable:
    Type: AWS::EC2::RouteTable
    Properties: {VpcId: !Ref Vpc}
  PublicRoute:
    Type: AWS::EC2::Route
    Properties:
      RouteTableId: !Ref PublicRouteTable
      DestinationCidrBlock: 0.0.0.0/0
      GatewayId: !Ref Igw
  NatEip:
    Type: AWS::EC2::EIP
  Nat:
    Type: AWS::EC2::NatGateway
    Properties: {SubnetId: !Ref PublicSubnet, AllocationId: !GetAtt NatEip.AllocationId}
  PublicSubnet:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.0.0/24}
  PublicAssoc:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties: {SubnetId: !Ref PublicSubnet, RouteTableId: !Ref PublicRouteTable}
  PrivateRouteTable:
    Type: AWS::EC2::RouteTable
    Properties: {VpcId: !Ref Vpc}
  PrivateRoute:
    Type: AWS::EC2::Route
    Properties:
      RouteTableId: !Ref PrivateRouteTable
      DestinationCidrBlock: 0.0.0.0/0
      NatGatewayId: !Ref Nat
  PrivateSubnetOne:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.1.0/24}
  PrivateSubnetTwo:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.2.0/24}
  PrivateAssocOne:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties: {SubnetId: !Ref PrivateSubnetOne, RouteTableId: !Ref PrivateRouteTable}
  PrivateAssocTwo:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties: {SubnetId: !Ref PrivateSubnetTwo, RouteTableId: !Ref PrivateRouteTable}
Outputs:
  VpcId:
    Value: !Ref Vpc
  PrivateSubnetIds:
    Value: !Join [",", [!Ref PrivateSubnetOne, !Ref PrivateSubnetTwo]]
"""

CLUSTER_YML = """\
Resources:
  Cluster:
    Type: AWS::ECS::Cluster
Outputs:
  ClusterName:
    Value: !Ref Cluster
"""

SERVICE_YML = """\
Parameters:
  VpcId:
    Type: AWS::EC2::VPC::Id
  PrivateSubnetIds:
    Type: CommaDelimitedList
  ClusterName:
    Type: String
Resources:
  ServiceSg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: service
      VpcId: !Ref VpcId
  TaskRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {Service: ecs-tasks.amazonaws.com}, Action: sts:AssumeRole}
      Policies:
        - PolicyName: exec
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: [ssmmessages:CreateControlChannel, ssmmessages:CreateDataChannel,
                         ssmmessages:OpenControlChannel, ssmmessages:OpenDataChannel]
                Resource: "*"
  TaskDef:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: web
      Cpu: "256"
      Memory: "512"
      NetworkMode: awsvpc
      RequiresCompatibilities: [FARGATE]
      TaskRoleArn: !GetAtt TaskRole.Arn
      ContainerDefinitions:
        - Name: web
          Image: public.ecr.aws/docker/library/nginx:stable
          ReadonlyRootFilesystem: READONLY
          LinuxParameters: {InitProcessEnabled: true}
  Service:
    Type: AWS::ECS::Service
    Properties:
      Cluster: !Ref ClusterName
      LaunchType: FARGATE
      EnableExecuteCommand: true
      TaskDefinition: !Ref TaskDef
      NetworkConfiguration:
        AwsvpcConfiguration:
          AssignPublicIp: DISABLED
          Subnets: !Ref PrivateSubnetIds
          SecurityGroups: [!Ref ServiceSg]
"""

SAM_PARENT = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  VpcStack:
    Type: AWS::Serverless::Application
    Properties:
      Location: vpc.yml
  ClusterStack:
    Type: AWS::Serverless::Application
    Properties:
      Location: ./cluster.yml
  ServiceStack:
    Type: AWS::Serverless::Application
    Properties:
      Location: services/service.yml
      Parameters:
        VpcId: !GetAtt VpcStack.Outputs.VpcId
        PrivateSubnetIds: !GetAtt VpcStack.Outputs.PrivateSubnetIds
        ClusterName: !GetAtt ClusterStack.Outputs.ClusterName
"""

CFN_PARENT = """\
Resources:
  Network:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: nested/vpc.yml
  Cluster:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: nested/cluster.yml
  Service:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: nested/services/service.yml
      Parameters:
        VpcId: !GetAtt Network.Outputs.VpcId
        PrivateSubnetIds: !GetAtt Network.Outputs.PrivateSubnetIds
        ClusterName: !GetAtt Cluster.Outputs.ClusterName
"""


def write_nested(root: Path, parent: str, *, readonly: bool = False, subdir: str = "",
                 skip: str | None = None) -> Path:
    files = {
        "vpc.yml": VPC_YML,
        "cluster.yml": CLUSTER_YML,
        "services/service.yml": SERVICE_YML.replace("READONLY", str(readonly).lower()),
    }
    for rel, text in files.items():
        if rel == skip:
            continue
        path = root / subdir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    parent_path = root / "parent.yml"
    parent_path.write_text(parent, "utf-8")
    return parent_path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def run_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> Any:
    code, out, err = run(["check", *argv, "--format", "json"], capsys)
    assert code in (0, 1), err
    return json.loads(out)


def found(doc: Any) -> list[tuple[str, str, str, str]]:
    return sorted((f["rule_id"], f["severity"], f["template"], f["logical_id"])
                  for f in doc["findings"])


PARENTS = {"sam": (SAM_PARENT, ""), "cloudformation": (CFN_PARENT, "nested")}


# -- item 7: nested templates given by path ----------------------------------------------------


@pytest.mark.parametrize("kind", PARENTS)
def test_local_nested_templates_are_followed(
    tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text, subdir = PARENTS[kind]
    parent = write_nested(tmp_path, text, subdir=subdir)
    doc = run_json([str(parent)], capsys)
    assert doc["findings"] == []
    assert doc["summary"]["templates"] == 4 and doc["summary"]["exec_launches_checked"] == 1


@pytest.mark.parametrize("kind", PARENTS)
def test_findings_inside_a_local_nested_template(
    tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text, subdir = PARENTS[kind]
    parent = write_nested(tmp_path, text, subdir=subdir, readonly=True)
    doc = run_json([str(parent)], capsys)
    name = f"{subdir}/services/service.yml".lstrip("/")
    assert found(doc) == [("EcsExec-CTR1", "error", name, "TaskDef")]
    assert doc["findings"][0]["path"].endswith(name)


@pytest.mark.parametrize("kind", PARENTS)
def test_missing_nested_template_is_cannot_verify(
    tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text, subdir = PARENTS[kind]
    parent = write_nested(tmp_path, text, subdir=subdir, skip="services/service.yml")
    doc = run_json([str(parent)], capsys)
    stack = "ServiceStack" if kind == "sam" else "Service"
    assert found(doc) == [("EcsExec-INP1", "warning", "parent.yml", stack)]
    message = doc["findings"][0]["message"]
    assert message.startswith("Cannot verify:") and "services/service.yml" in message
    assert doc["summary"]["notes"] == [NO_EXEC_LAUNCH]


def test_remote_and_conditional_nested_stacks_are_not_reported(tmp_path: Path) -> None:
    body = {
        "Parameters": {"Addons": {"Type": "String", "Default": ""}},
        "Conditions": {"HasAddons": {"Fn::Not": [{"Fn::Equals": [ref("Addons"), ""]}]},
                       "Never": {"Fn::Equals": ["a", "b"]}},
        "Resources": {
            "Remote": {"Type": "AWS::CloudFormation::Stack",
                       "Properties": {"TemplateURL": "https://s3.amazonaws.com/b/t.yml"}},
            "FromParameter": {"Type": "AWS::CloudFormation::Stack", "Condition": "HasAddons",
                              "Properties": {"TemplateURL": ref("Addons")}},
            "Off": {"Type": "AWS::CloudFormation::Stack", "Condition": "Never",
                    "Properties": {"TemplateURL": "missing.yml"}},
            "Sar": {"Type": "AWS::Serverless::Application", "Properties": {"Location": {
                "ApplicationId": "arn:aws:serverlessrepo:us-east-1:1:applications/x",
                "SemanticVersion": "1.0.0"}}},
        },
    }
    assert analyze({"parent.json": body}).findings == []


def test_nested_templates_link_by_name_without_paths() -> None:
    app = exec_app("Child")
    app.parameters["Subnet"] = {"Type": "String"}
    app.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]["Subnets"] = [
        ref("Subnet")]
    parent = {"Resources": {"Child": {"Type": "AWS::CloudFormation::Stack", "Properties": {
        "TemplateURL": "./stacks/Child.template.json",
        "Parameters": {"Subnet": "subnet-123"}}}}}
    report = analyze({"parent.json": parent, "stacks/Child.template.json": app.body()})
    assert [f.rule_id for f in report.findings] == ["EcsExec-NET7"]
    assert '"subnet-123" is not in the input' in report.findings[0].message


def test_one_file_deployed_by_several_nested_stacks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each nested stack is its own stack: the file is loaded once per stack, and each copy
    gets that stack's parameters (here: only the second makes the root filesystem read-only).
    """
    write_nested(tmp_path, CFN_PARENT, subdir="nested")
    service = tmp_path / "nested" / "services" / "service.yml"
    service.write_text(
        SERVICE_YML.replace("READONLY", "!Ref ReadOnly").replace(
            "  ClusterName:\n    Type: String\n",
            "  ClusterName:\n    Type: String\n  ReadOnly:\n    Type: String\n"),
        "utf-8")
    two = CFN_PARENT.replace("        ClusterName: !GetAtt Cluster.Outputs.ClusterName\n",
                             "        ClusterName: !GetAtt Cluster.Outputs.ClusterName\n"
                             "        ReadOnly: 'false'\n")
    stack = two[two.index("  Service:"):].replace("  Service:", "  Worker:").replace(
        "ReadOnly: 'false'", "ReadOnly: 'true'")
    (tmp_path / "parent.yml").write_text(two + stack, "utf-8")
    doc = run_json([str(tmp_path / "parent.yml")], capsys)
    assert doc["summary"]["templates"] == 5
    assert found(doc) == [
        ("EcsExec-CTR1", "error", "nested/services/service.yml#Worker", "TaskDef")]


def test_one_template_for_two_stacks_without_the_loader_is_cannot_verify() -> None:
    child = exec_app("Child")
    parent = {"Resources": {
        name: {"Type": "AWS::CloudFormation::Stack",
               "Properties": {"TemplateURL": "Child.template.json"}}
        for name in ("First", "Second")}}
    report = analyze({"parent.json": parent, "Child.template.json": child.body()})
    assert [(f.rule_id, f.logical_id) for f in report.findings] == [("EcsExec-INP1", "Second")]
    assert "that is nested stack First's" in report.findings[0].message


def test_a_directory_with_parent_and_children_loads_each_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_nested(tmp_path, CFN_PARENT, subdir="nested", readonly=True)
    doc = run_json([str(tmp_path)], capsys)
    assert doc["summary"]["templates"] == 4
    assert found(doc) == [("EcsExec-CTR1", "error", "nested/services/service.yml", "TaskDef")]


# -- item 12: never pass by accident -----------------------------------------------------------


def no_exec_template() -> dict[str, Any]:
    app = exec_app()
    app.props("Service")["EnableExecuteCommand"] = False
    return app.body()


def test_no_exec_launch_is_said_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "app.json"
    path.write_text(json.dumps(no_exec_template()), "utf-8")
    code, out, err = run(["check", str(path)], capsys)
    assert code == 0
    assert "0 exec-enabled launch(es) checked" in out
    assert err == f"ecs-exec-guard: note: {NO_EXEC_LAUNCH}\n"


def test_exec_launch_gives_no_note(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "app.json"
    path.write_text(json.dumps(exec_app().body()), "utf-8")
    code, _, err = run(["check", str(path)], capsys)
    assert (code, err) == (0, "")
    doc = run_json([str(path)], capsys)
    assert doc["summary"]["notes"] == []
    code, out, _ = run(["check", str(path), "--format", "sarif"], capsys)
    run_ = json.loads(out)["runs"][0]
    assert run_["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": []}]


def test_no_exec_launch_in_json_and_sarif(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "app.json"
    path.write_text(json.dumps(no_exec_template()), "utf-8")
    doc = run_json([str(path)], capsys)
    assert doc["summary"]["notes"] == [NO_EXEC_LAUNCH]
    assert doc["summary"]["exec_launches_checked"] == 0
    code, out, err = run(["check", str(path), "--format", "sarif"], capsys)
    assert (code, err) == (0, "")
    sarif_run = json.loads(out)["runs"][0]
    assert sarif_run["invocations"][0]["toolExecutionNotifications"] == [
        {"level": "warning", "message": {"text": NO_EXEC_LAUNCH}}]
    assert sarif_run["properties"]["summary"]["exec_launches_checked"] == 0


def test_directory_search_finds_every_template(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = exec_app()
    broken.container()["ReadonlyRootFilesystem"] = True
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "service.json").write_text(json.dumps(broken.body()), "utf-8")
    (tmp_path / "infra" / "service.yaml").write_text(json.dumps(broken.body()), "utf-8")
    (tmp_path / "package.json").write_text('{"name": "x"}', "utf-8")
    (tmp_path / "compose.yml").write_text("services:\n  web:\n    image: nginx\n", "utf-8")
    (tmp_path / "k8s.yaml").write_text("a: 1\n---\nb: 2\n", "utf-8")  # skipped silently
    (tmp_path / "tsconfig.json").write_text('{"a": 1, // comment\n}', "utf-8")
    (tmp_path / "broken.yaml").write_text("Resources:\n  A: [unclosed\n", "utf-8")
    for hidden in (".github", "node_modules", ".venv"):
        (tmp_path / hidden).mkdir()
        (tmp_path / hidden / "t.json").write_text(json.dumps(broken.body()), "utf-8")
    doc = run_json([str(tmp_path)], capsys)
    assert sorted({f["template"] for f in doc["findings"]}) == [
        "infra/service.json", "infra/service.yaml"]
    assert doc["summary"]["templates"] == 2
    # A file that looks like a template but does not parse is named; other files are not.
    assert len(doc["summary"]["notes"]) == 1 and "broken.yaml" in doc["summary"]["notes"][0]


def test_directory_with_a_cloud_assembly_inside(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = exec_app()
    broken.container()["ReadonlyRootFilesystem"] = True
    out_dir = tmp_path / "cdk.out"
    out_dir.mkdir()
    (out_dir / "App.template.json").write_text(json.dumps(broken.body()), "utf-8")
    (out_dir / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {
        "App": {"type": "aws:cloudformation:stack",
                "properties": {"templateFile": "App.template.json"}}}}), "utf-8")
    (out_dir / "App.assets.json").write_text('{"files": {}}', "utf-8")
    doc = run_json([str(tmp_path)], capsys)
    assert [(f["rule_id"], f["template"]) for f in doc["findings"]] == [
        ("EcsExec-CTR1", "cdk.out/App.template.json")]


def test_directory_without_templates_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "package.json").write_text('{"name": "x"}', "utf-8")
    code, out, err = run(["check", str(tmp_path)], capsys)
    assert (code, out) == (2, "") and "no CloudFormation templates" in err


def test_json_path_and_sarif_uri_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = exec_app()
    broken.container()["ReadonlyRootFilesystem"] = True
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "my app.json").write_text(json.dumps(broken.body()), "utf-8")
    monkeypatch.chdir(tmp_path)
    doc = run_json(["stacks"], capsys)
    _, out, _ = run(["check", "stacks", "--format", "sarif"], capsys)
    sarif = json.loads(out)["runs"][0]["results"]
    assert [f["path"] for f in doc["findings"]] == ["stacks/my app.json"]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in sarif] == ["stacks/my%20app.json"]
