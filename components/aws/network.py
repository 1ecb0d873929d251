"""AwsNetwork: a VPC with private subnets for nodes and public ones for load balancers, per zone."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Network

import pulumi
import pulumi_aws as aws

from components.aws.iam import RoleBounds, account_id_or_lookup, assume_role_policy
from components.aws.kms_policy import key_policy
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


INTERFACE_ENDPOINT_SERVICES = ("ecr.api", "ecr.dkr", "sts")


def log_group_arn(region: str, account_id: str, group_name: str) -> str:
    """A CloudWatch log group's ARN, known before it exists, so its policy can be checked in a plan."""
    return f"arn:aws:logs:{region}:{account_id}:log-group:{group_name}"


def flow_log_group_name(physical_name: str) -> str:
    """The flow-log group of a network whose cloud-side names start with `physical_name`."""
    return f"/aws/vpc/{physical_name}/flow-logs"


def flow_log_role_policy(log_group_arn: str) -> str:
    """What VPC flow logs may do: write to their own log group, nothing else."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        "Resource": [log_group_arn, f"{log_group_arn}:*"],
    }]})


def flow_log_source_arn(region: str, account_id: str) -> str:
    """Every flow log of the account in the region: the trust's aws:SourceArn.

    A wildcard for the flow log id, as the VPC User Guide suggests when the id is not known before
    the role exists ("IAM role for publishing flow logs to CloudWatch Logs",
    docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html, read 2026-11-29).
    """
    return f"arn:aws:ec2:{region}:{account_id}:vpc-flow-log/*"


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
    # Region, for endpoint service names.
    region: str = "us-east-1"
    flow_log_retention_days: int = 90
    # ECR and STS interface endpoints keep image pulls and token calls off the NAT.
    interface_endpoints: bool = False
    # The account: names the flow-log policy's log group and the key and trust policies before
    # apply (the policy pack can then check them in a preview); looked up when unset.
    account_id: pulumi.Input[str] | None = None
    # Protect the flow-log key (staging, prod): deleting it makes the kept logs unreadable.
    protect: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)
    # Boundary and IAM path of the roles created here: the deploy role creates roles only with them.
    bounds: RoleBounds = field(default_factory=RoleBounds)
    # Stem of the cloud-side names (the flow-log group), unique per account and region: two stacks
    # with a cluster of the same name must not share a log group. Defaults to the component name.
    physical_name: str | None = None


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
        # Adopting the VPC's default security group with no rules removes AWS's default ones (all
        # traffic within the group, all egress), so nothing placed there by mistake can talk
        # (Checkov CKV2_AWS_12). Every resource here names its own group.
        aws.ec2.DefaultSecurityGroup(f"{name}-default-sg", vpc_id=vpc.id, ingress=[], egress=[],
                                     tags=with_tags(args.tags, Name=f"{name}-default-closed"), opts=child)
        igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id,
                                      tags=with_tags(args.tags, Name=f"{name}-igw"), opts=child)
        public_rt = aws.ec2.RouteTable(
            f"{name}-public", vpc_id=vpc.id,
            routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}],
            tags=with_tags(args.tags, Name=f"{name}-public"), opts=child)

        self.private_subnet_ids, self.public_subnet_ids = {}, {}
        private_tables: list[aws.ec2.RouteTable] = []
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
            private_tables.append(private_rt)

        self._flow_logs(name, vpc, args)
        # Dataset and checkpoint traffic to S3 stays on the AWS network and skips NAT charges.
        aws.ec2.VpcEndpoint(f"{name}-s3", vpc_id=vpc.id, service_name=f"com.amazonaws.{args.region}.s3",
                            vpc_endpoint_type="Gateway", route_table_ids=[t.id for t in private_tables],
                            tags=with_tags(args.tags, Name=f"{name}-s3"), opts=child)
        if args.interface_endpoints:
            self._interface_endpoints(name, vpc, args)

        self.vpc_id = vpc.id
        self.register_outputs({
            "vpc_id": self.vpc_id,
            "private_subnet_ids": self.private_subnet_ids,
            "public_subnet_ids": self.public_subnet_ids,
        })

    def _flow_logs(self, name: str, vpc: aws.ec2.Vpc, args: AwsNetworkArgs) -> None:
        child = pulumi.ResourceOptions(parent=self)
        group_name = flow_log_group_name(args.physical_name or name)
        account = account_id_or_lookup(args.account_id, self)
        arn = account.apply(lambda acct: log_group_arn(args.region, acct, group_name))
        # Flow logs reveal who talks to whom: a key of our own that only this log group may use.
        key = aws.kms.Key(f"{name}-flow-logs-key", description=f"VPC flow logs of {name}",
                          enable_key_rotation=True, deletion_window_in_days=30,
                          policy=account.apply(lambda acct: key_policy(
                              acct, logs_region=args.region,
                              log_group_arns=[log_group_arn(args.region, acct, group_name)])),
                          tags=with_tags(args.tags, Name=f"{name}-flow-logs"),
                          opts=pulumi.ResourceOptions(parent=self, protect=args.protect))
        group = aws.cloudwatch.LogGroup(f"{name}-flow-logs", name=group_name, kms_key_id=key.arn,
                                        retention_in_days=args.flow_log_retention_days, tags=args.tags,
                                        opts=child)
        role = aws.iam.Role(f"{name}-flow-logs", assume_role_policy=account.apply(
            lambda acct: assume_role_policy("vpc-flow-logs.amazonaws.com", source_account=acct,
                                            source_arn=flow_log_source_arn(args.region, acct))),
            tags=args.tags, opts=child, **args.bounds.role())
        aws.iam.RolePolicy(f"{name}-flow-logs", role=role.name, policy=arn.apply(flow_log_role_policy),
                           opts=child)
        aws.ec2.FlowLog(f"{name}-flow-logs", vpc_id=vpc.id, traffic_type="ALL",
                        log_destination_type="cloud-watch-logs", log_destination=group.arn,
                        iam_role_arn=role.arn, tags=args.tags, opts=child)

    def _interface_endpoints(self, name: str, vpc: aws.ec2.Vpc, args: AwsNetworkArgs) -> None:
        child = pulumi.ResourceOptions(parent=self)
        group = aws.ec2.SecurityGroup(
            f"{name}-endpoints", vpc_id=vpc.id, description="HTTPS from the VPC to interface endpoints",
            ingress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": [args.cidr],
                      "description": "HTTPS from the VPC to the interface endpoints"}],
            tags=with_tags(args.tags, Name=f"{name}-endpoints"), opts=child)
        for service in INTERFACE_ENDPOINT_SERVICES:
            aws.ec2.VpcEndpoint(
                f"{name}-{service.replace('.', '-')}", vpc_id=vpc.id,
                service_name=f"com.amazonaws.{args.region}.{service}", vpc_endpoint_type="Interface",
                private_dns_enabled=True, subnet_ids=list(self.private_subnet_ids.values()),
                security_group_ids=[group.id], tags=with_tags(args.tags, Name=f"{name}-{service}"),
                opts=child)
