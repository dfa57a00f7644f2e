"""What EcsExecAutoFix says about its changes names the constructs a CDK user wrote (found trying
the auto-fix as a new user: the egress note named the service by its logical ID)."""

from __future__ import annotations

from pathlib import Path

import autofix_apps as apps
import pytest

pytestmark = pytest.mark.slow


def test_egress_change_names_the_service_by_construct_path(tmp_path: Path) -> None:
    app = apps.restricted_egress(fixes=0, outdir=str(tmp_path))
    (aspect,) = apps.add_fixes(app, 1)
    app.synth()
    assert [c for c in aspect.changes if "egress" in c] == [
        "EcsExecAutoFix: allowed egress TCP 443 from TaskSgFD7B04A0, a security group of the "
        "exec-enabled service RestrictedEgress/Service/Service, to 0.0.0.0/0 (ssmmessages over "
        "the internet)."
    ]


def test_no_egress_change_where_egress_is_open(tmp_path: Path) -> None:
    """The twin: the same service with CDK's default allow-all egress gets no egress note."""
    app = apps.compliant(fixes=0, outdir=str(tmp_path))
    (aspect,) = apps.add_fixes(app, 1)
    app.synth()
    assert [c for c in aspect.changes if "egress" in c] == []
