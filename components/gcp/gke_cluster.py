"""GkeCluster: a private, VPC-native GKE cluster with encrypted secrets and Workload Identity."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from components.gcp.iam import KMS_ROLE, NODE_ROLES, compute_service_agent, gke_service_agent, service_account_id
from components.gcp.kms import create_key, crypto_key
from components.gcp.node_config import (
    MANAGEMENT,
    REGIONAL_ZONES,
    autoscaling,
    base_node_config,
    initial_nodes,
    upgrade_settings,
)

LOGGING = ("SYSTEM_COMPONENTS", "WORKLOADS")
# DCGM is GKE's managed NVIDIA GPU metrics package; it needs managed Prometheus. It is left out where the
# platform runs its own dcgm-exporter (GkeClusterArgs.managed_dcgm, components/gcp/dcgm_exporter.py).
MONITORING = ("SYSTEM_COMPONENTS", "DCGM")


def endpoint_config(public_access_cidrs: Sequence[str], internal_cidrs: Sequence[str],
                    master_cidr: str) -> tuple[dict, dict]:
    """Private nodes always; a private endpoint unless public CIDRs are listed, and then only those."""
    if "0.0.0.0/0" in (*public_access_cidrs, *internal_cidrs):
        raise ValueError("authorized networks must not contain 0.0.0.0/0")
    private = {"enable_private_nodes": True, "enable_private_endpoint": not public_access_cidrs,
               "master_ipv4_cidr_block": master_cidr}
    blocks = [{"cidr_block": c, "display_name": f"public-{i}"} for i, c in enumerate(public_access_cidrs)]
    blocks += [{"cidr_block": c, "display_name": f"internal-{i}"} for i, c in enumerate(internal_cidrs)]
    # Google's own public ranges (Cloud Build, Cloud Shell...) are not trusted by default either.
    authorized = {"cidr_blocks": blocks, "gcp_public_cidrs_access_enabled": False}
    return private, authorized


def kubeconfig(cluster_name: str, endpoint: str, ca_certificate: str | None) -> str:
    """A kubeconfig that authenticates with gke-gcloud-auth-plugin: no static credentials in state.

    `ca_certificate=None` is for the DNS endpoint, which presents a publicly trusted certificate rather
    than the cluster CA: a kubeconfig naming the cluster CA fails TLS there (crossplane-contrib/
    provider-upjet-gcp#988, danielfoehrKn/kubeswitch#163; hashicorp/terraform-provider-kubernetes#2637
    connects with the plugin and no CA; read 2026-11-29).
    """
    cluster = {"server": f"https://{endpoint}"}
    if ca_certificate is not None:
        cluster["certificate-authority-data"] = ca_certificate
    return json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": cluster_name,
        "clusters": [{"name": cluster_name, "cluster": cluster}],
        "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}],
        "users": [{"name": cluster_name, "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1", "command": "gke-gcloud-auth-plugin",
            "provideClusterInfo": True, "installHint": "gcloud components install gke-gcloud-auth-plugin"}}}],
    })


def dns_endpoint_of(endpoints_config) -> str:
    """The cluster's DNS endpoint host from its `control_plane_endpoints_config` output."""
    dns = getattr(endpoints_config, "dns_endpoint_config", None)
    return getattr(dns, "endpoint", None) or ""


def node_service_account_email(account_id: str, project: str) -> str:
    """A user-managed service account's email, which GCP derives from its id and project."""
    return f"{account_id}@{project}.iam.gserviceaccount.com"


