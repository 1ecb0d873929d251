import json

import pytest

from components.aws.network import AwsNetwork, AwsNetworkArgs, flow_log_role_policy, nat_zones, subnet_layout


def test_layout_gives_large_private_and_small_public_ranges_keyed_by_zone():
    layout = subnet_layout("10.10.0.0/16", ["us-east-1a", "us-east-1b", "us-east-1c"])
    assert {z: (p.private_cidr, p.public_cidr) for z, p in layout.items()} == {
        "us-east-1a": ("10.10.0.0/19", "10.10.224.0/22"),
        "us-east-1b": ("10.10.32.0/19", "10.10.228.0/22"),
        "us-east-1c": ("10.10.64.0/19", "10.10.232.0/22"),
    }


def test_adding_a_zone_keeps_existing_ranges():
    two = subnet_layout("10.0.0.0/16", ["a", "b"])
    three = subnet_layout("10.0.0.0/16", ["a", "b", "c"])
    assert {z: three[z] for z in two} == two


def test_layout_refuses_more_zones_than_fit():
    with pytest.raises(ValueError, match="at most 7 zones"):
        subnet_layout("10.0.0.0/16", list("abcdefgh"))


def test_nat_zones():
    assert nat_zones(["a", "b", "c"], per_zone=False) == ["a"]
    assert nat_zones(["a", "b", "c"], per_zone=True) == ["a", "b", "c"]


def test_network_registers_private_and_public_subnets_with_elb_tags(register):
    tags = {"environment": "dev"}
    reg = register(lambda: AwsNetwork("net", AwsNetworkArgs(
        cidr="10.10.0.0/16", zones=["us-east-1a", "us-east-1b"], cluster_names=["dev-train"], tags=tags)))
    component = reg.one("mlinfra:aws:Network", "net")
    vpc = reg.one("aws:ec2/vpc:Vpc", "net-vpc")
    assert vpc.parent == component.urn
    assert vpc.inputs["cidrBlock"] == "10.10.0.0/16" and vpc.inputs["enableDnsHostnames"] is True
    private = reg.one("aws:ec2/subnet:Subnet", "net-private-us-east-1b")
    public = reg.one("aws:ec2/subnet:Subnet", "net-public-us-east-1a")
    assert private.inputs["cidrBlock"] == "10.10.32.0/19"
    assert private.inputs["availabilityZone"] == "us-east-1b"
    assert private.inputs["tags"]["kubernetes.io/role/internal-elb"] == "1"
    assert private.inputs["tags"]["kubernetes.io/cluster/dev-train"] == "shared"
    assert private.inputs["tags"]["environment"] == "dev"
    assert public.inputs["tags"]["kubernetes.io/role/elb"] == "1"
    assert public.inputs["mapPublicIpOnLaunch"] is False
    assert private.options()["propertyDependencies"]["vpcId"] == [vpc.urn]


def test_single_nat_serves_every_private_route_table(register):
    reg = register(lambda: AwsNetwork("net", AwsNetworkArgs(cidr="10.0.0.0/16", zones=["z1a", "z1b"])))
    [nat] = reg.of_type("aws:ec2/natGateway:NatGateway")
    assert nat.name == "net-nat-z1a"
    for zone in ("z1a", "z1b"):
        table = reg.one("aws:ec2/routeTable:RouteTable", f"net-private-{zone}")
        assert table.options()["propertyDependencies"]["routes"] == [nat.urn]


def test_nat_per_zone(register):
    reg = register(lambda: AwsNetwork("net", AwsNetworkArgs(
        cidr="10.0.0.0/16", zones=["z1a", "z1b", "z1c"], nat_per_zone=True)))
    assert sorted(n.name for n in reg.of_type("aws:ec2/natGateway:NatGateway")) == [
        "net-nat-z1a", "net-nat-z1b", "net-nat-z1c"]


