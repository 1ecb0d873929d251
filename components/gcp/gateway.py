"""GkeGateway: a GKE Gateway on a stack-owned static IP with a Google-managed certificate and weighted routes.

The address and certificate are Pulumi resources, so the endpoint keeps its IP and certificate
across a cluster replacement; the Gateway API objects go to the cluster through its provider.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from components.gcp import gateway_manifests as m
from components.gcp.cloud_armor import security_policy_rules
from components.routes import RouteSpec, check_routes, route_table, short_name
from components.tags import gcp_labels


@dataclass(frozen=True)
class GkeGatewayArgs:
    """Inputs of GkeGateway."""

    gateway_name: str
    """Name of the Gateway object and stem of the cloud resource names."""
    project: str
    """The Google Cloud project of the address and certificate."""
    region: str
    """Region of an internal gateway's address and certificate."""
    routes: Mapping[str, RouteSpec]
    """Path prefix -> weighted backends, keyed by route name."""
    hostnames: Sequence[str]
    """Hostnames served and put on the certificate."""
    k8s_provider: pulumi.ProviderResource
    """The cluster's Kubernetes provider."""
    internal: bool = False
    """Regional internal gateway (gke-l7-rilb) instead of the global external one."""
    namespace: str | None = None
    """Namespace created for the Gateway and its HTTPRoutes; defaults to the gateway name."""
    dns_zone: str | None = None
    """Cloud DNS managed zone: authorizes the managed certificate and points the hostnames at the IP."""
    certificate_id: str | None = None
    """An existing Certificate Manager certificate (name or id) instead of issuing one."""
    subnetwork: pulumi.Input[str] | None = None
    """Subnet of an internal gateway's address."""
    security_policy: str | None = None
    """Cloud Armor security policy attached to every backend."""
    managed_security_policy: bool = True
    """Without `security_policy`, an external gateway gets its own Cloud Armor policy of preconfigured WAF rules."""
    depends_on: Sequence[pulumi.Resource] = ()
    """What the address and Gateway wait for: an internal gateway's proxy-only subnet."""
    labels: Mapping[str, str] = field(default_factory=dict)
    """Tags, turned into GCP labels."""
    name_stem: str = ""
    """What makes the cloud names unique in the project (e.g. `<stack>-<cluster>`): two stacks in one
    project with a gateway of the same name would otherwise claim one address, certificate and policy."""


def check_args(args: GkeGatewayArgs) -> None:
    """Refuse what the gateway cannot serve, before any resource is registered."""
    check_routes(args.routes)
    if not args.hostnames:
        raise ValueError("a gateway needs at least one hostname")
    if (args.dns_zone is None) == (args.certificate_id is None):
        raise ValueError("set exactly one of dns_zone or certificate_id")
    if args.internal and args.subnetwork is None:
        raise ValueError("an internal gateway needs the subnetwork of its address")


def existing_certificate_ref(args: GkeGatewayArgs) -> str:
    """How the gateway names an existing certificate: its full name for a global map entry, its id on a listener.

    A certificate map entry's certificates "must match pattern projects/*/locations/*/certificates/*"
    (pulumi-gcp 10.2.0, pulumi_gcp/certificatemanager/certificate_map_entry.py, read 2026-12-07); an internal
    gateway's listener option names the certificate, as it names the one this component issues (`cert.name`).
    """
    assert args.certificate_id is not None
    certificate_id = args.certificate_id.rsplit("/", 1)[-1]
    if args.internal:
        return certificate_id
    if args.certificate_id.startswith("projects/"):
        return args.certificate_id
    return f"projects/{args.project}/locations/global/certificates/{certificate_id}"


def cloud_resource_name(args: GkeGatewayArgs) -> str:
    """The name of the address, SSL policy, certificate and map: the stem, the gateway and its exposure."""
    parts = (args.name_stem, args.gateway_name, "int" if args.internal else "ext")
    # Without a stem the name is what it was before stems existed, so such gateways are not replaced.
    return short_name(*(p for p in parts if p), limit=63)


