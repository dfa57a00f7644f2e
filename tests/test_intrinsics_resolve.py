"""The resolver on one template, intrinsic by intrinsic (``intrinsics.Resolver``): the value of
each function, with supplied, default, list and SSM-typed parameters, mappings and conditions,
and the reason for every value it cannot know (issue 15: mutation testing)."""

from __future__ import annotations

from typing import Any

import pytest

from ecs_exec_guard.analysis.intrinsics import NO_VALUE, GetAtt, Param, Ref, Unknown
from ecs_exec_guard.analysis.model import Model

T = "App.template.json"
BODY: dict[str, Any] = {
    "Parameters": {"Env": {"Type": "String"}, "Stage": {"Type": "String", "Default": "dev"},
                   "Subnets": {"Type": "List<AWS::EC2::Subnet::Id>"},
                   "Names": {"Type": "CommaDelimitedList"},
                   "Ami": {"Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>"}},
    "Mappings": {"Regions": {"eu-west-1": {"Ami": "ami-123", "List": ["a", {"Ref": "Topic"}]}}},
    "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
                   "Yes": {"Fn::Equals": ["a", "a"]}, "No": {"Fn::Equals": ["a", "b"]},
                   "NotYes": {"Fn::Not": [{"Condition": "Yes"}]},
                   "Both": {"Fn::And": [{"Condition": "Yes"}, {"Condition": "IsProd"}]},
                   "Either": {"Fn::Or": [{"Condition": "No"}, {"Condition": "IsProd"}]},
                   "AnyYes": {"Fn::Or": [{"Condition": "IsProd"}, {"Condition": "Yes"}]},
                   "AllNo": {"Fn::And": [{"Condition": "IsProd"}, {"Condition": "No"}]},
                   "StrTrue": "true", "Loop": {"Fn::Not": [{"Condition": "Loop"}]}},
    "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
}
PARAMS = {"Stage": "test", "Subnets": "subnet-1, subnet-2", "Names": "x,y", "Ami": "/my/ami"}


def resolver() -> Any:
    return Model([(T, BODY, None)], parameters=PARAMS).templates[T].resolver


