"""Google Cloud rules: GKE clusters and node pools (CIS GKE benchmark) and Cloud Storage buckets."""

from __future__ import annotations

from rulekit import CRITICAL, HIGH, MEDIUM, dig, fmt, has, resource_rule

CLUSTER = "gcp:container/cluster:Cluster"
NODE_POOL = "gcp:container/nodePool:NodePool"
BUCKET = "gcp:storage/bucket:Bucket"
DEFAULT_SA_SUFFIX = "-compute@developer.gserviceaccount.com"
_GKE_VIA = "Build GKE clusters through mlinfra:clusters with cloud: gcp (GkeCluster sets this); "


def _private_nodes(props, ctx):
    if dig(props, "privateClusterConfig", "enablePrivateNodes") is not True:
        yield f"cluster '{ctx.name}' nodes get public IPs (privateClusterConfig.enablePrivateNodes is not true)"


def _authorized_networks(props, ctx):
    cidrs = [dig(b, "cidrBlock") for b in dig(props, "masterAuthorizedNetworksConfig", "cidrBlocks", default=[])]
    if "0.0.0.0/0" in cidrs:
        yield f"cluster '{ctx.name}' authorizes 0.0.0.0/0 to reach the control plane"
    elif dig(props, "privateClusterConfig", "enablePrivateEndpoint") is not True and not has(
            props, "masterAuthorizedNetworksConfig"):
        yield f"cluster '{ctx.name}' has a public control plane without authorized networks"


def _workload_identity(props, ctx):
    if ctx.type == CLUSTER:
        if not dig(props, "workloadIdentityConfig", "workloadPool"):
            yield f"cluster '{ctx.name}' does not enable Workload Identity"
    elif dig(props, "nodeConfig", "workloadMetadataConfig", "mode") != "GKE_METADATA":
        yield f"node pool '{ctx.name}' does not run the GKE metadata server (workloadMetadataConfig.mode)"


def _shielded_nodes(props, ctx):
    if dig(props, "enableShieldedNodes") is False:
        yield f"cluster '{ctx.name}' disables shielded nodes"


def _node_integrity(props, ctx):
    shielded = dig(props, "nodeConfig", "shieldedInstanceConfig", default={})
    off = [k for k, default in (("enableSecureBoot", False), ("enableIntegrityMonitoring", True))
           if dig(shielded, k, default=default) is not True]
    if off:
        yield f"node pool '{ctx.name}' leaves off: {fmt(off)}"


def _release_channel(props, ctx):
    channel = dig(props, "releaseChannel", "channel", default="UNSPECIFIED")
    if channel == "UNSPECIFIED":
        yield f"cluster '{ctx.name}' is not enrolled in a release channel"


def _network_policy(props, ctx):
    if dig(props, "datapathProvider") != "ADVANCED_DATAPATH" and dig(props, "networkPolicy", "enabled") is not True:
        yield f"cluster '{ctx.name}' enforces no network policy (enable Dataplane V2)"


def _default_sa(props, ctx):
    if ctx.type == CLUSTER and not has(props, "nodeConfig") and dig(props, "removeDefaultNodePool") is True:
        return  # no default pool, so no node identity to check here
    account = dig(props, "nodeConfig", "serviceAccount", default="default")
    if account == "default" or str(account).endswith(DEFAULT_SA_SUFFIX):
        yield f"'{ctx.name}' nodes run as the default compute service account"


def _legacy_auth(props, ctx):
    if dig(props, "enableLegacyAbac") is True:
        yield f"cluster '{ctx.name}' enables legacy ABAC"
    if dig(props, "masterAuth", "clientCertificateConfig", "issueClientCertificate") is True:
        yield f"cluster '{ctx.name}' issues client certificates"


def _auto_repair_upgrade(props, ctx):
    off = [k for k in ("autoRepair", "autoUpgrade") if dig(props, "management", k) is not True]
    if off:
        yield f"node pool '{ctx.name}' leaves off: {fmt(off)}"


def _gcs_uniform(props, ctx):
    if dig(props, "uniformBucketLevelAccess") is not True:
        yield f"bucket '{ctx.name}' allows per-object ACLs (uniformBucketLevelAccess is not true)"


def _gcs_public(props, ctx):
    if dig(props, "publicAccessPrevention") != "enforced":
        yield f"bucket '{ctx.name}' does not enforce public access prevention"


def _gcs_versioning(props, ctx):
    if dig(props, "versioning", "enabled") is not True:
        yield f"bucket '{ctx.name}' does not have versioning enabled"


