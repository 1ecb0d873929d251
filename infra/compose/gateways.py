"""Composition of gateways: a cluster's `gateways` config -> load balancer components, per cloud.

The AWS and GCP cluster compositions call `aws_cluster_gateways` / `gcp_cluster_gateways` once
per cluster, after the cluster exists; they gather the network, the cluster's own Kubernetes
provider and the stack's log bucket and hand them to `build_gateways`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pulumi

from components.aws.iam import RoleBounds
from components.routes import BackendSpec, RouteSpec
from infra.catalog.accelerators import Cloud
from infra.compose.charts import helm_chart
from infra.compose.context import PROTECTED_ENVIRONMENTS
from infra.config.gateways import Exposure, GatewayConfig, GatewayProtocol
from infra.config.stack import ClusterConfig, Environment, StackConfig

if TYPE_CHECKING:  # type hints only: importing them would load both clouds' SDKs
    from components.aws.s3_bucket import S3Bucket
    from components.gcp.network import GcpNetwork
    from infra.compose.context import AwsContext


@dataclass(frozen=True)
class AwsGatewayNetwork:
    """What AWS gateways take from the cluster's network and the stack."""

    region: str
    vpc_id: pulumi.Input[str]
    vpc_cidr: str
    public_subnet_ids: pulumi.Input[Sequence[str]]
    private_subnet_ids: pulumi.Input[Sequence[str]]
    # The stack's load balancer log bucket (SSE-S3, ELB log delivery allowed); None leaves logs off.
    access_logs_bucket: pulumi.Input[str] | None = None
    # The account and cluster ARN: with both, the controller's role trusts only its own service account.
    account_id: pulumi.Input[str] | None = None
    cluster_arn: pulumi.Input[str] | None = None
    # The cluster's name as the cluster resource outputs it: what the controller's Pod Identity association
    # names, so it is created after the cluster.
    cluster_name_output: pulumi.Input[str] | None = None
    # The permissions boundary and IAM path of the controller's role and policy.
    bounds: RoleBounds = field(default_factory=RoleBounds)


@dataclass(frozen=True)
class GcpGatewayNetwork:
    """What GKE gateways take from the cluster's project and network."""

    project: str
    region: str
    # The subnet internal gateways take their address from.
    subnetwork: pulumi.Input[str] | None = None
    # What internal gateways wait for: the network's proxy-only subnet, when this stack creates it.
    proxy_only_subnet: pulumi.Resource | None = None


def routes_from_config(gateway: GatewayConfig) -> dict[str, RouteSpec]:
    """A gateway's routes as component specs."""
    return {
        name: RouteSpec(route.path_prefix, {
            key: BackendSpec(namespace=b.namespace, service=b.service, port=b.port, weight=b.weight,
                             target_port=b.target_port, health_check_path=b.health_check_path)
            for key, b in route.backends.items()})
        for name, route in gateway.routes.items()
    }


def gateway_log_bucket(config: StackConfig, bucket: str) -> bool:
    """Whether an AWS cluster's gateways log to this bucket, so it must let load balancers write."""
    return any(c.cloud == Cloud.AWS and c.gateways and c.aws.gateway_logs_to == bucket
               for c in config.clusters.values())


def aws_cluster_gateways(ctx: AwsContext, name: str, cluster_name: str, cluster_arn: pulumi.Input[str],
                         cluster: ClusterConfig, vpc_id: pulumi.Input[str],
                         private_subnets: Sequence[pulumi.Input[str]], public_subnets: Sequence[pulumi.Input[str]],
                         buckets: Mapping[str, S3Bucket], k8s_provider: pulumi.ProviderResource,
                         depends_on: Sequence[pulumi.Resource],
                         cluster_name_output: pulumi.Input[str] | None = None) -> dict[str, Any]:
    """One EKS cluster's gateways: the stack outputs entry `{"gateways": ...}`, or nothing."""
    if not cluster.gateways:
        return {}
    logs_to = cluster.aws.gateway_logs_to
    network = AwsGatewayNetwork(
        region=ctx.region, vpc_id=vpc_id, vpc_cidr=str(cluster.network.cidr),
        public_subnet_ids=list(public_subnets), private_subnet_ids=list(private_subnets),
        access_logs_bucket=buckets[logs_to].bucket_name if logs_to else None, account_id=ctx.account_id,
        cluster_arn=cluster_arn, cluster_name_output=cluster_name_output, bounds=ctx.bounds)
    return {"gateways": build_gateways(name, cluster_name, cluster, ctx.config.environment, network,
                                       k8s_provider, ctx.tags, ctx.opts, controller_depends_on=depends_on)}


def proxy_only_cidr(cluster: ClusterConfig) -> str | None:
    """The proxy-only subnet range to create: only for a created network with an internal gateway."""
    internal = any(g.exposure == Exposure.INTERNAL for g in cluster.gateways.values())
    cidr = cluster.gcp.proxy_only_cidr
    return str(cidr) if internal and cidr is not None and cluster.gcp.existing_network is None else None


def gcp_cluster_gateways(config: StackConfig, name: str, cluster_name: str, cluster: ClusterConfig,
                         network: GcpNetwork,
                         k8s_provider: pulumi.ProviderResource, labels: Mapping[str, str],
                         opts: pulumi.ResourceOptions) -> dict[str, Any]:
    """One GKE cluster's gateways: the stack outputs entry `{"gateways": ...}`, or nothing."""
    if not cluster.gateways:
        return {}
    assert config.gcp is not None  # guaranteed by infra.config.rules
    return {"gateways": build_gateways(
        name, cluster_name, cluster, config.environment,
        GcpGatewayNetwork(project=config.gcp.project, region=config.gcp.region, subnetwork=network.subnetwork,
                          proxy_only_subnet=network.proxy_only_subnet),
        k8s_provider, labels, opts)}


