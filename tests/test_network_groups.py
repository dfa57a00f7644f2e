"""Security-group egress on TCP 443 (issue 15 item 2's escapes): prefix lists, all-ports rules
written -1/-1, and CDK's locked-down group.

Shapes: ``DestinationPrefixListId`` and ``AWS::EC2::PrefixList`` (Entries[].Cidr) per the
cfn-lint schemas; CDK writes ``{"CidrIp": "255.255.255.255/32", "IpProtocol": "icmp",
"FromPort": 252, "ToPort": 86}`` for a security group with ``allowAllOutbound: false``
(aws-cdk-lib ``aws-ec2/lib/security-group.ts``, MATCH_NO_TRAFFIC).
"""

from __future__ import annotations

from typing import Any

import pytest
from cfn import Template, att, describe, exec_app, https_to_group, one, rule_ids

from ecs_exec_guard.analysis import Severity

CDK_NO_EGRESS = [{"CidrIp": "255.255.255.255/32", "Description": "Disallow all traffic",
                  "FromPort": 252, "IpProtocol": "icmp", "ToPort": 86}]


def task_egress(app: Template, *rules: dict[str, Any]) -> None:
    app.props("TaskSg")["SecurityGroupEgress"] = list(rules)


def https_to_prefix_list(prefix_list: Any) -> dict[str, Any]:
    return {"DestinationPrefixListId": prefix_list, "IpProtocol": "tcp", "FromPort": 443,
            "ToPort": 443}


# -- prefix lists ------------------------------------------------------------------------------


def test_egress_to_a_prefix_list_outside_the_input_is_a_cannot_verify() -> None:
    app = exec_app()
    task_egress(app, https_to_prefix_list("pl-0123456789abcdef0"))
    report = app.analyze()
    assert rule_ids(report) == ["EcsExec-NET7"], describe(report)
    message = one(report, "EcsExec-NET7", Severity.WARNING, "Service").message
    assert 'an egress rule of TaskSg cannot be resolved (prefix list "pl-0123456789abcdef0" ' \
        "is not in the input)" in message


@pytest.mark.parametrize(
    ("cidrs", "expected"),
    [(["0.0.0.0/0"], []), (["10.0.0.0/8", "192.168.0.0/16"], ["EcsExec-NET4"])],
    ids=["anywhere", "private ranges only"],
)
def test_egress_to_a_prefix_list_in_the_input(cidrs: list[str], expected: list[str]) -> None:
    app = exec_app()
    app.add("Egress", "AWS::EC2::PrefixList", PrefixListName="egress", AddressFamily="IPv4",
            MaxEntries=5, Entries=[{"Cidr": c} for c in cidrs])
    task_egress(app, https_to_prefix_list(att("Egress", "PrefixListId")))
    report = app.analyze()
    assert rule_ids(report) == expected, describe(report)


def test_prefix_list_in_the_input_holding_the_endpoint_subnet() -> None:
    app = exec_app(subnet="isolated")
    app.add("Endpoints", "AWS::EC2::PrefixList", PrefixListName="endpoints",
            AddressFamily="IPv4", MaxEntries=5, Entries=[{"Cidr": "10.0.2.0/24"}])
    task_egress(app, https_to_prefix_list(att("Endpoints", "PrefixListId")))
    assert app.analyze().findings == []
    app.props("Endpoints")["Entries"] = [{"Cidr": "10.0.9.0/24"}]
    report = app.analyze()
    assert rule_ids(report) == ["EcsExec-NET4"], describe(report)


# -- port ranges -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"IpProtocol": "tcp", "FromPort": -1, "ToPort": -1}, []),
        ({"IpProtocol": "6", "FromPort": -1, "ToPort": -1}, []),
        ({"IpProtocol": "-1"}, []),
        ({"IpProtocol": "tcp", "FromPort": 0, "ToPort": 442}, ["EcsExec-NET4"]),
        ({"IpProtocol": "tcp", "FromPort": 444, "ToPort": 65535}, ["EcsExec-NET4"]),
        ({"IpProtocol": "udp", "FromPort": -1, "ToPort": -1}, ["EcsExec-NET4"]),
    ],
    ids=["tcp -1/-1", "6 -1/-1", "all protocols", "below 443", "above 443", "udp -1/-1"],
)
def test_egress_port_ranges(rule: dict[str, Any], expected: list[str]) -> None:
    app = exec_app()
    task_egress(app, {"CidrIp": "0.0.0.0/0", **rule})
    report = app.analyze()
    assert rule_ids(report) == expected, describe(report)


# -- CDK's locked-down security group -----------------------------------------------------------


def test_cdk_locked_down_group_is_closed() -> None:
    app = exec_app()
    task_egress(app, *CDK_NO_EGRESS)
    report = app.analyze()
    assert rule_ids(report) == ["EcsExec-NET4"], describe(report)
    message = one(report, "EcsExec-NET4", Severity.ERROR, "Service").message
    assert message == ("Service (service): no security group of the tasks allows egress on "
                       "TCP 443 to the internet (0.0.0.0/0).")


def test_cdk_locked_down_group_with_an_endpoint_is_closed() -> None:
    app = exec_app(subnet="isolated")
    task_egress(app, *CDK_NO_EGRESS)
    report = app.analyze()
    assert rule_ids(report) == ["EcsExec-NET4"], describe(report)
    assert "the ssmmessages endpoint SsmMessagesEndpoint" in report.findings[0].message


def test_cdk_locked_down_group_opened_to_the_endpoint() -> None:
    app = exec_app(subnet="isolated")
    task_egress(app, *CDK_NO_EGRESS, https_to_group(att("SsmMessagesEndpointSg", "GroupId")))
    assert app.analyze().findings == []


def test_empty_egress_list_keeps_the_default_allow_all() -> None:
    """``SecurityGroupEgress: []`` is no egress rule at all: CloudFormation keeps the default."""
    app = exec_app()
    task_egress(app)
    assert app.analyze().findings == []


def test_locked_down_group_opened_by_a_separate_egress_resource() -> None:
    app = exec_app()
    task_egress(app, *CDK_NO_EGRESS)
    app.add("TaskSgHttps", "AWS::EC2::SecurityGroupEgress", GroupId=att("TaskSg", "GroupId"),
            IpProtocol="tcp", FromPort=443, ToPort=443, CidrIp="0.0.0.0/0")
    assert app.analyze().findings == []
    app.props("TaskSgHttps")["CidrIp"] = "10.0.0.0/8"
    assert rule_ids(app.analyze()) == ["EcsExec-NET4"]
