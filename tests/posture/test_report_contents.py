"""What every report format must carry: tallies that add up, promise texts, the view and commit,
the counterexample, the per-framework view, and one resource name per SARIF message."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from posture.catalog import CONTROLS, FRAMEWORK_VERSIONS, PROMISES
from posture.evaluate import evaluate
from posture.findings import Verdict
from posture.reports import FORMATS, render
from posture.reports.model import STATES, TALLY_STATES
from posture.resources import resource_name
from tests.posture.conftest import FINDINGS, make_report

COMMIT = "0123456789abcdef0123456789abcdef01234567"
HOPS = FINDINGS[2].evidence


@pytest.fixture(scope="module")
def weakened_prod(prod_stack):
    """The real catalog over prod with the database made public: failures, passes and not-applicables."""
    resources = [replace(r, props={**r.props, "publiclyAccessible": True}) if r.type == "aws:rds/instance:Instance"
                 else r for r in prod_stack]
    return make_report(findings=tuple(evaluate(resources)), controls=CONTROLS, waivers=(), waiver_problems=(),
                       resources=tuple(resources), commit=COMMIT)


def test_the_tallies_add_up_everywhere(weakened_prod):
    for report in (make_report(), weakened_prod):
        counts = report.counts()
        assert list(counts) == list(TALLY_STATES)
        assert sum(counts.values()) == len(report.findings)
        document = json.loads(render(report, "json"))
        assert sum(document["counts"].values()) == document["result"]["verdicts"] == len(report.findings)
        assert document["promises"] and document["frameworks"]
        for promise in document["promises"]:
            assert list(promise["tally"]) == list(STATES)
            assert sum(promise["tally"].values()) == len(promise["controls"])
        for framework in document["frameworks"]:
            assert sum(framework["tally"].values()) == len(framework["requirements"])

        markdown = render(report, "markdown")
        header, _, numbers = markdown.split("\n\n")[2].splitlines()
        assert header.count("|") == len(TALLY_STATES) + 2
        *parts, total = (int(n) for n in numbers.strip("| ").split(" | "))
        assert sum(parts) == total == len(report.findings)
        rows = [r for r in markdown.splitlines() if r.startswith("| **")]
        assert rows, "the markdown report has a row per promise"
        for row in rows:
            tally = row.rsplit("|", 2)[-2].strip()
            if tally != "no infrastructure control":
                total, _, rest = tally.partition(": ")
                assert sum(int(part.split()[0]) for part in rest.split(", ")) == int(total), row

        console = render(report, "console", width=200)
        line = next(ln for ln in console.splitlines() if "verdicts" in ln)
        numbers = [int(n) for n in re.findall(r"(?:Error|Fail|Unknown|Waived|Pass|Not applicable) (\d+)", line)]
        assert len(numbers) == len(TALLY_STATES) and sum(numbers) == int(re.search(r"= (\d+) verdicts", line)[1])


def test_the_weakened_prod_report_counts_every_kind_of_verdict(weakened_prod):
    counts = weakened_prod.counts()
    assert counts["fail"] >= 1 and counts["pass"] > 100 and counts["not_applicable"] >= 1


def test_console_and_markdown_say_what_each_promise_promises():
    report = make_report()
    console = render(report, "console", width=200)
    markdown = render(report, "markdown")
    for promise in PROMISES:
        assert promise.title and promise.title in console, promise.id
        assert promise.text in markdown and promise.title in markdown, promise.id


def test_every_format_names_the_view_and_the_commit():
    report = make_report(view="first-preview", commit=COMMIT)
    for fmt in FORMATS:
        text = render(report, fmt)
        assert "first-preview" in text and COMMIT in text, fmt
    assert json.loads(render(report, "json"))["view"] == "first-preview"
    assert json.loads(render(report, "sarif"))["runs"][0]["properties"]["commit"] == COMMIT
    assert "commit unknown" in render(make_report(commit=None), "console")


def test_every_format_carries_the_counterexample_hop_by_hop():
    report = make_report()
    document = json.loads(render(report, "json"))
    [finding] = [f for f in document["findings"] if f["control_id"] == "aws-test-sg-disallow-cidr-ingress"]
    assert (finding["path"], finding["observed"], finding["evidence"]) == (
        "ingress[0].cidrBlocks", "10.0.0.0/8", list(HOPS))
    [result] = [r for r in json.loads(render(report, "sarif"))["runs"][0]["results"]
                if r["ruleId"] == "aws-test-sg-disallow-cidr-ingress"]
    assert result["properties"]["evidence"] == list(HOPS) and result["properties"]["path"] == "ingress[0].cidrBlocks"
    console = render(report, "console", width=200)
    assert all(f"{i}. {hop}" in console for i, hop in enumerate(HOPS, 1))
    markdown = render(report, "markdown")
    assert "<br>1. 10.0.0.0/8 (any address in the VPC's range)<br>2. database-sg ingress[0]: tcp 5432<br>3. " \
           "database-instance &lt;port 5432&gt;" in markdown
    html = render(report, "html")
    assert '<ol class="hops"><li>10.0.0.0/8 (any address in the VPC&#39;s range)</li>' in html
    assert "<li>database-instance &lt;port 5432&gt;</li>" in html
    junit = ET.fromstring(render(report, "junit").encode())
    case = next(c for c in junit.iter("testcase") if c.get("classname") == "aws-test-sg-disallow-cidr-ingress")
    assert all(hop in case.find("failure").text for hop in HOPS)


def test_every_format_shows_the_framework_view_with_versions(weakened_prod):
    report = weakened_prod
    document = json.loads(render(report, "json"))
    assert [(f["name"], f["version"]) for f in document["frameworks"]] == list(FRAMEWORK_VERSIONS.items())
    fsbp = next(f for f in document["frameworks"] if f["key"] == "fsbp")
    rds2 = next(r for r in fsbp["requirements"] if r["id"] == "RDS.2")
    assert rds2["status"] == "fail" and "aws-rds-instance-disallow-public-access" in rds2["controls"]
    ids = [r["id"] for r in fsbp["requirements"]]
    assert ids.index("EC2.2") < ids.index("EC2.13"), "natural order"
    sarif = json.loads(render(report, "sarif"))["runs"][0]["properties"]["frameworks"]
    assert sarif["AWS FSBP"]["version"] == "v1.0.0" and sarif["AWS FSBP"]["requirements"]["RDS.2"] == "fail"
    markdown, html = render(report, "markdown"), render(report, "html")
    console, junit = render(report, "console", width=200), render(report, "junit")
    for name, version in FRAMEWORK_VERSIONS.items():
        assert f"<b>{name} {version}</b>" in markdown and f"<b>{name} {version}</b>" in html
        assert f"{name} {version} requirements mapped" in console and f"framework {name} {version}" in junit
    assert "| RDS.2 | ❌ Fail | `aws-rds-instance-disallow-public-access` ❌" in markdown
    assert 'id="framework-fsbp" open' in html


def test_one_framework_can_be_chosen():
    report = make_report(frameworks=("PCI DSS",))
    assert [f["key"] for f in json.loads(render(report, "json"))["frameworks"]] == ["pci"]
    for fmt in ("markdown", "html", "console"):
        text = render(report, fmt)
        assert "PCI DSS v4.0.1" in text and "AWS FSBP v1.0.0" not in text, fmt
    with pytest.raises(ValueError, match="unknown frameworks"):
        make_report(frameworks=("SOC 2",))


def test_sarif_names_the_resource_once_per_message():
    report = make_report()
    for result in json.loads(render(report, "sarif"))["runs"][0]["results"]:
        name = result["locations"][0]["logicalLocations"][0]["name"]
        text = result["message"]["text"]
        assert text.count(f"{name}: ") <= 1 and not text.startswith(f"{name}: {name}"), text
    [sg] = [r for r in json.loads(render(report, "sarif"))["runs"][0]["results"]
            if r["ruleId"] == "aws-test-sg-disallow-cidr-ingress"]
    assert sg["message"]["text"] == FINDINGS[2].message
    stackwide = replace(FINDINGS[4], message="no trail records the account")
    [result] = json.loads(render(make_report(findings=(stackwide,)), "sarif"))["runs"][0]["results"]
    assert result["message"]["text"] == f"{resource_name(stackwide.resource_urn)}: no trail records the account"


def test_sarif_fingerprints_ignore_messages_and_lines_but_tell_properties_apart():
    def prints(findings):
        return [r["partialFingerprints"] for r in json.loads(render(make_report(findings=findings), "sarif"))[
            "runs"][0]["results"]]

    base = FINDINGS[2]
    moved = replace(base, message="reworded", source=replace(base.source, line=base.source.line + 40))
    assert prints((base,)) == prints((moved,))
    other_property = replace(base, path="ingress[1].cidrBlocks")
    assert len({json.dumps(p) for p in prints((base, other_property))}) == 2


def test_network_violations_are_marked_on_the_picture_and_in_mermaid(weakened_prod):
    from posture.reports import network

    violations = network.network_violations(weakened_prod.findings, weakened_prod.controls)
    assert any(f.control_id == "aws-rds-instance-disallow-public-access" for f in violations)
    net = network.build(weakened_prod.resources, violations=violations)
    database = next(n for n in net.nodes.values() if n.label == "database-db")
    assert any(v.startswith("aws-rds-instance-disallow-public-access: ") for v in database.violations)
    assert not any(n.violations for n in net.nodes.values() if n is not database)
    html = render(weakened_prod, "html")
    assert 'class="node node-db node-violation"' in html and "✗ publiclyAccessible: true" in html
    markdown = render(weakened_prod, "markdown")
    mermaid = markdown.split("```mermaid\n", 1)[1].split("```", 1)[0]
    node_id = re.search(r'(n\d+)\["database-db · database · 1 violation"\]', mermaid)[1]
    assert re.search(rf"class [n\d,]*\b{node_id}\b[n\d,]* violation", mermaid)
    clean = make_report(resources=weakened_prod.resources, findings=tuple(
        f for f in weakened_prod.findings if f.verdict is not Verdict.FAIL), controls=CONTROLS)
    assert "node-violation" not in render(clean, "html")


def test_an_open_ingress_rule_is_a_red_arrow(prod_stack):
    from posture.facts import is_internet
    from posture.reports import network

    rule = next(r for r in prod_stack if r.name == "database-from-app")
    opened = replace(rule, props={k: v for k, v in rule.props.items() if k != "referencedSecurityGroupId"}
                     | {"cidrIpv4": "0.0.0.0/0"})
    resources = [opened if r is rule else r for r in prod_stack]
    failing = replace(FINDINGS[2], resource_urn=opened.urn, control_id="stack-database-reachable-only-from-app-tier")
    net = network.build(resources, violations=[failing])
    [arrow] = [e for e in net.edges if net.nodes[e.target].label == "database-db"
               and net.nodes[e.source].internet]
    assert arrow.violation and arrow.to_database and is_internet("0.0.0.0/0")
    assert [a.kind for a in network.layout(net).arrows if a.edge is arrow] == ["violation"]
    assert f"  linkStyle {net.edges.index(arrow)} stroke:#dc2626" in network.mermaid(net)
    assert [v.split(":")[0] for v in net.nodes[arrow.target].violations] == [
        "stack-database-reachable-only-from-app-tier"]