CASES = [
    ({'Ref': 'Topic'},
     Ref(T, 'Topic')),
    ({'Ref': 'Env'},
     Param(T, 'Env')),
    ({'Ref': 'Stage'},
     'test'),
    ({'Ref': 'Subnets'},
     ['subnet-1', 'subnet-2']),
    ({'Ref': 'Names'},
     ['x', 'y']),
    ({'Ref': 'Ami'},
     Param(T, 'Ami')),
    ({'Ref': 'AWS::Region'},
     '${AWS::Region}'),
    ({'Ref': 'AWS::NoValue'},
     NO_VALUE),
    ({'Ref': 'Nope'},
     Unknown('Ref to Nope, which is not in the template')),
    ({'Ref': ['x']},
     Unknown('Ref of ["x"]')),
    ({'Fn::GetAtt': ['Topic', 'TopicName']},
     GetAtt(T, 'Topic', 'TopicName')),
    ({'Fn::GetAtt': 'Topic.TopicName'},
     GetAtt(T, 'Topic', 'TopicName')),
    ({'Fn::GetAtt': ['Nope', 'Arn']},
     Unknown('Fn::GetAtt of Nope, which is not in the template')),
    ({'Fn::GetAtt': ['Topic', {'Ref': 'Env'}]},
     Unknown('Fn::GetAtt of ["Topic", {"Ref": "Env"}]')),
    ({'Fn::GetAtt': 5},
     Unknown('Fn::GetAtt of 5')),
    ({'Fn::Join': ['-', ['a', {'Ref': 'Topic'}, 1, True]]},
     'a-{{ref|App.template.json|Topic}}-1-true'),
    ({'Fn::Join': ['-', {'Ref': 'Env'}]},
     Unknown('Fn::Join of an unresolvable list')),
    ({'Fn::Join': ['-', ['a', {'Fn::GetAZs': ''}]]},
     Unknown('Fn::GetAZs (availability zones are known at deploy time)')),
    ({'Fn::Join': 'x'},
     Unknown('malformed Fn::Join "x"')),
    ({'Fn::Join': ['-', ['a', {'k': 'v'}]]},
     Unknown('a dict used as a string')),
    ({'Fn::Sub': '${AWS::Region}-${Topic}-${Topic.TopicName}-${!Literal}-${Stage}'},
     '${AWS::Region}-{{ref|App.template.json|Topic}}-'
     '{{att|App.template.json|Topic|TopicName}}-${Literal}-test'),
    ({'Fn::Sub': ['${A}-${B}', {'A': 'x', 'B': {'Ref': 'Topic'}}]},
     'x-{{ref|App.template.json|Topic}}'),
    ({'Fn::Sub': ['${A}', {'Ref': 'Env'}]},
     Unknown('Fn::Sub with unresolvable variables')),
    ({'Fn::Sub': '${Env}-x'},
     '{{par|App.template.json|Env}}-x'),
    ({'Fn::Sub': ['${ A }', {'A': 'spaced'}]},
     'spaced'),
    ({'Fn::Sub': 5},
     Unknown('malformed Fn::Sub 5')),
    ({'Fn::Sub': '${Missing}'},
     Unknown('Ref to Missing, which is not in the template')),
    ({'Fn::Select': [1, ['a', 'b']]},
     'b'),
    ({'Fn::Select': ['0', ['a']]},
     'a'),
    ({'Fn::Select': [2, ['a']]},
     Unknown('Fn::Select index out of range')),
    ({'Fn::Select': [-1, ['a']]},
     Unknown('Fn::Select index out of range')),
    ({'Fn::Select': [{'Ref': 'Env'}, ['a']]},
     Unknown('Fn::Select with an unresolvable index')),
    ({'Fn::Select': [0, {'Ref': 'Env'}]},
     Unknown('Fn::Select from an unresolvable list')),
    ({'Fn::Select': [0]},
     Unknown('malformed Fn::Select [0]')),
    ({'Fn::Select': [1, {'Ref': 'Subnets'}]},
     'subnet-2'),
    ({'Fn::Split': [',', 'a,b']},
     ['a', 'b']),
    ({'Fn::Split': [',', {'Fn::Sub': '${Topic},b'}]},
     [Ref(T, 'Topic'), 'b']),
    ({'Fn::Split': ['|', {'Fn::Sub': '${Topic}|b'}]},
     Unknown('Fn::Split of an unresolvable string')),
    ({'Fn::Split': [',', {'Ref': 'Env'}]},
     Unknown('parameter Env (set at deploy time)')),
    ({'Fn::Split': ['', 'ab']},
     Unknown('Fn::Split of an unresolvable string')),
    ({'Fn::Split': [',', 5]},
     Unknown('Fn::Split of an unresolvable string')),
    ({'Fn::If': ['Yes', 'y', 'n']},
     'y'),
    ({'Fn::If': ['No', 'y', 'n']},
     'n'),
    ({'Fn::If': ['IsProd', 'y', 'n']},
     Unknown('Fn::If on condition IsProd, which is decided at deploy time')),
    ({'Fn::If': ['IsProd', 'same', 'same']},
     'same'),
    ({'Fn::If': ['Undeclared', 'y', 'n']},
     Unknown('Fn::If on condition Undeclared, which is decided at deploy time')),
    ({'Fn::If': ['Yes', 'y']},
     Unknown('malformed Fn::If ["Yes", "y"]')),
    ({'Fn::If': ['IsProd', {'Ref': 'Env'}, {'Ref': 'Env'}]},
     Param(T, 'Env')),
    ({'Fn::Equals': ['a', 'a']},
     True),
    ({'Fn::Equals': [1, '1']},
     True),
    ({'Fn::Equals': [['a'], ['a']]},
     True),
    ({'Fn::Equals': ['a']},
     Unknown('Fn::Equals of unresolvable values')),
    ({'Fn::Not': [True]},
     False),
    ({'Fn::Not': [True, False]},
     Unknown('Fn::Not of an unresolvable condition')),
    ({'Fn::Not': 'x'},
     Unknown('malformed Fn::Not')),
    ({'Fn::And': [True, False]},
     False),
    ({'Fn::And': [True, True]},
     True),
    ({'Fn::And': [True, {'Condition': 'IsProd'}]},
     Unknown('Fn::And of unresolvable conditions')),
    ({'Fn::Or': [False, True]},
     True),
    ({'Fn::Or': [False, False]},
     False),
    ({'Fn::Or': [False, {'Condition': 'IsProd'}]},
     Unknown('Fn::Or of unresolvable conditions')),
    ({'Fn::FindInMap': ['Regions', {'Ref': 'AWS::Region'}, 'Ami']},
     Unknown('Fn::FindInMap with a key known at deploy time')),
    ({'Fn::FindInMap': ['Regions', 'eu-west-1', 'Ami']},
     'ami-123'),
    ({'Fn::FindInMap': ['Regions', 'eu-west-1', 'List']},
     ['a', Ref(T, 'Topic')]),
    ({'Fn::FindInMap': ['Regions', 'us-east-1', 'Ami']},
     Unknown('Fn::FindInMap key us-east-1 not found')),
    ({'Fn::FindInMap': ['Regions', 'eu-west-1']},
     Unknown('malformed Fn::FindInMap ["Regions", "eu-west-1"]')),
    ({'Fn::FindInMap': ['Nope', 'a', 'b']},
     Unknown('Fn::FindInMap key Nope not found')),
    ({'Fn::FindInMap': ['Regions', {'Ref': 'Topic'}, 'Ami']},
     Unknown('Fn::FindInMap with a key known at deploy time')),
    ({'Fn::Base64': 'text'},
     'text'),
    ({'Fn::GetAZs': ''},
     Unknown('Fn::GetAZs (availability zones are known at deploy time)')),
    ({'Fn::Cidr': ['10.0.0.0/16', 2, 8]},
     Unknown('Fn::Cidr is not evaluated')),
    ({'Fn::ImportValue': 'Nope'},
     Unknown('Fn::ImportValue Nope: no template of the input exports it')),
    ({'Fn::ImportValue': {'Ref': 'Env'}},
     Unknown('Fn::ImportValue of parameter Env, known at deploy time')),
    ({'Fn::ImportValue': {'Fn::Sub': '${Env}-x'}},
     Unknown('Fn::ImportValue ${Env}-x: parameter(s) Env have no value')),
    ({'Fn::ImportValue': {'Fn::Sub': '${AWS::StackName}-x'}},
     Unknown('Fn::ImportValue ${AWS::StackName}-x: known at deploy time')),
    ({'Fn::ImportValue': {'Fn::Sub': '${Topic}-x'}},
     Unknown('Fn::ImportValue Topic-x: known at deploy time')),
    ({'Fn::ImportValue': ['x']},
     Unknown('Fn::ImportValue of ["x"], known at deploy time')),
    ({'Fn::GetStackOutput': {'StackName': 'Other', 'OutputName': 'Out'}},
     Unknown('output Out of stack Other is not (uniquely) in the input')),
    ({'Fn::GetStackOutput': {'StackName': 'Other'}},
     Unknown('Fn::GetStackOutput of {"StackName": "Other"}')),
    ({'Fn::GetStackOutput': 'x'},
     Unknown('Fn::GetStackOutput of "x"')),
    ({'Condition': 'Yes'},
     True),
    ({'Condition': 'IsProd'},
     Unknown('condition IsProd')),
    ({'a': {'Ref': 'AWS::NoValue'}, 'b': 1},
     {'b': 1}),
    ([1, {'Ref': 'AWS::NoValue'}, 2],
     [1, 2]),
    ({'Fn::Transform': {}},
     Unknown('Fn::Transform is not evaluated')),
    ({'NotFn': 1, 'x': 2},
     {'NotFn': 1, 'x': 2}),
]


