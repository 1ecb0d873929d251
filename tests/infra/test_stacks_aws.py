"""The staging and prod stacks through the engine: resource counts and the settings that matter, pinned."""

import json

import pytest

from infra.offline.document import build_document
from infra.offline.engine import ProgramError, run_stack
from tests.helpers import stack_run


@pytest.fixture(scope="module")
def prod():
    return build_document(stack_run("prod"))


@pytest.fixture(scope="module")
def staging():
    return build_document(stack_run("staging"))


def named(document, resource_type, name=None):
    found = [r for r in document["resources"] if r["type"] == resource_type and name in (None, r["name"])]
    return found


def one(document, resource_type, name=None):
    [found] = named(document, resource_type, name)
    return found


PROD_COUNTS = {
    # 13, then 4 scale-from-zero tags for the ci-l4 pool, then the autoscaler's GPU label on each of
    # the 4 GPU pools' ASGs (h100, l4, l4 fallback, ci-l4), then their ephemeral-storage resources tags (#32)
    "aws:autoscaling/tag:Tag": 25,
    "kubernetes:storage.k8s.io/v1:StorageClass": 1,  # the EKS cluster's encrypted gp3 default
    "aws:ec2/eip:Eip": 3,
    "aws:ec2/natGateway:NatGateway": 3,
    "aws:ec2/subnet:Subnet": 6,
    "aws:ec2/placementGroup:PlacementGroup": 1,
    "aws:ec2/vpcEndpoint:VpcEndpoint": 4,
    "aws:ec2/flowLog:FlowLog": 1,
    "aws:eks/cluster:Cluster": 1,
    "aws:eks/nodeGroup:NodeGroup": 5,  # system, h100, l4, l4 fallback, ci-l4
    "aws:eks/addon:Addon": 6,
    "aws:eks/accessEntry:AccessEntry": 4,  # platform admins, ML engineers, CI deploy and drift
    # autoscaler, two workload grants, the load balancer controller of the prod gateway, the CPU set's CI jobs
    # (registry push; no prod data for CI runners, #26), then Grafana's query-only identity (#20)
    # then the imagenet dataset's consumer on train (#27)
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": 9,  # with the deployer's and the secret-sync operator's
    # 3, the CI image repository's, then the control-plane and flow-log keys, then the metrics and alerts key
    "aws:kms/key:Key": 7,
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": 1,  # the VPC's default group, closed
    "aws:wafv2/webAcl:WebAcl": 1,  # AWS managed rules in front of the internet-facing ALB
    "aws:wafv2/webAclAssociation:WebAclAssociation": 1,
    "aws:s3/bucket:Bucket": 3,
    "aws:s3/bucketLogging:BucketLogging": 2,
    # autoscaler, device plugin, DCGM, load balancer controller, the ARC controller, 3 runner scale sets;
    # kube-state-metrics, node-exporter and Grafana on each of EKS train and GKE infer-gcp (#20)
    # then Kueue on both clusters and the EFA device plugin (#32), then dcgm-exporter on infer-gcp (#28)
    "kubernetes:helm.sh/v3:Release": 19,  # the secret-sync operator (#26)
    "pulumi:providers:kubernetes": 2,  # one per cluster: EKS train, GKE infer-gcp
}