def build_gateways(cluster_key: str, cluster_name: str, cluster: ClusterConfig, environment: Environment,
                   network: AwsGatewayNetwork | GcpGatewayNetwork, k8s_provider: pulumi.ProviderResource,
                   tags: Mapping[str, str], opts: pulumi.ResourceOptions | None = None,
                   controller_depends_on: Sequence[pulumi.Resource] = ()) -> dict[str, Any]:
    """Every gateway of one cluster; returns per gateway its address, certificate status and routes."""
    if not cluster.gateways:
        return {}
    if cluster.cloud == Cloud.AWS:
        assert isinstance(network, AwsGatewayNetwork)
        return _aws(cluster_key, cluster_name, cluster, environment, network, k8s_provider, tags, opts,
                    controller_depends_on)
    assert isinstance(network, GcpGatewayNetwork)
    return _gcp(cluster_key, cluster_name, cluster, network, k8s_provider, tags, opts)


def _aws(cluster_key: str, cluster_name: str, cluster: ClusterConfig, environment: Environment,
         network: AwsGatewayNetwork, k8s_provider: pulumi.ProviderResource, tags: Mapping[str, str],
         opts: pulumi.ResourceOptions | None, controller_depends_on: Sequence[pulumi.Resource]) -> dict[str, Any]:
    # Imported per cloud, so a plan of one cloud never loads the other cloud's SDK.
    from components.aws.lb_controller import AwsLbController, AwsLbControllerArgs
    from components.aws.load_balancer import AwsLoadBalancer, AwsLoadBalancerArgs, LoadBalancerKind

    # The only AWS Load Balancer Controller on the cluster: EksClusterAddons installs none.
    controller = AwsLbController(f"{cluster_key}-lbc", AwsLbControllerArgs(
        cluster_name=cluster_name, vpc_id=network.vpc_id, region=network.region, k8s_provider=k8s_provider,
        chart=helm_chart("aws-load-balancer-controller"), depends_on=tuple(controller_depends_on),
        account_id=network.account_id, cluster_arn=network.cluster_arn, tags=tags, bounds=network.bounds,
        cluster_name_output=network.cluster_name_output),
        opts=opts)
    outputs: dict[str, Any] = {}
    for name, gateway in cluster.gateways.items():
        internal = gateway.exposure == Exposure.INTERNAL
        lb = AwsLoadBalancer(f"{cluster_key}-{name}", AwsLoadBalancerArgs(
            lb_name=f"{cluster_name}-{name}",
            vpc_id=network.vpc_id, vpc_cidr=network.vpc_cidr,
            subnet_ids=network.private_subnet_ids if internal else network.public_subnet_ids,
            routes=routes_from_config(gateway), internal=internal,
            kind=LoadBalancerKind.NETWORK if gateway.protocol == GatewayProtocol.TCP else LoadBalancerKind.APPLICATION,
            hostnames=tuple(gateway.hostnames), certificate_arn=gateway.tls.certificate,
            dns_zone_id=gateway.tls.dns_zone, listen_port=gateway.port,
            access_logs_bucket=network.access_logs_bucket, access_logs_prefix=f"{cluster_name}/{name}",
            deletion_protection=environment == Environment.PROD, web_acl_arn=gateway.firewall_policy,
            managed_waf=gateway.managed_firewall, cluster_name=cluster_name,
            k8s_provider=k8s_provider, bindings_depend_on=(controller,),
            protect=environment in PROTECTED_ENVIRONMENTS, tags=tags), opts=opts)
        outputs[name] = {"dns_name": lb.dns_name, "certificate_status": lb.certificate_status,
                         "routes": lb.route_table}
    return outputs


def _gcp(cluster_key: str, cluster_name: str, cluster: ClusterConfig, network: GcpGatewayNetwork,
         k8s_provider: pulumi.ProviderResource, tags: Mapping[str, str],
         opts: pulumi.ResourceOptions | None) -> dict[str, Any]:
    from components.gcp.gateway import GkeGateway, GkeGatewayArgs

    outputs: dict[str, Any] = {}
    for name, gateway in cluster.gateways.items():
        internal = gateway.exposure == Exposure.INTERNAL
        gw = GkeGateway(f"{cluster_key}-{name}", GkeGatewayArgs(
            gateway_name=name, name_stem=cluster_name, project=network.project, region=network.region,
            routes=routes_from_config(gateway), hostnames=tuple(gateway.hostnames), k8s_provider=k8s_provider,
            internal=internal, dns_zone=gateway.tls.dns_zone,
            certificate_id=gateway.tls.certificate, subnetwork=network.subnetwork,
            security_policy=gateway.firewall_policy, managed_security_policy=gateway.managed_firewall,
            labels=tags,
            # Internal gateways take their proxies' addresses from the proxy-only subnet.
            depends_on=(network.proxy_only_subnet,) if internal and network.proxy_only_subnet else ()),
            opts=opts)
        outputs[name] = {"ip_address": gw.ip_address, "certificate_status": gw.certificate_status,
                         "routes": gw.route_table}
    return outputs