def test_flow_logs_go_to_their_own_log_group_through_a_scoped_role(register):
    reg = register(lambda: AwsNetwork("net", AwsNetworkArgs(cidr="10.0.0.0/16", zones=["z1a", "z1b"],
                                                            flow_log_retention_days=30)))
    flow = reg.one("aws:ec2/flowLog:FlowLog", "net-flow-logs")
    group = reg.one("aws:cloudwatch/logGroup:LogGroup", "net-flow-logs")
    assert group.inputs["retentionInDays"] == 30
    assert flow.inputs["trafficType"] == "ALL" and flow.inputs["logDestinationType"] == "cloud-watch-logs"
    assert flow.options()["propertyDependencies"]["logDestination"] == [group.urn]
    role = json.loads(reg.one("aws:iam/role:Role", "net-flow-logs").inputs["assumeRolePolicy"])
    assert role["Statement"][0]["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    [statement] = json.loads(flow_log_role_policy("arn:aws:logs:us-east-1:1:log-group:g"))["Statement"]
    assert statement["Resource"] == ["arn:aws:logs:us-east-1:1:log-group:g", "arn:aws:logs:us-east-1:1:log-group:g:*"]



def test_flow_log_policy_names_its_log_group_before_apply_when_the_account_is_given(register):
    reg = register(lambda: AwsNetwork("net", AwsNetworkArgs(cidr="10.0.0.0/16", zones=["z1a", "z1b"],
                                                            region="eu-west-1", account_id="111122223333")))
    group = reg.one("aws:cloudwatch/logGroup:LogGroup", "net-flow-logs")
    [statement] = json.loads(reg.one("aws:iam/rolePolicy:RolePolicy", "net-flow-logs").inputs["policy"])["Statement"]
    arn = f"arn:aws:logs:eu-west-1:111122223333:log-group:{group.inputs['name']}"
    assert group.inputs["name"] == "/aws/vpc/net/flow-logs"
    assert statement["Resource"] == [arn, f"{arn}:*"]


def test_flow_log_group_takes_the_physical_name_so_two_stacks_never_share_it(register):
    # Before: the group was named after the component (`train-net`), the same in staging and prod.
    reg = register(lambda: AwsNetwork("train-net", AwsNetworkArgs(
        cidr="10.0.0.0/16", zones=["z1a", "z1b"], region="eu-west-1", account_id="111122223333",
        physical_name="prod-train-net")))
    group = reg.one("aws:cloudwatch/logGroup:LogGroup", "train-net-flow-logs")
    assert group.inputs["name"] == "/aws/vpc/prod-train-net/flow-logs"
    [statement] = json.loads(reg.one("aws:iam/rolePolicy:RolePolicy", "train-net-flow-logs").inputs["policy"])[
        "Statement"]
    assert statement["Resource"][0] == "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/vpc/prod-train-net/flow-logs"


def test_s3_gateway_endpoint_on_private_route_tables_and_no_interface_endpoints_by_default(register):
    reg = register(lambda: AwsNetwork("net", AwsNetworkArgs(cidr="10.0.0.0/16", zones=["z1a", "z1b"],
                                                            region="eu-west-1")))
    [endpoint] = reg.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    assert endpoint.inputs["serviceName"] == "com.amazonaws.eu-west-1.s3"
    assert endpoint.inputs["vpcEndpointType"] == "Gateway"
    tables = sorted(reg.one("aws:ec2/routeTable:RouteTable", f"net-private-{z}").urn for z in ("z1a", "z1b"))
    assert endpoint.options()["propertyDependencies"]["routeTableIds"] == tables


def test_interface_endpoints_when_enabled(register):
    reg = register(lambda: AwsNetwork("net", AwsNetworkArgs(cidr="10.0.0.0/16", zones=["z1a", "z1b"],
                                                            interface_endpoints=True)))
    interfaces = {r.inputs["serviceName"]: r.inputs for r in reg.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
                  if r.inputs["vpcEndpointType"] == "Interface"}
    assert sorted(interfaces) == ["com.amazonaws.us-east-1.ecr.api", "com.amazonaws.us-east-1.ecr.dkr",
                                  "com.amazonaws.us-east-1.sts"]
    assert all(i["privateDnsEnabled"] is True for i in interfaces.values())
    group = reg.one("aws:ec2/securityGroup:SecurityGroup", "net-endpoints").inputs
    assert group["ingress"] == [{"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["10.0.0.0/16"],
                                 "description": "HTTPS from the VPC to the interface endpoints"}]


def test_default_security_group_of_the_vpc_is_adopted_with_no_rules(register):
    reg = register(lambda: AwsNetwork("net", AwsNetworkArgs(cidr="10.0.0.0/16", zones=["z1a", "z1b"])))
    vpc = reg.one("aws:ec2/vpc:Vpc", "net-vpc")
    default = reg.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "net-default-sg")
    assert default.inputs["ingress"] == [] and default.inputs["egress"] == []
    assert default.options()["propertyDependencies"]["vpcId"] == [vpc.urn]


def test_flow_logs_are_encrypted_with_their_own_key_and_the_role_trusts_only_this_account(register):
    reg = register(lambda: AwsNetwork("net", AwsNetworkArgs(
        cidr="10.0.0.0/16", zones=["z1a", "z1b"], region="eu-west-1", account_id="111122223333", protect=True)))
    group = reg.one("aws:cloudwatch/logGroup:LogGroup", "net-flow-logs")
    key = reg.one("aws:kms/key:Key", "net-flow-logs-key")
    assert group.options()["propertyDependencies"]["kmsKeyId"] == [key.urn]
    assert key.options()["protect"] is True and key.inputs["enableKeyRotation"] is True
    root, logs, describe = json.loads(key.inputs["policy"])["Statement"]
    assert describe["Action"] == "kms:DescribeKey" and "Condition" not in describe
    assert root["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
    assert logs["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    assert logs["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"] == [
        "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/vpc/net/flow-logs"]
    [trust] = json.loads(reg.one("aws:iam/role:Role", "net-flow-logs").inputs["assumeRolePolicy"])["Statement"]
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "111122223333"},
                                  "ArnLike": {"aws:SourceArn": "arn:aws:ec2:eu-west-1:111122223333:vpc-flow-log/*"}}
