"""Human views of a plan document: a component tree for the terminal, markdown for pull requests."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from rich.console import Group
from rich.markup import escape
from rich.text import Text
from rich.tree import Tree

from infra.cli.views.cost import cost_markdown, cost_table
from infra.cli.views.gateways import gateway_markdown, gateway_table
from infra.cli.views.gpu_platform import gpu_platform_markdown, gpu_platform_table
from infra.cli.views.markdown import cell as markdown_cell
from infra.cli.views.policy import policy_markdown, policy_table
from infra.cli.views.summaries import summarize


def _children(document: dict[str, Any]) -> dict[str | None, list[dict[str, Any]]]:
    urns = {r["urn"] for r in document["resources"]}
    children: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for resource in document["resources"]:
        parent = resource["parent"] if resource["parent"] in urns else None
        children[parent].append(resource)
    for items in children.values():
        # Components first, then by type and name, so the tree reads the same every run.
        items.sort(key=lambda r: (r["custom"], r["type"], r["name"]))
    return children


def _flags(resource: dict[str, Any]) -> str:
    flags = [flag for flag, on in (("protected", resource["protect"]),
                                   ("retained", resource["retainOnDelete"])) if on]
    return f" [{', '.join(flags)}]" if flags else ""


def headline(document: dict[str, Any]) -> str:
    """One line saying what the plan is."""
    counts = document["counts"]
    return (f"Plan for stack '{document['stack']}' (environment {document['environment']}): "
            f"{counts['total']} resources, {counts['custom']} cloud resources")


def stand_in_line(document: dict[str, Any]) -> str | None:
    """Says that ids, ARNs and endpoints are made up, and how many resources use them."""
    using = sum(1 for r in document["resources"] if (r.get("standIns") or {}).get("inputs"))
    if not any(r.get("standIns") for r in document["resources"]):
        return None
    return (f"Stand-ins: ids, ARNs, endpoints and names the cloud computes are made up offline in its documented "
            f"format ({using} resources use them, marked 'stand-in'); see docs/stand-ins.md")


def _stand_in_mark(resource: dict[str, Any]) -> str:
    used = sorted((resource.get("standIns") or {}).get("inputs") or {})
    return f" · stand-in {', '.join(used)}" if used else ""


def table_view(document: dict[str, Any]) -> Group:
    """The component tree with each resource's key settings, then counts by type."""
    children = _children(document)
    tree = Tree(f"[bold]{document['project']}-{document['stack']}[/bold]")

    def add(node: Tree, parent: str | None) -> None:
        for resource in children.get(parent, []):
            summary = summarize(resource["type"], resource["inputs"]) + _stand_in_mark(resource)
            style = "bold cyan" if not resource["custom"] else ""
            label = f"[{style}]{resource['name']}[/{style}]" if style else resource["name"]
            # Flags and summaries are data, not markup: "[protected]" must print as written.
            # One spelling of a type everywhere: the token the plan document, the policy pack and
            # `pulumi preview` use (aws:eks/cluster:Cluster).
            line = f"{label} [dim]{escape(resource['type'])}[/dim]{escape(_flags(resource))}"
            if summary:
                line += f"  {escape(summary)}"
            add(node.add(line), resource["urn"])

    add(tree, None)
    # Counts as plain lines, not a table: the longest type tokens are wider than 80 columns' type column.
    by_type = document["counts"]["byType"]
    width = len(str(max(by_type.values(), default=0)))
    counts = Text("Resources by type\n", style="bold") + Text("\n".join(
        f"  {n:>{width}}  {t}" for t, n in by_type.items()))
    note = stand_in_line(document)
    return Group(f"[bold]{headline(document)}[/bold]", *([f"[dim]{escape(note)}[/dim]"] if note else []),
                 tree, counts, *gateway_table(document),
                 *gpu_platform_table(document), *policy_table(document),
                 cost_table(document.get("cost") or {}), Text(""), Text(footer(document), style="bold"))


def footer(document: dict[str, Any]) -> str:
    """The last lines, in the manner of `pulumi preview`'s summary: an offline plan only ever creates."""
    counts = document["counts"]
    return f"Resources:\n    + {counts['total']} to create ({counts['custom']} cloud resources)"


def markdown_view(document: dict[str, Any]) -> str:
    """A pull-request comment: headline, components with key settings, counts by type."""
    note = stand_in_line(document)
    lines = [f"### mlinfra plan: `{document['stack']}`", "", headline(document), "",
             *([f"_{note}_", ""] if note else []), *gateway_markdown(document),
             *gpu_platform_markdown(document), *policy_markdown(document)]
    children = _children(document)
    lines += ["<details><summary>Resources</summary>", "",
              "| Resource | Type | Key settings |", "| --- | --- | --- |"]

    def add(parent: str | None, depth: int) -> None:
        for resource in children.get(parent, []):
            indent = "&nbsp;&nbsp;" * depth
            name = resource["name"] if resource["custom"] else f"**{resource['name']}**"
            summary = summarize(resource["type"], resource["inputs"]) + _flags(resource) + _stand_in_mark(resource)
            lines.append(f"| {indent}{name} | `{resource['type']}` | {markdown_cell(summary)} |")
            add(resource["urn"], depth + 1)

    add(None, 0)
    lines += ["", "</details>", "", "| Type | Count |", "| --- | ---: |"]
    lines += [f"| `{t}` | {n} |" for t, n in document["counts"]["byType"].items()]
    return ("\n".join(lines) + "\n" + ("\n" + cost_markdown(document["cost"]) if document.get("cost") else "")
            + "\n```\n" + footer(document) + "\n```\n")