def test_prod_counts_are_pinned(prod):
    # 129 on AWS and 35 on GCP (the regional inference cluster and its buckets), plus the inference
    # gateways: 23 on AWS (load balancer controller, ALB, listeners, target groups, certificate,
    # records, bindings) and 19 on GCP (address, SSL policy, certificate, map, records, Gateway API
    # objects); then 22 for CI runners: 7 for the ci-l4 pool (component, node group, launch template,
    # 4 autoscaler tags) and 15 for CiRunners (3 namespaces, 6 network policies, 3 releases, 2 App
    # secrets, the component), and 16 for the jobs' identity: the ECR repository (component,
    # repository, key) and three Pod Identity roles (component, role, association each)
    # with four inline policies. Then 5 for the cluster contracts (#15): the gp3 StorageClass and
    # 4 ASG GPU-label tags. Then 9 for the deploy path (#16): the prod-deploy runner set (namespace,
    # 2 network policies, release, App secret) and the CI deploy and drift access entries with their
    # policy associations.
    # Then 13 for issue #17's hardening: on AWS the closed default security group, the control-plane
    # and flow-log keys, the ALB's web ACL and its association (5); on GCP the node disk key and its
    # Compute Engine agent grant, the gateway's Cloud Armor policy, CMEK for samples-gcs (key ring,
    # key, GCS agent grant) and the usage-log writer grants of the two log buckets (8).
    # Then -6 for the GCP deploy (#16): the GKE nodes run as the bootstrap's node account, so the stack
    # creates no account and none of its 5 project role grants.
    # Then 21 for observability on the GKE cluster (#20): kube-state-metrics and node-exporter (component,
    # 2 releases), GMP objects (component, 2 ClusterPodMonitorings, ClusterRules, the Alertmanager Secret),
    # the GMP query frontend (component, namespace, service account, Deployment, Service, Workload Identity
    # binding) and Grafana (component, namespace, release, 4 dashboard ConfigMaps).
    # Then 27 for AWS observability on EKS train (#20), as in dev (tests/infra/test_stacks.py).
    # Then 40 for the replicated imagenet dataset (#27): on both clusters the consumers, volume and warming Job
    # (2 x 8, as in dev); the train consumer's Pod Identity (4); the S3 Express cache (component, directory
    # bucket, expiry: 3); the transfer source role (component, role, policy) and the GCP provider it asks the
    # transfer identity with (4); the GCS copy (component, bucket, log bucket and its writer grant, CMEK key
    # ring, key and agent grant: 7); the transfer (component, job, two sink grants: 4); the GKE grant (2).
    # Then 30 for the GPU platform (#32): Kueue on train (component, release, 3 flavors, and per team a
    # namespace, ResourceQuota, LimitRange, ClusterQueue and LocalQueue: 15) and on infer-gcp (component,
    # release, 3 flavors: 5); EFA on h100 (security group, 2 rules, device plugin release: 4); the
    # ephemeral-storage scale-from-zero tag of each AWS GPU pool (4); the GKE flex-start pool (2).
    # Then -6 for #26: a ResourceQuota in each of the 3 runner namespaces (+3); no prod buckets for CI runners,
    # which run any branch's code, so the GPU set gets no Pod Identity at all (for its job pods and its
    # runner pod before: 2 components, 2 roles, 2 bucket policies, 2 associations: -8) and the CPU set's
    # role keeps only its registry policy (-1). Then 1 for #26: a NetworkPolicy admitting only Grafana's
    # namespace to infer-gcp's unauthenticated GMP query frontend.
    # Then -4 for #28: no source and target roles and policies for the managed scraper (service-linked role).
    # Then +2 for #28: infer-gcp's own dcgm-exporter (release, ClusterPodMonitoring) in place of GKE's package.
    # Then 2 for the datasets' metrics on infer-gcp (#27): GMP's scrape of the GCS FUSE CSI driver's node pods and
    # the datasets dashboard's ConfigMap.
    # Then 1 for #26: the Pod Identity association binding prod's deploy role to its deployer pods.
    # Then 9 for the GitHub App key out of Pulumi (#26, appkey): the empty App secret, the operator's Pod Identity
    # (component, role, read policy, association) and the secret-sync operator (component, namespace, release,
    # ClusterSecretStore); each runner namespace's App Secret is an ExternalSecret now (no change in count).
    assert prod["counts"]["total"] == 389
    # One question per cloud, each asked once: the AWS account id (trust and log-delivery policies)
    # and the GCP project number (the GKE service agent); for the dataset (#27), the zone ids the S3 Express
    # cache is named by and the transfer service's identity its source role trusts.
    assert prod["invokes"] == ["aws:index/getAvailabilityZones:getAvailabilityZones",
                               "aws:index/getCallerIdentity:getCallerIdentity",
                               "gcp:organizations/getProject:getProject",
                               "gcp:storage/getTransferProjectServiceAccount:getTransferProjectServiceAccount"]
    by_type = prod["counts"]["byType"]
    assert {k: by_type.get(k) for k in PROD_COUNTS} == PROD_COUNTS


