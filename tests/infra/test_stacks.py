"""Whole stacks through the engine: every stack plans; dev's shape and key settings are pinned."""

import jsonschema
import pytest

from infra.compose.context import zones_for
from infra.config.load import ConfigError
from infra.offline.document import build_document, load_schema
from infra.offline.engine import STACKS_DIR, ProgramError, run_stack
from infra.offline.stackfile import available_stacks
from tests.helpers import stack_run

STACKS = available_stacks(STACKS_DIR)


@pytest.fixture(scope="module")
def dev_document():
    return build_document(stack_run("dev"))


def test_there_are_stacks():
    assert "dev" in STACKS


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_plans_and_matches_the_schema(stack):
    document = build_document(stack_run(stack))
    jsonschema.validate(document, load_schema())
    assert document["counts"]["total"] > 0


def test_dev_resource_counts_are_pinned(dev_document):
    by_type = dev_document["counts"]["byType"]
    # 48 of the first AWS slice, 34 the AWS platform added (4 scale-from-zero ASG tags per GPU pool),
    # 24 for the GKE cluster and GCS bucket,
    # 16 for the internal GKE gateway (proxy-only subnet, address, SSL policy, certificate, Gateway
    # API objects).
    # 10 for the dev-cpu runners (CiRunners, 2 namespaces, 4 network policies, 2 releases, the App secret)
    # and 8 for their jobs' identity (ECR repository and its key, the component; a Pod
    # Identity role with its association and two inline policies, the component).
    # Then 2 for the cluster contracts (#15): the EKS cluster's gp3 StorageClass and the L4 pool's
    # ASG tag carrying the autoscaler's GPU label.
    # 11 for the deploy path (#16): the dev-deploy runner set (namespace, 2 network policies, release,
    # App secret) and 3 EKS access entries with their policy associations (CI deploy, drift, preview).
    # Then 5 for issue #17's hardening: the VPC's closed default security group, keys of their own for
    # the control-plane and flow-log groups, the GKE node disk key and its Compute Engine agent grant.
    # Then -6 for the GCP deploy (#16): the GKE nodes run as the bootstrap's node account, so the stack
    # creates no account and none of its 5 project role grants.
    # Then 21 for observability on the GKE cluster (#20): kube-state-metrics and node-exporter (component,
    # 2 releases), GMP objects (component, 2 ClusterPodMonitorings, ClusterRules, the Alertmanager Secret),
    # the GMP query frontend (component, namespace, service account, Deployment, Service, Workload Identity
    # binding) and Grafana (component, namespace, release, 4 dashboard ConfigMaps).
    # Then 1 for the ARC listeners' metrics NetworkPolicy (#20), counted above, and 27 for AWS observability
    # (#20): the stack's AMP workspace (component, key, workspace, rule groups namespace, alert manager, SNS
    # topic and its policy: 7), the EKS cluster's managed scraper (component, scraper, source and target roles
    # and their policies: 6), kube-state-metrics and node-exporter (component, 2 releases: 3), Grafana's Pod
    # Identity (component, role, query policy, association: 4) and Grafana (component, namespace, 4 dashboards,
    # release: 7).
    # Then -1 for #28: the GKE cluster runs no runner scale sets, so its Grafana gets no runner dashboard.
    # Then 24 for the two datasets (#27): on each cluster the consumers (component, namespace, service account),
    # the volume (component, PV, PVC) and the warming Job (component, Job): 2 x 8; on EKS the consumer's Pod
    # Identity (component, role, policy, association): 4; on GKE its bucket grant (component, member) and the
    # Anywhere Cache (component, cache): 4.
    # Then 7 for the GPU platform (#32): Kueue with a flavor for the l4 pool on each cluster (component,
    # release, flavor: 3 each) and the AWS l4 pool's ephemeral-storage scale-from-zero tag.
    # Then 8 for #26: the dev-preview runner set, so pull requests never run on the deployer (namespace, 2
    # network policies, release, App secret: 5), and a ResourceQuota in each of the 3 runner namespaces.
    # Then 1 for #26: a NetworkPolicy admitting only Grafana's namespace to the unauthenticated GMP frontend.
    # Then -4 for #28: the managed scraper writes with its service-linked role to a workspace with the AWS owned
    # key, so its source and target roles and their policies are gone.
    # Then +2 for #28: on the GKE cluster the platform's dcgm-exporter (release and its ClusterPodMonitoring)
    # replaces GKE's DCGM package, whose counters have no XID.
    # Then 2 for the datasets' metrics on GKE (#27): GMP's ClusterPodMonitoring of the GCS FUSE CSI driver's node
    # pods and the datasets dashboard's ConfigMap.
    # Then 9 for the GitHub App key out of Pulumi (#26, appkey): the empty App secret, the operator's Pod Identity
    # (component, role, read policy, association) and the secret-sync operator (component, namespace, release,
    # ClusterSecretStore); each runner namespace's App Secret is an ExternalSecret now (no change in count).
    assert dev_document["counts"]["total"] == 249
    assert by_type["kubernetes:storage.k8s.io/v1:StorageClass"] == 1
    assert by_type["aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"] == 1
    assert by_type["aws:kms/key:Key"] == 7  # the seventh: the metrics workspace's and alert topic's (#20)
    assert by_type["gcp:kms/cryptoKey:CryptoKey"] == 2
    assert by_type["aws:eks/cluster:Cluster"] == 1
    assert by_type["aws:eks/nodeGroup:NodeGroup"] == 2  # system pool and the L4 pool
    assert by_type["aws:ec2/subnet:Subnet"] == 4
    assert by_type["aws:ec2/natGateway:NatGateway"] == 1
    assert by_type["aws:s3/bucket:Bucket"] == 2
    assert by_type["gcp:container/cluster:Cluster"] == 1
    assert by_type["gcp:container/nodePool:NodePool"] == 2  # system and L4
    assert by_type["gcp:storage/bucket:Bucket"] == 1


