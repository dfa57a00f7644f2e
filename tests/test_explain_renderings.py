"""The renderings of an explain chain (text tree, Mermaid, JSON) on a hand-built chain that has
every verdict, details, a title with the characters Mermaid needs escaped, and an unknown and
a broken edge; and how `explain` picks the launch to explain."""

from __future__ import annotations

import pytest
from cfn import Template, exec_app
from explain_outline import chains, outline

from ecs_exec_guard.analysis.explain import (
    BROKEN,
    INFO,
    OK,
    UNKNOWN,
    WARNING,
    ExplainError,
    Link,
    explain,
)
from ecs_exec_guard.analysis.explain_render import render_mermaid, render_text


def chain() -> list[Link]:
    root = Link("launch", "Web & <Api>", BROKEN, details=['a "quoted" | piped fact'])
    ok = root.add(Link("cluster", "cluster Cluster", OK, details=["one", "two"]))
    ok.add(Link("note", "context", INFO))
    root.add(Link("role", "task role", UNKNOWN))
    root.add(Link("platform", "platform", WARNING))
    second = Link("launch", "Other", OK)
    second.add(Link("network", "network", BROKEN))
    return [root, second]


def test_text_tree() -> None:
    assert render_text(chain()) == (
        "[BROKEN] Web & <Api>\n"
        '      a "quoted" | piped fact\n'
        "  [ok] cluster Cluster\n"
        "        one\n"
        "        two\n"
        "    [-] context\n"
        "  [?] task role\n"
        "  [warn] platform\n"
        "\n"
        "[ok] Other\n"
        "  [BROKEN] network\n"
        "\n"
        "Verdicts: ok holds; BROKEN exec fails here; ? cannot be verified from the input;"
        " warn a warning; - context.\n"
    )


def test_mermaid_flowchart() -> None:
    assert render_mermaid(chain()) == (
        "flowchart TD\n"
        '    n0["Web #amp; #lt;Api#gt;<br/><small>a #quot;quoted#quot; #124; piped fact</small>"]\n'
        '    n1["cluster Cluster<br/><small>one<br/>two</small>"]\n'
        '    n2["context"]\n'
        '    n3["task role"]\n'
        '    n4["platform"]\n'
        '    n5["Other"]\n'
        '    n6["network"]\n'
        "    n0 --> n1\n"
        "    n1 --> n2\n"
        "    n0 -.-> n3\n"
        "    n0 --> n4\n"
        "    n5 --> n6\n"
        "    classDef ok fill:#e6f4ea,stroke:#1e8e3e,color:#0d652d\n"
        "    classDef broken fill:#fce8e6,stroke:#d93025,stroke-width:3px,color:#a50e0e\n"
        "    classDef unknown fill:#fef7e0,stroke:#f9ab00,stroke-dasharray:5 3,color:#7a4f01\n"
        "    classDef warning fill:#fef7e0,stroke:#f9ab00,color:#7a4f01\n"
        "    classDef info fill:#f1f3f4,stroke:#9aa0a6,color:#3c4043\n"
        "    class n1,n5 ok\n"
        "    class n0,n6 broken\n"
        "    class n3 unknown\n"
        "    class n4 warning\n"
        "    class n2 info\n"
        "    linkStyle 4 stroke:#d93025,stroke-width:3px\n"
    )


def test_mermaid_without_broken_links_has_no_link_style() -> None:
    assert render_mermaid([Link("launch", "Web", OK)]) == (
        "flowchart TD\n"
        '    n0["Web"]\n'
        "    classDef ok fill:#e6f4ea,stroke:#1e8e3e,color:#0d652d\n"
        "    classDef broken fill:#fce8e6,stroke:#d93025,stroke-width:3px,color:#a50e0e\n"
        "    classDef unknown fill:#fef7e0,stroke:#f9ab00,stroke-dasharray:5 3,color:#7a4f01\n"
        "    classDef warning fill:#fef7e0,stroke:#f9ab00,color:#7a4f01\n"
        "    classDef info fill:#f1f3f4,stroke:#9aa0a6,color:#3c4043\n"
        "    class n0 ok\n"
    )


