"""cdk-nag: the finding IDs the auto-fix acknowledges on what it adds, computed as cdk-nag does."""

from __future__ import annotations

import json
from typing import Any

#: The cdk-nag finding the ssmmessages statement inherently raises (it cannot be scoped).
ACK_NAG_IAM5_WILDCARD = "AwsSolutions::AwsSolutions-IAM5[Resource::*]"
NAG_IAM5_PREFIX = "AwsSolutions::AwsSolutions-IAM5"


def flatten_cfn_reference(value: Any) -> str:
    """cdk-nag's ``flattenCfnReference``: how a resource appears in an IAM5 finding ID."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace("${", "<").replace("}", ">")
    if isinstance(value, dict):
        if value.get("Fn::Join"):
            delimiter, items = value["Fn::Join"]
            return str(delimiter).join(flatten_cfn_reference(i) for i in items)
        if value.get("Fn::Sub"):
            return flatten_cfn_reference(value["Fn::Sub"])
        if value.get("Fn::GetAtt"):
            res, attr = value["Fn::GetAtt"]
            return f"<{flatten_cfn_reference(res)}.{flatten_cfn_reference(attr)}>"
        if value.get("Fn::ImportValue"):
            return flatten_cfn_reference(value["Fn::ImportValue"])
        if value.get("Ref"):
            return f"<{flatten_cfn_reference(value['Ref'])}>"
    return json.dumps(value, separators=(",", ":"))


def wildcard_findings(document: Any) -> list[str]:
    """The flattened wildcard resources of a resolved policy document's Allow statements."""
    out: list[str] = []
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    for st in statements if isinstance(statements, list) else []:
        if not isinstance(st, dict) or st.get("Effect") != "Allow":
            continue
        resources = st.get("Resource")
        for r in resources if isinstance(resources, list) else [resources]:
            flat = flatten_cfn_reference(r)
            if "*" in flat and flat not in out:
                out.append(flat)
    return out
