"""Whole template sections, generated (issue 10, item 1): Parameters with and without defaults,
Conditions, Mappings, Outputs whose values and export names use every intrinsic, nested stacks
(CloudFormation and SAM, linked by asset metadata, local paths or not at all), and parameter
values given or not. Neither ``analyze`` nor the CLI may raise on any of it: exit code 3 must be
unreachable from any JSON or YAML mapping.

Hypothesis is derandomized (the same examples every run) and kept to a few seconds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_robustness import BASES, check

from ecs_exec_guard.cli import main

PARAMS = ["Env", "Subnets", "Ami", "Count", "Url"]
CONDITIONS = ["IsProd", "NotProd", "HasUrl", "Loop"]
TEMPLATE_NAMES = ["App.template.json", "Net.yaml", "nested/Child.yaml"]
RESOURCE_IDS = sorted({lid for ts in BASES.values() for body in ts.values()
                       for lid in body["Resources"]} | {"Child", "Sam"})
PSEUDO = ["AWS::Region", "AWS::Partition", "AWS::AccountId", "AWS::StackName", "AWS::NoValue",
          "AWS::URLSuffix", "AWS::StackId", "AWS::NotificationARNs"]

names = st.sampled_from(PARAMS + RESOURCE_IDS + PSEUDO + ["Missing"])
texts = st.sampled_from(["", "prod", "a,b", "x-${Env}", "${AWS::StackName}-Vpc", "${Env}-cluster",
                         "arn:aws:ecs:eu-west-1:1:task-definition/taskdef:2", "taskdef",
                         "nested/Child.yaml", "./Net.yaml", "https://s3.amazonaws.com/b/t",
                         "{{ref|App.template.json|TaskRole}}", "subnet-1,subnet-2", "1.3.0"])
leaves = st.none() | st.booleans() | st.integers(-1, 3) | texts


def intrinsic(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Every intrinsic function, with plausible and implausible arguments."""
    return st.one_of(
        st.builds(lambda n: {"Ref": n}, names),
        st.builds(lambda r, a: {"Fn::GetAtt": [r, a]}, names,
                  st.sampled_from(["Arn", "GroupId", "Outputs.Out0", "Outputs.Missing", "Id"])),
        st.builds(lambda r: {"Fn::GetAtt": r}, st.sampled_from(["Child.Outputs.Out1", "Vpc"])),
        st.builds(lambda t: {"Fn::Sub": t}, texts),
        st.builds(lambda t, v: {"Fn::Sub": [t, {"Env": v}]}, texts, children),
        st.builds(lambda s, xs: {"Fn::Join": [s, xs]}, st.sampled_from(["", ",", "-"]),
                  st.lists(children, max_size=3)),
        st.builds(lambda i, xs: {"Fn::Select": [i, xs]}, children, children),
        st.builds(lambda s, x: {"Fn::Split": [s, x]}, st.sampled_from([",", "", "|"]), children),
        st.builds(lambda c, a, b: {"Fn::If": [c, a, b]}, st.sampled_from([*CONDITIONS, "No"]),
                  children, children),
        st.builds(lambda a, b: {"Fn::Equals": [a, b]}, children, children),
        st.builds(lambda xs: {"Fn::And": xs}, st.lists(children, max_size=3)),
        st.builds(lambda xs: {"Fn::Or": xs}, st.lists(children, max_size=3)),
        st.builds(lambda x: {"Fn::Not": [x]}, children),
        st.builds(lambda c: {"Condition": c}, st.sampled_from([*CONDITIONS, "No"])),
        st.builds(lambda a, b: {"Fn::FindInMap": ["M", a, b]}, children, children),
        st.builds(lambda n: {"Fn::ImportValue": n}, children),
        st.builds(lambda x: {"Fn::Base64": x}, children),
        st.builds(lambda x: {"Fn::GetAZs": x}, children),
        st.builds(lambda x: {"Fn::Cidr": [x, 2, 8]}, children),
        st.builds(lambda s, o: {"Fn::GetStackOutput": {"StackName": s, "OutputName": o}},
                  children, st.sampled_from(["Out0", "Out1", "Missing"])),
        st.builds(lambda x: {"Fn::Length": x}, children),
        st.builds(lambda x: {"Fn::ToJsonString": x}, children),
        st.builds(lambda x: {"Fn::Transform": {"Name": "AWS::Include", "Parameters": x}},
                  children),
    )


values = st.recursive(leaves, lambda c: st.one_of(intrinsic(c), st.lists(c, max_size=3),
                                                  st.dictionaries(texts, c, max_size=2)),
                      max_leaves=8)

# Names built from parameters: the commonest multi-stack shape (and the crash of issue 10).
param_refs = st.sampled_from([*PARAMS, "AWS::StackName"])
from_parameters = st.one_of(
    st.builds(lambda p: {"Ref": p}, param_refs),
    st.builds(lambda p: {"Fn::Sub": f"${{{p}}}-cluster"}, param_refs),
    st.builds(lambda p: {"Fn::Sub": ["${X}-vpc", {"X": {"Ref": p}}]}, param_refs),
    st.builds(lambda p: {"Fn::Join": ["-", [{"Ref": p}, "subnets"]]}, param_refs),
    st.builds(lambda p: {"Fn::FindInMap": ["M", {"Ref": p}, "a"]}, param_refs),
    st.builds(lambda p: {"Fn::Select": [0, {"Fn::Split": [",", {"Ref": p}]}]}, param_refs),
    st.builds(lambda p: {"Fn::ImportValue": {"Fn::Sub": f"${{{p}}}-cluster"}}, param_refs),
    st.builds(lambda c, p: {"Fn::If": [c, {"Ref": p}, "fixed"]}, st.sampled_from(CONDITIONS),
              param_refs),
)
values = values | from_parameters