class GkeGateway(pulumi.ComponentResource):
    """Static IP, SSL policy, Certificate Manager certificate (and map), Gateway, HTTPRoutes and GKE policies."""

    ip_address: pulumi.Output[str]
    certificate_status: pulumi.Output[str]
    route_table: dict[str, dict]

    def __init__(self, name: str, args: GkeGatewayArgs, opts: pulumi.ResourceOptions | None = None):
        # Checked before registering anything, so a bad argument leaves no half-built component.
        check_args(args)
        super().__init__("mlinfra:gcp:GkeGateway", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        after = pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on))
        labels = gcp_labels(args.labels)
        cloud_name = cloud_resource_name(args)
        namespace = args.namespace or args.gateway_name
        location = args.region if args.internal else None

        if args.internal:
            address = gcp.compute.Address(
                f"{name}-ip", name=cloud_name, project=args.project, region=args.region,
                subnetwork=args.subnetwork, address_type="INTERNAL", purpose="SHARED_LOADBALANCER_VIP",
                labels=labels, opts=after)
        else:
            address = gcp.compute.GlobalAddress(
                f"{name}-ip", name=cloud_name, project=args.project, address_type="EXTERNAL",
                ip_version="IPV4", labels=labels, opts=child)

        # The TLS floor: the pack's lb-tls-1-2 rule reads min_tls_version on these.
        ssl_args = dict(name=cloud_name, project=args.project, profile=m.SSL_PROFILE,
                        min_tls_version=m.MIN_TLS_VERSION, opts=child)
        ssl_policy = (gcp.compute.RegionSslPolicy(f"{name}-ssl", region=args.region, **ssl_args) if args.internal
                      else gcp.compute.SSLPolicy(f"{name}-ssl", **ssl_args))
        certificate, status = self._certificate(name, args, cloud_name, location, labels)
        annotations = {}
        if not args.internal:
            cert_map = gcp.certificatemanager.CertificateMap(f"{name}-certmap", name=cloud_name,
                                                             project=args.project, labels=labels, opts=child)
            for host in args.hostnames:
                gcp.certificatemanager.CertificateMapEntry(
                    f"{name}-certmap-{host.replace('.', '-')}", name=short_name(cloud_name, host, limit=63),
                    project=args.project, map=cert_map.name, hostname=host, certificates=[certificate],
                    labels=labels, opts=child)
            annotations[m.CERTMAP_ANNOTATION] = cert_map.name
        if args.dns_zone:
            for host in args.hostnames:
                gcp.dns.RecordSet(f"{name}-a-{host.replace('.', '-')}", project=args.project,
                                  managed_zone=args.dns_zone, name=f"{host}.", type="A", ttl=300,
                                  rrdatas=[address.address], opts=child)

        on_cluster = pulumi.ResourceOptions(parent=self, provider=args.k8s_provider)
        ns = k8s.core.v1.Namespace(f"{name}-ns", metadata={"name": namespace, "labels": {
            "app.kubernetes.io/managed-by": "mlinfra"}}, opts=on_cluster)
        in_ns = pulumi.ResourceOptions(parent=self, provider=args.k8s_provider, depends_on=[ns, *args.depends_on])
        cert_name = certificate if args.internal else None
        k8s.apiextensions.CustomResource(
            f"{name}-gateway", api_version=m.GATEWAY_API, kind="Gateway",
            metadata={"name": args.gateway_name, "namespace": namespace, "annotations": annotations},
            spec=m.gateway_spec(args.internal, address.name, cert_name), opts=in_ns)
        k8s.apiextensions.CustomResource(
            f"{name}-tls", api_version=m.GKE_POLICY_API, kind="GCPGatewayPolicy",
            metadata={"name": f"{args.gateway_name}-tls", "namespace": namespace},
            spec=m.gateway_policy_spec(args.gateway_name, ssl_policy.name), opts=in_ns)
        for route_name, route in args.routes.items():
            k8s.apiextensions.CustomResource(
                f"{name}-route-{route_name}", api_version=m.GATEWAY_API, kind="HTTPRoute",
                metadata={"name": f"{args.gateway_name}-{route_name}", "namespace": namespace},
                spec=m.http_route_spec(args.gateway_name, args.hostnames, route), opts=in_ns)
        k8s.apiextensions.CustomResource(
            f"{name}-redirect", api_version=m.GATEWAY_API, kind="HTTPRoute",
            metadata={"name": f"{args.gateway_name}-https-redirect", "namespace": namespace},
            spec=m.redirect_route_spec(args.gateway_name, args.hostnames), opts=in_ns)
        security_policy: pulumi.Input[str] | None = args.security_policy
        if security_policy is None and args.managed_security_policy and not args.internal:
            # Anyone on the internet reaches this gateway: preconfigured WAF rules in front of every backend.
            security_policy = gcp.compute.SecurityPolicy(
                f"{name}-armor", name=short_name(cloud_name, "waf", limit=63), project=args.project,
                type="CLOUD_ARMOR", description=f"WAF of gateway {args.gateway_name}",
                rules=security_policy_rules(), opts=child).name
        self._backend_objects(name, args, namespace, on_cluster, security_policy)

        self.ip_address = address.address
        self.certificate_status = pulumi.Output.from_input(status)
        self.route_table = route_table(args.routes)
        self.register_outputs({"ip_address": self.ip_address, "certificate_status": self.certificate_status,
                               "route_table": self.route_table})

    def _certificate(self, name: str, args: GkeGatewayArgs, cloud_name: str, location: str | None,
                     labels: dict[str, str]) -> tuple[pulumi.Input[str], pulumi.Input[str]]:
        """The certificate to serve and its status: an existing one, or a Google-managed one."""
        if args.certificate_id is not None:
            return existing_certificate_ref(args), "existing certificate"
        assert args.dns_zone is not None  # check_args
        child = pulumi.ResourceOptions(parent=self)
        authorizations = []
        for host in args.hostnames:
            key = host.replace(".", "-")
            auth = gcp.certificatemanager.DnsAuthorization(
                f"{name}-dnsauth-{key}", name=short_name(cloud_name, host, limit=63), project=args.project,
                location=location, domain=host, labels=labels, opts=child)
            record = auth.dns_resource_records.apply(lambda records: records[0])
            gcp.dns.RecordSet(f"{name}-dnsauth-record-{key}", project=args.project, managed_zone=args.dns_zone,
                              name=record.apply(lambda r: r.name), type=record.apply(lambda r: r.type),
                              rrdatas=[record.apply(lambda r: r.data)], ttl=300, opts=child)
            authorizations.append(auth.id)
        cert = gcp.certificatemanager.Certificate(
            f"{name}-cert", name=cloud_name, project=args.project, location=location, labels=labels,
            managed={"domains": list(args.hostnames), "dns_authorizations": authorizations}, opts=child)
        # The listener option wants the certificate's name; the map entry wants its id.
        served = cert.name if args.internal else cert.id
        return served, cert.managed.apply(lambda managed: (managed.state if managed else None) or "PROVISIONING")

    def _backend_objects(self, name: str, args: GkeGatewayArgs, namespace: str,
                         on_cluster: pulumi.ResourceOptions, security_policy: pulumi.Input[str] | None) -> None:
        """Per backend service: a ReferenceGrant for its namespace, a health check and a backend policy."""
        found = m.services(args.routes)
        by_namespace: dict[str, list[str]] = {}
        for (ns, service) in found:
            by_namespace.setdefault(ns, []).append(service)
        for ns, names in by_namespace.items():
            if ns != namespace:
                k8s.apiextensions.CustomResource(
                    f"{name}-grant-{ns}", api_version=m.REFERENCE_GRANT_API, kind="ReferenceGrant",
                    metadata={"name": f"{args.gateway_name}-routes", "namespace": ns},
                    spec=m.reference_grant_spec(namespace, names), opts=on_cluster)
        for (ns, service), backend in found.items():
            metadata = {"name": f"{args.gateway_name}-{service}"[:63].strip("-"), "namespace": ns}
            k8s.apiextensions.CustomResource(
                f"{name}-health-{ns}-{service}", api_version=m.GKE_POLICY_API, kind="HealthCheckPolicy",
                metadata=metadata, spec=m.health_check_policy_spec(backend), opts=on_cluster)
            k8s.apiextensions.CustomResource(
                f"{name}-backend-{ns}-{service}", api_version=m.GKE_POLICY_API, kind="GCPBackendPolicy",
                metadata=metadata, spec=m.backend_policy_spec(service, security_policy), opts=on_cluster)
