"""The plan's gateway outputs as a table and markdown: address, certificate status and route table."""

from __future__ import annotations

from typing import Any

from infra.cli.views.fit import FitTable
from infra.cli.views.markdown import row as markdown_row
from infra.offline.properties import UNKNOWN_PLACEHOLDER


def gateway_rows(document: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """(cluster, gateway, address, certificate status, routes) for every gateway in the outputs."""
    rows = []
    # A stand-in (docs/stand-ins.md) is made up: the view shows what a preview would, never the made-up value.
    stand_ins = set(document.get("outputStandIns") or [])
    for key, output in sorted((document.get("outputs") or {}).items()):
        if not key.startswith("cluster_") or not isinstance(output, dict):
            continue
        for name, gateway in sorted((output.get("gateways") or {}).items()):
            at = f"{key}.gateways.{name}."
            field = "dns_name" if "dns_name" in gateway else "ip_address"
            address = None if at + field in stand_ins else gateway.get(field)
            status = None if at + "certificate_status" in stand_ins else gateway.get("certificate_status")
            rows.append((key.removeprefix("cluster_"), name, _known(address), _known(status),
                         "; ".join(_route(n, r) for n, r in sorted((gateway.get("routes") or {}).items()))))
    return rows


def _known(value: Any) -> str:
    return "known after apply" if value in (None, UNKNOWN_PLACEHOLDER) else str(value)


def _route(name: str, route: dict[str, Any]) -> str:
    backends = ", ".join(f"{b['namespace']}/{b['service']}:{b['port']} {b['weight']}%"
                         for b in (route.get("backends") or {}).values())
    return f"{name} {route.get('path_prefix')} → {backends}"


def gateway_table(document: dict[str, Any]) -> list[FitTable]:
    """A 'Gateways' table, or nothing when the stack serves none (never elided: routes differ at their ends)."""
    rows = gateway_rows(document)
    if not rows:
        return []
    return [FitTable("Gateways", ("Cluster", "Gateway", "Address", "Certificate", "Routes"), rows, keys=2)]


def gateway_markdown(document: dict[str, Any]) -> list[str]:
    """The same as markdown lines, or none."""
    rows = gateway_rows(document)
    if not rows:
        return []
    lines = ["| Cluster | Gateway | Address | Certificate | Routes |", "| --- | --- | --- | --- | --- |"]
    lines += [markdown_row(row) for row in rows]
    return [*lines, ""]
