"""AwsLoadBalancer: a stack-owned ALB (or NLB) in front of cluster services, bound to pods by the controller.

The load balancer, listeners, target groups and security group belong to the stack, not to
Kubernetes, so they survive a cluster replacement and keep their DNS name. The AWS Load Balancer
Controller only registers pod IPs into the target groups through `TargetGroupBinding`s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.aws.lb_certificate import alias_records, dns_validated_certificate
from components.aws.lb_controller_policy import TARGET_GROUP_CLUSTER_TAG
from components.aws.lb_rules import forward_action, listener_rules, security_group_rules, target_group_health
from components.aws.lb_waf import web_acl_settings
from components.routes import RouteSpec, check_routes, route_table, short_name
from components.tags import with_tags

# TLS 1.3 and 1.2 only, forward-secret ciphers: AWS's recommended policy for new listeners.
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
HSTS = "max-age=31536000; includeSubDomains"
BINDING_API_VERSION = "elbv2.k8s.aws/v1beta1"


class LoadBalancerKind(StrEnum):
    """ALB terminates TLS and routes by path; NLB passes TCP (gRPC, TLS) straight through."""

    APPLICATION = "application"
    NETWORK = "network"


@dataclass(frozen=True)
class AwsLoadBalancerArgs:
    """Inputs of AwsLoadBalancer."""

    lb_name: str
    """Stem of the physical names (load balancer, target groups); made unique within 32 characters."""
    vpc_id: pulumi.Input[str]
    """The cluster's VPC."""
    vpc_cidr: str
    """The VPC range: egress to pods stays inside it, and internal balancers accept it by default."""
    subnet_ids: pulumi.Input[Sequence[str]]
    """Public subnets for an internet-facing balancer, private subnets for an internal one."""
    routes: Mapping[str, RouteSpec]
    """Path prefix -> weighted backends, keyed by route name."""
    internal: bool = True
    """Reachable only from the private network."""
    kind: LoadBalancerKind = LoadBalancerKind.APPLICATION
    """ALB (HTTPS) or NLB (TCP passthrough)."""
    hostnames: Sequence[str] = ()
    """Hostnames served; they go on the certificate and the listener rules."""
    certificate_arn: pulumi.Input[str] | None = None
    """An existing ACM certificate; otherwise one is issued when `dns_zone_id` is given."""
    dns_zone_id: str | None = None
    """Route 53 zone that validates the issued certificate and aliases the hostnames to the balancer."""
    listen_port: int = 443
    """The NLB's TCP listener port."""
    access_logs_bucket: pulumi.Input[str] | None = None
    """Bucket for access logs (it must allow ELB log delivery); None leaves logs off."""
    access_logs_prefix: str = ""
    """Key prefix of the access logs in that bucket."""
    deletion_protection: bool = False
    """Refuse API deletes of the balancer (prod)."""
    web_acl_arn: pulumi.Input[str] | None = None
    """A WAFv2 web ACL to associate (ALB only)."""
    managed_waf: bool = True
    """Without `web_acl_arn`, an internet-facing ALB gets its own web ACL of AWS managed rules."""
    cluster_name: str | None = None
    """The cluster whose load balancer controller binds pods into the target groups (tags them for its policy)."""
    ingress_cidrs: Sequence[str] = ()
    """Who may connect; default: anyone for internet-facing, the VPC for internal."""
    k8s_provider: pulumi.ProviderResource | None = None
    """The cluster's Kubernetes provider; with it, TargetGroupBindings bind each backend service."""
    bindings_depend_on: Sequence[pulumi.Resource] = ()
    """What must exist before the bindings: the controller release that installs their CRD."""
    protect: bool = False
    """Protect the balancer from `pulumi destroy` and replacement."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags on every taggable resource."""


def check_args(args: AwsLoadBalancerArgs) -> None:
    """Refuse combinations the balancer cannot serve, before any resource is registered."""
    check_routes(args.routes)
    if args.kind == LoadBalancerKind.NETWORK:
        if len(args.routes) != 1 or len(next(iter(args.routes.values())).backends) != 1:
            raise ValueError("a network load balancer forwards to exactly one route with one backend")
        if args.web_acl_arn is not None or args.certificate_arn is not None:
            raise ValueError("a network load balancer passes TLS through: no certificate or web ACL")
        return
    if args.certificate_arn is None and not (args.dns_zone_id and args.hostnames):
        raise ValueError("an application load balancer needs certificate_arn, or dns_zone_id and hostnames")


