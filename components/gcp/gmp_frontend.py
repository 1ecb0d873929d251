"""GmpQueryFrontend: a Prometheus-compatible query endpoint inside the cluster, reading GMP as one read-only account.

Grafana's Prometheus data source cannot sign requests for Google, so the GMP query frontend
(GoogleCloudPlatform/prometheus-engine@v0.17.2:cmd/frontend/README.md, read 2026-11-29) does it: it
authenticates with the pod's credentials and re-exposes the Prometheus HTTP query API,
unauthenticated, on a ClusterIP service that only the cluster reaches. Its Kubernetes service account
is bound by Workload Identity to a Google account that holds only `roles/monitoring.viewer`
(made outside the stack, see README "Observability on GKE"), so the same dashboards that run on
AWS run here, and nothing in the cluster can write metrics or read anything else through it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from components.gcp.gke_cluster import node_service_account_email
from components.gcp.gmp_manifests import frontend_args
from components.gcp.iam import service_account_id
from components.k8s.network_policies import ingress_only_from, namespace_peer

# GKE Workload Identity with a Google account: grant `roles/iam.workloadIdentityUser` on that account to the
# member `serviceAccount:<project>.svc.id.goog[<namespace>/<ksa>]` and annotate the Kubernetes service account
# `iam.gke.io/gcp-service-account: <email>` (steps as written in https://keda.sh/docs/latest/
# authentication-providers/gcp-workload-identity/, which follows Google's workload-identity how-to; read
# 2026-11-29).
WORKLOAD_IDENTITY_USER = "roles/iam.workloadIdentityUser"
GSA_ANNOTATION = "iam.gke.io/gcp-service-account"
# Reads metrics, time series and their metadata; writes nothing (the reader's only role).
READER_ROLE = "roles/monitoring.viewer"
PORT = 9090
APP_LABEL = "gmp-frontend"


@dataclass(frozen=True)
class GmpQueryFrontendArgs:
    """Inputs of GmpQueryFrontend."""

    k8s_provider: pulumi.ProviderResource
    # The project whose GMP data is queried (also the Workload Identity pool `<project>.svc.id.goog`).
    project: str
    # The pinned frontend image (`repository:tag`), from the catalog.
    image: str
    # `<prefix>-<stack>`: the id of a reader account made here is derived from it.
    account_base: str
    # An existing Google account holding roles/monitoring.viewer on `project` (the bootstrap makes one per
    # stack): the stack only binds to it. None creates the account and grants the role on the project,
    # which needs a deployer with project IAM admin.
    reader_service_account: str | None = None
    namespace: str = "gmp-frontend"
    service_account_name: str = "gmp-frontend"
    replicas: int = 2
    # The namespaces whose pods may query the frontend (the stack's Grafana); every other pod is refused by a
    # NetworkPolicy, since the frontend answers unauthenticated with the reader account's rights.
    client_namespaces: Sequence[str] = ()
    node_selector: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    depends_on: Sequence[pulumi.Resource] = ()


def clients_only_policy(selector: Mapping[str, str], client_namespaces: Sequence[str]) -> dict:
    """Ingress to the frontend's pods only from pods in `client_namespaces`, only on its port (none: no ingress)."""
    return ingress_only_from(selector, [namespace_peer(n) for n in client_namespaces], PORT)


def workload_identity_member(project: str, namespace: str, service_account: str) -> str:
    """The IAM member of a Kubernetes service account under GKE Workload Identity."""
    return f"serviceAccount:{project}.svc.id.goog[{namespace}/{service_account}]"


def reader_resource_name(project: str, email: str) -> str:
    """`projects/<project>/serviceAccounts/<email>`, what service-account IAM takes."""
    if not email.endswith(".iam.gserviceaccount.com") or "@" not in email:
        raise ValueError(f"the reader must be a service account email (got {email!r})")
    return f"projects/{project}/serviceAccounts/{email}"