def test_prod_cluster_is_protected_private_and_deletion_protected(prod):
    cluster = one(prod, "aws:eks/cluster:Cluster")
    assert cluster["protect"] is True
    assert cluster["inputs"]["deletionProtection"] is True
    assert cluster["inputs"]["vpcConfig"]["endpointPublicAccess"] is False
    assert len(cluster["inputs"]["vpcConfig"]["subnetIds"]) == 3
    assert one(prod, "aws:kms/key:Key", "train-secrets")["protect"] is True
    assert sorted(s["inputs"]["availabilityZone"] for s in named(prod, "aws:ec2/subnet:Subnet")
                  if "private" in s["name"]) == ["us-east-1a", "us-east-1b", "us-east-1c"]
    policies = sorted(r["inputs"]["policyArn"].rsplit("/", 1)[1]
                      for r in named(prod, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"))
    # Platform admins and the CI deploy role administer; ML engineers and the drift role view.
    assert policies == ["AmazonEKSClusterAdminPolicy", "AmazonEKSClusterAdminPolicy", "AmazonEKSViewPolicy",
                        "AmazonEKSViewPolicy"]


def test_prod_h100_pool_uses_efa_in_one_placement_group(prod):
    group = one(prod, "aws:eks/nodeGroup:NodeGroup", "train-h100-ng")["inputs"]
    assert group["instanceTypes"] == ["p5.48xlarge"] and group["capacityType"] == "ON_DEMAND"
    assert len(group["subnetIds"]) == 1  # a cluster placement group lives in one zone
    assert group["labels"]["workload"] == "training"
    template = one(prod, "aws:ec2/launchTemplate:LaunchTemplate", "train-h100-lt")
    interfaces = template["inputs"]["networkInterfaces"]
    assert len(interfaces) == 32 and {i["interfaceType"] for i in interfaces} == {"efa"}
    assert template["inputs"]["blockDeviceMappings"][0]["ebs"]["volumeSize"] == 1000
    placement = one(prod, "aws:ec2/placementGroup:PlacementGroup", "train-h100-pg")
    assert template["propertyDependencies"]["placement"] == [placement["urn"]]
    efa = one(prod, "aws:autoscaling/tag:Tag", "train-h100-asg-resources-vpc-amazonaws-com-efa")
    assert efa["inputs"]["tag"]["value"] == "32"


def test_prod_l4_pool_is_spot_with_an_on_demand_fallback_and_spot_is_preferred(prod):
    spot = one(prod, "aws:eks/nodeGroup:NodeGroup", "train-l4-ng")["inputs"]
    fallback = one(prod, "aws:eks/nodeGroup:NodeGroup", "train-l4-fallback-ng")["inputs"]
    assert (spot["capacityType"], spot["scalingConfig"]["minSize"], spot["scalingConfig"]["maxSize"]) == ("SPOT", 1, 8)
    assert (fallback["capacityType"], fallback["scalingConfig"]["minSize"],
            fallback["scalingConfig"]["maxSize"]) == ("ON_DEMAND", 0, 2)
    autoscaler = one(prod, "kubernetes:helm.sh/v3:Release", "train-k8s-cluster-autoscaler")["inputs"]["values"]
    assert autoscaler["expanderPriorities"] == {"10": [".*"], "50": [".*train-l4-ng-.*"]}
    assert autoscaler["autoDiscovery"] == {"clusterName": "prod-train"}


def test_prod_buckets_are_protected_retained_and_log_to_the_log_bucket(prod):
    for bucket in named(prod, "aws:s3/bucket:Bucket"):
        assert (bucket["protect"], bucket["retainOnDelete"], bucket["inputs"]["forceDestroy"]) == (True, True, False)
    logging = {r["name"]: r["inputs"] for r in named(prod, "aws:s3/bucketLogging:BucketLogging")}
    assert logging == {
        # The bucket's id (S3: its name), a stand-in until apply.
        "datasets-access-logs": {"bucket": "acme-ml-prod-datasets", "targetBucket": "acme-ml-prod-logs",
                                 "targetPrefix": "acme-ml-prod-datasets/"},
        "checkpoints-access-logs": {"bucket": "acme-ml-prod-checkpoints", "targetBucket": "acme-ml-prod-logs",
                                    "targetPrefix": "acme-ml-prod-checkpoints/"},
    }
    log_policy = json.loads(one(prod, "aws:s3/bucketPolicy:BucketPolicy", "logs-tls-only")["inputs"]["policy"])
    # S3 may deliver logs here only for this account's buckets that log to it (confused deputy).
    assert log_policy["Statement"][1]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "123456789012"},
        "ArnLike": {"aws:SourceArn": ["arn:aws:s3:::acme-ml-prod-datasets", "arn:aws:s3:::acme-ml-prod-checkpoints"]}}
    lifecycle = one(prod, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "datasets-lifecycle")
    assert lifecycle["inputs"]["rules"][0]["transitions"] == [{"days": 90, "storageClass": "INTELLIGENT_TIERING"}]


