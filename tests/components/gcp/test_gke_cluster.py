import json
import re

import pytest

from components.gcp.gke_cluster import GkeCluster, GkeClusterArgs, endpoint_config, kubeconfig
from components.gcp.iam import service_account_id

ARGS = dict(cluster_name="prod-infer", project="acme-ml-prod", project_number="100000000001",
            location="us-central1", region="us-central1", network="projects/p/global/networks/n",
            subnetwork="projects/p/regions/us-central1/subnetworks/s", pods_range="pods",
            services_range="services")
NODE_ROLES = ["roles/artifactregistry.reader", "roles/logging.logWriter", "roles/monitoring.metricWriter",
              "roles/monitoring.viewer", "roles/stackdriver.resourceMetadata.writer"]


def test_endpoint_private_unless_public_cidrs_are_listed():
    private, authorized = endpoint_config([], ["10.100.0.0/16"], "172.16.0.0/28")
    assert private == {"enable_private_nodes": True, "enable_private_endpoint": True,
                       "master_ipv4_cidr_block": "172.16.0.0/28"}
    assert authorized == {"cidr_blocks": [{"cidr_block": "10.100.0.0/16", "display_name": "internal-0"}],
                          "gcp_public_cidrs_access_enabled": False}
    private, authorized = endpoint_config(["203.0.113.0/24"], [], "172.16.0.0/28")
    assert private["enable_private_endpoint"] is False and private["enable_private_nodes"] is True
    assert authorized["cidr_blocks"] == [{"cidr_block": "203.0.113.0/24", "display_name": "public-0"}]
    with pytest.raises(ValueError, match="0.0.0.0/0"):
        endpoint_config([], ["0.0.0.0/0"], "172.16.0.0/28")


def test_kubeconfig_uses_the_gke_auth_plugin_not_static_credentials():
    config = json.loads(kubeconfig("c", "10.0.0.2", "Q0E="))
    assert config["clusters"][0]["cluster"] == {"server": "https://10.0.0.2", "certificate-authority-data": "Q0E="}
    assert config["users"][0]["user"]["exec"]["command"] == "gke-gcloud-auth-plugin"


def test_service_account_ids_fit_gcp_limits():
    assert service_account_id("prod-infer", "nodes") == "prod-infer-nodes"
    long = service_account_id("staging-a-very-long-cluster-name", "nodes")
    assert long == "staging-a-very-lo-12d9fd-nodes" and len(long) == 30
    assert service_account_id("1x", "nodes") == "sa1x-nodes"
    assert service_account_id("ab", "x") == "ab-x00"


def test_long_service_account_ids_differ_when_only_their_cut_off_tails_do():
    # Cutting to 30 characters alone gave these two sandboxes' clusters one node account.
    alice = service_account_id("sandbox-alice-experiment-sandbox", "nodes")
    alice2 = service_account_id("sandbox-alice-experiment-sandbox2", "nodes")
    assert alice != alice2
    for account in (alice, alice2, service_account_id("sandbox-bob-box-sandbox", "nodes")):
        assert re.fullmatch(r"[a-z]([-a-z0-9]*[a-z0-9])", account) and 6 <= len(account) <= 30, account
    # Stable: the same base always gives the same id, so a re-run never replaces the account.
    assert alice == service_account_id("sandbox-alice-experiment-sandbox", "nodes")
    assert service_account_id("sandbox-bob-box-sandbox", "nodes") == "sandbox-bob-box-sandbox-nodes"


