"""Parameters (issue 10, items 1 and 2): export names built from parameters never crash, and
values given with ``--parameters FILE`` / ``-p [TEMPLATE:]KEY=VALUE`` (or ``analyze(...,
parameters=...)``) resolve ``Ref``/``Fn::Sub``, linking exports to imports across stacks.

The two-stack app below is written here in the shape of AWS Copilot's templates
(aws/copilot-cli ``internal/pkg/deploy/cloudformation/stack/testdata``): the environment stack
exports ``!Sub ${AWS::StackName}-ClusterId`` / ``-PublicSubnets`` (a ``!Join`` of subnet IDs) /
``-EnvironmentSecurityGroup``; a service stack imports them as
``!Sub ${AppName}-${EnvName}-ClusterId`` and ``!Split [",", !ImportValue ...]``. Copilot names
the environment stack ``<app>-<env>``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cfn import describe, ec2_app, exec_app, of_rule, one, ref, rule_ids, sub

from ecs_exec_guard.analysis import Severity, analyze
from ecs_exec_guard.cli import main

ENV_YAML = """\
Parameters:
  AppName:
    Type: String
  EnvironmentName:
    Type: String
Resources:
  VPC:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.0.0.0/16
  InternetGateway:
    Type: AWS::EC2::InternetGateway
  InternetGatewayAttachment:
    Type: AWS::EC2::VPCGatewayAttachment
    Properties:
      InternetGatewayId: !Ref InternetGateway
      VpcId: !Ref VPC
  PublicRouteTable:
    Type: AWS::EC2::RouteTable
    Properties:
      VpcId: !Ref VPC
  DefaultPublicRoute:
    Type: AWS::EC2::Route
    Properties:
      RouteTableId: !Ref PublicRouteTable
      DestinationCidrBlock: 0.0.0.0/0
      GatewayId: !Ref InternetGateway
  PublicSubnet1:
    Type: AWS::EC2::Subnet
    Properties:
      CidrBlock: 10.0.0.0/24
      VpcId: !Ref VPC
      MapPublicIpOnLaunch: true
  PublicSubnet2:
    Type: AWS::EC2::Subnet
    Properties:
      CidrBlock: 10.0.1.0/24
      VpcId: !Ref VPC
      MapPublicIpOnLaunch: true
  PublicSubnet1RouteTableAssociation:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties:
      RouteTableId: !Ref PublicRouteTable
      SubnetId: !Ref PublicSubnet1
  PublicSubnet2RouteTableAssociation:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties:
      RouteTableId: !Ref PublicRouteTable
      SubnetId: !Ref PublicSubnet2
  EnvironmentSecurityGroup:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: !Sub ${AppName}-${EnvironmentName}
      VpcId: !Ref VPC
  Cluster:
    Type: AWS::ECS::Cluster
Outputs:
  PublicSubnets:
    Value: !Join [ ',', [ !Ref PublicSubnet1, !Ref PublicSubnet2 ] ]
    Export:
      Name: !Sub ${AWS::StackName}-PublicSubnets
  EnvironmentSecurityGroup:
    Value: !Ref EnvironmentSecurityGroup
    Export:
      Name: !Sub ${AWS::StackName}-EnvironmentSecurityGroup
  ClusterId:
    Value: !Ref Cluster
    Export:
      Name: !Sub ${AWS::StackName}-ClusterId
"""

SVC_YAML = """\
Parameters:
  AppName:
    Type: String
  EnvName:
    Type: String
  WorkloadName:
    Type: String
Resources:
  TaskRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: ecs-tasks.amazonaws.com}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: ExecuteCommand
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: [ssmmessages:CreateControlChannel, ssmmessages:OpenControlChannel,
                         ssmmessages:CreateDataChannel, ssmmessages:OpenDataChannel]
                Resource: "*"
  TaskDefinition:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: !Join ["", [!Ref AppName, "-", !Ref EnvName, "-", !Ref WorkloadName]]
      NetworkMode: awsvpc
      RequiresCompatibilities: [FARGATE]
      Cpu: "256"
      Memory: "512"
      TaskRoleArn: !GetAtt TaskRole.Arn
      ContainerDefinitions:
        - Name: !Ref WorkloadName
          Image: public.ecr.aws/docker/library/nginx:stable
          LinuxParameters:
            InitProcessEnabled: true
  Service:
    Type: AWS::ECS::Service
    Properties:
      PlatformVersion: LATEST
      Cluster:
        Fn::ImportValue: !Sub "${AppName}-${EnvName}-ClusterId"
      TaskDefinition: !Ref TaskDefinition
      EnableExecuteCommand: true
      LaunchType: FARGATE
      NetworkConfiguration:
        AwsvpcConfiguration:
          AssignPublicIp: ASSIGN_PUBLIC_IP
          Subnets:
            Fn::Split:
              - ","
              - Fn::ImportValue: !Sub "${AppName}-${EnvName}-PublicSubnets"
          SecurityGroups:
            - Fn::ImportValue: !Sub "${AppName}-${EnvName}-EnvironmentSecurityGroup"
