"""The demo app (app.py) does what README says (issue 12, item 10).

``make demo-violations`` leaves out the app-wide EcsExecAutoFix: the ExecEnabledService still
repairs its own service, and every finding is on (and names only) resources the demo's code
created: the plain Worker service's, never something a fix added. Synthesized in-process with
cdk.json's context (the CLI run is covered by test_e2e_cdk.py).
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import aws_cdk as cdk
import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def _demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo_app", ROOT / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _synth(outdir: Path, **context: Any) -> tuple[Exception | None, dict[str, Any]]:
    flags = json.loads((ROOT / "cdk.json").read_text())["context"]
    # Path metadata as the CDK CLI asks for it: findings then carry construct paths.
    cli = {"aws:cdk:enable-path-metadata": True}
    app = cdk.App(outdir=str(outdir), context={**flags, **cli, **context})
    _demo().build_app(app)
    error: Exception | None = None
    try:
        app.synth()
    except Exception as exc:  # the validation failure surfaces as a JS error
        error = exc
    templates = {p.name: json.loads(p.read_text()) for p in outdir.glob("*.template.json")}
    report_file = outdir / "validation-report.json"
    report = json.loads(report_file.read_text()) if report_file.exists() else {}
    return error, {"templates": templates, "report": report}


@pytest.fixture(scope="module")
def violations(tmp_path_factory: pytest.TempPathFactory) -> tuple[Exception | None, Any]:
    return _synth(tmp_path_factory.mktemp("demo-violations"), demo="violations")


def _violations(out: dict[str, Any]) -> list[dict[str, Any]]:
    """The pack's violations (CDK leaves a plugin without any out of the report)."""
    return [
        v
        for p in out["report"].get("pluginReports", [])
        if p["pluginName"] == "EcsExec"
        for v in p.get("violations", [])
    ]


def _paths(templates: dict[str, Any]) -> dict[str, str]:
    """Logical ID -> construct path, for every resource of the demo's templates."""
    return {
        lid: res.get("Metadata", {}).get("aws:cdk:path", "")
        for body in templates.values()
        for lid, res in body["Resources"].items()
    }


def test_demo_violations_reports_the_worker_mistakes_only(violations: Any) -> None:
    error, out = violations
    assert error is not None and str(error).startswith("ValidationFailed")
    found = sorted(
        (v["ruleName"], v["severity"], c["constructPath"])
        for v in _violations(out)
        for c in v["violatingConstructs"]
    )
    assert found == [
        ("EcsExec-CTR1", "error", "EcsExecDemoServices/WorkerTask/Resource"),
        ("EcsExec-CTR2", "warning", "EcsExecDemoServices/WorkerTask/Resource"),
        ("EcsExec-NET2", "error", "EcsExecDemoServices/Worker/Service"),
        ("EcsExec-NET4", "error", "EcsExecDemoServices/Worker/Service"),
        ("EcsExec-PLT1", "error", "EcsExecDemoServices/Worker/Service"),
    ]


def test_no_finding_names_a_resource_a_fix_created(violations: Any) -> None:
    _, out = violations
    paths = _paths(out["templates"])
    made_by_fix = {lid for lid, path in paths.items() if "/EcsExec" in path}
    # The L3's own repair is there (so the test below means something) ...
    assert any("EcsExecSsmMessagesEndpoint" in paths[lid] for lid in made_by_fix)
    # ... and no finding names any of it.
    for v in _violations(out):
        named = set(re.findall(r"\b[A-Za-z][A-Za-z0-9]+[0-9A-F]{8}\b", v["description"]))
        assert named, v["description"]
        assert not named & made_by_fix, v["description"]
        assert named <= set(paths), v["description"]


def test_demo_violations_keeps_the_l3_fixing_its_own_service(violations: Any) -> None:
    _, out = violations
    body = out["templates"]["EcsExecDemoServices.template.json"]
    web = [
        res
        for res in body["Resources"].values()
        if res.get("Metadata", {}).get("aws:cdk:path") == "EcsExecDemoServices/WebTask/Resource"
    ]
    (container,) = web[0]["Properties"]["ContainerDefinitions"]
    assert container["LinuxParameters"]["InitProcessEnabled"] is True


def test_the_demo_synthesizes_with_the_auto_fix(tmp_path: Path) -> None:
    error, out = _synth(tmp_path)
    assert error is None
    assert _violations(out) == []