parameter = st.fixed_dictionaries(
    {"Type": st.sampled_from(["String", "Number", "CommaDelimitedList",
                              "List<AWS::EC2::Subnet::Id>", "AWS::EC2::VPC::Id",
                              "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>", "Bogus"])},
    optional={"Default": leaves, "AllowedValues": st.lists(leaves, max_size=2)},
)
parameters = st.dictionaries(st.sampled_from(PARAMS), parameter | leaves, min_size=1, max_size=5)
conditions = st.dictionaries(st.sampled_from(CONDITIONS), values, max_size=4)
mappings = st.just({"M": {"prod": {"a": "v", "Subnets": ["subnet-1"]}}}) | st.dictionaries(
    texts, values, max_size=2)


def output(value: Any, export: Any, condition: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"Value": value}
    if export is not None:
        out["Export"] = {"Name": export}
    if condition is not None:
        out["Condition"] = condition
    return out


outputs = st.dictionaries(
    st.sampled_from(["Out0", "Out1", "Out2"]),
    st.builds(output, values, st.none() | from_parameters | values,
              st.none() | st.sampled_from(CONDITIONS))
    | leaves,
    min_size=1,
    max_size=3,
)


@st.composite
def nested_stack(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["AWS::CloudFormation::Stack", "AWS::Serverless::Application"]))
    key = "TemplateURL" if kind == "AWS::CloudFormation::Stack" else "Location"
    res: dict[str, Any] = {"Type": kind, "Properties": {
        key: draw(texts | values),
        "Parameters": draw(st.dictionaries(st.sampled_from(PARAMS), values, max_size=3)
                           | values)}}
    if draw(st.booleans()):
        res["Metadata"] = {"aws:asset:path": draw(st.sampled_from(TEMPLATE_NAMES) | values)}
    if draw(st.booleans()):
        res["Condition"] = draw(st.sampled_from([*CONDITIONS, "No"]))
    return res


@st.composite
def template(draw: st.DrawFn) -> dict[str, Any]:
    base = draw(st.sampled_from(sorted(BASES)))
    bodies = list(BASES[base].values())
    resources = json.loads(json.dumps(draw(st.sampled_from(bodies))["Resources"]))
    for logical_id in draw(st.lists(st.sampled_from(sorted(resources)), max_size=3)):
        props = resources[logical_id].setdefault("Properties", {})
        if isinstance(props, dict) and props:
            props[draw(st.sampled_from(sorted(props)))] = draw(values)
    for logical_id in ("Child", "Sam"):
        if draw(st.booleans()):
            resources[logical_id] = draw(nested_stack())
    body: dict[str, Any] = {"Resources": resources}
    for section, strategy in (("Parameters", parameters), ("Conditions", conditions),
                              ("Mappings", mappings), ("Outputs", outputs)):
        if draw(st.integers(0, 3)):  # three times in four
            body[section] = draw(strategy)
    return body


supplied = st.dictionaries(st.sampled_from([*PARAMS, "AWS::StackName"]),
                           st.sampled_from(["prod", "a,b", "1", "", "Net-Vpc"]), max_size=3)
apps = st.lists(template(), min_size=1, max_size=3)


@settings(max_examples=100, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(bodies=apps, common=supplied, per=supplied, require_exec=st.booleans())
def test_generated_sections_never_raise(
    bodies: list[dict[str, Any]], common: dict[str, str], per: dict[str, str],
    require_exec: bool,
) -> None:
    templates = dict(zip(TEMPLATE_NAMES, bodies, strict=False))
    check(templates, require_exec=require_exec)
    check(templates, parameters=common, template_parameters={TEMPLATE_NAMES[0]: per})


def _write(directory: Path, name: str, body: dict[str, Any], as_yaml: bool) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(body) if as_yaml else json.dumps(body)
    path.write_text(text, "utf-8")
    return path


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sections")


odd_args = st.lists(
    st.tuples(st.sampled_from(["-p", "--parameters"]),
              st.text(alphabet=st.sampled_from("=:/.aE\x00,"), max_size=8)),
    max_size=2,
)


@settings(max_examples=20, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(bodies=apps, as_yaml=st.booleans(), values_=supplied, directory=st.booleans(),
       fmt=st.sampled_from(["text", "json", "sarif"]), odd=odd_args)
def test_the_cli_never_exits_3(
    workdir: Path, bodies: list[dict[str, Any]], as_yaml: bool, values_: dict[str, str],
    directory: bool, fmt: str, odd: list[tuple[str, str]], capsys: pytest.CaptureFixture[str],
) -> None:
    run_dir = workdir / f"run{len(list(workdir.iterdir()))}"
    paths = [_write(run_dir, name, body, as_yaml)
             for name, body in zip(TEMPLATE_NAMES, bodies, strict=False)]
    argv = ["check", *(map(str, paths) if not directory else [str(run_dir)]), "--format", fmt]
    declared = {k for body in bodies for k in (body.get("Parameters") or {})
                if isinstance(body.get("Parameters"), dict)}
    for key, value in values_.items():
        if key in declared or key == "AWS::StackName":
            argv += ["-p", f"{key}={value}"]
    for option, value in odd:
        argv += [option, value]
    code = main(argv)
    _, err = capsys.readouterr()
    assert code in (0, 1, 2), err
    assert "internal error" not in err and "Traceback" not in err
