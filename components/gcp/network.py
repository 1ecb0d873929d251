"""GcpNetwork: a custom-mode VPC with one VPC-native subnet, Cloud NAT and flow logs."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Network

import pulumi
import pulumi_gcp as gcp

PODS_RANGE = "pods"
SERVICES_RANGE = "services"
# Sampled, aggregated flow logs: enough to investigate traffic without paying for every packet.
FLOW_LOGS = {"aggregation_interval": "INTERVAL_5_SEC", "flow_sampling": 0.5,
             "metadata": "INCLUDE_ALL_METADATA"}


@dataclass(frozen=True)
class RangePlan:
    """The three address ranges a VPC-native GKE subnet needs."""

    nodes: str
    pods: str
    services: str


def range_layout(cidr: str) -> RangePlan:
    """Split `cidr`: half for pods (each node takes a /24 of them), a quarter each for nodes and services."""
    network = IPv4Network(cidr)
    if network.prefixlen > 20:
        raise ValueError(f"need a /20 or larger range (got /{network.prefixlen})")
    pods, rest = network.subnets(prefixlen_diff=1)
    nodes, services = rest.subnets(prefixlen_diff=1)
    return RangePlan(str(nodes), str(pods), str(services))


@dataclass(frozen=True)
class ExistingSubnet:
    """A network and subnet made elsewhere, with the names of its pod and service ranges."""

    network: pulumi.Input[str]
    subnetwork: pulumi.Input[str]
    pods_range: str
    services_range: str


@dataclass(frozen=True)
class GcpNetworkArgs:
    """Inputs of GcpNetwork."""

    network_name: str
    region: str
    cidr: str = "10.0.0.0/16"
    # Use this network and subnet instead of creating them.
    existing: ExistingSubnet | None = None
    # Range of a proxy-only subnet for regional internal load balancers (GKE internal gateways);
    # None creates none. Ignored with `existing`, whose owner manages its subnets.
    proxy_only_cidr: str | None = None


class GcpNetwork(pulumi.ComponentResource):
    """VPC, regional subnet with pod and service ranges and Private Google Access, router and NAT."""

    network: pulumi.Output[str]
    subnetwork: pulumi.Output[str]
    pods_range: str
    services_range: str
    # The proxy-only subnet this component created, if any: internal gateways wait for it.
    proxy_only_subnet: gcp.compute.Subnetwork | None = None

    def __init__(self, name: str, args: GcpNetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:gcp:Network", name, None, opts)
        if args.existing is not None:
            self.network = pulumi.Output.from_input(args.existing.network)
            self.subnetwork = pulumi.Output.from_input(args.existing.subnetwork)
            self.pods_range, self.services_range = args.existing.pods_range, args.existing.services_range
        else:
            self._create(name, args)
        self.register_outputs({"network": self.network, "subnetwork": self.subnetwork})

    def _create(self, name: str, args: GcpNetworkArgs) -> None:
        child = pulumi.ResourceOptions(parent=self)
        layout = range_layout(args.cidr)
        # Custom mode: auto mode would add a subnet in every region with ranges we did not plan.
        vpc = gcp.compute.Network(f"{name}-vpc", name=args.network_name, auto_create_subnetworks=False,
                                  routing_mode="REGIONAL", opts=child)
        subnet = gcp.compute.Subnetwork(
            f"{name}-subnet", name=f"{args.network_name}-{args.region}", network=vpc.id,
            region=args.region, ip_cidr_range=layout.nodes,
            secondary_ip_ranges=[{"range_name": PODS_RANGE, "ip_cidr_range": layout.pods},
                                 {"range_name": SERVICES_RANGE, "ip_cidr_range": layout.services}],
            # Nodes have no public IPs; this lets them reach Google APIs (GCS, Artifact Registry).
            private_ip_google_access=True, log_config=FLOW_LOGS, opts=child)
        router = gcp.compute.Router(f"{name}-router", name=f"{args.network_name}-router",
                                    network=vpc.id, region=args.region, opts=child)
        gcp.compute.RouterNat(
            f"{name}-nat", name=f"{args.network_name}-nat", router=router.name, region=args.region,
            nat_ip_allocate_option="AUTO_ONLY",
            source_subnetwork_ip_ranges_to_nat="ALL_SUBNETWORKS_ALL_IP_RANGES",
            log_config={"enable": True, "filter": "ERRORS_ONLY"}, opts=child)
        if args.proxy_only_cidr is not None:
            # Envoy proxies of regional internal balancers take their addresses from this subnet;
            # one ACTIVE subnet per region and network serves every internal gateway.
            self.proxy_only_subnet = gcp.compute.Subnetwork(
                f"{name}-proxy-only", name=f"{args.network_name}-proxy-only-{args.region}", network=vpc.id,
                region=args.region, ip_cidr_range=args.proxy_only_cidr, purpose="REGIONAL_MANAGED_PROXY",
                role="ACTIVE", opts=child)
        self.network, self.subnetwork = vpc.id, subnet.id
        self.pods_range, self.services_range = PODS_RANGE, SERVICES_RANGE
