"""Every resource rule through the real pack process: a compliant resource passes every rule, and
one change to it produces exactly one finding, with the exact rule, level and message."""

from __future__ import annotations

import json

import pytest

from components.k8s.runner_values import RunnerSet, scale_set_values
from components.k8s.secret_sync import aws_store_provider, cluster_store_spec, github_app_secret_spec, operator_values
from tests.policies.conftest import DELETE, TAGS, UNKNOWN, changed, resource, triples

M, A = "mandatory", "advisory"
PROD_TAGS = {**TAGS, "environment": "prod"}
AUTOSCALER = "k8s.io/cluster-autoscaler/node-template"


def _doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


BASES = {
    "eks": ("aws:eks/cluster:Cluster", "train-cluster", {
        "name": "dev-train", "version": "1.33", "tags": TAGS, "roleArn": UNKNOWN,
        "accessConfig": {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False},
        "vpcConfig": {"endpointPublicAccess": False, "endpointPrivateAccess": True, "subnetIds": [UNKNOWN]},
        "enabledClusterLogTypes": ["api", "audit", "authenticator", "controllerManager", "scheduler"],
        # The key ARN is unknown at preview: the rule must check it is set without reading it.
        "encryptionConfig": {"provider": {"keyArn": UNKNOWN}, "resources": ["secrets"]}}),
    "lt": ("aws:ec2/launchTemplate:LaunchTemplate", "gpu-lt", {
        "metadataOptions": {"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 1},
        "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "volumeSize": 200}}],
        "networkInterfaces": [{"associatePublicIpAddress": "false"}], "tags": TAGS}),
    "ng": ("aws:eks/nodeGroup:NodeGroup", "gpu-ng", {
        "clusterName": "dev-train", "amiType": "AL2023_x86_64_NVIDIA", "instanceTypes": ["g6.xlarge"],
        "capacityType": "SPOT", "scalingConfig": {"minSize": 0, "maxSize": 2, "desiredSize": 0},
        "launchTemplate": {"id": UNKNOWN, "version": UNKNOWN},
        "taints": [{"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"}],
        "tags": {**TAGS, f"{AUTOSCALER}/resources/nvidia.com/gpu": "1",
                 f"{AUTOSCALER}/taint/nvidia.com/gpu": "present:NoSchedule"}}),
    "role": ("aws:iam/role:Role", "app-role", {
        "assumeRolePolicy": _doc({"Effect": "Allow", "Principal": {"Service": "eks.amazonaws.com"},
                                  "Action": ["sts:AssumeRole"]}),
        "inlinePolicies": [{"name": "read", "policy": _doc({"Effect": "Allow", "Action": ["s3:GetObject"],
                                                            "Resource": "*"})}],
        "permissionsBoundary": "arn:aws:iam::1:policy/acme/acme-workload-boundary", "path": "/acme/",
        "tags": {**TAGS, "managed-by": "mlinfra"}}),
    "project-member": ("gcp:projects/iAMMember:IAMMember", "node-logs", {
        "project": "acme-ml", "role": "roles/logging.logWriter",
        "member": "serviceAccount:nodes@acme-ml.iam.gserviceaccount.com"}),
    # A project IAM admin limited by an IAM condition to the node roles (the sandbox reaper's teardown grant).
    "limited-iam-admin": ("gcp:projects/iAMMember:IAMMember", "sandbox-iam", {
        "project": "acme-ml-sandbox", "role": "roles/resourcemanager.projectIamAdmin",
        "member": "serviceAccount:gh-sandbox@acme-ml.iam.gserviceaccount.com",
        "condition": {"title": "node roles", "expression": (
            "api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly(['roles/logging.logWriter', "
            "'roles/monitoring.metricWriter'])")}}),
    "attach": ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "app-attach", {
        "role": UNKNOWN, "policyArn": "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"}),
    "gke": ("gcp:container/cluster:Cluster", "train-gke", {
        "name": "dev-train", "location": "us-central1", "resourceLabels": TAGS, "removeDefaultNodePool": True,
        "privateClusterConfig": {"enablePrivateNodes": True, "enablePrivateEndpoint": False},
        "masterAuthorizedNetworksConfig": {"cidrBlocks": [{"cidrBlock": "203.0.113.0/24", "displayName": "vpn"}]},
        "workloadIdentityConfig": {"workloadPool": "acme-ml.svc.id.goog"}, "enableShieldedNodes": True,
        "releaseChannel": {"channel": "REGULAR"}, "datapathProvider": "ADVANCED_DATAPATH",
        "enableLegacyAbac": False, "masterAuth": {"clientCertificateConfig": {"issueClientCertificate": False}},
        "enableIntranodeVisibility": True}),
    "pool": ("gcp:container/nodePool:NodePool", "l4-pool", {
        "cluster": UNKNOWN, "autoscaling": {"minNodeCount": 0, "maxNodeCount": 2},
        "management": {"autoRepair": True, "autoUpgrade": True},
        "nodeConfig": {"machineType": "g2-standard-4", "spot": True, "resourceLabels": TAGS,
                       "serviceAccount": "gpu-nodes@acme-ml.iam.gserviceaccount.com",
                       "workloadMetadataConfig": {"mode": "GKE_METADATA"},
                       "shieldedInstanceConfig": {"enableSecureBoot": True, "enableIntegrityMonitoring": True},
                       "bootDiskKmsKey": UNKNOWN,
                       "guestAccelerators": [{"type": "nvidia-l4", "count": 1}]}}),
    "gcs": ("gcp:storage/bucket:Bucket", "data", {
        "name": "acme-dev-data", "location": "US", "uniformBucketLevelAccess": True,
        "publicAccessPrevention": "enforced", "versioning": {"enabled": True}, "labels": TAGS}),
    "lb": ("aws:lb/loadBalancer:LoadBalancer", "web-lb", {
        "loadBalancerType": "application", "accessLogs": {"bucket": "acme-logs", "enabled": True},
        "enableDeletionProtection": True, "dropInvalidHeaderFields": True, "tags": PROD_TAGS}),
    "https": ("aws:lb/listener:Listener", "web-https", {
        "protocol": "HTTPS", "port": 443, "loadBalancerArn": UNKNOWN,
        "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06", "defaultActions": [{"type": "forward"}]}),
    "http": ("aws:lb/listener:Listener", "web-http", {
        "protocol": "HTTP", "port": 80, "loadBalancerArn": UNKNOWN,
        "defaultActions": [{"type": "redirect", "redirect": {"protocol": "HTTPS", "statusCode": "HTTP_301"}}]}),
    "ssl": ("gcp:compute/sSLPolicy:SSLPolicy", "web-ssl", {"minTlsVersion": "TLS_1_2", "profile": "MODERN"}),
    "deploy": ("kubernetes:apps/v1:Deployment", "runner", {
        "metadata": {"name": "runner", "labels": {"app": "runner"}},
        "spec": {"template": {"spec": {"containers": [{
            "name": "runner", "image": "ghcr.io/actions/actions-runner:2.321.0",
            "securityContext": {"allowPrivilegeEscalation": False},
            "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "2Gi"}}}]}}}}),
}
CRON = ("kubernetes:batch/v1:CronJob", "cleanup", {"spec": {"schedule": "0 * * * *", "jobTemplate": {"spec": {
    "template": {"spec": {"containers": [{"name": "job", "image": "busybox@sha256:" + "a" * 64, "resources": {
        "requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"memory": "32Mi"}}}]}}}}}})
BASES["cron"] = CRON
BASES["kms"] = ("aws:kms/key:Key", "logs-key", {"enableKeyRotation": True, "tags": TAGS, "policy": _doc(
    {"Sid": "EnableIamPolicies", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
     "Action": "kms:*", "Resource": "*"})})
BASES["logs"] = ("aws:cloudwatch/logGroup:LogGroup", "train-logs", {
    "name": "/aws/eks/dev-train/cluster", "retentionInDays": 90, "kmsKeyId": UNKNOWN, "tags": TAGS})
# A scale set release exactly as CiRunners records it.
RUNNER = RunnerSet(github_config_url="https://github.com/acme", max_runners=2,
                   image="ghcr.io/actions/actions-runner:2.338.1",
                   requests={"cpu": "1", "memory": "2Gi"}, limits={"cpu": "2", "memory": "4Gi"})
BASES["arc"] = ("kubernetes:helm.sh/v3:Release", "train-runners-ci", {
    "name": "ci", "chart": "oci://ghcr.io/actions/actions-runner-controller-charts/gha-runner-scale-set",
    "version": "0.14.2", "values": scale_set_values("ci", RUNNER)})
BASES["gmp_query"] = ("kubernetes:core/v1:Service", "infer-query-service", {
    "metadata": {"name": "gmp-frontend", "namespace": "gmp-frontend"},
    "spec": {"type": "ClusterIP", "selector": {"app.kubernetes.io/name": "gmp-frontend"}}})
# The observability resources exactly as AmpWorkspace and the Grafana identity record them.
WS_ARN = "arn:aws:aps:us-east-1:123456789012:workspace/ws-1"
BASES["amp"] = ("aws:amp/workspace:Workspace", "dev-metrics-workspace", {
    "alias": "dev-metrics", "kmsKeyArn": UNKNOWN, "tags": TAGS})
BASES["topic"] = ("aws:sns/topic:Topic", "dev-metrics-alerts", {
    "name": "dev-metrics-alerts", "kmsMasterKeyId": UNKNOWN, "tags": TAGS})
BASES["query"] = ("aws:iam/rolePolicy:RolePolicy", "train-grafana-query", {"role": UNKNOWN, "policy": _doc(
    {"Sid": "QueryWorkspace", "Effect": "Allow", "Resource": WS_ARN,
     "Action": ["aps:QueryMetrics", "aps:GetSeries", "aps:GetLabels", "aps:GetMetricMetadata"]})})
# A grafana release as ClusterGrafana records it (the values that matter here).
BASES["grafana"] = ("kubernetes:helm.sh/v3:Release", "train-grafana-release", {
    "name": "grafana", "chart": "grafana", "version": "12.11.1", "namespace": "grafana",
    "repositoryOpts": {"repo": "https://grafana-community.github.io/helm-charts"},
    "values": {"service": {"type": "ClusterIP"}, "persistence": {"enabled": False}}})
# The App key's way (#26) exactly as SecretSync and CiRunners record it.
BASES["eso"] = ("kubernetes:helm.sh/v3:Release", "dev-secret-sync", {
    "name": "external-secrets", "chart": "external-secrets", "version": "2.9.0", "namespace": "external-secrets",
    "repositoryOpts": {"repo": "https://charts.external-secrets.io"}, "values": operator_values()})
BASES["store"] = ("kubernetes:external-secrets.io/v1:ClusterSecretStore", "dev-secret-sync-store", {
    "apiVersion": "external-secrets.io/v1", "kind": "ClusterSecretStore", "metadata": {"name": "github-app"},
    "spec": cluster_store_spec(aws_store_provider("us-east-1"), ["arc-dev-cpu"])})
BASES["synced"] = ("kubernetes:external-secrets.io/v1:ExternalSecret", "dev-runners-dev-cpu-github-app", {
    "apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret",
    "metadata": {"name": "github-app", "namespace": "arc-dev-cpu"},
    "spec": github_app_secret_spec("github-app", "acme-ml-dev-github-app", "1234567", "45678901")})
BASES["k8s_secret"] = ("kubernetes:core/v1:Secret", "dev-gke-gmp-alertmanager", {
    "apiVersion": "v1", "kind": "Secret", "type": "Opaque", "stringData": "[secret]",
    "metadata": {"name": "alertmanager", "namespace": "gmp-public"}})
R0 = "values.template.spec.containers.0"
C0 = "spec.template.spec.containers.0"

CASES = [
    ("eso", "values.processSecretStore", DELETE, "secret-sync-narrow", M,
     "External Secrets release 'dev-secret-sync' lets namespaces make their own stores or ExternalSecrets "
     "(processSecretStore not false), each using the operator's cloud identity"),
    ("eso", "values.rbac.aggregateToEdit", True, "secret-sync-narrow", M,
     "External Secrets release 'dev-secret-sync' lets namespaces make their own stores or ExternalSecrets "
     "(rbac.aggregateToEdit not false), each using the operator's cloud identity"),
    ("store", "spec.conditions", DELETE, "secret-sync-narrow", M,
     "ClusterSecretStore 'dev-secret-sync-store' names no namespaces (spec.conditions), so an ExternalSecret in "
     "any namespace reads what the operator's identity reads"),
    ("synced", "spec.secretStoreRef.kind", "SecretStore", "secret-sync-narrow", M,
     "ExternalSecret 'dev-runners-dev-cpu-github-app' references a SecretStore; the operator serves only "
     "ClusterSecretStores (processSecretStore: false), so it would never sync"),
    ("k8s_secret", "metadata.name", "github-app", "secret-values-not-in-state", M,
     "Secret 'dev-gke-gmp-alertmanager' carries the GitHub App key in the program, so the key is in the Pulumi "
     "state; let the secret-sync operator write it (an ExternalSecret)"),
    ("arc", "values.githubConfigSecret", {"github_app_id": "1", "github_app_installation_id": "2",
                                          "github_app_private_key": "k"}, "secret-values-not-in-state", M,
     "runner scale set 'train-runners-ci' passes GitHub credentials inline in its values, so they are in the "
     "Pulumi state; name the synced Secret (`githubConfigSecret: github-app`)"),
    ("grafana", "values.service.type", "LoadBalancer", "grafana-not-exposed", M,
     "Grafana release 'train-grafana-release' sets service.type 'LoadBalancer'; it must be 'ClusterIP' (reach it "
     "with kubectl port-forward)"),
    ("grafana", "values.service", DELETE, "grafana-not-exposed", M,
     "Grafana release 'train-grafana-release' sets service.type None; it must be 'ClusterIP' (reach it with "
     "kubectl port-forward)"),
    ("grafana", "values.ingress", {"enabled": True}, "grafana-not-exposed", M,
     "Grafana release 'train-grafana-release' enables an ingress; reach it with kubectl port-forward instead"),
    ("topic", "kmsMasterKeyId", DELETE, "sns-topic-encrypted", M,
     "SNS topic 'dev-metrics-alerts' is not encrypted (kmsMasterKeyId)"),
    ("topic", "kmsMasterKeyId", "alias/aws/sns", "sns-topic-encrypted", M,
     "SNS topic 'dev-metrics-alerts' uses the AWS managed key alias/aws/sns, whose policy no service publisher "
     "can be added to"),
    ("query", "policy", _doc({"Effect": "Allow", "Action": ["aps:QueryMetrics"], "Resource": "*"}),
     "amp-access-scoped", M, "'train-grafana-query' allows aps:QueryMetrics on any workspace; name the "
     "workspace's ARN"),
    ("query", "policy", _doc({"Effect": "Allow", "Action": "aps:RemoteWrite",
                              "Resource": "arn:aws:aps:us-east-1:123456789012:workspace/*"}),
     "amp-access-scoped", M, "'train-grafana-query' allows aps:RemoteWrite on any workspace; name the "
     "workspace's ARN"),
    ("eks", "vpcConfig", {"endpointPublicAccess": True, "publicAccessCidrs": ["0.0.0.0/0"]},
     "eks-private-endpoint", M, "cluster 'train-cluster' allows the public API endpoint from 0.0.0.0/0"),
    ("eks", "vpcConfig.endpointPublicAccess", True, "eks-private-endpoint", M,
     "cluster 'train-cluster' has a public API endpoint without a CIDR allowlist (open to 0.0.0.0/0)"),
    ("eks", "encryptionConfig", DELETE, "eks-secrets-encryption", M,
     "cluster 'train-cluster' does not envelope-encrypt Kubernetes secrets with a KMS key"),
    ("eks", "enabledClusterLogTypes", ["api", "audit"], "eks-control-plane-logging", M,
     "cluster 'train-cluster' does not send control-plane logs: authenticator, controllerManager, scheduler"),
    ("eks", "accessConfig.authenticationMode", "API_AND_CONFIG_MAP", "eks-api-authentication-mode", M,
     "cluster 'train-cluster' uses authentication mode API_AND_CONFIG_MAP; access entries need API"),
    ("eks", "version", "1.29", "eks-supported-kubernetes-version", M,
     "cluster 'train-cluster' runs Kubernetes 1.29; the oldest supported is 1.32"),
    ("lt", "metadataOptions.httpTokens", "optional", "ec2-imdsv2-required", M,
     "launch template 'gpu-lt' does not require IMDSv2 (httpTokens must be 'required')"),
    ("lt", "metadataOptions.httpPutResponseHopLimit", 2, "ec2-imdsv2-required", M,
     "launch template 'gpu-lt' has metadata hop limit 2; it must be 1 so pods cannot reach it"),
    ("ng", "launchTemplate", DELETE, "ec2-imdsv2-required", M,
     "node group 'gpu-ng' has no launch template, so IMDSv2 cannot be enforced"),
    ("lt", "blockDeviceMappings.0.ebs.encrypted", "false", "ec2-encrypted-root-volume", M,
     "launch template 'gpu-lt' volume /dev/xvda is not encrypted"),
    ("lt", "networkInterfaces.0.associatePublicIpAddress", "true", "ec2-no-public-ip", M,
     "launch template 'gpu-lt' gives nodes a public IP address"),
    ("ng", "taints", [], "eks-gpu-node-taint", M, "GPU node group 'gpu-ng' lacks the nvidia.com/gpu NoSchedule taint"),
    ("ng", "tags", TAGS, "eks-gpu-scale-from-zero-tags", A,
     f"GPU node group 'gpu-ng' scales from zero but lacks autoscaler tags: {AUTOSCALER}/resources/nvidia.com/gpu, "
     f"{AUTOSCALER}/taint/nvidia.com/gpu"),
    # The IAM document rules (more cases in test_iam_document_rules.py).
    ("role", "inlinePolicies.0.policy", _doc({"Effect": "Allow", "Action": ["s3:GetObjcet"], "Resource": "*"}),
     "iam-actions-exist", M, "'app-role' inlinePolicies[0] names actions that match no action of the Service "
                             "Authorization Reference: s3:GetObjcet"),
    ("role", "inlinePolicies.0.policy", _doc({"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*",
                                              "Condition": {"StringEquals": {"kms:ViaService": "s3.x"}}}),
     "iam-condition-keys-supported", M, "'app-role' inlinePolicies[0] uses condition keys its actions do not "
                                        "support: kms:ViaService (not supported by s3:GetObject)"),
    ("role", "inlinePolicies.0.policy", _doc({"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": "*"}),
     "iam-write-actions-scoped", M, "'app-role' inlinePolicies[0] allows write actions that support "
                                    "resource-level permissions on Resource '*': s3:PutObject"),
    ("role", "assumeRolePolicy", _doc({"Sid": "S" * 2000, "Effect": "Allow",
                                       "Principal": {"Service": "eks.amazonaws.com"}, "Action": ["sts:AssumeRole"]}),
     "iam-policy-size", M, "role 'app-role' has a trust policy of 2138 characters without white space; IAM allows "
                           "2048 unless the quota was raised"),
    # On one bucket's objects: on "*" it would also break iam-write-actions-scoped.
    ("role", "inlinePolicies.0.policy", _doc({"Effect": "Allow", "Action": "s3:*",
                                              "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*"}),
     "iam-no-wildcard-actions", M, "'app-role' allows wildcard actions: s3:*"),
    ("role", "assumeRolePolicy", _doc({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}),
     "iam-trust-scoped", M, "role 'app-role' can be assumed by any principal ('*')"),
    ("role", "assumeRolePolicy", _doc({"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
                                      "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/oidc.eks"}}),
     "iam-trust-scoped", M,
     "role 'app-role' trusts federated principal arn:aws:iam::1:oidc-provider/oidc.eks without a :sub condition"),
    ("attach", "policyArn", "arn:aws:iam::aws:policy/AdministratorAccess", "iam-no-admin-policies", M,
     "'app-attach' attaches admin policy AdministratorAccess to a workload role"),
    ("attach", "policyArn", "arn:aws:iam::aws:policy/PowerUserAccess", "iam-no-admin-policies", M,
     "'app-attach' attaches admin policy PowerUserAccess to a workload role"),
    ("attach", "policyArn", "arn:aws:iam::aws:policy/IAMFullAccess", "iam-no-admin-policies", M,
     "'app-attach' attaches admin policy IAMFullAccess to a workload role"),
    ("role", "permissionsBoundary", DELETE, "iam-role-permissions-boundary", M,
     "role 'app-role' has no permissions boundary; the deploy role may create roles only with the bootstrap's "
     "boundary"),
    ("project-member", "role", "roles/iam.serviceAccountUser", "gcp-no-admin-project-roles", M,
     "'node-logs' grants roles/iam.serviceAccountUser on the whole project"),
    ("project-member", "role", "roles/editor", "gcp-no-admin-project-roles", M,
     "'node-logs' grants roles/editor on the whole project"),
    ("limited-iam-admin", "condition", DELETE, "gcp-no-admin-project-roles", M,
     "'sandbox-iam' grants roles/resourcemanager.projectIamAdmin on the whole project"),
    ("limited-iam-admin", "condition.expression",
     "api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly(['roles/logging.logWriter', "
     "'roles/owner'])", "gcp-no-admin-project-roles", M,
     "'sandbox-iam' grants roles/resourcemanager.projectIamAdmin that may grant roles/owner"),
    ("limited-iam-admin", "condition.expression", "request.time < timestamp('2030-01-01T00:00:00Z')",
     "gcp-no-admin-project-roles", M,
     "'sandbox-iam' grants roles/resourcemanager.projectIamAdmin on the whole project"),
    ("gke", "privateClusterConfig.enablePrivateNodes", False, "gke-private-nodes", M,
     "cluster 'train-gke' nodes get public IPs (privateClusterConfig.enablePrivateNodes is not true)"),
    ("gke", "masterAuthorizedNetworksConfig.cidrBlocks.0.cidrBlock", "0.0.0.0/0", "gke-authorized-networks", M,
     "cluster 'train-gke' authorizes 0.0.0.0/0 to reach the control plane"),
    ("gke", "workloadIdentityConfig", DELETE, "gke-workload-identity", M,
     "cluster 'train-gke' does not enable Workload Identity"),
    ("pool", "nodeConfig.workloadMetadataConfig.mode", "GCE_METADATA", "gke-workload-identity", M,
     "node pool 'l4-pool' does not run the GKE metadata server (workloadMetadataConfig.mode)"),
    ("gke", "enableShieldedNodes", False, "gke-shielded-nodes", M, "cluster 'train-gke' disables shielded nodes"),
    ("pool", "nodeConfig.shieldedInstanceConfig.enableSecureBoot", False, "gke-node-secure-boot", M,
     "node pool 'l4-pool' leaves off: enableSecureBoot"),
    ("gke", "releaseChannel.channel", "UNSPECIFIED", "gke-release-channel", M,
     "cluster 'train-gke' is not enrolled in a release channel"),
    ("gke", "datapathProvider", "LEGACY_DATAPATH", "gke-network-policy", M,
     "cluster 'train-gke' enforces no network policy (enable Dataplane V2)"),
    ("pool", "nodeConfig.serviceAccount", "123-compute@developer.gserviceaccount.com",
     "gke-no-default-service-account", M, "'l4-pool' nodes run as the default compute service account"),
    ("gke", "removeDefaultNodePool", False, "gke-no-default-service-account", M,
     "'train-gke' nodes run as the default compute service account"),
    ("gke", "enableLegacyAbac", True, "gke-legacy-auth-disabled", M, "cluster 'train-gke' enables legacy ABAC"),
    ("pool", "management.autoUpgrade", False, "gke-node-auto-repair-upgrade", M,
     "node pool 'l4-pool' leaves off: autoUpgrade"),
    ("gke", "enableIntranodeVisibility", DELETE, "gke-intranode-visibility", M,
     "cluster 'train-gke' hides same-node pod traffic from flow logs (enableIntranodeVisibility)"),
    ("pool", "nodeConfig.bootDiskKmsKey", DELETE, "gke-node-boot-disk-cmek", M,
     "node pool 'l4-pool' boot disks are not encrypted with a customer-managed key (bootDiskKmsKey)"),
    ("kms", "policy", DELETE, "kms-key-policy", M, "KMS key 'logs-key' has no explicit key policy"),
    ("kms", "policy", _doc({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/app"},
                            "Action": "kms:Decrypt", "Resource": "*"}), "kms-key-policy", M,
     "KMS key 'logs-key' key policy lets no account root administer it (arn:aws:iam::<account>:root)"),
    ("logs", "kmsKeyId", DELETE, "cloudwatch-log-group-encrypted", M,
     "log group 'train-logs' is not encrypted with a customer-managed KMS key (kmsKeyId)"),
    ("gcs", "uniformBucketLevelAccess", False, "gcs-uniform-access", M,
     "bucket 'data' allows per-object ACLs (uniformBucketLevelAccess is not true)"),
    ("gcs", "publicAccessPrevention", "inherited", "gcs-public-access-prevention", M,
     "bucket 'data' does not enforce public access prevention"),
    ("gcs", "versioning.enabled", False, "gcs-versioning", M, "bucket 'data' does not have versioning enabled"),
    ("https", "sslPolicy", "ELBSecurityPolicy-2016-08", "lb-tls-1-2", M,
     "listener 'web-https' uses SSL policy ELBSecurityPolicy-2016-08, which allows TLS older than 1.2"),
    ("ssl", "minTlsVersion", "TLS_1_0", "lb-tls-1-2", M,
     "SSL policy 'web-ssl' allows TLS_1_0; the minimum must be TLS_1_2"),
    ("http", "defaultActions", [{"type": "forward"}], "lb-https-redirect", M,
     "HTTP listener 'web-http' does not redirect to HTTPS"),
    ("lb", "accessLogs.enabled", False, "lb-access-logs", M, "load balancer 'web-lb' does not write access logs"),
    ("lb", "enableDeletionProtection", False, "lb-deletion-protection", M,
     "prod load balancer 'web-lb' has no deletion protection"),
    ("lb", "dropInvalidHeaderFields", False, "lb-drop-invalid-headers", M,
     "load balancer 'web-lb' forwards invalid HTTP headers"),
    ("deploy", f"{C0}.securityContext", {"privileged": True}, "k8s-no-privileged-containers", M,
     "'runner' container 'runner' runs privileged or may escalate privileges"),
    ("deploy", f"{C0}.resources", DELETE, "k8s-resources-set", A,
     "'runner' container 'runner' does not set limits.memory, requests.cpu, requests.memory"),
    ("deploy", f"{C0}.image", "ghcr.io/actions/actions-runner:latest", "k8s-no-latest-tag", M,
     "'runner' container 'runner' image 'ghcr.io/actions/actions-runner:latest' is not pinned to a version"),
    ("cron", "spec.jobTemplate.spec.template.spec.containers.0.image", "busybox", "k8s-no-latest-tag", M,
     "'cleanup' container 'job' image 'busybox' is not pinned to a version"),
    ("arc", f"{R0}.securityContext.privileged", True, "arc-runner-not-privileged", M,
     "runner scale set 'train-runners-ci' container 'runner' runs privileged or may escalate"),
    ("arc", f"{R0}.securityContext.allowPrivilegeEscalation", True, "arc-runner-not-privileged", M,
     "runner scale set 'train-runners-ci' container 'runner' runs privileged or may escalate"),
    ("arc", f"{R0}.resources.limits", DELETE, "arc-runner-limits-set", M,
     "runner scale set 'train-runners-ci' container 'runner' does not set limits.cpu, limits.memory"),
    ("arc", f"{R0}.resources.limits.cpu", DELETE, "arc-runner-limits-set", M,
     "runner scale set 'train-runners-ci' container 'runner' does not set limits.cpu"),
    ("arc", "values.template", DELETE, "arc-runner-limits-set", M,
     "runner scale set 'train-runners-ci' defines no 'runner' container, so the chart default runs unlimited"),
    ("arc", "values.containerMode", {"type": "dind"}, "arc-runner-no-dind", A,
     "runner scale set 'train-runners-ci' uses dind container mode: a privileged Docker daemon runs next to "
     "every runner"),
    ("gmp_query", "spec.type", "LoadBalancer", "observability-no-public-endpoint", M,
     "Service 'infer-query-service' exposes gmp-frontend as LoadBalancer; only ClusterIP is allowed"),
]


@pytest.mark.parametrize("base", sorted(BASES))
def test_compliant_resource_has_no_findings(pack, base):
    type_, name, props = BASES[base]
    assert triples(pack.analyze(resource(type_, name, props))) == []


@pytest.mark.parametrize("base, path, value, rule, level, message", CASES,
                         ids=[f"{c[3]}:{c[1]}" for c in CASES])
def test_one_change_violates_exactly_one_rule(pack, base, path, value, rule, level, message):
    type_, name, props = BASES[base]
    assert triples(pack.analyze(resource(type_, name, changed(props, path, value)))) == [(rule, level, message)]


def test_every_resource_rule_has_a_violating_case(pack):
    resource_rules = {p.name for p in pack.info.policies if p.policy_type == 1}
    assert resource_rules == {case[3] for case in CASES}


def test_public_endpoint_with_an_allowlist_passes(pack):
    type_, name, props = BASES["eks"]
    allowed = changed(props, "vpcConfig", {"endpointPublicAccess": True, "publicAccessCidrs": ["203.0.113.0/24"]})
    assert triples(pack.analyze(resource(type_, name, allowed))) == []


def test_unknown_value_is_reported_not_checked_never_passed(pack):
    type_, name, props = BASES["eks"]
    findings = pack.analyze(resource(type_, name, changed(props, "vpcConfig.endpointPublicAccess", UNKNOWN)))
    assert [(f.policy, f.level, f.not_checked, f.urn) for f in findings] == [
        ("eks-private-endpoint", "mandatory", True, f"urn:pulumi:test::mlinfra::{type_}::{name}")]
    assert findings[0].message == (
        "can't run policy 'eks-private-endpoint' from policy pack 'mlinfra@v0.0.1' during preview: "
        "string value at .vpcConfig.endpointPublicAccess can't be known during preview")


def test_runner_rules_skip_other_helm_releases(pack):
    type_, name, props = BASES["arc"]
    other = changed(changed(props, "chart", "cluster-autoscaler"), f"{R0}.securityContext.privileged", True)
    assert triples(pack.analyze(resource(type_, name, changed(other, "values.containerMode", {"type": "dind"})))) == []


ARC_RULES = [("arc-runner-limits-set", M), ("arc-runner-no-dind", A), ("arc-runner-not-privileged", M)]


@pytest.mark.parametrize("path, rules", [
    # An unknown chart may be any chart, Grafana's and the External Secrets Operator's too.
    ("chart", sorted([*ARC_RULES, ("grafana-not-exposed", M), ("secret-sync-narrow", M),
                      ("secret-values-not-in-state", M)])),
    (f"{R0}.resources.limits.cpu", [("arc-runner-limits-set", M)]),
    (f"{R0}.securityContext.privileged", [("arc-runner-not-privileged", M)]),
    ("values.containerMode.type", [("arc-runner-no-dind", A)]),
])
def test_unknown_runner_values_are_not_checked_never_passed(pack, path, rules):
    type_, name, props = BASES["arc"]
    findings = pack.analyze(resource(type_, name, changed(props, path, UNKNOWN)))
    assert sorted((f.policy, f.level) for f in findings) == rules
    assert all(f.not_checked for f in findings)


@pytest.mark.parametrize("kind", ["aws:secretsmanager/secretVersion:SecretVersion",
                                  "gcp:secretmanager/secretVersion:SecretVersion"])
def test_a_secret_version_written_by_the_program_is_refused(pack, kind):
    findings = pack.analyze(resource(kind, "app-key-version", {"secretId": UNKNOWN, "secretString": "[secret]"}))
    assert triples(findings) == [("secret-values-not-in-state", M,
                                  "'app-key-version' writes a secret value from the program, so the value is in "
                                  "the Pulumi state; create the secret empty and put the value outside Pulumi")]
