"""AwsNetwork: a VPC with private subnets for nodes and public ones for load balancers, per zone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Network

import pulumi
import pulumi_aws as aws

from components.tags import with_tags


@dataclass(frozen=True)
class SubnetPlan:
    """The two address ranges one zone gets."""

    zone: str
    private_cidr: str
    public_cidr: str


def subnet_layout(cidr: str, zones: Sequence[str]) -> dict[str, SubnetPlan]:
    """Split `cidr` into a large private and a small public subnet per zone, keyed by zone.

    Private subnets hold nodes and pods (the VPC CNI gives every pod an address), so each gets
    an eighth of the range; public subnets only hold load balancers and NAT gateways, so they
    share the last eighth. Keyed by zone so adding a zone never renumbers another.
    """
    network = IPv4Network(cidr)
    if len(zones) > 7:
        raise ValueError(f"at most 7 zones fit this layout (got {len(zones)})")
    eighths = list(network.subnets(prefixlen_diff=3))
    public_blocks = list(eighths[7].subnets(prefixlen_diff=3))
    return {
        zone: SubnetPlan(zone, str(eighths[i]), str(public_blocks[i]))
        for i, zone in enumerate(zones)
    }


def nat_zones(zones: Sequence[str], per_zone: bool) -> list[str]:
    """Zones that get a NAT gateway: every zone, or just the first to save cost."""
    return list(zones) if per_zone else list(zones[:1])


@dataclass(frozen=True)
class AwsNetworkArgs:
    """Inputs of AwsNetwork."""

    cidr: str
    zones: Sequence[str]
    nat_per_zone: bool = False
    # Clusters that will discover these subnets for load balancers.
    cluster_names: Sequence[str] = ()
    tags: Mapping[str, str] = field(default_factory=dict)


class AwsNetwork(pulumi.ComponentResource):
    """VPC, per-zone private and public subnets, internet gateway and NAT."""

    vpc_id: pulumi.Output[str]
    private_subnet_ids: dict[str, pulumi.Output[str]]
    public_subnet_ids: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: AwsNetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:aws:Network", name, None, opts)
        layout = subnet_layout(args.cidr, args.zones)
        child = pulumi.ResourceOptions(parent=self)
        cluster_tags = {f"kubernetes.io/cluster/{c}": "shared" for c in args.cluster_names}

        vpc = aws.ec2.Vpc(f"{name}-vpc", cidr_block=args.cidr, enable_dns_hostnames=True,
                          enable_dns_support=True, tags=with_tags(args.tags, Name=name), opts=child)
        igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id,
                                      tags=with_tags(args.tags, Name=f"{name}-igw"), opts=child)
        public_rt = aws.ec2.RouteTable(
            f"{name}-public", vpc_id=vpc.id,
            routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}],
            tags=with_tags(args.tags, Name=f"{name}-public"), opts=child)

        self.private_subnet_ids, self.public_subnet_ids = {}, {}
        nats: dict[str, aws.ec2.NatGateway] = {}
        for zone, plan in layout.items():
            public = aws.ec2.Subnet(
                f"{name}-public-{zone}", vpc_id=vpc.id, cidr_block=plan.public_cidr,
                availability_zone=zone, map_public_ip_on_launch=False,
                tags=with_tags(args.tags, cluster_tags, Name=f"{name}-public-{zone}",
                               **{"kubernetes.io/role/elb": "1"}),
                opts=child)
            aws.ec2.RouteTableAssociation(f"{name}-public-{zone}", subnet_id=public.id,
                                          route_table_id=public_rt.id, opts=child)
            self.public_subnet_ids[zone] = public.id
            if zone in nat_zones(args.zones, args.nat_per_zone):
                eip = aws.ec2.Eip(f"{name}-nat-{zone}", domain="vpc",
                                  tags=with_tags(args.tags, Name=f"{name}-nat-{zone}"), opts=child)
                nats[zone] = aws.ec2.NatGateway(
                    f"{name}-nat-{zone}", allocation_id=eip.id, subnet_id=public.id,
                    tags=with_tags(args.tags, Name=f"{name}-nat-{zone}"), opts=child)

        for zone, plan in layout.items():
            nat = nats.get(zone) or next(iter(nats.values()))
            private = aws.ec2.Subnet(
                f"{name}-private-{zone}", vpc_id=vpc.id, cidr_block=plan.private_cidr,
                availability_zone=zone, map_public_ip_on_launch=False,
                tags=with_tags(args.tags, cluster_tags, Name=f"{name}-private-{zone}",
                               **{"kubernetes.io/role/internal-elb": "1"}),
                opts=child)
            private_rt = aws.ec2.RouteTable(
                f"{name}-private-{zone}", vpc_id=vpc.id,
                routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}],
                tags=with_tags(args.tags, Name=f"{name}-private-{zone}"), opts=child)
            aws.ec2.RouteTableAssociation(f"{name}-private-{zone}", subnet_id=private.id,
                                          route_table_id=private_rt.id, opts=child)
            self.private_subnet_ids[zone] = private.id

        self.vpc_id = vpc.id
        self.register_outputs({
            "vpc_id": self.vpc_id,
            "private_subnet_ids": self.private_subnet_ids,
            "public_subnet_ids": self.public_subnet_ids,
        })