@dataclass(frozen=True)
class GkeClusterArgs:
    """Inputs of GkeCluster."""

    cluster_name: str
    project: str
    project_number: pulumi.Input[str]
    # A region (regional cluster) or a zone (zonal cluster).
    location: str
    region: str
    network: pulumi.Input[str]
    subnetwork: pulumi.Input[str]
    pods_range: str
    services_range: str
    kubernetes_version: str = "1.35"
    release_channel: str = "REGULAR"
    public_access_cidrs: Sequence[str] = ()
    # Internal ranges (VPN, bastion) allowed to reach the private endpoint.
    authorized_networks: Sequence[str] = ()
    master_cidr: str = "172.16.0.0/28"
    # Use an existing Cloud KMS key for secrets encryption instead of creating one.
    kms_key: pulumi.Input[str] | None = None
    kms_rotation_days: int = 90
    system_machine_type: str = "e2-standard-4"
    system_min_nodes: int = 1
    system_max_nodes: int = 3
    # Only prod sets this: sandboxes and dev must stay destroyable.
    deletion_protection: bool = False
    protect: bool = False
    labels: Mapping[str, str] = field(default_factory=dict)
    # Reach the control plane through its DNS endpoint, where Google IAM (container.clusters.connect)
    # authorises every request before it reaches the API server, so CI outside the VPC can deploy to a
    # private cluster with no IP allowlist (cloud.google.com/blog/products/containers-kubernetes/
    # new-dns-based-endpoint-for-the-gke-control-plane, 2024-11-11, read 2026-11-29). The Kubernetes
    # provider then uses that endpoint. Field: controlPlaneEndpointsConfig.dnsEndpointConfig.
    # allowExternalTraffic (pulumi-gcp 10.2.0, container/_inputs.py).
    dns_endpoint: bool = False
    # Skip / use existing / create: an existing service account (email) the nodes run as, which
    # already holds NODE_ROLES; then no account and no project IAM grant is created here.
    node_service_account: str | None = None
    # Also send the API server's metrics to managed Prometheus (GKE's APISERVER package; "Collect and view
    # control plane metrics", https://cloud.google.com/kubernetes-engine/docs/how-to/control-plane-metrics,
    # read 2026-11-29: needs system metrics, which are always on here). Off by default: it is ingested and billed.
    control_plane_metrics: bool = False
    managed_dcgm: bool = True
    """GKE's DCGM metrics package; False where the platform runs its own dcgm-exporter (XID and error counters)."""