def test_cluster_secure_defaults(register):
    reg = register(lambda: GkeCluster("infer", GkeClusterArgs(**ARGS, labels={"owner": "ml"})))
    cluster = reg.one("gcp:container/cluster:Cluster", "infer-cluster")
    i = cluster.inputs
    assert i["name"] == "prod-infer" and i["location"] == "us-central1"
    assert i["networkingMode"] == "VPC_NATIVE"
    assert i["ipAllocationPolicy"] == {"clusterSecondaryRangeName": "pods", "servicesSecondaryRangeName": "services"}
    assert i["removeDefaultNodePool"] is True
    assert i["privateClusterConfig"] == {"enablePrivateNodes": True, "enablePrivateEndpoint": True,
                                         "masterIpv4CidrBlock": "172.16.0.0/28"}
    assert i["masterAuthorizedNetworksConfig"] == {"cidrBlocks": [], "gcpPublicCidrsAccessEnabled": False}
    assert i["workloadIdentityConfig"] == {"workloadPool": "acme-ml-prod.svc.id.goog"}
    assert i["datapathProvider"] == "ADVANCED_DATAPATH" and "networkPolicy" not in i
    assert i["enableShieldedNodes"] is True
    assert i["releaseChannel"] == {"channel": "REGULAR"} and i["minMasterVersion"] == "1.35"
    assert i["enableLegacyAbac"] is False
    assert i["masterAuth"] == {"clientCertificateConfig": {"issueClientCertificate": False}}
    assert i["gatewayApiConfig"] == {"channel": "CHANNEL_STANDARD"}
    # The PD CSI driver serves GKE's default StorageClass, which runner work volumes rely on.
    assert i["addonsConfig"] == {"gcsFuseCsiDriverConfig": {"enabled": True},
                                 "gcePersistentDiskCsiDriverConfig": {"enabled": True}}
    assert i["loggingConfig"] == {"enableComponents": ["SYSTEM_COMPONENTS", "WORKLOADS"]}
    assert i["monitoringConfig"] == {
        "enableComponents": ["SYSTEM_COMPONENTS", "DCGM"], "managedPrometheus": {"enabled": True},
        "advancedDatapathObservabilityConfig": {"enableMetrics": True, "enableRelay": False}}
    assert i["deletionProtection"] is False and cluster.options()["protect"] is False
    assert i["resourceLabels"] == {"owner": "ml"}
    # The short-lived default pool already runs as the dedicated account, shielded, GKE metadata.
    assert i["nodeConfig"]["shieldedInstanceConfig"] == {"enableSecureBoot": True, "enableIntegrityMonitoring": True}
    assert i["nodeConfig"]["workloadMetadataConfig"] == {"mode": "GKE_METADATA"}
    assert i["nodeConfig"]["serviceAccount"] == "prod-infer-nodes@acme-ml-prod.iam.gserviceaccount.com"


def test_managed_dcgm_false_leaves_gkes_dcgm_package_out(register):
    # Where the platform runs its own dcgm-exporter (components/gcp/dcgm_exporter.py): one exporter per node.
    reg = register(lambda: GkeCluster("infer", GkeClusterArgs(**ARGS, managed_dcgm=False, control_plane_metrics=True)))
    monitoring = reg.one("gcp:container/cluster:Cluster").inputs["monitoringConfig"]
    assert monitoring["enableComponents"] == ["SYSTEM_COMPONENTS", "APISERVER"]
    assert monitoring["managedPrometheus"] == {"enabled": True}