def test_json_of_a_link() -> None:
    assert chain()[1].to_json() == {
        "kind": "launch", "title": "Other", "verdict": "ok", "details": [],
        "children": [{"kind": "network", "title": "network", "verdict": "broken",
                      "details": [], "children": []}],
    }
    # A link's own defaults: context, no details, no children.
    assert Link("x", "y").to_json() == {
        "kind": "x", "title": "y", "verdict": "info", "details": [], "children": []}


def test_outline_reads_the_json() -> None:
    assert outline(chain()[1:]) == "launch [ok] Other\n  network [broken] network\n"


# -- picking the launch -------------------------------------------------------------------------


def test_target_is_trimmed_of_spaces_and_slashes() -> None:
    t = exec_app()
    t.resources["Service"]["Metadata"] = {"aws:cdk:path": "App/Web/Service/Service"}
    titles = [c.title for c in chains(t, target=" /App/Web/Service/Service/ ")]
    assert titles == ["Service (AWS::ECS::Service) [App/Web/Service/Service]: service"]


def test_no_launch_in_the_input_lists_none() -> None:
    t = Template()
    t.add("Bucket", "AWS::S3::Bucket")
    with pytest.raises(ExplainError) as err:
        explain({t.name: t.body()}, "Service")
    assert str(err.value) == "no launch named 'Service' in the input (launches: none)"


def test_launches_without_construct_paths_are_listed_by_template_and_id() -> None:
    t = exec_app()
    t.service("Other")
    with pytest.raises(ExplainError) as err:
        chains(t, target="Nope")
    assert str(err.value) == (
        "no launch named 'Nope' in the input (launches: App.template.json/Other,"
        " App.template.json/Service)"
    )


def test_a_path_segment_match_needs_exactly_one_launch() -> None:
    # Two launches under one construct: a segment that both paths contain is refused; the
    # whole construct path of one is accepted.
    t = exec_app()
    t.resources["Service"]["Metadata"] = {"aws:cdk:path": "App/Web/Service/Service"}
    t.service("Other")
    t.resources["Other"]["Metadata"] = {"aws:cdk:path": "App/Web/Other/Service"}
    with pytest.raises(ExplainError) as err:
        chains(t, target="App/Web")
    assert str(err.value) == (
        "'App/Web' names several launches (App/Web/Other/Service, App/Web/Service/Service):"
        " give one's construct path or logical ID"
    )
    assert [c.title for c in chains(t, target="Other")] == [
        "Other (AWS::ECS::Service) [App/Web/Other/Service]: service"]


def test_exec_is_not_required_unless_asked() -> None:
    # explain's own default: a launch without exec is explained without ENB1.
    t = exec_app()
    t.props("Service")["EnableExecuteCommand"] = False
    (root,) = explain({t.name: t.body()}, "Service")
    assert (root.verdict, root.details) == (BROKEN, ["EnableExecuteCommand: false"])


def test_an_exact_construct_path_wins_over_a_segment_match() -> None:
    # "App/Web" is one launch's whole path and a segment of the other's.
    t = exec_app()
    t.resources["Service"]["Metadata"] = {"aws:cdk:path": "App/Web"}
    t.service("Inner")
    t.resources["Inner"]["Metadata"] = {"aws:cdk:path": "App/Web/Inner/Service"}
    assert [c.title for c in chains(t, target="App/Web")] == [
        "Service (AWS::ECS::Service) [App/Web]: service"]


def test_an_empty_target_names_no_launch() -> None:
    # Launches without a construct path are not named by an empty path.
    with pytest.raises(ExplainError) as err:
        chains(exec_app(), target=" / ")
    assert str(err.value) == (
        "no launch named ' / ' in the input (launches: App.template.json/Service)")


def test_a_target_keeps_its_own_characters() -> None:
    t = exec_app()
    t.service("ServiceX")
    assert [c.title for c in chains(t, target="ServiceX")] == [
        "ServiceX (AWS::ECS::Service): service"]
