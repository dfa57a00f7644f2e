"""The network path from a task to Session Manager (``ssmmessages``), as far as templates tell.

Per launch this works out the subnets the tasks (awsvpc) or their container instances
(bridge/host) use, how each subnet reaches the internet (its route table's default route),
whether the VPC has an ``ssmmessages`` interface endpoint the tasks can use, and whether the
task security groups let TCP 443 out. Anything outside the input becomes a "cannot verify"
reason, never a pass.

One module per concern: ``hosts`` (container instances), ``routes`` (route tables and where a
default route leads), ``groups`` (security groups), ``endpoints`` (VPC endpoints), ``index``
(all of them, built once per analysis), ``acls`` (network ACLs) and ``assess`` (the facts of
one launch).
"""

from __future__ import annotations

from .acls import HTTPS_PORTS, AclProblem, flow_problems
from .assess import Assessment, assess
from .endpoints import Endpoint
from .groups import HTTPS, SgRule, egress_verdict
from .hosts import Host, container_hosts
from .index import NetworkIndex, egress_allows, service_endpoints

__all__ = [
    "HTTPS",
    "HTTPS_PORTS",
    "AclProblem",
    "Assessment",
    "Endpoint",
    "Host",
    "NetworkIndex",
    "SgRule",
    "assess",
    "container_hosts",
    "egress_allows",
    "egress_verdict",
    "flow_problems",
    "service_endpoints",
]