def test_secrets_are_encrypted_with_a_created_rotating_key_the_gke_agent_may_use(register):
    reg = register(lambda: GkeCluster("infer", GkeClusterArgs(**ARGS, kms_rotation_days=30)))
    cluster = reg.one("gcp:container/cluster:Cluster")
    key = reg.one("gcp:kms/cryptoKey:CryptoKey", "infer-secrets-key")
    assert key.inputs["rotationPeriod"] == "2592000s" and key.inputs["purpose"] == "ENCRYPT_DECRYPT"
    assert reg.one("gcp:kms/keyRing:KeyRing").inputs == {"name": "prod-infer-secrets", "location": "us-central1"}
    assert cluster.inputs["databaseEncryption"]["state"] == "ENCRYPTED"
    assert cluster.options()["propertyDependencies"]["databaseEncryption"] == [key.urn]
    grant = reg.one("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "infer-secrets-gke")
    assert grant.inputs["member"] == ("serviceAccount:service-100000000001@"
                                      "container-engine-robot.iam.gserviceaccount.com")
    assert grant.inputs["role"] == "roles/cloudkms.cryptoKeyEncrypterDecrypter"
    assert grant.urn in cluster.options()["dependencies"]


def test_existing_kms_key_is_used_and_still_granted(register):
    key = "projects/p/locations/us-central1/keyRings/r/cryptoKeys/k"
    reg = register(lambda: GkeCluster("infer", GkeClusterArgs(**ARGS, kms_key=key)))
    assert reg.of_type("gcp:kms/cryptoKey:CryptoKey") == []
    assert reg.one("gcp:container/cluster:Cluster").inputs["databaseEncryption"] == {"state": "ENCRYPTED",
                                                                                    "keyName": key}
    grants = {g.name: g.inputs for g in reg.of_type("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")}
    assert {n: (g["cryptoKeyId"], g["member"]) for n, g in grants.items()} == {
        "infer-secrets-gke": (key,
                              "serviceAccount:service-100000000001@container-engine-robot.iam.gserviceaccount.com"),
        "infer-disks-compute": (key, "serviceAccount:service-100000000001@compute-system.iam.gserviceaccount.com")}
    pool = reg.one("gcp:container/nodePool:NodePool", "infer-system")
    assert pool.inputs["nodeConfig"]["bootDiskKmsKey"] == key


def test_node_boot_disks_use_a_cmek_key_the_compute_agent_holds_before_any_node(register):
    reg = register(lambda: GkeCluster("infer", GkeClusterArgs(**ARGS)))
    disk_key = reg.one("gcp:kms/cryptoKey:CryptoKey", "infer-disks-key")
    ring = reg.one("gcp:kms/keyRing:KeyRing")
    secrets_key = reg.one("gcp:kms/cryptoKey:CryptoKey", "infer-secrets-key")
    assert disk_key.options()["propertyDependencies"]["keyRing"] == [secrets_key.urn]
    assert disk_key.inputs["rotationPeriod"] == "7776000s" and ring.inputs["name"] == "prod-infer-secrets"
    grant = reg.one("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "infer-disks-compute")
    assert grant.inputs["role"] == "roles/cloudkms.cryptoKeyEncrypterDecrypter"
    assert grant.inputs["member"] == "serviceAccount:service-100000000001@compute-system.iam.gserviceaccount.com"
    assert grant.options()["propertyDependencies"]["cryptoKeyId"] == [disk_key.urn]
    cluster = reg.one("gcp:container/cluster:Cluster")
    assert grant.urn in cluster.options()["dependencies"]
    assert cluster.options()["propertyDependencies"]["nodeConfig"] == [disk_key.urn]
    system = reg.one("gcp:container/nodePool:NodePool", "infer-system")
    assert system.options()["propertyDependencies"]["nodeConfig"] == [disk_key.urn]


def test_intranode_visibility_is_on(register):
    reg = register(lambda: GkeCluster("infer", GkeClusterArgs(**ARGS)))
    assert reg.one("gcp:container/cluster:Cluster").inputs["enableIntranodeVisibility"] is True


def test_nodes_run_as_a_dedicated_least_privilege_account(register):
    reg = register(lambda: GkeCluster("infer", GkeClusterArgs(**ARGS)))
    account = reg.one("gcp:serviceaccount/account:Account")
    assert account.inputs["accountId"] == "prod-infer-nodes"
    grants = reg.of_type("gcp:projects/iAMMember:IAMMember")
    assert sorted(g.inputs["role"] for g in grants) == NODE_ROLES
    assert all(g.inputs["project"] == "acme-ml-prod" for g in grants)
    # The email is computed locally (known in a preview); each grant still waits for the account.
    assert all(g.inputs["member"] == "serviceAccount:prod-infer-nodes@acme-ml-prod.iam.gserviceaccount.com"
               for g in grants)
    assert all(account.urn in g.options()["dependencies"] for g in grants)
    cluster = reg.one("gcp:container/cluster:Cluster")
    assert {g.urn for g in grants} <= set(cluster.options()["dependencies"])


def test_nodes_share_the_role_list_the_bootstrap_grants():
    from components.gcp.iam import NODE_ROLES as SHARED

    assert sorted(SHARED) == NODE_ROLES


def test_an_existing_node_account_is_used_and_nothing_is_granted_on_the_project(register):
    email = "acme-ml-prod-nodes@acme-ml-prod.iam.gserviceaccount.com"
    reg = register(lambda: GkeCluster("infer", GkeClusterArgs(**ARGS, node_service_account=email)))
    assert reg.of_type("gcp:serviceaccount/account:Account") == []
    assert reg.of_type("gcp:projects/iAMMember:IAMMember") == []
    pools = [reg.one("gcp:container/cluster:Cluster"), reg.one("gcp:container/nodePool:NodePool", "infer-system")]
    assert [p.inputs["nodeConfig"]["serviceAccount"] for p in pools] == [email, email]


def test_system_pool_is_cpu_only_autoscaled_and_hardened(register):
    reg = register(lambda: GkeCluster("infer", GkeClusterArgs(**ARGS, system_min_nodes=2, system_max_nodes=4)))
    pool = reg.one("gcp:container/nodePool:NodePool", "infer-system")
    node = pool.inputs["nodeConfig"]
    assert node["machineType"] == "e2-standard-4" and "guestAccelerators" not in node
    assert node["imageType"] == "COS_CONTAINERD"
    assert node["labels"] == {"mlinfra.io/pool": "system"}
    assert pool.inputs["autoscaling"] == {"totalMinNodeCount": 2, "totalMaxNodeCount": 4, "locationPolicy": "BALANCED"}
    assert pool.inputs["initialNodeCount"] == 1  # per zone, over the region's three zones
    assert pool.inputs["management"] == {"autoRepair": True, "autoUpgrade": True}
    assert pool.options()["ignoreChanges"] == ["initialNodeCount"]


def test_kubernetes_provider_is_built_from_the_cluster(register):
    reg = register(lambda: GkeCluster("infer", GkeClusterArgs(**ARGS)))
    provider = reg.one("pulumi:providers:kubernetes", "infer-k8s")
    cluster = reg.one("gcp:container/cluster:Cluster")
    assert provider.options()["propertyDependencies"]["kubeconfig"] == [cluster.urn]
    assert provider.parent == reg.one("mlinfra:gcp:GkeCluster").urn


def test_prod_opt_ins_public_allowlist_and_zonal_location(register):
    reg = register(lambda: GkeCluster("infer", GkeClusterArgs(**{
        **ARGS, "location": "us-central1-b", "deletion_protection": True, "protect": True,
        "public_access_cidrs": ["203.0.113.0/24"], "authorized_networks": ["10.100.0.0/16"],
        "release_channel": "STABLE"})))
    cluster = reg.one("gcp:container/cluster:Cluster")
    assert cluster.inputs["location"] == "us-central1-b"
    assert cluster.inputs["deletionProtection"] is True and cluster.options()["protect"] is True
    assert all(k.options()["protect"] is True for k in reg.of_type("gcp:kms/cryptoKey:CryptoKey"))
    assert cluster.inputs["privateClusterConfig"]["enablePrivateEndpoint"] is False
    assert cluster.inputs["masterAuthorizedNetworksConfig"]["cidrBlocks"] == [
        {"cidrBlock": "203.0.113.0/24", "displayName": "public-0"},
        {"cidrBlock": "10.100.0.0/16", "displayName": "internal-0"}]
    assert cluster.inputs["releaseChannel"] == {"channel": "STABLE"}
    assert reg.one("gcp:container/nodePool:NodePool").inputs["initialNodeCount"] == 1


def test_dns_endpoint_kubeconfig_has_no_cluster_ca():
    config = json.loads(kubeconfig("c", "gke-abc.us-central1.gke.goog", None))
    assert config["clusters"][0]["cluster"] == {"server": "https://gke-abc.us-central1.gke.goog"}
    assert config["users"][0]["user"]["exec"]["command"] == "gke-gcloud-auth-plugin"


def test_dns_endpoint_opens_iam_authorised_access_and_the_provider_uses_it(register):
    reg = register(lambda: GkeCluster("infer", GkeClusterArgs(**ARGS, dns_endpoint=True)))
    cluster = reg.one("gcp:container/cluster:Cluster")
    assert cluster.inputs["controlPlaneEndpointsConfig"] == {"dnsEndpointConfig": {"allowExternalTraffic": True}}
    # The IP endpoint stays private: the DNS endpoint adds a path, it opens no address range.
    assert cluster.inputs["privateClusterConfig"]["enablePrivateEndpoint"] is True
    assert "masterAuthorizedNetworksConfig" not in cluster.inputs or not cluster.inputs[
        "masterAuthorizedNetworksConfig"].get("cidrBlocks")
    provider = reg.one("pulumi:providers:kubernetes", "infer-k8s")
    assert provider.options()["propertyDependencies"]["kubeconfig"] == [cluster.urn]


def test_without_the_dns_endpoint_the_cluster_sets_no_endpoints_config(register):
    reg = register(lambda: GkeCluster("infer", GkeClusterArgs(**ARGS)))
    assert "controlPlaneEndpointsConfig" not in reg.one("gcp:container/cluster:Cluster").inputs