@pytest.mark.parametrize(("expression", "value"), CASES, ids=[str(e)[:60] for e, _ in CASES])
def test_resolve(expression: Any, value: Any) -> None:
    assert resolver().resolve(expression) == value


def test_conditions_and_the_ones_left_to_deploy_time() -> None:
    model = Model([(T, BODY, None)], parameters=PARAMS)
    r = model.templates[T].resolver
    assert {name: r.condition(name) for name in BODY["Conditions"]} == {
        "IsProd": None, "Yes": True, "No": False, "NotYes": False, "Both": None,
        "Either": None, "AnyYes": True, "AllNo": False, "StrTrue": True, "Loop": None}
    assert r.condition("Undeclared") is None
    # An Fn::If on a declared condition decided at deploy time is noted for the analyzer to
    # evaluate each branch; one on an undeclared condition is not.
    r.resolve({"Fn::If": ["Undeclared", "y", "n"]})
    assert model.undecided == []
    r.resolve({"Fn::If": ["IsProd", "y", "n"]})
    assert model.undecided == [(T, "IsProd")]


@pytest.mark.parametrize(
    ("resource", "created"),
    [({}, True), ({"Condition": "Yes"}, True), ({"Condition": "No"}, False),
     ({"Condition": "IsProd"}, None), ({"Condition": ["Yes"]}, None)],
)
def test_condition_attribute(resource: dict[str, Any], created: bool | None) -> None:
    assert resolver().condition_attribute(resource) is created