"""

COPILOT_VALUES = ["env.yml:AWS::StackName=demo-test", "AppName=demo", "EnvName=test",
                  "svc.yml:WorkloadName=api"]


def write_copilot(tmp_path: Path, public_ip: bool = True) -> tuple[Path, Path]:
    env = tmp_path / "env.yml"
    env.write_text(ENV_YAML, "utf-8")
    svc = tmp_path / "svc.yml"
    svc.write_text(SVC_YAML.replace("ASSIGN_PUBLIC_IP", "ENABLED" if public_ip else "DISABLED"),
                   "utf-8")
    return env, svc


def run_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    code = main(["check", *argv, "--format", "json"])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    return code, json.loads(out)


def findings(doc: Any) -> list[tuple[str, str, str]]:
    return sorted((f["rule_id"], f["severity"], f["logical_id"]) for f in doc["findings"])


def p_args(values: list[str]) -> list[str]:
    return [arg for value in values for arg in ("-p", value)]


# -- item 1: export names with parameters ------------------------------------------------------


@pytest.mark.parametrize(
    "name", [sub("${Env}-cluster"), ref("Env"), {"Fn::Join": ["-", [ref("Env"), "cluster"]]}],
    ids=["sub", "ref", "join"],
)
def test_export_name_with_a_parameter_does_not_crash(
    tmp_path: Path, name: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    body = {"Parameters": {"Env": {"Type": "String"}},
            "Resources": {"Cluster": {"Type": "AWS::ECS::Cluster"}},
            "Outputs": {"ClusterName": {"Value": ref("Cluster"), "Export": {"Name": name}}}}
    path = tmp_path / "exports.json"
    path.write_text(json.dumps(body), "utf-8")
    code = main(["check", str(path)])
    _, err = capsys.readouterr()
    assert code == 0 and "internal error" not in err


def test_export_name_with_a_parameter_links_once_the_value_is_given() -> None:
    network = exec_app("Network")
    network.parameters["Env"] = {"Type": "String"}
    network.export(sub("${Env}-private"), ref("PrivateSubnet"))
    app = exec_app()
    app.parameters["Env"] = {"Type": "String"}
    app.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]["Subnets"] = [
        {"Fn::ImportValue": sub("${Env}-private")}]
    bodies = {t.name: t.body() for t in (network, app)}

    unknown = analyze(bodies)
    finding = one(unknown, "EcsExec-NET7", Severity.WARNING, "Service")
    assert "Fn::ImportValue" in finding.message

    known = analyze(bodies, parameters={"Env": "prod"})
    assert known.findings == [], describe(known)

    elsewhere = analyze(bodies, template_parameters={"App.template.json": {"Env": "prod"}})
    one(elsewhere, "EcsExec-NET7", Severity.WARNING, "Service")  # the export is still unnamed


# -- item 2: the Copilot pair ------------------------------------------------------------------


def test_copilot_pair_without_values_cannot_verify_the_network(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env, svc = write_copilot(tmp_path, public_ip=False)
    _, doc = run_json([str(env), str(svc)], capsys)
    assert findings(doc) == [("EcsExec-NET7", "warning", "Service")]
    assert "Fn::ImportValue" in doc["findings"][0]["message"]


def test_copilot_pair_with_values_checks_as_one_app(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env, svc = write_copilot(tmp_path, public_ip=True)
    code, doc = run_json([str(env), str(svc), *p_args(COPILOT_VALUES)], capsys)
    assert (code, doc["findings"]) == (0, [])
    assert doc["summary"]["exec_launches_checked"] == 1


def test_copilot_pair_with_values_finds_the_missing_public_ip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env, svc = write_copilot(tmp_path, public_ip=False)
    code, doc = run_json([str(env), str(svc), *p_args(COPILOT_VALUES)], capsys)
    assert code == 1
    assert findings(doc) == [("EcsExec-NET3", "error", "Service")]
    assert "PublicSubnet1, PublicSubnet2" in doc["findings"][0]["message"]


def test_copilot_pair_links_with_app_and_env_names_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The environment's exports are named from its stack name: the one stack name that makes
    the service's imports match is assumed, and the report says so."""
    env, svc = write_copilot(tmp_path, public_ip=False)
    _, doc = run_json([str(env), str(svc), "-p", "AppName=demo", "-p", "EnvName=test"], capsys)
    assert findings(doc) == [("EcsExec-NET3", "error", "Service")]
    assert doc["summary"]["notes"] == [
        "env.yml is taken to be deployed as stack demo-test, the stack name its export "
        "demo-test-ClusterId needs to match an import (give -p env.yml:AWS::StackName=... "
        "otherwise)"]


