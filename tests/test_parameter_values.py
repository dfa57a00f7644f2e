"""The parameter-value functions behind ``--parameters FILE`` and ``-p [TEMPLATE:]KEY=VALUE``,
on their own: what a parameter file gives, how an assignment splits, which template a selector
names, and the one-line ParameterError for each way an input is wrong.

The file forms are the CloudFormation CLI's list (``aws cloudformation create-stack --parameters
file://...``: ParameterKey / ParameterValue / UsePreviousValue) and the template-configuration
file of CodePipeline and Copilot (``{"Parameters": {...}, "Tags": {...}}``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ecs_exec_guard.analysis.parameters import (
    ParameterError,
    parse_parameter_text,
    read_parameter_file,
    resolve_parameters,
    select_template,
    split_assignment,
)


def error(call: Any, *args: Any) -> str:
    with pytest.raises(ParameterError) as err:
        call(*args)
    return str(err.value)


# -- parameter files ------------------------------------------------------------------------


LIST_FORM = [
    {"ParameterKey": "Name", "ParameterValue": "web"},
    {"ParameterKey": "Kept", "UsePreviousValue": True},  # the deployed value: unknown
    {"ParameterKey": "On", "ParameterValue": True},
    {"ParameterKey": "Off", "ParameterValue": False},
    {"ParameterKey": "Count", "ParameterValue": 5},
    {"ParameterKey": "Big", "ParameterValue": 1e5},  # JSON reads a number, YAML "1e5"
    {"ParameterKey": "Subnets", "ParameterValue": ["subnet-a", 1, True, False, 1.5]},
    {"ParameterKey": "Given", "ParameterValue": "new", "UsePreviousValue": True},
    {"ParameterKey": "Previous", "ParameterValue": "old", "UsePreviousValue": False},
]
LIST_VALUES = {"Name": "web", "On": "true", "Off": "false", "Count": "5", "Big": "100000.0",
               "Subnets": "subnet-a,1,true,false,1.5", "Given": "new", "Previous": "old"}


def test_the_list_form_in_json() -> None:
    # json.dumps writes 1e5 as 100000.0; "1e5" as written by hand is a number in JSON only.
    text = json.dumps(LIST_FORM).replace("100000.0", "1e5")
    assert "1e5" in text
    assert parse_parameter_text(text, "p.json") == LIST_VALUES
    # Leading blank lines or spaces: still JSON.
    assert parse_parameter_text("\n  " + text, "p.json") == LIST_VALUES


def test_the_configuration_form_in_json_and_yaml() -> None:
    config = {"Parameters": {"Name": "web", "On": True, "Big": 1e5, "Subnets": ["a", "b"]},
              "Tags": {"team": "x"}}
    expected = {"Name": "web", "On": "true", "Big": "100000.0", "Subnets": "a,b"}
    text = json.dumps(config).replace("100000.0", "1e5")
    assert parse_parameter_text(text, "p.json") == expected
    text = "Parameters:\n  Name: web\n  Enabled: true\n  Big: 1e5\n  7: 8\n  Subnets: [a, b]\n"
    assert parse_parameter_text(text, "p.yaml") == {
        "Name": "web", "Enabled": "true", "Big": "1e5", "7": "8", "Subnets": "a,b"}


def test_the_list_form_in_yaml() -> None:
    text = ("- ParameterKey: Name\n  ParameterValue: web\n"
            "- ParameterKey: Enabled\n  ParameterValue: no\n")
    assert parse_parameter_text(text, "p.yaml") == {"Name": "web", "Enabled": "false"}


@pytest.mark.parametrize(("text", "message"), [
    ('[{"ParameterKey": ', "not a parameter file (invalid JSON or YAML)"),
    ("a: [b\n", "not a parameter file (invalid JSON or YAML)"),
    ("[" * 100_000, "not a parameter file (invalid JSON or YAML)"),
    ('[{"ParameterKey": "A", "ParameterValue": "x"}, {"ParameterValue": "y"}]',
     'entry 2 has no ParameterKey (expected [{"ParameterKey": ..., "ParameterValue": ...}])'),
    ('["A"]',
     'entry 1 has no ParameterKey (expected [{"ParameterKey": ..., "ParameterValue": ...}])'),
    ('[{"ParameterKey": 5, "ParameterValue": "x"}]',
     'entry 1 has no ParameterKey (expected [{"ParameterKey": ..., "ParameterValue": ...}])'),
    ('[{"ParameterKey": "A"}]', "A has no ParameterValue"),
    ('[{"ParameterKey": "A", "UsePreviousValue": "true"}]', "A has no ParameterValue"),
    ('[{"ParameterKey": "A", "ParameterValue": {"x": 1}}]', "the value of A is not a string"),
    ('[{"ParameterKey": "A", "ParameterValue": null}]', "the value of A is not a string"),
    ('[{"ParameterKey": "A", "ParameterValue": ["x", ["y"]]}]',
     "the value of A is not a string"),
    ('{"Parameters": {"B": {"x": 1}}}', "the value of B is not a string"),
    ('{"Parameters": {"B": ["x", null]}}', "the value of B is not a string"),
    ('"just text"', 'not a parameter file (expected a list of ParameterKey/ParameterValue '
     'entries or {"Parameters": {...}})'),
    ('{"Parameters": ["A=1"]}', 'not a parameter file (expected a list of ParameterKey/'
     'ParameterValue entries or {"Parameters": {...}})'),
    ("", 'not a parameter file (expected a list of ParameterKey/ParameterValue entries or '
     '{"Parameters": {...}})'),
], ids=["cut json", "bad yaml", "too deep", "no key", "not an entry", "key not text",
        "no value", "previous not true", "mapping value", "null value", "nested list",
        "mapping in configuration", "null in a list", "a string", "parameters a list",
        "empty"])
def test_what_is_not_a_parameter_file_says_why(text: str, message: str) -> None:
    assert error(parse_parameter_text, text, "p.json") == f"p.json: {message}"


def test_reading_a_parameter_file(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(LIST_FORM), encoding="utf-8")
    assert read_parameter_file(path) == LIST_VALUES
    path.write_bytes(b"\xff\xfe[]")
    assert error(read_parameter_file, path) == f"{path}: not a text file"
    assert error(read_parameter_file, tmp_path / "absent.json") == (
        f"{tmp_path / 'absent.json'}: cannot read: No such file or directory")
    assert error(read_parameter_file, tmp_path) == f"{tmp_path}: cannot read: Is a directory"
    assert error(read_parameter_file, Path("a\x00b")) == (
        "'a\\x00b': not a usable path (embedded null byte)")
    path.write_text('{"Parameters": []}', encoding="utf-8")
    assert error(read_parameter_file, path) == (
        f'{path}: not a parameter file (expected a list of ParameterKey/ParameterValue '
        'entries or {"Parameters": {...}})')


# -- -p assignments -------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "parts"), [
    ("Env=prod", (None, "Env", "prod")),
    ("Env=", (None, "Env", "")),
    ("Env=a=b", (None, "Env", "a=b")),
    ("Env_2=x", (None, "Env_2", "x")),
    ("svc.yaml:Env=prod", ("svc.yaml", "Env", "prod")),
    ("c:/app/svc.yaml:Env=prod", ("c:/app/svc.yaml", "Env", "prod")),
    ("AWS::StackName=demo", (None, "AWS::StackName", "demo")),
    ("env.yml:AWS::StackName=demo-test", ("env.yml", "AWS::StackName", "demo-test")),
    ("env.yml::AWS::StackName=x", ("env.yml", "AWS::StackName", "x")),
    ("appX:AWS::StackName=x", ("appX", "AWS::StackName", "x")),
])
def test_an_assignment_splits_into_selector_key_and_value(
    text: str, parts: tuple[str | None, str, str]
) -> None:
    assert split_assignment(text) == parts


@pytest.mark.parametrize(("text", "message"), [
    ("Env", "-p Env: expected KEY=VALUE or TEMPLATE:KEY=VALUE"),
    ("=prod", "-p =prod: expected KEY=VALUE or TEMPLATE:KEY=VALUE"),
    ("svc.yaml:=x", "-p svc.yaml:=x: the key is not a parameter name"),
    ("svc.yaml:Env-2=x", "-p svc.yaml:Env-2=x: Env-2 is not a parameter name"),
    ("App Name=x", "-p App Name=x: App Name is not a parameter name"),
    ("_=x", "-p _=x: _ is not a parameter name"),
])
def test_a_bad_assignment_says_why(text: str, message: str) -> None:
    assert error(split_assignment, text) == message


# -- which template a selector names ----------------------------------------------------------


def inputs(tmp_path: Path) -> list[tuple[str, Any, str | None]]:
    return [
        ("deep/er/app.template.json", {}, str(tmp_path / "deep" / "er" / "app.template.json")),
        ("other/svc.yaml", {}, str(tmp_path / "other" / "svc.yaml")),
        ("inline", {}, None),
    ]


@pytest.mark.parametrize(("selector", "name"), [
    ("deep/er/app.template.json", "deep/er/app.template.json"),  # its name
    ("./deep/er/app.template.json", "deep/er/app.template.json"),
    ("app.template.json", "deep/er/app.template.json"),  # its file name
    ("app", "deep/er/app.template.json"),  # its stem
    ("svc.yaml", "other/svc.yaml"),
    ("svc", "other/svc.yaml"),
    ("inline", "inline"),
])
def test_a_selector_names_a_template_by_name_file_name_or_stem(
    tmp_path: Path, selector: str, name: str
) -> None:
    assert select_template(selector, inputs(tmp_path), "-p x") == name


def test_a_selector_names_a_template_by_its_path(tmp_path: Path) -> None:
    given = inputs(tmp_path)
    assert select_template(str(tmp_path / "other" / "svc.yaml"), given, "-p x") == "other/svc.yaml"
    assert select_template(str(tmp_path / "other" / ".." / "other" / "svc.yaml"), given,
                           "-p x") == "other/svc.yaml"


@pytest.mark.parametrize("selector", [
    "er/app.template.json",  # not a whole name, file name or stem
    "app.template", "deep", "nothing", "a\x00b", ".",
])
def test_a_selector_that_names_nothing(tmp_path: Path, selector: str) -> None:
    assert error(select_template, selector, inputs(tmp_path), "-p x") == (
        f"-p x: no input template is {selector}")


def test_a_selector_that_names_several_templates(tmp_path: Path) -> None:
    given = [("a/app.yaml", {}, None), ("b/app.yaml", {}, None), ("c/app.yaml", {}, None)]
    assert error(select_template, "app.yaml", given, "--parameters app.yaml:p.json") == (
        "--parameters app.yaml:p.json: app.yaml names 3 templates; give its path")
    assert error(select_template, "app", given[:2], "-p app:X=1") == (
        "-p app:X=1: app names 2 templates; give its path")


# -- the CLI options together -------------------------------------------------------------------


def app_inputs(tmp_path: Path) -> list[tuple[str, Any, str | None]]:
    def declares(*names: str) -> dict[str, Any]:
        return {"Parameters": {n: {"Type": "String"} for n in names}, "Resources": {}}

    return [
        ("env.yml", declares("AppName", "EnvName"), str(tmp_path / "env.yml")),
        ("svc.yml", declares("AppName", "Image"), str(tmp_path / "svc.yml")),
        ("bare.json", {"Parameters": ["not", "a", "mapping"], "Resources": {}}, None),
        ("odd.json", ["not a template"], None),
    ]


def parameter_file(path: Path, values: dict[str, Any]) -> str:
    path.write_text(json.dumps({"Parameters": values}), encoding="utf-8")
    return str(path)


def test_files_then_assignments_the_later_value_wins(tmp_path: Path) -> None:
    common = parameter_file(tmp_path / "common.json", {"AppName": "demo", "EnvName": "test"})
    for_svc = parameter_file(tmp_path / "svc.json", {"Image": "nginx", "AppName": "svcapp"})
    # A file whose name has a colon is that file, not TEMPLATE:FILE.
    colon = parameter_file(tmp_path / "x:late.json", {"EnvName": "staging", "Extra": "1"})
    files = [common, f"svc:{for_svc}", colon, f"svc:{colon}"]
    assignments = ["EnvName=prod", "svc:Image=httpd", "env.yml:AWS::StackName=demo-test",
                   "AWS::StackName=all", "svc.yml:AppName=web"]
    assert resolve_parameters(files, assignments, app_inputs(tmp_path)) == (
        {"AppName": "demo", "EnvName": "prod", "Extra": "1", "AWS::StackName": "all"},
        {"svc.yml": {"Image": "httpd", "AppName": "web", "EnvName": "staging", "Extra": "1"},
         "env.yml": {"AWS::StackName": "demo-test"}},
    )
    assert resolve_parameters([], [], app_inputs(tmp_path)) == ({}, {})


def test_what_the_cli_options_cannot_use(tmp_path: Path) -> None:
    given = app_inputs(tmp_path)
    values = parameter_file(tmp_path / "p.json", {"AppName": "demo"})
    assert error(resolve_parameters, [], ["Nope=1"], given) == (
        "-p Nope=1: no input template declares parameter Nope")
    assert error(resolve_parameters, [], ["env:Image=1"], given) == (
        "-p env:Image=1: env.yml declares no parameter Image")
    assert error(resolve_parameters, [], ["bare:AppName=1"], given) == (
        "-p bare:AppName=1: bare.json declares no parameter AppName")
    assert error(resolve_parameters, [], ["other:AppName=1"], given) == (
        "-p other:AppName=1: no input template is other")
    assert error(resolve_parameters, [f"other:{values}"], [], given) == (
        f"--parameters other:{values}: no input template is other")
    assert error(resolve_parameters, [f"a\x00b:{values}"], [], given) == (
        f"--parameters a\x00b:{values}: no input template is a\x00b")
    missing = tmp_path / "missing.json"
    assert error(resolve_parameters, [f"svc:{missing}"], [], given) == (
        f"{missing}: cannot read: No such file or directory")
    assert error(resolve_parameters, [str(missing)], [], given) == (
        f"{missing}: cannot read: No such file or directory")
