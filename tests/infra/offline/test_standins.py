"""Stand-ins for what the cloud computes: the documented format of each service, deterministic."""

from __future__ import annotations

import re

import pulumi
import pulumi_aws as aws
import pulumi_gcp as gcp

from infra.offline.invokes import OfflineContext
from infra.offline.standins import autoname, partition_of, stand_in

CTX = OfflineContext(aws_region="eu-west-1", aws_account_id="111122223333", gcp_project="acme-ml-dev",
                     gcp_region="europe-west4", gcp_project_number="123456789")


def program():
    key = aws.kms.Key("key")
    role = aws.iam.Role("app", path="/acme-ml/", assume_role_policy="{}")
    bucket = aws.s3.Bucket("data", bucket="amzn-s3-demo-bucket")
    vpc = aws.ec2.Vpc("net", cidr_block="10.0.0.0/16")
    aws.eks.Cluster("train", name="dev-train", role_arn=role.arn, vpc_config={"subnet_ids": [vpc.id]})
    aws.amp.Workspace("metrics")
    aws.cloudwatch.LogGroup("logs", name="/aws/eks/dev-train/cluster", kms_key_id=key.arn)
    aws.iam.RolePolicy("use", role=role.id, policy=pulumi.Output.all(key.arn, bucket.arn).apply(
        lambda arns: f'{{"Statement": [{{"Resource": ["{arns[0]}", "{arns[1]}/*"]}}]}}'))
    gcp.serviceaccount.Account("nodes", account_id="dev-nodes")
    network = gcp.compute.Network("vpc", name="dev-vpc")
    gcp.compute.Subnetwork("sub", name="dev-sub", network=network.id, ip_cidr_range="10.1.0.0/16",
                           region="europe-west4")
    ring = gcp.kms.KeyRing("ring", name="dev-ring", location="europe-west4")
    gcp.kms.CryptoKey("ck", name="dev-key", key_ring=ring.id)


def test_every_computed_output_has_its_services_documented_shape(register):
    reg = register(program, context=CTX)
    s = {r.name: r.stand_ins for r in reg.resources}
    key_id = s["key"]["id"]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", key_id)
    assert s["key"]["arn"] == f"arn:aws:kms:eu-west-1:111122223333:key/{key_id}"
    # IAM is global: no region in the ARN; the path is part of it. The name is autonamed.
    assert re.fullmatch(r"app-[0-9a-f]{7}", s["app"]["name"])
    assert s["app"]["arn"] == f"arn:aws:iam::111122223333:role/acme-ml/{s['app']['name']}"
    assert s["app"]["id"] == s["app"]["name"]
    # S3 bucket ARNs carry neither region nor account; the id is the bucket's name.
    assert s["data"]["arn"] == "arn:aws:s3:::amzn-s3-demo-bucket" and s["data"]["id"] == "amzn-s3-demo-bucket"
    assert re.fullmatch(r"vpc-[0-9a-f]{17}", s["net"]["id"])
    assert s["train"]["arn"] == "arn:aws:eks:eu-west-1:111122223333:cluster/dev-train"
    assert re.fullmatch(r"https://[0-9A-F]{32}\.gr7\.eu-west-1\.eks\.amazonaws\.com", s["train"]["endpoint"])
    assert re.fullmatch(r"ws-[0-9a-f-]{36}", s["metrics"]["id"])
    assert s["metrics"]["arn"] == f"arn:aws:aps:eu-west-1:111122223333:workspace/{s['metrics']['id']}"
    assert s["logs"]["arn"] == "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/eks/dev-train/cluster"
    assert s["nodes"]["email"] == "dev-nodes@acme-ml-dev.iam.gserviceaccount.com"
    assert s["nodes"]["id"] == "projects/acme-ml-dev/serviceAccounts/dev-nodes@acme-ml-dev.iam.gserviceaccount.com"
    assert s["vpc"]["id"] == "projects/acme-ml-dev/global/networks/dev-vpc"
    assert s["vpc"]["selfLink"] == "https://www.googleapis.com/compute/v1/projects/acme-ml-dev/global/networks/dev-vpc"
    assert s["sub"]["id"] == "projects/acme-ml-dev/regions/europe-west4/subnetworks/dev-sub"
    assert s["ring"]["id"] == "projects/acme-ml-dev/locations/europe-west4/keyRings/dev-ring"
    assert s["ck"]["id"] == "projects/acme-ml-dev/locations/europe-west4/keyRings/dev-ring/cryptoKeys/dev-key"
    # Inputs built from them are concrete, and carry the stand-in of the resource they read.
    cluster = reg.one("aws:eks/cluster:Cluster").inputs
    assert cluster["roleArn"] == s["app"]["arn"] and cluster["vpcConfig"]["subnetIds"] == [s["net"]["id"]]
    assert reg.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"] == (
        f'{{"Statement": [{{"Resource": ["{s["key"]["arn"]}", "arn:aws:s3:::amzn-s3-demo-bucket/*"]}}]}}')


def test_stand_ins_are_the_same_run_to_run_and_move_only_with_the_urn(register):
    first = {r.urn: r.stand_ins for r in register(program, context=CTX).resources}
    second = {r.urn: r.stand_ins for r in register(program, context=CTX).resources}
    assert first == second
    urn = "urn:pulumi:dev::mlinfra::aws:iam/role:Role::app"
    assert autoname("app", urn) == autoname("app", urn) != autoname("app", urn + "2")


def test_partition_follows_the_region():
    assert [partition_of(r) for r in ("us-east-1", "cn-north-1", "us-gov-west-1")] == ["aws", "aws-cn", "aws-us-gov"]
    _, outputs = stand_in("aws:iam/role:Role", "r", "urn:x", {"name": "r"}, OfflineContext(aws_region="cn-north-1"))
    assert outputs["arn"] == "arn:aws-cn:iam::123456789012:role/r"


def test_no_stand_ins_for_kubernetes_objects_and_an_opt_out_leaves_every_output_unknown(register):
    assert stand_in("kubernetes:core/v1:Namespace", "ns", "urn:x", {}, CTX) is None
    reg = register(program, context=CTX, stand_ins=False)
    assert all(r.stand_ins == {} for r in reg.resources)
    assert reg.one("aws:eks/cluster:Cluster").inputs["roleArn"] == "[unknown]"