def container_spec(image: str, project: str) -> dict:
    """The frontend container: non-root, read-only root, no capabilities, bounded resources, probed."""
    return {
        "name": "frontend", "image": image, "args": frontend_args(project, PORT),
        "ports": [{"name": "web", "containerPort": PORT}],
        "readinessProbe": {"httpGet": {"path": "/-/ready", "port": "web"}},
        "livenessProbe": {"httpGet": {"path": "/-/healthy", "port": "web"}},
        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
        "securityContext": {"allowPrivilegeEscalation": False, "privileged": False,
                            "readOnlyRootFilesystem": True, "runAsNonRoot": True,
                            "runAsUser": 1000, "runAsGroup": 1000,
                            "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}},
    }


class GmpQueryFrontend(pulumi.ComponentResource):
    """The GMP query frontend (Deployment and ClusterIP Service) under a Workload Identity bound read-only account."""

    url: str
    service_account: str
    reader_service_account: str

    def __init__(self, name: str, args: GmpQueryFrontendArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:gcp:GmpQueryFrontend", name, None, opts)
        labels = dict(args.labels)
        on_cluster = pulumi.ResourceOptions(parent=self, provider=args.k8s_provider,
                                            depends_on=list(args.depends_on))
        ns = k8s.core.v1.Namespace(f"{name}-ns", metadata={"name": args.namespace, "labels": labels},
                                   opts=on_cluster)
        in_ns = pulumi.ResourceOptions(parent=self, provider=args.k8s_provider, depends_on=[ns])
        reader = args.reader_service_account or self._reader(name, args)
        ksa = k8s.core.v1.ServiceAccount(
            f"{name}-sa", metadata={"name": args.service_account_name, "namespace": args.namespace,
                                    "labels": labels,
                                    "annotations": {GSA_ANNOTATION: reader}},
            opts=in_ns)
        # The binding waits for the cluster (through depends_on): the pool `<project>.svc.id.goog`
        # exists only once a cluster with Workload Identity does, and IAM refuses members of a missing pool.
        binding = gcp.serviceaccount.IAMMember(
            f"{name}-workload-identity",
            service_account_id=reader_resource_name(args.project, reader),
            role=WORKLOAD_IDENTITY_USER,
            member=workload_identity_member(args.project, args.namespace, args.service_account_name),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on)))
        selector = {"app.kubernetes.io/name": APP_LABEL}
        pod_spec: dict = {"serviceAccountName": args.service_account_name, "automountServiceAccountToken": True,
                          "containers": [container_spec(args.image, args.project)]}
        if args.node_selector:
            pod_spec["nodeSelector"] = dict(args.node_selector)
        k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata={"name": APP_LABEL, "namespace": args.namespace, "labels": {**labels, **selector}},
            spec={"replicas": args.replicas, "selector": {"matchLabels": selector},
                  "template": {"metadata": {"labels": {**labels, **selector}}, "spec": pod_spec}},
            opts=pulumi.ResourceOptions(parent=self, provider=args.k8s_provider, depends_on=[ksa, binding]))
        service = k8s.core.v1.Service(
            f"{name}-service",
            metadata={"name": APP_LABEL, "namespace": args.namespace, "labels": labels},
            # ClusterIP only: the frontend answers queries unauthenticated, so nothing outside the cluster may reach it.
            spec={"type": "ClusterIP", "selector": selector,
                  "ports": [{"name": "web", "port": PORT, "targetPort": "web"}]},
            opts=in_ns)
        # GKE Dataplane V2 enforces NetworkPolicy (the clusters are made with it, components/gcp/gke.py).
        k8s.networking.v1.NetworkPolicy(
            f"{name}-clients-only", metadata={"name": "clients-only", "namespace": args.namespace, "labels": labels},
            spec=clients_only_policy(selector, args.client_namespaces), opts=in_ns)
        self.reader_service_account = reader
        self.url = f"http://{APP_LABEL}.{args.namespace}.svc.cluster.local:{PORT}"
        self.service_account = f"{args.namespace}/{args.service_account_name}"
        self.register_outputs({"url": self.url, "service": service.metadata["name"],
                               "service_account": self.service_account,
                               "reader_service_account": reader})

    def _reader(self, name: str, args: GmpQueryFrontendArgs) -> str:
        """A reader account of the stack's own, with the read role on the project."""
        account_id = service_account_id(args.account_base, "metrics")
        account = gcp.serviceaccount.Account(f"{name}-reader", project=args.project, account_id=account_id,
                                             display_name=f"GMP reader of {args.account_base}",
                                             opts=pulumi.ResourceOptions(parent=self))
        email = node_service_account_email(account_id, args.project)
        gcp.projects.IAMMember(f"{name}-reader-monitoring-viewer", project=args.project, role=READER_ROLE,
                               member=f"serviceAccount:{email}",
                               opts=pulumi.ResourceOptions(parent=self, depends_on=[account]))
        return email