def load_balancer_settings(args: AwsLoadBalancerArgs) -> dict:
    """The hardened settings of the balancer itself, as plain data."""
    settings: dict = {
        "load_balancer_type": args.kind.value,
        "internal": args.internal,
        "enable_deletion_protection": args.deletion_protection,
    }
    if args.kind == LoadBalancerKind.APPLICATION:
        settings["drop_invalid_header_fields"] = True
        settings["desync_mitigation_mode"] = "strictest"
    else:
        settings["enable_cross_zone_load_balancing"] = True
    if args.access_logs_bucket is not None:
        settings["access_logs"] = {"bucket": args.access_logs_bucket, "prefix": args.access_logs_prefix,
                                   "enabled": True}
    return settings


class AwsLoadBalancer(pulumi.ComponentResource):
    """ALB/NLB, security group, target groups, listeners, optional certificate, WAF and bindings."""

    arn: pulumi.Output[str]
    dns_name: pulumi.Output[str]
    zone_id: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    certificate_status: pulumi.Output[str]
    target_group_arns: dict[str, pulumi.Output[str]]
    route_table: dict[str, dict]

    def __init__(self, name: str, args: AwsLoadBalancerArgs, opts: pulumi.ResourceOptions | None = None):
        # Checked before registering anything, so a bad argument leaves no half-built component.
        check_args(args)
        super().__init__("mlinfra:aws:LoadBalancer", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        application = args.kind == LoadBalancerKind.APPLICATION

        sg = aws.ec2.SecurityGroup(
            f"{name}-sg", description=f"{args.kind.value} load balancer {args.lb_name}", vpc_id=args.vpc_id,
            tags=with_tags(args.tags, Name=f"{args.lb_name}-lb"), opts=child)
        cidrs = list(args.ingress_cidrs) or [args.vpc_cidr if args.internal else "0.0.0.0/0"]
        listen_ports = [443, 80] if application else [args.listen_port]
        pod_ports = sorted({b.pod_port for r in args.routes.values() for b in r.backends.values()})
        for rule in security_group_rules(cidrs, listen_ports, args.vpc_cidr, pod_ports):
            inbound = rule.pop("direction") == "in"
            resource = aws.vpc.SecurityGroupIngressRule if inbound else aws.vpc.SecurityGroupEgressRule
            resource(f"{name}-{rule.pop('key')}", security_group_id=sg.id, ip_protocol="tcp",
                     tags=args.tags, opts=child, **rule)

        lb = aws.lb.LoadBalancer(
            f"{name}-lb", name=short_name(args.lb_name, args.kind.value[:3], "int" if args.internal else "ext"),
            subnets=args.subnet_ids, security_groups=[sg.id], tags=with_tags(args.tags, Name=args.lb_name),
            **load_balancer_settings(args),
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect))

        groups: dict[str, aws.lb.TargetGroup] = {}
        for route_name, route in args.routes.items():
            for backend_name, backend in route.backends.items():
                groups[f"{route_name}/{backend_name}"] = aws.lb.TargetGroup(
                    f"{name}-{route_name}-{backend_name}-tg",
                    name=short_name(args.lb_name, route_name, backend_name, str(backend.pod_port)),
                    target_type="ip", vpc_id=args.vpc_id, port=backend.pod_port,
                    protocol="HTTP" if application else "TCP",
                    deregistration_delay=30,
                    health_check=target_group_health(backend, application),
                    tags=with_tags(args.tags, Name=f"{args.lb_name}-{route_name}-{backend_name}",
                                   **({TARGET_GROUP_CLUSTER_TAG: args.cluster_name} if args.cluster_name else {})),
                    opts=child)

        status: pulumi.Input[str]
        if not application:
            status = "none (tcp passthrough)"
            [(key, _)] = groups.items()
            aws.lb.Listener(f"{name}-tcp", load_balancer_arn=lb.arn, port=args.listen_port, protocol="TCP",
                            default_actions=[{"type": "forward", "target_group_arn": groups[key].arn}],
                            tags=args.tags, opts=child)
        else:
            cert_arn: pulumi.Input[str]
            if args.certificate_arn is not None:
                cert_arn, status = args.certificate_arn, "existing certificate"
            else:
                assert args.dns_zone_id is not None  # check_args
                issued = dns_validated_certificate(name, args.hostnames, args.dns_zone_id, args.tags, self)
                cert_arn, status = issued.arn, issued.status
            https = aws.lb.Listener(
                f"{name}-https", load_balancer_arn=lb.arn, port=443, protocol="HTTPS", ssl_policy=TLS_POLICY,
                certificate_arn=cert_arn, routing_http_response_strict_transport_security_header_value=HSTS,
                default_actions=[{"type": "fixed-response", "fixed_response": {
                    "content_type": "text/plain", "message_body": "no route", "status_code": "404"}}],
                tags=args.tags, opts=child)
            aws.lb.Listener(
                f"{name}-http", load_balancer_arn=lb.arn, port=80, protocol="HTTP",
                default_actions=[{"type": "redirect", "redirect": {
                    "port": "443", "protocol": "HTTPS", "status_code": "HTTP_301"}}],
                tags=args.tags, opts=child)
            for rule in listener_rules(args.routes):
                aws.lb.ListenerRule(
                    f"{name}-{rule['route']}", listener_arn=https.arn, priority=rule["priority"],
                    conditions=rule["conditions"],
                    actions=[forward_action({key: (groups[f"{rule['route']}/{key}"].arn, weight)
                                             for key, weight in rule["weights"].items()})],
                    tags=args.tags, opts=child)
            web_acl_arn = args.web_acl_arn
            if web_acl_arn is None and args.managed_waf and not args.internal:
                # Anyone on the internet reaches this balancer: AWS's baseline rules go first (CKV2_AWS_28).
                web_acl_arn = aws.wafv2.WebAcl(
                    f"{name}-waf", name=f"{args.lb_name}-waf", **web_acl_settings(args.lb_name),
                    tags=with_tags(args.tags, Name=f"{args.lb_name}-waf"), opts=child).arn
            if web_acl_arn is not None:
                aws.wafv2.WebAclAssociation(f"{name}-waf", resource_arn=lb.arn, web_acl_arn=web_acl_arn,
                                            opts=child)
            if args.dns_zone_id and args.hostnames:
                alias_records(name, args.hostnames, args.dns_zone_id, lb.dns_name, lb.zone_id, self)

        if args.k8s_provider is not None:
            self._bind(name, args, groups, sg)

        self.arn = lb.arn
        self.dns_name = lb.dns_name
        self.zone_id = lb.zone_id
        self.security_group_id = sg.id
        self.certificate_status = pulumi.Output.from_input(status)
        self.target_group_arns = {key: tg.arn for key, tg in groups.items()}
        self.route_table = route_table(args.routes)
        self.register_outputs({"arn": self.arn, "dns_name": self.dns_name, "zone_id": self.zone_id,
                               "security_group_id": self.security_group_id,
                               "certificate_status": self.certificate_status,
                               "target_group_arns": self.target_group_arns, "route_table": self.route_table})

    def _bind(self, name: str, args: AwsLoadBalancerArgs, groups: dict[str, aws.lb.TargetGroup],
              sg: aws.ec2.SecurityGroup) -> None:
        # The controller registers pod IPs into our target groups and opens the pods' security
        # group to the balancer's, on the pod port only.
        on_cluster = pulumi.ResourceOptions(parent=self, provider=args.k8s_provider,
                                            depends_on=list(args.bindings_depend_on))
        for route_name, route in args.routes.items():
            for backend_name, backend in route.backends.items():
                k8s.apiextensions.CustomResource(
                    f"{name}-{route_name}-{backend_name}-binding",
                    api_version=BINDING_API_VERSION, kind="TargetGroupBinding",
                    metadata={"name": f"{args.lb_name}-{route_name}-{backend_name}"[:63].strip("-"),
                              "namespace": backend.namespace,
                              "labels": {"app.kubernetes.io/managed-by": "mlinfra"}},
                    spec={
                        "serviceRef": {"name": backend.service, "port": backend.port},
                        "targetGroupARN": groups[f"{route_name}/{backend_name}"].arn,
                        "targetType": "ip",
                        "networking": {"ingress": [{
                            "from": [{"securityGroup": {"groupID": sg.id}}],
                            "ports": [{"protocol": "TCP", "port": backend.pod_port}],
                        }]},
                    },
                    opts=on_cluster)
