"""Human views of a plan document: a component tree for the terminal, markdown for pull requests."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from infra.cli.views.cost import cost_markdown, cost_table
from infra.cli.views.gateways import gateway_markdown, gateway_table
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


def short_type(resource_type: str) -> str:
    """`aws:eks/cluster:Cluster` -> `aws.eks.Cluster`; component tokens stay as they are."""
    parts = resource_type.split(":")
    if len(parts) != 3 or "/" not in parts[1]:
        return resource_type
    return f"{parts[0]}.{parts[1].split('/')[0]}.{parts[2]}"


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
            line = f"{label} [dim]{short_type(resource['type'])}[/dim]{escape(_flags(resource))}"
            if summary:
                line += f"  {escape(summary)}"
            add(node.add(line), resource["urn"])

    add(tree, None)
    counts = Table(title="Resources by type", show_lines=False)
    counts.add_column("Type", overflow="fold")  # long AWS types must not elide to one prefix
    counts.add_column("Count", justify="right", no_wrap=True)
    for resource_type, count in document["counts"]["byType"].items():
        counts.add_row(resource_type, str(count))
    note = stand_in_line(document)
    return Group(f"[bold]{headline(document)}[/bold]", *([f"[dim]{escape(note)}[/dim]"] if note else []),
                 tree, counts, *gateway_table(document), *policy_table(document),
                 cost_table(document.get("cost") or {}))


def markdown_view(document: dict[str, Any]) -> str:
    """A pull-request comment: headline, components with key settings, counts by type."""
    note = stand_in_line(document)
    lines = [f"### mlinfra plan: `{document['stack']}`", "", headline(document), "",
             *([f"_{note}_", ""] if note else []), *gateway_markdown(document),
             *policy_markdown(document)]
    children = _children(document)
    lines += ["<details><summary>Resources</summary>", "",
              "| Resource | Type | Key settings |", "| --- | --- | --- |"]

    def add(parent: str | None, depth: int) -> None:
        for resource in children.get(parent, []):
            indent = "&nbsp;&nbsp;" * depth
            name = resource["name"] if resource["custom"] else f"**{resource['name']}**"
            summary = summarize(resource["type"], resource["inputs"]) + _flags(resource) + _stand_in_mark(resource)
            lines.append(f"| {indent}{name} | `{short_type(resource['type'])}` | {markdown_cell(summary)} |")
            add(resource["urn"], depth + 1)

    add(None, 0)
    lines += ["", "</details>", "", "| Type | Count |", "| --- | ---: |"]
    lines += [f"| `{t}` | {n} |" for t, n in document["counts"]["byType"].items()]
    return "\n".join(lines) + "\n" + ("\n" + cost_markdown(document["cost"]) if document.get("cost") else "")

