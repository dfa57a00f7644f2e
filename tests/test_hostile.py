"""Hostile input ends in bounded time and memory (issue 16).

The crafted shapes are bench/hostile.py's (the bench records their times in bench/RESULTS.md);
here each runs as a real ``ecs-exec-guard check`` process with a generous time limit, and its
exit code and answer are asserted. Smaller twins check each guard on both sides: the crafted
input is refused or becomes "Cannot verify" naming the limit, the honest one is untouched.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from cfn import Template, exec_app, ref, run

from ecs_exec_guard.analysis import Severity, budget, intrinsics
from ecs_exec_guard.analysis.iam import glob_match
from ecs_exec_guard.analysis.network import routes
from ecs_exec_guard.cli import main

ROOT = Path(__file__).resolve().parents[1]
TIME_LIMIT = 20.0  # seconds, whole process; the bench shows what they really take


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("hostile_bench", ROOT / "bench" / "hostile.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


BENCH = _bench()
SHAPES = {s.name: s for s in BENCH.shapes()}


def check_process(paths: list[str], *args: str) -> tuple[int, str, str, float]:
    """``python -m ecs_exec_guard check`` as CI runs it: exit code, stdout, stderr, seconds."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "ecs_exec_guard", "check", *paths, *args],
        env=env, capture_output=True, text=True, timeout=TIME_LIMIT * 3, check=False,
    )
    return proc.returncode, proc.stdout, proc.stderr, time.perf_counter() - start


def one_line_error(code: int, out: str, err: str, *words: str) -> None:
    assert code == 2, (code, err)
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("ecs-exec-guard: error: "), err
    for word in words:
        assert word in err, err


# -- every crafted shape: the exit code it should have, quickly --------------------------------


# As a real process (a hang ends at the subprocess timeout): the alias bomb, the
# files just over the default limits, and the slowest shape the bench found.
PROCESS_SHAPES = [
    "yaml-alias-bomb", "template-over-size-limit", "assembly-over-template-limit",
    "endpoints-x-launches",
]


@pytest.mark.parametrize("name", PROCESS_SHAPES)
def test_hostile_shape_ends_quickly_as_a_process(tmp_path: Path, name: str) -> None:
    shape = SHAPES[name]
    paths = shape.build(tmp_path)
    code, out, err, seconds = check_process(paths, *shape.args)
    assert code in shape.expect, (code, err[-500:])
    assert seconds < TIME_LIMIT, f"{name} took {seconds:.1f} s"
    if code == 2:
        one_line_error(code, out, err, paths[0])
    else:
        assert err == "", err


# Honest input at the total-bytes limit is linear (the bench times it); too big for the suite.
IN_PROCESS_SHAPES = sorted(set(SHAPES) - {*PROCESS_SHAPES, "honest-assembly-at-total-limit"})


