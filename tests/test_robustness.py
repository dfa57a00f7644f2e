"""``analyze`` never raises: malformed templates, wrong types, odd intrinsics, deep nesting,
cycles, and (with Hypothesis) random mutations of valid templates."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from cfn import JSON, Template, describe, ec2_app, exec_app, of_rule
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecs_exec_guard.analysis import RULES_BY_ID, Report, Severity, analyze

Path = tuple[Any, ...]


def check(templates: Any, require_exec: bool = False, **kwargs: Any) -> Report:
    """Analyze (it must not raise) and check the report is well-formed."""
    report = analyze(templates, require_exec=require_exec, **kwargs)
    for f in report.findings:
        assert f.rule_id in RULES_BY_ID
        assert isinstance(f.message, str) and f.message
        # A rule that writes "Cannot verify:" itself must also mark the finding unverified.
        assert f.unverified == f.message.startswith("Cannot verify:")
        json.dumps(f.to_json())
    json.dumps(report.summary())
    return report


Triple = tuple[str, Severity, str]


def triples(report: Report) -> list[Triple]:
    return sorted((f.rule_id, f.severity, f.logical_id) for f in report.findings)


def base_templates() -> dict[str, dict[str, JSON]]:
    """Valid apps covering every launch kind, EC2 capacity, endpoints and exec logging."""
    def launched(kind: str) -> Template:
        app = exec_app()
        app.remove("Service")
        getattr(app, kind)()
        return app

    logging = exec_app(subnet="isolated")
    logging.add("ExecLogs", "AWS::Logs::LogGroup")
    logging.add("ExecKey", "AWS::KMS::Key", KeyPolicy={"Statement": []})
    logging.props("Cluster")["Configuration"] = {"ExecuteCommandConfiguration": {
        "Logging": "OVERRIDE", "KmsKeyId": {"Fn::GetAtt": ["ExecKey", "Arn"]},
        "LogConfiguration": {"CloudWatchLogGroupName": {"Ref": "ExecLogs"}}}}
    logging.role("OperatorRole", Policies=[{"PolicyName": "ops", "PolicyDocument": {
        "Statement": [{"Effect": "Allow", "Action": ["ssm:StartSession", "ecs:*"],
                       "Resource": "*"}]}}])
    network = Template("Network")
    network.vpc()
    network.subnet("Isolated", "10.0.0.0/24")
    network.export("Net:Subnet", {"Ref": "Isolated"})
    cross = exec_app()
    cross.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]["Subnets"] = [
        {"Fn::ImportValue": "Net:Subnet"}]
    apps = {
        "private": [exec_app()],
        "public": [exec_app(subnet="public")],
        "isolated": [exec_app(subnet="isolated")],
        "ec2 bridge": [ec2_app(network_mode="bridge")],
        "ec2 awsvpc": [ec2_app()],
        "events rule": [launched("events_rule")],
        "schedule": [launched("schedule")],
        "state machine": [launched("state_machine")],
        "logging": [logging],
        "cross-template": [cross, network],
    }
    return {name: {t.name: t.body() for t in ts} for name, ts in apps.items()}


BASES = base_templates()


#: What each base gives: all are compliant but two. The logging base lacks the log and key
#: permissions and a logs/kms endpoint (the fuzzing below needs those code paths too); the
#: cross-template base puts its service in an isolated subnet of another stack, with no endpoint.
BASE_FINDINGS: dict[str, list[Triple]] = {
    "logging": [("EcsExec-IAM3", Severity.ERROR, "TaskRole"),
                ("EcsExec-NET6", Severity.WARNING, "Service")],
    "cross-template": [("EcsExec-NET2", Severity.ERROR, "Service")],
}


@pytest.mark.parametrize("name", sorted(BASES))
def test_base_templates_give_the_known_report(name: str) -> None:
    report = check(BASES[name])
    assert report.launches_checked == 1
    assert triples(report) == BASE_FINDINGS.get(name, [])


# -- malformed templates ---------------------------------------------------------------------

MALFORMED: dict[str, Any] = {
    "empty": {},
    "no resources": {"Outputs": {"X": {"Value": "y"}}},
    "resources a list": {"Resources": [{"Type": "AWS::ECS::Service"}]},
    "resources a string": {"Resources": "AWS::ECS::Service"},
    "resources None": {"Resources": None},
    "resource None": {"Resources": {"S": None}},
    "resource a list": {"Resources": {"S": ["AWS::ECS::Service"]}},
    "type not a string": {"Resources": {"S": {"Type": ["AWS::ECS::Service"]}}},
    "no properties": {"Resources": {"S": {"Type": "AWS::ECS::Service"}}},
    "properties a list": {"Resources": {"S": {"Type": "AWS::ECS::Service", "Properties": []}}},
    "properties a string": {"Resources": {"S": {"Type": "AWS::ECS::Service", "Properties": "x"}}},
    "properties None": {"Resources": {"S": {"Type": "AWS::ECS::Service", "Properties": None}}},
    "non-string keys": {"Resources": {1: {"Type": "AWS::ECS::Service", "Properties": {
        2: True, "EnableExecuteCommand": True}}}},
    "outputs a list": {"Resources": {}, "Outputs": [1, 2]},
    "export name not a string": {"Outputs": {"X": {"Value": 1, "Export": {"Name": [1]}}}},
    "conditions a list": {"Conditions": ["A"], "Resources": {}},
    "body a list": [1, 2, 3],
    "body None": None,
    "body a string": "Resources",
}


#: A service whose properties are missing or not an object does not enable exec.
NO_EXEC_SERVICE = {"no properties", "properties a list", "properties a string", "properties None"}


@pytest.mark.parametrize("name", MALFORMED.keys())
def test_malformed_template(name: str) -> None:
    report = check({"T.template.json": MALFORMED[name]}, require_exec=True)
    assert report.templates == ["T.template.json"]
    assert report.launches_checked == 0
    expected = [("EcsExec-ENB1", Severity.ERROR, "S")] if name in NO_EXEC_SERVICE else []
    assert triples(report) == expected


def test_malformed_next_to_a_valid_template() -> None:
    templates = dict(BASES["private"])
    templates.update({f"Bad{i}.template.json": body for i, body in enumerate(MALFORMED.values())})
    report = check(templates)
    assert report.launches_checked == 1
    assert report.findings == []
    assert len(report.templates) == 1 + len(MALFORMED)


def test_iterable_input_with_paths() -> None:
    body = copy.deepcopy(BASES["private"]["App.template.json"])
    body["Resources"]["TaskDef"]["Properties"]["ContainerDefinitions"][0][
        "ReadonlyRootFilesystem"] = True
    as_dict = analyze({"App.template.json": body})
    report = check([("App.template.json", body, "/nonexistent/App.template.json")])
    assert triples(report) == [("EcsExec-CTR1", Severity.ERROR, "TaskDef")]
    assert (report.findings, report.templates) == (as_dict.findings, as_dict.templates)


# -- wrong types everywhere ------------------------------------------------------------------

WRONG_VALUES: list[Any] = [None, [], {}, [None], [[]], [{}], "", "x", 0, -1, 1.5, True, False,
                           {"a": [1, {"b": None}]}, [1, "two", {"three": []}]]


def paths(value: Any, prefix: Path = ()) -> Iterator[Path]:
    """Every path to a node of a JSON value (the root excluded)."""
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return
    for key, child in items:
        yield (*prefix, key)
        yield from paths(child, (*prefix, key))


def parent_of(root: Any, path: Path) -> Any:
    node = root
    for key in path[:-1]:
        node = node[key]
    return node


def replaced(root: Any, path: Path, value: Any) -> Any:
    out = copy.deepcopy(root)
    parent_of(out, path)[path[-1]] = value
    return out


def rotating(values: list[Any], i: int, count: int) -> list[Any]:
    """``count`` of ``values`` for the i-th path, so that all of them meet many paths."""
    return [values[(i * count + k) % len(values)] for k in range(count)]


def resource_paths(templates: dict[str, JSON]) -> list[Path]:
    """Paths to every node under Resources (at most a few levels down, to keep this fast)."""
    return [p for p in paths(templates) if 2 <= len(p) <= 6 and p[1] == "Resources"]


@pytest.mark.fuzz
@pytest.mark.parametrize("base", ["private", "ec2 bridge", "state machine", "logging"])
def test_every_node_replaced_by_wrong_types(base: str) -> None:
    templates = BASES[base]
    for i, path in enumerate(resource_paths(templates)):
        for value in rotating(WRONG_VALUES, i, 4):
            check(replaced(templates, path, value))


@pytest.mark.fuzz
@pytest.mark.parametrize("base", ["private", "events rule", "schedule", "cross-template"])
def test_every_key_deleted(base: str) -> None:
    templates = BASES[base]
    for path in paths(templates):
        out = copy.deepcopy(templates)
        del parent_of(out, path)[path[-1]]
        check(out)


# -- intrinsics ------------------------------------------------------------------------------

ODD_INTRINSICS: list[Any] = [
    {"Fn::Unknown": 1},
    {"Fn::Cidr": [{"Fn::GetAtt": ["Vpc", "CidrBlock"]}, 6, 8]},
    {"Fn::Length": [1, 2]},
    {"Fn::ToJsonString": {"a": 1}},
    {"Fn::Transform": {"Name": "AWS::Include"}},
    {"Ref": None},
    {"Ref": ["TaskDef"]},
    {"Ref": "NotThere"},
    {"Ref": "AWS::NoValue"},
    {"Fn::GetAtt": 5},
    {"Fn::GetAtt": ["NotThere", "Arn"]},
    {"Fn::GetAtt": ["TaskRole"]},
    {"Fn::GetAtt": ["TaskRole", {"Ref": "AWS::Region"}]},
    {"Fn::GetAtt": "NoDot"},
    {"Fn::Join": "x"},
    {"Fn::Join": ["", "notalist"]},
    {"Fn::Join": ["", [{"a": 1}, None]]},
    {"Fn::Join": [1, ["a"]]},
    {"Fn::Sub": 3},
    {"Fn::Sub": ["${Missing}", {}]},
    {"Fn::Sub": ["${X}", {"X": {"Fn::If": ["C", "a", "b"]}}]},
    {"Fn::Sub": "${TaskRole.Arn}${!Literal}${AWS::Region}${}"},
    {"Fn::Sub": ["a", "not a dict"]},
    {"Fn::Select": ["a", [1]]},
    {"Fn::Select": [5, [1]]},
    {"Fn::Select": [0, {"Fn::GetAZs": ""}]},
    {"Fn::Select": [0, "notalist"]},
    {"Fn::Split": [1, 2]},
    {"Fn::Split": [",", {"Ref": "TaskRole"}]},
    {"Fn::FindInMap": ["M", "a"]},
    {"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "k"]},
    {"Fn::FindInMap": ["Missing", "a", "b"]},
    {"Fn::If": ["NoSuchCondition", 1, 2]},
    {"Fn::If": "C"},
    {"Fn::If": ["C", 1]},
    {"Fn::If": [["C"], 1, 2]},
    {"Fn::Equals": 1},
    {"Fn::Equals": [1, 2, 3]},
    {"Fn::And": []},
    {"Fn::Or": "x"},
    {"Fn::Not": [1, 2]},
    {"Condition": 5},
    {"Condition": "C"},
    {"Fn::ImportValue": {"Fn::ImportValue": "x"}},
    {"Fn::ImportValue": ["x"]},
    {"Fn::ImportValue": "Self"},
    {"Fn::GetStackOutput": {"StackName": 1, "OutputName": 2}},
    {"Fn::GetStackOutput": "x"},
    {"Fn::GetStackOutput": {"OutputName": "Loop"}},
    {"Fn::Base64": None},
    {"Fn::GetAZs": {"Ref": "AWS::Region"}},
    {"Ref": "AWS::Partition", "Extra": 1},
    {"Fn::If": ["C", {"Ref": "AWS::NoValue"}, {"Ref": "AWS::NoValue"}]},
    "{{resolve:ssm:/x}}",
    "{{ref|Other.template.json|Nope}}",
    "{{att|App.template.json|TaskRole}}",
    "${AWS::Region}",
]


def with_scaffolding(templates: dict[str, JSON]) -> dict[str, JSON]:
    """Conditions, mappings and self-referencing outputs for the odd intrinsics to use."""
    out = copy.deepcopy(templates)
    for body in out.values():
        body["Parameters"] = {"Env": {"Type": "String"}}
        body["Conditions"] = {"C": {"Fn::Equals": [{"Ref": "Env"}, "x"]},
                              "Loop": {"Condition": "Loop"},
                              "Ping": {"Fn::Not": [{"Condition": "Pong"}]},
                              "Pong": {"Fn::Not": [{"Condition": "Ping"}]}}
        body["Mappings"] = {"M": {"a": {"k": "v"}}}
        body["Outputs"] = {"Self": {"Value": {"Fn::ImportValue": "Self"},
                                    "Export": {"Name": "Self"}},
                           "Loop": {"Value": {"Fn::GetStackOutput": {"OutputName": "Loop"}}}}
    return out


@pytest.mark.fuzz
@pytest.mark.parametrize("base", ["private", "isolated", "ec2 awsvpc", "state machine"])
def test_odd_intrinsics_everywhere(base: str) -> None:
    templates = with_scaffolding(BASES[base])
    targets = [p for p in resource_paths(templates) if len(p) >= 4]
    for i, path in enumerate(targets):
        for value in rotating(ODD_INTRINSICS, i, 3):
            check(replaced(templates, path, value))


def wrap_every_value(value: Any, wrap: Any, depth: int = 0) -> Any:
    """Every value below the Properties wrapped by ``wrap``."""
    inner: Any = value
    if isinstance(value, dict):
        inner = {k: wrap_every_value(v, wrap, depth + 1) for k, v in value.items()}
    elif isinstance(value, list):
        inner = [wrap_every_value(v, wrap, depth + 1) for v in value]
    return wrap(inner) if depth > 0 else inner


WRAPS = {
    "if-novalue": lambda v: {"Fn::If": ["C", v, {"Ref": "AWS::NoValue"}]},
    "if-same": lambda v: {"Fn::If": ["C", v, v]},
    "novalue-if": lambda v: {"Fn::If": ["C", {"Ref": "AWS::NoValue"}, v]},
}


def wrapped_everywhere(base: str, wrap: Any) -> dict[str, JSON]:
    templates = with_scaffolding(BASES[base])
    for body in templates.values():
        for res in body["Resources"].values():
            res["Properties"] = wrap_every_value(res.get("Properties", {}), wrap)
    return templates


@pytest.mark.parametrize("wrap", WRAPS.keys())
@pytest.mark.parametrize("base", sorted(BASES))
def test_fn_if_everywhere_is_never_a_silent_pass(base: str, wrap: str) -> None:
    """Every value behind a deploy-time Fn::If: exec may be on, and nothing can be verified.

    The launch is still found and checked, and each finding is a cannot-verify warning.
    """
    report = check(wrapped_everywhere(base, WRAPS[wrap]))
    assert report.launches_checked == 1, describe(report)
    assert report.findings, "an unresolvable app must not pass silently"
    assert all(f.unverified for f in report.findings), describe(report)


@pytest.mark.parametrize("base", sorted(BASES))
def test_none_everywhere_enables_no_exec(base: str) -> None:
    report = check(wrapped_everywhere(base, lambda v: None))
    assert (report.launches_checked, report.findings) == (0, [])


def test_fn_if_everywhere_is_checked_per_branch() -> None:
    """Every property behind Fn::If on C: C true is the app, C false an app without exec."""
    templates = with_scaffolding(BASES["private"])
    resources = templates["App.template.json"]["Resources"]
    resources["TaskDef"]["Properties"]["ContainerDefinitions"][0]["ReadonlyRootFilesystem"] = True
    for res in resources.values():
        res["Properties"] = {k: {"Fn::If": ["C", v, {"Ref": "AWS::NoValue"}]}
                             for k, v in res.get("Properties", {}).items()}
    report = check(templates)
    assert triples(report) == [("EcsExec-CTR1", Severity.WARNING, "TaskDef")]
    assert report.findings[0].unverified
    assert "when C is true, Container(s) app of TaskDef" in report.findings[0].message


# -- deep nesting and cycles -----------------------------------------------------------------


def deep(levels: int, leaf: Any) -> Any:
    value = leaf
    for i in range(levels):
        value = {"a": [value]} if i % 2 else [value]
    return value


#: A state machine whose definition is behind a deploy-time Fn::If: nothing can be verified.
UNREADABLE_STATE_MACHINE = [("EcsExec-IAM4", Severity.WARNING, "StateMachine"),
                            ("EcsExec-NET7", Severity.WARNING, "StateMachine"),
                            ("EcsExec-PLT1", Severity.WARNING, "StateMachine")]


@pytest.mark.parametrize("levels", [100, 3000])
def test_deeply_nested_values(levels: int) -> None:
    templates = copy.deepcopy(BASES["state machine"])
    resources = templates["App.template.json"]["Resources"]
    resources["TaskDef"]["Properties"]["ContainerDefinitions"][0]["Environment"] = deep(
        levels, {"Name": "AWS_ACCESS_KEY_ID"})
    resources["TaskSg"]["Properties"]["SecurityGroupEgress"] = deep(levels, {"Fn::If": "C"})
    sm = resources["StateMachine"]["Properties"]
    sm["DefinitionString"] = {"Fn::If": ["C", deep(levels, "runTask"), "EnableExecuteCommand"]}
    assert triples(check(templates)) == UNREADABLE_STATE_MACHINE


@pytest.mark.parametrize("levels", [50, 400])
def test_deeply_nested_task_definition_in_a_state_machine(levels: int) -> None:
    templates = copy.deepcopy(BASES["state machine"])
    sm = templates["App.template.json"]["Resources"]["StateMachine"]["Properties"]
    sm["DefinitionString"] = json.dumps({"StartAt": "R", "States": {"R": {
        "Type": "Task", "Resource": "arn:aws:states:::ecs:runTask",
        "Parameters": {"EnableExecuteCommand": True, "TaskDefinition": deep(levels, "x")}}}})
    report = check(templates)
    assert report.launches_checked == 1
    # No launch type in the state: EC2 capacity, whose instances are not in the input.
    assert triples(report) == [("EcsExec-IAM4", Severity.WARNING, "StateMachine"),
                               ("EcsExec-NET7", Severity.WARNING, "StateMachine"),
                               ("EcsExec-PLT2", Severity.WARNING, "StateMachine")]
    assert "is not in the input" in of_rule(report, "EcsExec-IAM4")[0].message


def test_state_machine_definition_nested_too_deeply_for_json() -> None:
    """5,000 brackets: not valid JSON to Python (RecursionError); it mentions no exec."""
    templates = copy.deepcopy(BASES["state machine"])
    sm = templates["App.template.json"]["Resources"]["StateMachine"]["Properties"]
    sm["DefinitionString"] = "[" * 5000
    report = check(templates)
    assert (report.launches_checked, report.findings) == (0, [])


def test_deeply_nested_intrinsics() -> None:
    value: Any = {"Ref": "TaskRole"}
    for i in range(2000):
        value = {"Fn::Select": [0, [value]]} if i % 2 else {"Fn::Join": ["", [value]]}
    templates = copy.deepcopy(BASES["private"])
    templates["App.template.json"]["Resources"]["TaskDef"]["Properties"]["TaskRoleArn"] = value
    report = check(templates)
    assert triples(report) == [("EcsExec-IAM4", Severity.WARNING, "TaskDef")]
    assert "nested too deeply" in report.findings[0].message


def test_long_chain_of_imports() -> None:
    templates = copy.deepcopy(BASES["private"])
    body = templates["App.template.json"]
    body["Outputs"] = {f"O{i}": {"Value": {"Fn::ImportValue": f"X{i + 1}"},
                                 "Export": {"Name": f"X{i}"}} for i in range(3000)}
    body["Resources"]["TaskDef"]["Properties"]["TaskRoleArn"] = {"Fn::ImportValue": "X0"}
    report = check(templates)
    assert triples(report) == [("EcsExec-IAM4", Severity.WARNING, "TaskDef")]
    assert "nested too deeply" in report.findings[0].message


def test_imports_in_a_cycle_across_templates() -> None:
    templates = copy.deepcopy(BASES["cross-template"])
    templates["Network.template.json"]["Outputs"]["Export0"]["Value"] = {
        "Fn::ImportValue": "App:Back"}
    templates["App.template.json"]["Outputs"] = {"Back": {
        "Value": {"Fn::ImportValue": "Net:Subnet"}, "Export": {"Name": "App:Back"}}}
    report = check(templates)
    assert triples(report) == [("EcsExec-NET7", Severity.WARNING, "Service")]
    assert "Fn::ImportValue Net:Subnet refers to itself" in report.findings[0].message


@pytest.mark.parametrize(
    ("logical_id", "findings"),
    [
        # The endpoint admits the VPC's CIDR: unknown, so whether it admits the tasks is too.
        ("Vpc", [("EcsExec-NET7", Severity.WARNING, "Service")]),
        ("IsolatedSubnet", [("EcsExec-NET7", Severity.WARNING, "Service")]),
        # The tasks are not in that subnet: its CIDR does not matter.
        ("PrivateSubnet", []),
    ],
)
def test_cidr_block_that_refers_to_itself(logical_id: str, findings: list[Triple]) -> None:
    templates = copy.deepcopy(BASES["isolated"])
    props = templates["App.template.json"]["Resources"][logical_id]["Properties"]
    props["CidrBlock"] = {"Fn::GetAtt": [logical_id, "CidrBlock"]}
    report = check(templates)
    assert triples(report) == findings


def test_nested_stack_parameters_and_outputs_in_a_cycle() -> None:
    parent = {"Resources": {"Child": {
        "Type": "AWS::CloudFormation::Stack",
        "Metadata": {"aws:asset:path": "Child.nested.template.json"},
        "Properties": {"Parameters": {"P": {"Fn::GetAtt": ["Child", "Outputs.O"]}}}}}}
    child = copy.deepcopy(BASES["private"]["App.template.json"])
    child["Parameters"] = {"P": {"Type": "String"}}
    child["Outputs"] = {"O": {"Value": {"Ref": "P"}}}
    child["Resources"]["TaskDef"]["Properties"]["TaskRoleArn"] = {"Ref": "P"}
    report = check({"Parent.template.json": parent, "Child.nested.template.json": child})
    assert triples(report) == [("EcsExec-IAM4", Severity.WARNING, "TaskDef")]
    assert report.findings[0].template == "Child.nested.template.json"


# -- Hypothesis: random mutations of valid templates -----------------------------------------

LOGICAL_IDS = sorted({lid for ts in BASES.values() for body in ts.values()
                      for lid in body["Resources"]})
scalars = (st.none() | st.booleans() | st.integers(-2, 70000)
           | st.floats(allow_nan=False, allow_infinity=False)
           | st.sampled_from(["", "true", "false", "ENABLED", "DISABLED", "awsvpc", "none",
                              "task", "*", "0.0.0.0/0", "tcp", "-1", "LATEST", "1.3.0",
                              "ssmmessages:*", "Allow", "Deny", "OVERRIDE", "FARGATE", "EC2",
                              "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
                              "${AWS::Region}", "{{ref|App.template.json|TaskRole}}"])
           | st.text(max_size=12))
ref_targets = st.sampled_from(LOGICAL_IDS) | st.sampled_from(
    ["AWS::Region", "AWS::Partition", "AWS::NoValue", "AWS::AccountId", "Env", "Missing"])


def intrinsics(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.builds(lambda r: {"Ref": r}, ref_targets),
        st.builds(lambda r, a: {"Fn::GetAtt": [r, a]}, ref_targets,
                  st.sampled_from(["Arn", "GroupId", "CidrBlock", "Outputs.X", "Nope"])),
        st.builds(lambda c, a, b: {"Fn::If": [c, a, b]}, st.sampled_from(["C", "Nope"]),
                  children, children),
        st.builds(lambda s, parts: {"Fn::Join": [s, parts]}, st.sampled_from(["", ",", ":"]),
                  st.lists(children, max_size=3)),
        st.builds(lambda t: {"Fn::Sub": t}, st.sampled_from(
            ["${TaskRole}", "arn:${AWS::Partition}:ecs:*:*:task/*", "${Vpc.CidrBlock}", "${"])),
        st.builds(lambda n: {"Fn::ImportValue": n}, st.sampled_from(["Net:Subnet", "Nope"])
                  | children),
        st.builds(lambda i, xs: {"Fn::Select": [i, xs]}, children, children),
        st.builds(lambda k, v: {k: v}, st.sampled_from(
            ["Fn::Split", "Fn::FindInMap", "Fn::Equals", "Fn::Not", "Fn::Base64", "Fn::Bogus",
             "Condition", "Fn::GetStackOutput"]), children),
    )


json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(["Type", "Properties", "Effect", "Action", "Resource",
                                         "Name", "Value", "Subnets", "x"]) | st.text(max_size=6),
                        children, max_size=4),
        intrinsics(children),
    ),
    max_leaves=12,
)


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, JSON]:
    templates = copy.deepcopy(BASES[draw(st.sampled_from(sorted(BASES)))])
    for _ in range(draw(st.integers(1, 6))):
        candidates = list(paths(templates))
        if not candidates:
            break
        path = draw(st.sampled_from(candidates))
        parent = parent_of(templates, path)
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(json_values)
    return templates


@pytest.mark.fuzz
@settings(max_examples=200, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(templates=mutated(), require_exec=st.booleans())
def test_mutated_templates_never_raise(templates: dict[str, JSON], require_exec: bool) -> None:
    check(templates, require_exec=require_exec)