def _intranode_visibility(props, ctx):
    if dig(props, "enableIntranodeVisibility") is not True:
        yield f"cluster '{ctx.name}' hides same-node pod traffic from flow logs (enableIntranodeVisibility)"


def _boot_disk_cmek(props, ctx):
    # `has`, not the value: a created key's id is unknown until it exists.
    if not has(dig(props, "nodeConfig", default={}), "bootDiskKmsKey"):
        yield f"node pool '{ctx.name}' boot disks are not encrypted with a customer-managed key (bootDiskKmsKey)"


def _gke(name, description, types, check, severity, fix):
    return resource_rule(name, description, types=types, check=check, severity=severity,
                         remediation=_GKE_VIA + fix)


RULES = [
    _gke("gke-private-nodes", "GKE nodes have private IPs only (CIS GKE 5.6.5)", [CLUSTER], _private_nodes,
         HIGH, "never turn off private nodes."),
    _gke("gke-authorized-networks", "GKE control plane never authorizes 0.0.0.0/0 (CIS GKE 5.6.3)",
         [CLUSTER], _authorized_networks, CRITICAL,
         "list only office/VPN CIDRs in clusters.<name>.endpoint.public_access_cidrs."),
    _gke("gke-workload-identity", "GKE Workload Identity and the GKE metadata server (CIS GKE 5.2.2, 5.4.2)",
         [CLUSTER, NODE_POOL], _workload_identity, HIGH, "pods use Workload Identity, never node credentials."),
    _gke("gke-shielded-nodes", "GKE shielded nodes enabled (CIS GKE 5.5.5)", [CLUSTER], _shielded_nodes, MEDIUM,
         "keep enableShieldedNodes on."),
    _gke("gke-node-secure-boot", "GKE node pools use secure boot and integrity monitoring (CIS GKE 5.5.6, 5.5.7)",
         [NODE_POOL], _node_integrity, MEDIUM, "GPU pools keep shieldedInstanceConfig on."),
    _gke("gke-release-channel", "GKE clusters are enrolled in a release channel (CIS GKE 5.5.4)", [CLUSTER],
         _release_channel, MEDIUM, "keep the release channel set."),
    _gke("gke-network-policy", "GKE enforces network policy or uses Dataplane V2 (CIS GKE 5.6.7)", [CLUSTER],
         _network_policy, MEDIUM, "keep Dataplane V2 (ADVANCED_DATAPATH) on."),
    _gke("gke-no-default-service-account", "GKE nodes do not run as the default compute service account "
         "(CIS GKE 5.2.1)", [CLUSTER, NODE_POOL], _default_sa, HIGH,
         "node pools get their own least-privilege service account."),
    _gke("gke-legacy-auth-disabled", "GKE legacy ABAC and client certificates are off (CIS GKE 5.8.3, 5.8.1)",
         [CLUSTER], _legacy_auth, HIGH, "never enable legacy ABAC or client certificates."),
    _gke("gke-node-auto-repair-upgrade", "GKE node pools auto-repair and auto-upgrade (CIS GKE 5.5.2, 5.5.3)",
         [NODE_POOL], _auto_repair_upgrade, MEDIUM, "keep management.autoRepair and autoUpgrade on."),
    _gke("gke-intranode-visibility",
         "GKE routes same-node pod traffic through the VPC (practice: flow logs see all pod traffic)",
         [CLUSTER], _intranode_visibility, MEDIUM, "keep enableIntranodeVisibility on."),
    _gke("gke-node-boot-disk-cmek",
         "GKE node boot disks use a customer-managed key (practice: keys we control, as for secrets)",
         [NODE_POOL], _boot_disk_cmek, MEDIUM,
         "node pools take the cluster's disk key (GkeCluster.disk_kms_key) as bootDiskKmsKey."),
    resource_rule("gcs-uniform-access", "GCS buckets use uniform bucket-level access (CIS GCP 5.2)",
                  types=[BUCKET], check=_gcs_uniform, severity=HIGH,
                  remediation="Declare buckets under mlinfra:buckets with cloud: gcp; GcsBucket sets it."),
    resource_rule("gcs-public-access-prevention", "GCS buckets enforce public access prevention (CIS GCP 5.1)",
                  types=[BUCKET], check=_gcs_public, severity=CRITICAL,
                  remediation="Declare buckets under mlinfra:buckets with cloud: gcp; GcsBucket enforces it."),
    resource_rule("gcs-versioning", "GCS buckets keep object versions (practice: recoverable objects)",
                  types=[BUCKET], check=_gcs_versioning, severity=MEDIUM,
                  remediation="Set buckets.<name>.versioning: true (the default) in the stack file."),
]