@pytest.mark.parametrize("name", IN_PROCESS_SHAPES)
def test_hostile_shape_ends_quickly(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    shape = SHAPES[name]
    paths = shape.build(tmp_path)
    # CPU time, not wall time: a shape that makes the check work hard shows here whatever the
    # machine's load (the suite runs beside other jobs on 2 cores).
    start = time.process_time()
    code = main(["check", *paths, *shape.args])
    seconds = time.process_time() - start
    out, err = capsys.readouterr()
    assert code in shape.expect, (code, err[-500:])
    assert seconds < TIME_LIMIT, f"{name} took {seconds:.1f} s of CPU"
    if code == 2:
        one_line_error(code, out, err, paths[0])
    else:
        assert err == "", err


def test_alias_bomb_is_refused_naming_the_file_and_line(tmp_path: Path) -> None:
    paths = SHAPES["yaml-alias-bomb"].build(tmp_path)
    code, out, err, seconds = check_process(paths)
    one_line_error(code, out, err, "bomb.yaml", "at line 3", "aliases")
    assert seconds < TIME_LIMIT


def test_export_chain_becomes_cannot_verify_naming_the_budget(tmp_path: Path) -> None:
    """Ten imports of ten imports ... of a subnet list: not expanded, a NET7 warning instead."""
    paths = SHAPES["export-chain-lists"].build(tmp_path)
    code, out, err, seconds = check_process(paths, "--format", "json")
    assert (code, err) == (0, "")
    assert seconds < TIME_LIMIT
    findings = json.loads(out)["findings"]
    assert [(f["rule_id"], f["severity"], f["logical_id"]) for f in findings] == [
        ("EcsExec-NET7", "warning", "Service")]
    assert "resolved values to analyse, the budget against crafted input" in (
        findings[0]["message"])


# -- YAML: what CloudFormation refuses, refused before anything is built ----------------------

YAML_OK = """\
Resources:
  Cluster:
    Type: AWS::ECS::Cluster
    Properties:
      ClusterName: !Sub "${AWS::StackName}-c"
      Tags: &tags
        - {Key: a, Value: b}
"""


@pytest.mark.parametrize(
    ("name", "text", "words"),
    [
        ("alias", YAML_OK + "  Other:\n    Type: AWS::ECS::Cluster\n    Properties:\n"
         "      Tags: *tags\n", ("at line 6", "aliases")),
        ("merge-key", "Resources:\n  Cluster:\n    Type: AWS::ECS::Cluster\n    Properties:\n"
         "      <<: {ClusterName: x}\n", ("at line 5", "merge keys")),
        ("set-tag", "Resources:\n  Cluster:\n    Type: AWS::ECS::Cluster\n"
         "    Properties: !!set {a, b}\n", ("at line 4", "!!set")),
        ("binary-tag", "Resources:\n  Cluster:\n    Type: AWS::ECS::Cluster\n"
         "    Metadata: !!binary aGVsbG8=\n", ("at line 4", "!!binary")),
    ],
)
def test_yaml_features_cloudformation_refuses(
    tmp_path: Path, name: str, text: str, words: tuple[str, ...],
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, "utf-8")
    code = main(["check", str(path)])
    out, err = capsys.readouterr()
    one_line_error(code, out, err, str(path), *words)


@pytest.mark.parametrize("suffix", ["yaml", "json"])
def test_an_integer_of_thousands_of_digits(
    tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Python refuses to convert integers of over 4,300 digits: YAML's was an internal error."""
    path = tmp_path / f"big.{suffix}"
    digits = "9" * 5000
    path.write_text(
        f"Resources:\n  A:\n    Type: AWS::ECS::Cluster\n    Properties:\n      X: {digits}\n"
        if suffix == "yaml"
        else '{"Resources": {"A": {"Type": "AWS::ECS::Cluster", "Properties": {"X": '
        + digits + "}}}}",
        "utf-8",
    )
    code = main(["check", str(path)])
    out, err = capsys.readouterr()
    one_line_error(code, out, err, str(path), "invalid", "4300 digits")


def test_an_anchor_without_alias_and_short_forms_are_fine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text(YAML_OK, "utf-8")
    assert main(["check", str(path), "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert json.loads(out)["summary"]["templates"] == 1


# -- size limits: just over each is a one-line usage error, at the limit is fine --------------


def _template_of_size(path: Path, size: int) -> Path:
    body = exec_app().body()
    text = json.dumps(body)
    body["Description"] = "x" * (size - len(text) - len(', "Description": ""'))
    path.write_text(json.dumps(body), "utf-8")
    assert path.stat().st_size == size
    return path


@pytest.mark.parametrize(("extra", "code"), [(0, 0), (1, 2)], ids=["at-limit", "one-over"])
def test_max_template_bytes(
    tmp_path: Path, extra: int, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _template_of_size(tmp_path / "t.json", 20_000 + extra)
    got = main(["check", str(path), "--max-template-bytes", "20000"])
    out, err = capsys.readouterr()
    if code == 2:
        one_line_error(got, out, err, str(path), "20,001 bytes", "--max-template-bytes")
    else:
        assert (got, err) == (0, "")


def test_default_template_limit_is_two_mib(tmp_path: Path) -> None:
    paths = SHAPES["template-over-size-limit"].build(tmp_path)
    code, out, err, seconds = check_process(paths)
    one_line_error(code, out, err, "2,097,153 bytes", "--max-template-bytes")
    assert seconds < TIME_LIMIT


@pytest.mark.parametrize(("stacks", "code"), [(3, 0), (4, 2)], ids=["at-limit", "one-over"])
def test_max_templates_in_an_assembly(
    tmp_path: Path, stacks: int, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = BENCH.assembly(tmp_path, stacks)
    got = main(["check", str(out_dir), "--max-templates", "3"])
    out, err = capsys.readouterr()
    if code == 2:
        one_line_error(got, out, err, "manifest.json", "4 templates", "--max-templates")
    else:
        assert (got, err) == (0, "")


def test_max_templates_over_several_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = [str(_template_of_size(tmp_path / f"t{i}.json", 5_000)) for i in range(3)]
    assert main(["check", *paths[:2], "--max-templates", "2"]) == 0
    capsys.readouterr()
    got = main(["check", *paths, "--max-templates", "2"])
    out, err = capsys.readouterr()
    one_line_error(got, out, err, "t2.json", "3 templates")


@pytest.mark.parametrize(("count", "code"), [(2, 0), (3, 2)], ids=["at-limit", "one-over"])
def test_max_total_bytes(
    tmp_path: Path, count: int, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = [str(_template_of_size(tmp_path / f"t{i}.json", 5_000)) for i in range(count)]
    got = main(["check", *paths, "--max-total-bytes", "10000"])
    out, err = capsys.readouterr()
    if code == 2:
        one_line_error(got, out, err, "t2.json", "15,000 bytes", "--max-total-bytes")
    else:
        assert (got, err) == (0, "")


@pytest.mark.parametrize("value", ["0", "-5", "lots", "1.5"])
def test_limit_options_take_positive_whole_numbers(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["check", "x.json", "--max-templates", value])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--max-templates" in err


def test_manifest_over_the_total_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = BENCH.assembly(tmp_path, 1)
    manifest = out_dir / "manifest.json"
    data = json.loads(manifest.read_text("utf-8"))
    data["padding"] = "x" * 20_000
    manifest.write_text(json.dumps(data), "utf-8")
    got = main(["check", str(out_dir), "--max-total-bytes", "10000"])
    out, err = capsys.readouterr()
    one_line_error(got, out, err, "manifest.json", "over 10,000 bytes")


def test_nested_assembly_cycle_is_read_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = SHAPES["assembly-cycle"].build(tmp_path)
    assert main(["check", *paths, "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert json.loads(out)["summary"]["templates"] == 1


# -- analysis budgets: over budget is "Cannot verify" naming it; under budget, no change -------


def _shared_subnets(count: int) -> Template:
    """The service's subnets imported from an export listing the private subnet ``count``
    times: each use hands out ``count`` + 1 values."""
    t = exec_app()
    t.export("subnets", [ref("PrivateSubnet")] * count)
    t.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]["Subnets"] = {
        "Fn::ImportValue": "subnets"}
    return t


def test_value_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(budget, "PER_RESOURCE", 0)
    monkeypatch.setattr(budget, "VALUE_UNITS", 12)
    assert run(_shared_subnets(8)).findings == []
    findings = run(_shared_subnets(16)).findings
    assert [(f.rule_id, f.severity, f.logical_id) for f in findings] == [
        ("EcsExec-NET7", Severity.WARNING, "Service")]
    assert "more than 12 resolved values" in findings[0].message


def test_fn_sub_text_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(intrinsics, "MAX_TEXT", 1000)
    for repeat, expect_unknown in ((10, False), (200, True)):
        t = exec_app()
        t.props("Service")["PlatformVersion"] = {"Fn::Sub": ["${V}" * repeat, {"V": "1.4.0-"}]}
        messages = [f.message for f in run(t).findings if f.rule_id == "EcsExec-PLT1"]
        if expect_unknown:
            assert len(messages) == 1 and "more than 1,000 characters" in messages[0]
        else:
            assert all("characters" not in m for m in messages)


def _launch_with(subnets: int, groups: int) -> Template:
    t = exec_app()
    for i in range(subnets):
        t.subnet(f"Extra{i}", f"10.0.{10 + i}.0/24", route={"NatGatewayId": ref("Nat")})
    cfg = t.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]
    cfg["Subnets"] = [ref(f"Extra{i}") for i in range(subnets)]
    cfg["SecurityGroups"] = [{"Fn::GetAtt": ["TaskSg", "GroupId"]}] * groups
    return t


@pytest.mark.parametrize(
    ("subnets", "groups", "why"),
    [(16, 5, None), (17, 1, "17 subnets"), (1, 6, "6 security groups")],
)
def test_awsvpc_limits_of_ecs(subnets: int, groups: int, why: str | None) -> None:
    findings = run(_launch_with(subnets, groups)).findings
    if why is None:
        assert findings == []
    else:
        assert [(f.rule_id, f.severity, f.logical_id) for f in findings] == [
            ("EcsExec-NET7", Severity.WARNING, "Service")]
        assert why in findings[0].message and "ECS accepts at most" in findings[0].message


def test_network_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    t = exec_app(subnet="isolated")
    assert run(t).findings == []
    monkeypatch.setattr(budget, "PER_RESOURCE", 0)
    monkeypatch.setattr(budget, "NETWORK_UNITS", 0)
    findings = run(t).findings
    assert {(f.rule_id, f.severity, f.logical_id) for f in findings} == {
        ("EcsExec-NET7", Severity.WARNING, "Service")}
    assert all("network checks" in f.message for f in findings)


def _acl_with_udp_entries(count: int) -> Template:
    """The tasks' subnet behind a network ACL that allows no TCP (NET8 denies), with ``count``
    UDP entries before its implicit deny (each decision reads them all)."""
    t = exec_app()
    t.add("TaskAcl", "AWS::EC2::NetworkAcl", VpcId=ref("Vpc"))
    t.add("TaskAclAssociation", "AWS::EC2::SubnetNetworkAclAssociation",
          SubnetId=ref("PrivateSubnet"), NetworkAclId=ref("TaskAcl"))
    for i in range(count):
        t.add(f"Udp{i}", "AWS::EC2::NetworkAclEntry", NetworkAclId=ref("TaskAcl"),
              RuleNumber=i + 1, Protocol=17, RuleAction="allow", Egress=i % 2 == 0,
              CidrBlock="0.0.0.0/0", PortRange={"From": 53, "To": 53})
    return t


@pytest.mark.parametrize(
    ("entries", "units", "verdict"),
    [(60, None, "error"), (0, 100, "error"), (60, 100, "budget")],
)
def test_network_budget_covers_acl_decisions(
    monkeypatch: pytest.MonkeyPatch, entries: int, units: int | None, verdict: str
) -> None:
    """NET8 decides by the ACL's entries; once that spends the network budget, NET8 says only
    that it cannot verify (naming the budget), never a verdict on part of the entries."""
    if units is not None:
        monkeypatch.setattr(budget, "PER_RESOURCE", 0)
        monkeypatch.setattr(budget, "NETWORK_UNITS", units)
    findings = run(_acl_with_udp_entries(entries)).findings
    if verdict == "error":
        assert [(f.rule_id, f.severity, f.logical_id) for f in findings] == [
            ("EcsExec-NET8", Severity.ERROR, "Service")]
        assert "network ACL TaskAcl of subnet PrivateSubnet denies outbound TCP 443" in (
            findings[0].message)
    else:
        assert [(f.rule_id, f.severity, f.logical_id) for f in findings] == [
            ("EcsExec-NET8", Severity.WARNING, "Service")]
        assert "whether the network ACLs let exec through: the input needs more than 100 " \
            "network checks" in findings[0].message


def _behind_two_nat_gateways() -> Template:
    """The tasks' subnet routed to a NAT gateway whose subnet is routed to another NAT gateway
    (in the public subnet): a NAT gateway needs an internet gateway, so no way out (NET2)."""
    t = exec_app()
    t.subnet("RelaySubnet", "10.0.3.0/24", route={"NatGatewayId": ref("Nat")})
    t.nat_gateway("RelayNat", subnet="RelaySubnet")
    t.subnet("DeepSubnet", "10.0.4.0/24", route={"NatGatewayId": ref("RelayNat")})
    t.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]["Subnets"] = [
        ref("DeepSubnet")]
    return t


def test_nat_gateway_chains_are_followed_a_bounded_depth(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each NAT gateway followed is a nested call: a chain of thousands was a RecursionError
    (exit 3). Within the depth, NET2's verdict; past it, NET7 naming the depth."""
    findings = run(_behind_two_nat_gateways()).findings
    assert [(f.rule_id, f.severity, f.logical_id) for f in findings] == [
        ("EcsExec-NET2", Severity.ERROR, "Service")]
    assert "NAT gateway RelayNat sits in RelaySubnet" in findings[0].message
    monkeypatch.setattr(routes, "MAX_NAT_HOPS", 1)
    assert run(exec_app()).findings == []  # one NAT gateway: within the depth
    findings = run(_behind_two_nat_gateways()).findings
    assert [(f.rule_id, f.severity, f.logical_id) for f in findings] == [
        ("EcsExec-NET7", Severity.WARNING, "Service")]
    assert "more than 1 NAT gateways in a row (at Nat); this check follows at most 1" in (
        findings[0].message)


def test_statement_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    t = exec_app()
    assert run(t).findings == []
    monkeypatch.setattr(budget, "PER_RESOURCE", 0)
    monkeypatch.setattr(budget, "STATEMENT_UNITS", 5)
    findings = run(t).findings
    assert [(f.rule_id, f.severity, f.logical_id) for f in findings] == [
        ("EcsExec-IAM4", Severity.WARNING, "TaskDef")]
    assert "policy statement units" in findings[0].message


def test_export_named_by_a_parameter() -> None:
    """Export names were resolved before nested-stack links existed: this crashed."""
    t = exec_app()
    t.parameters["Env"] = {"Type": "String"}
    t.export({"Fn::Sub": "${Env}-subnet"}, ref("PrivateSubnet"))
    t.export({"Ref": "Env"}, ref("PrivateSubnet"))
    assert run(t).findings == []


# -- IAM patterns: the same answers as fnmatch, without regexes ------------------------------


def test_glob_match_agrees_with_fnmatch() -> None:
    rng = random.Random(16)
    for _ in range(20_000):
        pattern = "".join(rng.choice("ab*?:") for _ in range(rng.randint(0, 7)))
        text = "".join(rng.choice("ab:") for _ in range(rng.randint(0, 8)))
        expected = re.match(fnmatch.translate(pattern), text, re.DOTALL) is not None
        assert glob_match(pattern, text) is expected, (pattern, text)


def test_glob_match_of_many_stars_is_linear() -> None:
    pattern = "*a" * 200_000 + "b"
    start = time.perf_counter()
    assert glob_match(pattern, "a" * 199_999 + "b") is False
    assert glob_match(pattern, "a" * 200_000 + "b") is True
    assert time.perf_counter() - start < 2.0


# -- odd assembly files: never an internal error ------------------------------------------


def test_odd_asset_manifest_and_nested_stack_properties(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An assets manifest whose ``files`` is a list and a nested stack resource whose
    Properties is a list raised AttributeError (exit 3); both are now simply not links."""
    out_dir = BENCH.assembly(tmp_path, 1)
    (out_dir / "S0.assets.json").write_text(json.dumps({"files": [1, 2]}), "utf-8")
    body = json.loads((out_dir / "S0.template.json").read_text("utf-8"))
    body["Resources"]["Nested"] = {"Type": "AWS::CloudFormation::Stack", "Properties": [1]}
    (out_dir / "S0.template.json").write_text(json.dumps(body), "utf-8")
    code = main(["check", str(out_dir), "--format", "json"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert json.loads(out)["summary"]["templates"] == 1


def test_nested_templates_keep_their_construct_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The one-pass owner lookup gives each nested template its own resources' paths."""
    paths = SHAPES["assembly-nested-metadata"].build(tmp_path)
    from ecs_exec_guard.analysis.loader import load_paths

    inputs = {name: body for name, body, _ in load_paths(paths)}
    assert len(inputs) == 201
    nested = inputs["StackN007.nested.template.json"]["Resources"]
    top = inputs["Stack.template.json"]["Resources"]
    assert top["N007"]["Metadata"]["aws:cdk:path"] == (
        "Stack/N007.NestedStack/N007.NestedStackResource")
    assert nested["Service"]["Metadata"]["aws:cdk:path"] == "Stack/N007/Service"
    assert "Metadata" not in top["Service"]  # the nested services' paths are not the top's
    assert capsys.readouterr().err == ""


def test_directory_search_skips_files_over_the_size_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """In a searched directory an oversized JSON file is skipped, not read: silently when it
    is not a template (a lock file), with a note when it starts like one; templates within
    the limit are checked."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _template_of_size(repo / "small.json", 5_000)
    huge = exec_app().body()
    huge["Description"] = "x" * 30_000
    (repo / "huge.json").write_text(json.dumps(huge, indent=1), "utf-8")  # keys on lines
    (repo / "package-lock.json").write_text(
        json.dumps({"lockfileVersion": 3, "packages": {"x": "y" * 40_000}}), "utf-8")
    code = main(["check", str(repo), "--max-template-bytes", "20000"])
    out, err = capsys.readouterr()
    assert code == 0
    assert "1 template(s)" in out
    assert "huge.json" in err and "--max-template-bytes" in err
    assert "package-lock" not in err