def test_prod_workloads_get_only_their_buckets(prod):
    associations = {(r["inputs"]["namespace"], r["inputs"]["serviceAccount"])
                    for r in named(prod, "aws:eks/podIdentityAssociation:PodIdentityAssociation")}
    # CI jobs run as `default` in their set's namespace (registry push only); the GPU set has no cloud access:
    # prod data is never granted to runners that serve any branch's jobs (#26).
    assert associations == {("kube-system", "cluster-autoscaler"), ("training", "trainer"),
                            ("inference", "model-server"), ("kube-system", "aws-load-balancer-controller"),
                            ("arc-prod-cpu", "default"),
                            # Prod's deploy role, which trusts only these deployer pods (#26).
                            ("arc-prod-deploy", "prod-deploy-gha-rs-no-permission"),
                            # Grafana, whose role may only query the stack's metrics workspace (#20).
                            ("grafana", "grafana"),
                            # The imagenet dataset's consumer: its prefix, read-only, and the S3 Express cache (#27).
                            ("training", "data-loader"),
                            # The secret-sync operator, which reads prod's GitHub App secret alone (#26).
                            ("external-secrets", "external-secrets")}
    assert sorted(e["inputs"]["serviceName"] for e in named(prod, "aws:ec2/vpcEndpoint:VpcEndpoint")) == [
        "com.amazonaws.us-east-1.ecr.api", "com.amazonaws.us-east-1.ecr.dkr", "com.amazonaws.us-east-1.s3",
        "com.amazonaws.us-east-1.sts"]


def test_staging_is_protected_but_not_retained_and_its_api_is_on_an_allowlist(staging):
    # 105, then 38 for CI runners as in prod: the ci-l4 pool (7), CiRunners (15), jobs' identity (16),
    # then 4 for the cluster contracts (#15): the gp3 StorageClass and 3 ASG GPU-label tags; then 9 for
    # the deploy path as in prod (#16); then 3 for #17: the closed default security group, the
    # control-plane and flow-log keys.
    # Then 1 for the ARC listeners' metrics NetworkPolicy (#20), and 27 for AWS observability (#20): the
    # stack's AMP workspace (component, key, workspace, rule groups namespace, alert manager, SNS topic and
    # its policy: 7), the cluster's managed scraper (component, scraper, source and target roles and their
    # policies: 6), kube-state-metrics and node-exporter (component, 2 releases: 3), Grafana's Pod Identity
    # (component, role, query policy, association: 4) and Grafana (component, namespace, 4 dashboards,
    # release: 7).
    # Then 1 for #28: staging must name where alerts go, so its on-call address subscribes to the SNS topic.
    # Then 12 for the GPU platform (#32): Kueue (component, release, a flavor per pool: 5), EFA on the
    # h100 pool (its security group, 2 rules, the EFA device plugin release: 4), and each GPU pool's
    # ephemeral-storage scale-from-zero tag (3).
    # Then -1 for #26: a ResourceQuota in each of the 3 runner namespaces (+3); the GPU set runs its steps in
    # the runner pod in the chart's default mode, so its one account is granted and no job pod's (component,
    # role, bucket policy, association: -4).
    # Then -4 for #28: no source and target roles and policies for the managed scraper (service-linked role).
    # Then 1 for #26: the Pod Identity association binding staging's deploy role to its deployer pods.
    # Then 9 for the GitHub App key out of Pulumi (#26, appkey): the empty App secret, the operator's Pod Identity
    # (component, role, read policy, association) and the secret-sync operator (component, namespace, release,
    # ClusterSecretStore); each runner namespace's App Secret is an ExternalSecret now (no change in count).
    assert staging["counts"]["total"] == 205
    assert staging["counts"]["byType"]["aws:ec2/natGateway:NatGateway"] == 1
    cluster = one(staging, "aws:eks/cluster:Cluster")
    assert cluster["protect"] is True and cluster["inputs"]["deletionProtection"] is False
    assert cluster["inputs"]["vpcConfig"]["publicAccessCidrs"] == ["198.51.100.0/24"]
    assert one(staging, "pulumi:providers:aws")["inputs"]["region"] == "us-west-2"
    for bucket in named(staging, "aws:s3/bucket:Bucket"):
        assert (bucket["protect"], bucket["retainOnDelete"]) == (True, False)
    assert one(staging, "aws:eks/nodeGroup:NodeGroup", "train-h100-ng")["inputs"]["scalingConfig"]["maxSize"] == 1


