"""A node cache on local NVMe: the pool it is read on keeps its ephemeral storage there, on both clouds.

EKS: the GPU pool's launch template carries a nodeadm NodeConfig with `localStorage.strategy: RAID0`, which moves
/var/lib/kubelet (emptyDir, so Mountpoint's cache) onto the instance store; GKE: the node pool's
`ephemeralStorageLocalSsdConfig` puts ephemeral storage (the GCS FUSE sidecar's cache volume) on Local SSD.
"""

from __future__ import annotations

import base64
import json
from dataclasses import replace

import pytest
import yaml

from components.aws.node_user_data import NODEADM_CONTENT_TYPE, local_nvme_node_config, mime_user_data
from components.gcp.gpu_node_pool import GkeGpuNodePool
from infra.compose.gcp import pool_args
from infra.config.load import parse_stack_config
from infra.offline.engine import STACKS_DIR, run_stack_file
from infra.offline.stackfile import load_stack_file

EPHEMERAL = "mlinfra.io/ephemeral-storage"


@pytest.fixture(scope="module")
def dev_on_nvme():
    stack_file = load_stack_file(STACKS_DIR, "dev")
    datasets = json.loads(stack_file.config["mlinfra:datasets"])
    datasets["imagenet"]["cache"]["node"] = {"size_gib": 100, "medium": "local-nvme"}
    return run_stack_file(replace(stack_file, config={**stack_file.config, "mlinfra:datasets": json.dumps(datasets)}))


def one(run, resource_type, name):
    [found] = [r for r in run.resources if r.type == resource_type and r.name == name]
    return found.inputs


def test_the_eks_pool_stripes_its_instance_store_and_says_so(dev_on_nvme):
    template = one(dev_on_nvme, "aws:ec2/launchTemplate:LaunchTemplate", "dev-l4-lt")
    text = base64.b64decode(template["userData"]).decode()
    assert f"Content-Type: {NODEADM_CONTENT_TYPE}" in text and text.startswith("MIME-Version: 1.0")
    part = text.split(f"Content-Type: {NODEADM_CONTENT_TYPE}\n\n", 1)[1].split("\n--MLINFRA--", 1)[0]
    assert yaml.safe_load(part) == {"apiVersion": "node.eks.aws/v1alpha1", "kind": "NodeConfig",
                                    "spec": {"instance": {"localStorage": {"strategy": "RAID0"}}}}
    group = one(dev_on_nvme, "aws:eks/nodeGroup:NodeGroup", "dev-l4-ng")
    assert group["labels"][EPHEMERAL] == "local-nvme"
    # The autoscaler scales from zero knowing the node's ephemeral storage is the NVMe's (232 GiB less eviction).
    assert group["tags"]["k8s.io/cluster-autoscaler/node-template/resources/ephemeral-storage"] == "208Gi"
    # The Mountpoint cache is an emptyDir on the node's default medium, which is now the NVMe.
    pv = one(dev_on_nvme, "kubernetes:core/v1:PersistentVolume", "dev-imagenet-eks-pv")
    attributes = pv["spec"]["csi"]["volumeAttributes"]
    assert (attributes["cache"], attributes["cacheEmptyDirSizeLimit"]) == ("emptyDir", "100Gi")
    assert "cacheEmptyDirMedium" not in attributes
    # The GKE pool reads no local-nvme dataset: untouched.
    gke = one(dev_on_nvme, "gcp:container/nodePool:NodePool", "dev-gke-l4-pool")
    assert "ephemeralStorageLocalSsdConfig" not in gke["nodeConfig"] and EPHEMERAL not in gke["nodeConfig"]["labels"]


def test_pools_without_a_local_nvme_dataset_keep_their_root_disk():
    from tests.helpers import stack_run

    run = stack_run("dev")
    assert "userData" not in one(run, "aws:ec2/launchTemplate:LaunchTemplate", "dev-l4-lt")
    assert EPHEMERAL not in one(run, "aws:eks/nodeGroup:NodeGroup", "dev-l4-ng")["labels"]


def test_a_gke_a3_pool_puts_ephemeral_storage_on_its_16_local_ssds(register):
    values = {"environment": "dev", "tags": {"owner": "ml", "cost-center": "cc"},
              "gcp": {"project": "acme-ml-dev", "region": "us-central1"},
              "clusters": {"c": {"cloud": "gcp", "gpu_pools": {"h100": {
                  "accelerator": "nvidia-h100-80gb", "gpus_per_node": 8, "max_nodes": 1}}}}}
    cluster = parse_stack_config(values, "dev").clusters["c"]
    args = pool_args("us-central1", cluster, cluster.gpu_pools["h100"], "cluster-id", "sa@p.iam", {},
                     local_nvme_cache=True)
    assert (args.machine_type, args.local_ssd_count, args.node_labels[EPHEMERAL]) == ("a3-highgpu-8g", 16, "local-nvme")
    recorded = register(lambda: GkeGpuNodePool("c-h100", replace(args, cluster_id="cluster-id")))
    node_config = recorded.one("gcp:container/nodePool:NodePool").inputs["nodeConfig"]
    assert node_config["ephemeralStorageLocalSsdConfig"] == {"localSsdCount": 16}
    assert node_config["labels"][EPHEMERAL] == "local-nvme"
    plain = pool_args("us-central1", cluster, cluster.gpu_pools["h100"], "cluster-id", "sa@p.iam", {})
    assert plain.local_ssd_count is None and EPHEMERAL not in plain.node_labels


def test_user_data_needs_a_node_config():
    assert base64.b64decode(mime_user_data(local_nvme_node_config())).decode().endswith("--MLINFRA--\n")
    with pytest.raises(ValueError, match="no NodeConfig"):
        mime_user_data()




def test_only_the_pools_a_local_nvme_dataset_is_read_on_move_their_ephemeral_storage():
    from infra.compose.datasets import local_nvme_pools
    from infra.config.load import ConfigError, namespace_values

    values = namespace_values(load_stack_file(STACKS_DIR, "prod").config)
    values["datasets"]["imagenet"]["cache"]["node"] = {"size_gib": 100, "medium": "local-nvme"}
    # The eval consumer reads on infer-gcp's a100-mig pool (a2-highgpu-1g): no Local SSD recorded, refused.
    with pytest.raises(ConfigError) as refused:
        parse_stack_config(values, "prod")
    assert [path for path, _ in refused.value.problems] == ["datasets.imagenet.cache.node.medium"]
    del values["datasets"]["imagenet"]["consumers"]["eval"]
    values["datasets"]["imagenet"]["replicate"] = False
    config = parse_stack_config(values, "prod")
    # The train consumer names its pool: only the H100 pool (p5.48xlarge) moves, not the cluster's L4 pools.
    assert local_nvme_pools(config, "train") == {"h100"}
    assert local_nvme_pools(config, "infer-gcp") == set()