def test_two_templates_exporting_under_their_stack_names_are_ambiguous(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env, svc = write_copilot(tmp_path, public_ip=False)
    other = tmp_path / "env2.yml"
    other.write_text(ENV_YAML, "utf-8")
    _, doc = run_json([str(env), str(other), str(svc), "-p", "AppName=demo", "-p",
                       "EnvName=test"], capsys)
    assert findings(doc) == [("EcsExec-NET7", "warning", "Service")]
    assert "several templates of the input (env.yml, env2.yml)" in doc["findings"][0]["message"]
    # Naming one of them settles it.
    _, doc = run_json([str(env), str(other), str(svc), "-p", "AppName=demo", "-p",
                       "EnvName=test", "-p", "env2.yml:AWS::StackName=demo-prod"], capsys)
    assert findings(doc) == [("EcsExec-NET3", "error", "Service")]


def test_copilot_pair_with_a_wrong_stack_name_stays_unknown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env, svc = write_copilot(tmp_path, public_ip=False)
    values = ["env.yml:AWS::StackName=demo-prod", "AppName=demo", "EnvName=test"]
    _, doc = run_json([str(env), str(svc), *p_args(values)], capsys)
    assert findings(doc) == [("EcsExec-NET7", "warning", "Service")]
    assert "demo-test-PublicSubnets" in doc["findings"][0]["message"]


FILES: dict[str, Any] = {
    "cli list": [{"ParameterKey": "AppName", "ParameterValue": "demo"},
                 {"ParameterKey": "EnvName", "ParameterValue": "test"},
                 {"ParameterKey": "Unused", "UsePreviousValue": True}],
    "template configuration": {"Parameters": {"AppName": "demo", "EnvName": "test"},
                               "Tags": {"team": "x"}},
    "yaml configuration": "Parameters:\n  AppName: demo\n  EnvName: test\n",
}


@pytest.mark.parametrize("content", FILES.values(), ids=FILES.keys())
def test_parameter_files(
    tmp_path: Path, content: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    env, svc = write_copilot(tmp_path, public_ip=False)
    params = tmp_path / "params.json"
    params.write_text(content if isinstance(content, str) else json.dumps(content), "utf-8")
    argv = [str(env), str(svc), "--parameters", str(params),
            "-p", f"{env}:AWS::StackName=demo-test"]
    _, doc = run_json(argv, capsys)
    assert findings(doc) == [("EcsExec-NET3", "error", "Service")]


def test_parameter_file_for_one_template(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env, svc = write_copilot(tmp_path, public_ip=False)
    params = tmp_path / "svc-params.json"
    params.write_text(json.dumps({"Parameters": {"AppName": "demo", "EnvName": "test"}}), "utf-8")
    argv = [str(env), str(svc), "--parameters", f"svc:{params}",
            "-p", "env:AWS::StackName=demo-test"]
    _, doc = run_json(argv, capsys)
    assert findings(doc) == [("EcsExec-NET3", "error", "Service")]


def test_command_line_value_wins_over_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env, svc = write_copilot(tmp_path, public_ip=False)
    params = tmp_path / "params.json"
    params.write_text(json.dumps({"Parameters": {"AppName": "demo", "EnvName": "prod"}}), "utf-8")
    argv = [str(env), str(svc), "--parameters", str(params), *p_args(COPILOT_VALUES)]
    _, doc = run_json(argv, capsys)
    assert findings(doc) == [("EcsExec-NET3", "error", "Service")]


BAD_FILES: dict[str, str | None] = {
    "invalid json": '[{"ParameterKey": ',
    "a scalar": "just text\n",
    "no key": '[{"ParameterValue": "x"}]',
    "no value": '[{"ParameterKey": "AppName"}]',
    "a mapping value": '{"Parameters": {"AppName": {"a": 1}}}',
    "no Parameters": '{"AppName": "demo"}',
    "missing": None,
}


@pytest.mark.parametrize("content", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_parameter_file_is_a_usage_error(
    tmp_path: Path, content: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    env, svc = write_copilot(tmp_path)
    params = tmp_path / "params.json"
    if content is not None:
        params.write_text(content, "utf-8")
    code = main(["check", str(env), str(svc), "--parameters", str(params)])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "params.json" in err and "Traceback" not in err


BAD_ASSIGNMENTS = {
    "no equals": "AppName",
    "empty key": "=x",
    "unknown key": "Nope=1",
    "unknown key in that template": "env.yml:EnvName=test",
    "unknown template": "other.yml:AppName=demo",
    "bad key": "svc.yml:App Name=x",
}


@pytest.mark.parametrize("value", BAD_ASSIGNMENTS.values(), ids=BAD_ASSIGNMENTS.keys())
def test_bad_assignment_is_a_usage_error(
    tmp_path: Path, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    env, svc = write_copilot(tmp_path)
    code = main(["check", str(env), str(svc), "-p", value])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and value in err


@pytest.mark.parametrize(
    "argv",
    [["-p", "a\x00b:AppName=x"], ["--parameters", "a\x00b"], ["--parameters", "x:a\x00b"],
     ["-p", ":=x"], ["-p", "svc.yml:="], ["--parameters", ""]],
    ids=["nul selector", "nul file", "nul file with selector", "empty key", "no key",
         "empty file name"],
)
def test_odd_parameter_arguments_are_usage_errors(
    tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    env, svc = write_copilot(tmp_path)
    code = main(["check", str(env), str(svc), *argv])
    out, err = capsys.readouterr()
    assert (code, out) == (2, ""), err
    assert err.count("\n") == 1 and "internal error" not in err


# -- typing of supplied values -----------------------------------------------------------------


def test_list_parameter_value_is_split() -> None:
    app = exec_app()
    app.parameters["Subnets"] = {"Type": "List<AWS::EC2::Subnet::Id>"}
    app.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]["Subnets"] = ref("Subnets")
    body = {app.name: app.body()}
    unknown = analyze(body)
    assert "parameter Subnets" in one(unknown, "EcsExec-NET7", Severity.WARNING, "Service").message
    given = analyze(body, parameters={"Subnets": "subnet-0a, subnet-0b"})
    message = one(given, "EcsExec-NET7", Severity.WARNING, "Service").message
    assert '"subnet-0a" is not in the input' in message
    assert '"subnet-0b" is not in the input' in message


def test_ssm_parameter_value_names_the_parameter_not_the_ami() -> None:
    app = ec2_app()
    body = {app.name: app.body()}
    assert of_rule(analyze(body), "EcsExec-PLT2") == []
    custom = analyze(body, parameters={"EcsAmi": "/my/team/ami"})
    finding = one(custom, "EcsExec-PLT2", Severity.WARNING, "AsgLaunchTemplate")
    assert "/my/team/ami" in finding.message


def test_parameter_with_a_default_and_no_value_stays_unknown() -> None:
    app = exec_app()
    app.parameters["Version"] = {"Type": "String", "Default": "1.3.0"}
    app.props("Service")["PlatformVersion"] = ref("Version")
    body = {app.name: app.body()}
    assert rule_ids(analyze(body)) == ["EcsExec-PLT1"]
    assert of_rule(analyze(body), "EcsExec-PLT1")[0].unverified
    given = analyze(body, parameters={"Version": "1.3.0"})
    one(given, "EcsExec-PLT1", Severity.ERROR, "Service")
    assert analyze(body, parameters={"Version": "1.4.0"}).findings == []