OPT_OUTS = """config:
  mlinfra:environment: prod
  mlinfra:tags: {owner: ml, cost-center: cc}
  mlinfra:aws: {region: us-east-1}
  mlinfra:observability: {enabled: false}
  mlinfra:clusters:
    train:
      cloud: aws
      aws:
        deletion_protection: false
        cluster_autoscaler: false
        gpu_addons: false
        secrets_kms_key_arn: arn:aws:kms:us-east-1:123456789012:key/shared
        addon_versions: {coredns: v1.11.4-eksbuild.14}
        existing_network:
          vpc_id: vpc-0123456789abcdef0
          private_subnet_ids: {us-east-1a: subnet-0aaaaaaaaaaaaaaaa, us-east-1b: subnet-0bbbbbbbbbbbbbbbb}
      gpu_pools:
        l4: {accelerator: nvidia-l4, max_nodes: 2, aws: {node_repair: false}}
"""


def test_every_opt_out_reaches_the_resources(tmp_path):
    (tmp_path / "Pulumi.prod.yaml").write_text(OPT_OUTS)
    document = build_document(run_stack("prod", tmp_path))
    cluster = one(document, "aws:eks/cluster:Cluster")["inputs"]
    assert cluster["deletionProtection"] is False
    assert cluster["encryptionConfig"]["provider"] == {"keyArn": "arn:aws:kms:us-east-1:123456789012:key/shared"}
    assert cluster["vpcConfig"]["subnetIds"] == ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]
    assert document["outputs"]["cluster_train"]["vpc_id"] == "vpc-0123456789abcdef0"
    for absent in ("aws:ec2/vpc:Vpc", "aws:ec2/flowLog:FlowLog", "kubernetes:helm.sh/v3:Release"):
        assert named(document, absent) == [], absent
    # The given key encrypts secrets; only the control-plane log group's own key is created.
    assert [k["name"] for k in named(document, "aws:kms/key:Key")] == ["train-logs-key"]
    assert one(document, "aws:eks/addon:Addon", "train-addons-coredns")["inputs"]["addonVersion"] == \
        "v1.11.4-eksbuild.14"
    assert one(document, "aws:eks/nodeGroup:NodeGroup", "train-l4-ng")["inputs"]["nodeRepairConfig"] == \
        {"enabled": False}


def test_dev_notebooks_read_datasets_and_write_checkpoints():
    document = build_document(stack_run("dev"))
    role = one(document, "aws:iam/role:Role", "dev-notebooks-role")
    condition = json.loads(role["inputs"]["assumeRolePolicy"])["Statement"][0]["Condition"]
    assert condition["StringEquals"]["aws:RequestTag/kubernetes-service-account"] == "notebook"
    assert condition["ArnEquals"] == {"aws:SourceArn": "arn:aws:eks:us-east-1:123456789012:cluster/dev-dev"}
    association = one(document, "aws:eks/podIdentityAssociation:PodIdentityAssociation", "dev-notebooks-association")
    assert association["inputs"]["namespace"] == "ml"
    system = one(document, "aws:eks/nodeGroup:NodeGroup", "dev-system-ng")["inputs"]
    assert system["scalingConfig"] == {"minSize": 1, "maxSize": 2, "desiredSize": 1}
    assert system["amiType"] == "AL2023_x86_64_STANDARD" and "taints" not in system


EFA_ON_L4 = """config:
  mlinfra:environment: dev
  mlinfra:tags: {owner: ml, cost-center: cc}
  mlinfra:aws: {region: us-east-1}
  mlinfra:clusters:
    train:
      cloud: aws
      gpu_pools:
        l4: {accelerator: nvidia-l4, capacity: spot, aws: {efa: true, capacity_block_id: cr-0123456789abcdef0}}
"""


def test_bad_aws_combination_registers_nothing(tmp_path):
    (tmp_path / "Pulumi.dev.yaml").write_text(EFA_ON_L4)
    with pytest.raises(ProgramError) as err:
        run_stack("dev", tmp_path)
    assert [path for path, _ in err.value.cause.problems] == [
        "clusters.train.gpu_pools.l4.aws.efa", "clusters.train.gpu_pools.l4.aws.capacity_block_id",
        # A reservation also names its zone and size (issue 32).
        "clusters.train.gpu_pools.l4.aws.zone", "clusters.train.gpu_pools.l4.aws.reserved_nodes"]
    assert err.value.resources == []