def test_dev_key_settings(dev_document):
    def one(resource_type, name=None):
        [found] = [r for r in dev_document["resources"]
                   if r["type"] == resource_type and name in (None, r["name"])]
        return found

    cluster = one("aws:eks/cluster:Cluster")
    assert cluster["inputs"]["vpcConfig"]["endpointPublicAccess"] is False
    assert cluster["inputs"]["name"] == "dev-dev"
    assert cluster["protect"] is False  # dev is not protected; staging and prod are
    pool = one("aws:eks/nodeGroup:NodeGroup", "dev-l4-ng")
    assert pool["inputs"]["instanceTypes"] == ["g6.xlarge"]
    assert pool["inputs"]["scalingConfig"]["minSize"] == 0
    assert pool["inputs"]["capacityType"] == "SPOT"
    assert pool["provider"].startswith("urn:pulumi:dev::mlinfra::pulumi:providers:aws::aws::")
    buckets = sorted(r["inputs"]["bucket"] for r in dev_document["resources"] if r["type"] == "aws:s3/bucket:Bucket")
    assert buckets == ["acme-ml-dev-checkpoints", "acme-ml-dev-datasets"]
    assert dev_document["environment"] == "dev"
    assert dev_document["outputs"]["bucket_datasets"]["arn"] == "arn:aws:s3:::acme-ml-dev-datasets"
    every_taggable = [r for r in dev_document["resources"] if "tags" in r["inputs"]]
    assert every_taggable and all(r["inputs"]["tags"]["cost-center"] == "cc-ml-1234" for r in every_taggable)


def test_zones_are_computed_locally():
    assert zones_for("us-east-1", 3) == ["us-east-1a", "us-east-1b", "us-east-1c"]


BROKEN = """config:
  mlinfra:environment: dev
  mlinfra:tags: {owner: ml, cost-center: cc}
  mlinfra:aws: {region: us-east-1}
  mlinfra:clusters:
    train:
      cloud: aws
      gpu_pools:
        big: {accelerator: nvidia-h100-80gb, gpus_per_node: 8, min_nodes: 3, max_nodes: 1}
"""


def test_bad_config_registers_nothing(tmp_path):
    (tmp_path / "Pulumi.dev.yaml").write_text(BROKEN)
    with pytest.raises(ProgramError) as err:
        run_stack("dev", tmp_path)
    assert isinstance(err.value.cause, ConfigError)
    assert err.value.cause.problems == [
        ("clusters.train.gpu_pools.big.max_nodes", "must be >= min_nodes (got 1 < 3)")]
    assert err.value.resources == []


def test_dev_gke_key_settings(dev_document):
    by_name = {r["name"]: r for r in dev_document["resources"]}
    gke = by_name["dev-gke-cluster"]
    assert gke["inputs"]["location"] == "us-central1-b"  # zonal: dev only
    assert gke["inputs"]["privateClusterConfig"]["enablePrivateEndpoint"] is True
    assert gke["inputs"]["deletionProtection"] is False and gke["protect"] is False
    pool = by_name["dev-gke-l4-pool"]["inputs"]
    assert pool["nodeConfig"]["machineType"] == "g2-standard-4"
    assert pool["nodeConfig"]["spot"] is True
    assert pool["autoscaling"]["totalMinNodeCount"] == 0
    assert by_name["dev-gke-l4-pool"]["provider"].startswith("urn:pulumi:dev::mlinfra::pulumi:providers:gcp::gcp::")
    assert by_name["datasets-gcs-bucket"]["inputs"]["name"] == "acme-ml-dev-datasets-gcs"
    assert by_name["datasets-gcs-access-trainer"]["inputs"]["role"] == "roles/storage.objectViewer"
