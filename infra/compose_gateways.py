"""Composition of gateways: a cluster's `gateways` config -> load balancer components, per cloud.

The AWS and GCP compositions call `build_gateways` once per cluster, after the cluster exists,
with the cluster's network, its Kubernetes provider and the stack's log bucket.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.aws.lb_controller import AwsLbController, AwsLbControllerArgs
from components.aws.load_balancer import AwsLoadBalancer, AwsLoadBalancerArgs, LoadBalancerKind
from components.gcp.gateway import GkeGateway, GkeGatewayArgs
from components.routes import BackendSpec, RouteSpec
from infra.catalog import Cloud
from infra.composition import PROTECTED_ENVIRONMENTS
from infra.config_gateways import Exposure, GatewayConfig, GatewayProtocol
from infra.config_models import ClusterConfig, Environment


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


@dataclass(frozen=True)
class GcpGatewayNetwork:
    """What GKE gateways take from the cluster's project and network."""

    project: str
    region: str
    # The subnet internal gateways take their address from.
    subnetwork: pulumi.Input[str] | None = None


def routes_from_config(gateway: GatewayConfig) -> dict[str, RouteSpec]:
    """A gateway's routes as component specs."""
    return {
        name: RouteSpec(route.path_prefix, {
            key: BackendSpec(namespace=b.namespace, service=b.service, port=b.port, weight=b.weight,
                             target_port=b.target_port, health_check_path=b.health_check_path)
            for key, b in route.backends.items()})
        for name, route in gateway.routes.items()
    }


def build_gateways(cluster_key: str, cluster_name: str, cluster: ClusterConfig, environment: Environment,
                   network: AwsGatewayNetwork | GcpGatewayNetwork, k8s_provider: pulumi.ProviderResource,
                   tags: Mapping[str, str], opts: pulumi.ResourceOptions | None = None) -> dict[str, Any]:
    """Every gateway of one cluster; returns per gateway its address, certificate status and routes."""
    if not cluster.gateways:
        return {}
    if cluster.cloud == Cloud.AWS:
        assert isinstance(network, AwsGatewayNetwork)
        return _aws(cluster_key, cluster_name, cluster, environment, network, k8s_provider, tags, opts)
    assert isinstance(network, GcpGatewayNetwork)
    return _gcp(cluster_key, cluster, network, k8s_provider, tags, opts)


def _aws(cluster_key: str, cluster_name: str, cluster: ClusterConfig, environment: Environment,
         network: AwsGatewayNetwork, k8s_provider: pulumi.ProviderResource, tags: Mapping[str, str],
         opts: pulumi.ResourceOptions | None) -> dict[str, Any]:
    controller = AwsLbController(f"{cluster_key}-lbc", AwsLbControllerArgs(
        cluster_name=cluster_name, vpc_id=network.vpc_id, region=network.region, k8s_provider=k8s_provider,
        tags=tags), opts=opts)
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
            k8s_provider=k8s_provider, bindings_depend_on=(controller,),
            protect=environment in PROTECTED_ENVIRONMENTS, tags=tags), opts=opts)
        outputs[name] = {"dns_name": lb.dns_name, "certificate_status": lb.certificate_status,
                         "routes": lb.route_table}
    return outputs


def _gcp(cluster_key: str, cluster: ClusterConfig, network: GcpGatewayNetwork, k8s_provider: pulumi.ProviderResource,
         tags: Mapping[str, str], opts: pulumi.ResourceOptions | None) -> dict[str, Any]:
    outputs: dict[str, Any] = {}
    for name, gateway in cluster.gateways.items():
        gw = GkeGateway(f"{cluster_key}-{name}", GkeGatewayArgs(
            gateway_name=name, project=network.project, region=network.region,
            routes=routes_from_config(gateway), hostnames=tuple(gateway.hostnames), k8s_provider=k8s_provider,
            internal=gateway.exposure == Exposure.INTERNAL, dns_zone=gateway.tls.dns_zone,
            certificate_id=gateway.tls.certificate, subnetwork=network.subnetwork,
            security_policy=gateway.firewall_policy, labels=tags), opts=opts)
        outputs[name] = {"ip_address": gw.ip_address, "certificate_status": gw.certificate_status,
                         "routes": gw.route_table}
    return outputs


def eks_kubeconfig(cluster_name: str, endpoint: str, certificate_authority: str, region: str) -> str:
    """A kubeconfig that authenticates with `aws eks get-token`, so no credential is stored in state."""
    user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": "aws",
                     "args": ["eks", "get-token", "--cluster-name", cluster_name, "--region", region]}}
    return json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": cluster_name,
        "clusters": [{"name": cluster_name, "cluster": {"server": endpoint,
                                                        "certificate-authority-data": certificate_authority}}],
        "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}],
        "users": [{"name": cluster_name, "user": user}],
    })


def eks_provider(name: str, cluster_name: pulumi.Input[str], endpoint: pulumi.Input[str],
                 certificate_authority: pulumi.Input[str], region: str,
                 opts: pulumi.ResourceOptions | None = None) -> k8s.Provider:
    """A Kubernetes provider for an EKS cluster built from its outputs.

    For compositions whose cluster component does not expose a provider of its own; once
    `EksCluster` does, pass that one to `build_gateways` instead.
    """
    kubeconfig = pulumi.Output.all(cluster_name, endpoint, certificate_authority).apply(
        lambda values: eks_kubeconfig(values[0], values[1], values[2], region))
    return k8s.Provider(f"{name}-k8s", kubeconfig=kubeconfig, opts=opts)