class GkeCluster(pulumi.ComponentResource):
    """GKE control plane, node service account, secrets key, CPU system pool and a Kubernetes provider."""

    cluster_id: pulumi.Output[str]
    cluster_name: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    node_service_account: pulumi.Output[str]
    kms_key: pulumi.Output[str]
    # Encrypts node boot disks; GPU pools of this cluster use it too.
    disk_kms_key: pulumi.Output[str]
    provider: k8s.Provider
    # The CPU pool add-ons run on; releases on the cluster wait for it.
    system_pool: gcp.container.NodePool

    def __init__(self, name: str, args: GkeClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:gcp:GkeCluster", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        grants: list[pulumi.Resource] = []
        if args.node_service_account is not None:
            # Made elsewhere (the bootstrap), with its roles; the deployer only needs actAs on it.
            email = args.node_service_account
        else:
            account_id = service_account_id(args.cluster_name, "nodes")
            account = gcp.serviceaccount.Account(
                f"{name}-nodes", account_id=account_id,
                display_name=f"GKE nodes of {args.cluster_name}", opts=child)
            # The email is known before the account exists, so a preview (and the policy pack) can
            # see that nodes never run as the default compute account; depends_on keeps the order.
            email = node_service_account_email(account_id, args.project)
            after_account = pulumi.ResourceOptions(parent=self, depends_on=[account])
            grants = [gcp.projects.IAMMember(f"{name}-nodes-{role.split('/')[1]}", project=args.project,
                                             role=role, member=f"serviceAccount:{email}", opts=after_account)
                      for role in NODE_ROLES]

        key = disk_key = args.kms_key
        if key is None:
            secrets = create_key(f"{name}-secrets", key_ring=f"{args.cluster_name}-secrets",
                                 location=args.region, rotation_days=args.kms_rotation_days,
                                 labels=args.labels, parent=self, protect=args.protect)
            key = secrets.id
            # Boot disks hold images, logs and scratch data: a key of their own in the same ring.
            disk_key = crypto_key(f"{name}-disks-key", key_name=f"{args.cluster_name}-disks",
                                  key_ring_id=secrets.key_ring, rotation_days=args.kms_rotation_days,
                                  labels=args.labels,
                                  opts=pulumi.ResourceOptions(parent=self, protect=args.protect)).id
        # GKE encrypts secrets as its own service agent, so the agent needs the key before the cluster.
        key_grant = gcp.kms.CryptoKeyIAMMember(f"{name}-secrets-gke", crypto_key_id=key, role=KMS_ROLE,
                                               member=gke_service_agent(args.project_number), opts=child)
        # Compute Engine creates the node disks, as its own service agent: it needs the disk key
        # before any node (the default pool's too) is created.
        disk_grant = gcp.kms.CryptoKeyIAMMember(f"{name}-disks-compute", crypto_key_id=disk_key, role=KMS_ROLE,
                                                member=compute_service_agent(args.project_number), opts=child)

        private, authorized = endpoint_config(args.public_access_cidrs, args.authorized_networks,
                                              args.master_cidr)
        cluster = gcp.container.Cluster(
            f"{name}-cluster",
            name=args.cluster_name, location=args.location,
            network=args.network, subnetwork=args.subnetwork, networking_mode="VPC_NATIVE",
            ip_allocation_policy={"cluster_secondary_range_name": args.pods_range,
                                  "services_secondary_range_name": args.services_range},
            # Pools are managed separately so they can change without touching the cluster; the
            # short-lived default pool still runs as our node account, never the default one.
            remove_default_node_pool=True, initial_node_count=1,
            node_config=base_node_config("e2-small", email, 50, "pd-balanced", {}, args.labels, disk_key),
            min_master_version=args.kubernetes_version,
            release_channel={"channel": args.release_channel},
            private_cluster_config=private, master_authorized_networks_config=authorized,
            workload_identity_config={"workload_pool": f"{args.project}.svc.id.goog"},
            # Dataplane V2 enforces NetworkPolicy itself; the legacy network_policy block must stay unset.
            datapath_provider="ADVANCED_DATAPATH",
            enable_shielded_nodes=True,
            # Pod-to-pod traffic on one node goes through the VPC too, so flow logs and firewall
            # rules see it (GKE docs, "Set up intranode visibility",
            # cloud.google.com/kubernetes-engine/docs/how-to/intranode-visibility, read 2026-11-29).
            enable_intranode_visibility=True,
            database_encryption={"state": "ENCRYPTED", "key_name": key},
            enable_legacy_abac=False,
            master_auth={"client_certificate_config": {"issue_client_certificate": False}},
            gateway_api_config={"channel": "CHANNEL_STANDARD"},
            # The Persistent Disk CSI driver backs GKE's default StorageClass (standard-rwo), which
            # runner work volumes use; explicit, so volume claims never depend on a GKE default.
            addons_config={"gcs_fuse_csi_driver_config": {"enabled": True},
                           "gce_persistent_disk_csi_driver_config": {"enabled": True}},
            logging_config={"enable_components": list(LOGGING)},
            monitoring_config={"enable_components": [
                *(c for c in MONITORING if c != "DCGM" or args.managed_dcgm),
                *(("APISERVER",) if args.control_plane_metrics else ())],
                               "managed_prometheus": {"enabled": True},
                               "advanced_datapath_observability_config": {"enable_metrics": True,
                                                                          "enable_relay": False}},
            deletion_protection=args.deletion_protection,
            control_plane_endpoints_config={"dns_endpoint_config": {"allow_external_traffic": True}}
            if args.dns_endpoint else None,
            resource_labels=dict(args.labels),
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect,
                                        depends_on=[key_grant, disk_grant, *grants]))

        zones = 1 if args.location != args.region else REGIONAL_ZONES
        # GKE counts the initial size per zone and replaces a pool whose initial size changes, so
        # it is set once and then left to the autoscaler.
        self.system_pool = gcp.container.NodePool(
            f"{name}-system", cluster=cluster.id, location=args.location,
            initial_node_count=initial_nodes(args.system_min_nodes, zones),
            autoscaling=autoscaling(args.system_min_nodes, args.system_max_nodes, spot=False),
            node_config=base_node_config(args.system_machine_type, email, 100, "pd-balanced",
                                         {"mlinfra.io/pool": "system"}, args.labels, disk_key),
            management=dict(MANAGEMENT), upgrade_settings=upgrade_settings(1, 0),
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["initialNodeCount"]))

        self.cluster_id = cluster.id
        self.cluster_name = cluster.name
        self.endpoint = cluster.endpoint
        self.node_service_account = pulumi.Output.from_input(email)
        self.kms_key = pulumi.Output.from_input(key)
        self.disk_kms_key = pulumi.Output.from_input(disk_key)
        if args.dns_endpoint:
            config = pulumi.Output.all(cluster.name, cluster.control_plane_endpoints_config).apply(
                lambda v: kubeconfig(v[0], dns_endpoint_of(v[1]), None))
        else:
            config = pulumi.Output.all(cluster.name, cluster.endpoint, cluster.master_auth).apply(
                lambda v: kubeconfig(v[0], v[1], getattr(v[2], "cluster_ca_certificate", None) or ""))
        self.provider = k8s.Provider(f"{name}-k8s", kubeconfig=config, opts=child)
        self.register_outputs({
            "cluster_id": self.cluster_id,
            "cluster_name": self.cluster_name,
            "endpoint": self.endpoint,
            "node_service_account": self.node_service_account,
            "kms_key": self.kms_key,
            "disk_kms_key": self.disk_kms_key,
        })
