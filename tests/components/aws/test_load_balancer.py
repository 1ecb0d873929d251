import dataclasses

import pulumi
import pulumi_kubernetes as k8s
import pytest

from components.aws.lb_rules import forward_action, listener_rules, security_group_rules
from components.aws.load_balancer import (
    HSTS,
    TLS_POLICY,
    AwsLoadBalancer,
    AwsLoadBalancerArgs,
    LoadBalancerKind,
    check_args,
)
from components.routes import BackendSpec, RouteSpec

SPLIT = RouteSpec("/v1", {"stable": BackendSpec("models", "llama-v1", 8000, 90),
                          "canary": BackendSpec("models", "llama-v2", 8000, 10, target_port=8080,
                                                health_check_path="/ready")})
ARGS = AwsLoadBalancerArgs(
    lb_name="prod-serve-infer", vpc_id="vpc-1", vpc_cidr="10.0.0.0/16", subnet_ids=["subnet-pub-a", "subnet-pub-b"],
    routes={"chat": SPLIT, "root": RouteSpec("/", {"web": BackendSpec("web", "ui", 80)})},
    internal=False, hostnames=["infer.example.com", "api.example.com"], dns_zone_id="Z0123",
    access_logs_bucket="acme-prod-lb-logs", access_logs_prefix="infer", deletion_protection=True,
    web_acl_arn="arn:aws:wafv2:us-east-1:123456789012:regional/webacl/ml/abc", protect=True, tags={"owner": "ml"})
ALB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
BINDING = "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding"


def build(args: AwsLoadBalancerArgs, with_provider: bool = True):
    def program():
        provider = k8s.Provider("test", kubeconfig="{}") if with_provider else None
        controller = k8s.core.v1.Namespace("controller", opts=pulumi.ResourceOptions(provider=provider))
        AwsLoadBalancer("infer", dataclasses.replace(args, k8s_provider=provider, bindings_depend_on=[controller]))
    return program


def test_listener_rules_most_specific_first_with_weights():
    rules = listener_rules(ARGS.routes)
    assert [(r["route"], r["priority"], r["weights"]) for r in rules] == [
        ("chat", 10, {"stable": 90, "canary": 10}), ("root", 20, {"web": 100})]
    assert rules[0]["conditions"] == [{"path_pattern": {"values": ["/v1", "/v1/*"]}}]


def test_forward_action_pairs_each_target_group_with_its_weight():
    assert forward_action({"stable": ("arn:tg/a", 90), "canary": ("arn:tg/b", 10)}) == {
        "type": "forward", "forward": {"target_groups": [{"arn": "arn:tg/a", "weight": 90},
                                                         {"arn": "arn:tg/b", "weight": 10}]}}


def test_security_group_rules_open_listeners_and_only_pod_ports_in_the_vpc():
    rules = security_group_rules(["0.0.0.0/0"], [443, 80], "10.0.0.0/16", [8000, 8080])
    assert [(r["direction"], r["cidr_ipv4"], r["from_port"], r["to_port"]) for r in rules] == [
        ("in", "0.0.0.0/0", 443, 443), ("in", "0.0.0.0/0", 80, 80),
        ("out", "10.0.0.0/16", 8000, 8000), ("out", "10.0.0.0/16", 8080, 8080)]


def test_check_args_refuses_what_the_balancer_cannot_serve():
    with pytest.raises(ValueError, match="needs certificate_arn, or dns_zone_id and hostnames"):
        check_args(dataclasses.replace(ARGS, dns_zone_id=None))
    with pytest.raises(ValueError, match="exactly one route with one backend"):
        check_args(dataclasses.replace(ARGS, kind=LoadBalancerKind.NETWORK))
    with pytest.raises(ValueError, match="weights must add up to 100"):
        check_args(dataclasses.replace(ARGS, routes={"r": RouteSpec("/", {"a": BackendSpec("m", "s", 80, 50)})}))


def test_alb_is_hardened_logged_and_deletion_protected(register):
    reg = register(build(ARGS))
    lb = reg.one(ALB, "infer-lb")
    assert lb.inputs["loadBalancerType"] == "application"
    assert lb.inputs["internal"] is False
    assert lb.inputs["subnets"] == ["subnet-pub-a", "subnet-pub-b"]
    assert lb.inputs["dropInvalidHeaderFields"] is True
    assert lb.inputs["desyncMitigationMode"] == "strictest"
    assert lb.inputs["enableDeletionProtection"] is True
    assert lb.inputs["accessLogs"] == {"bucket": "acme-prod-lb-logs", "prefix": "infer", "enabled": True}
    assert len(lb.inputs["name"]) <= 32 and lb.inputs["name"].startswith("prod-serve-infer-app-ext-")
    assert lb.options()["protect"] is True
    sg = reg.one("aws:ec2/securityGroup:SecurityGroup", "infer-sg")
    assert lb.options()["propertyDependencies"]["securityGroups"] == [sg.urn]
    assert lb.inputs["tags"] == {"owner": "ml", "Name": "prod-serve-infer"}


def test_https_listener_uses_tls12_plus_and_http_redirects_301(register):
    reg = register(build(ARGS))
    https = reg.one(LISTENER, "infer-https").inputs
    assert (https["port"], https["protocol"], https["sslPolicy"]) == (443, "HTTPS", TLS_POLICY)
    assert TLS_POLICY == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert https["routingHttpResponseStrictTransportSecurityHeaderValue"] == HSTS
    assert https["defaultActions"] == [{"type": "fixed-response", "fixedResponse": {
        "contentType": "text/plain", "messageBody": "no route", "statusCode": "404"}}]
    validation = reg.one("aws:acm/certificateValidation:CertificateValidation", "infer-cert-validation")
    assert reg.one(LISTENER, "infer-https").options()["propertyDependencies"]["certificateArn"] == [validation.urn]
    http = reg.one(LISTENER, "infer-http").inputs
    assert (http["port"], http["protocol"]) == (80, "HTTP")
    assert http["defaultActions"] == [{"type": "redirect", "redirect": {
        "port": "443", "protocol": "HTTPS", "statusCode": "HTTP_301"}}]


def test_weighted_split_forwards_to_ip_target_groups(register):
    reg = register(build(ARGS))
    stable = reg.one("aws:lb/targetGroup:TargetGroup", "infer-chat-stable-tg")
    canary = reg.one("aws:lb/targetGroup:TargetGroup", "infer-chat-canary-tg")
    assert (stable.inputs["targetType"], stable.inputs["port"], stable.inputs["protocol"]) == ("ip", 8000, "HTTP")
    assert canary.inputs["port"] == 8080
    assert stable.inputs["healthCheck"]["path"] == "/health" and canary.inputs["healthCheck"]["path"] == "/ready"
    assert stable.inputs["vpcId"] == "vpc-1"
    rule = reg.one("aws:lb/listenerRule:ListenerRule", "infer-chat")
    assert rule.inputs["priority"] == 10
    assert rule.inputs["conditions"] == [{"pathPattern": {"values": ["/v1", "/v1/*"]}}]
    [action] = rule.inputs["actions"]
    assert action["type"] == "forward"
    assert [g["weight"] for g in action["forward"]["targetGroups"]] == [90, 10]
    assert rule.options()["propertyDependencies"]["actions"] == sorted([stable.urn, canary.urn])
    https = reg.one(LISTENER, "infer-https")
    assert rule.options()["propertyDependencies"]["listenerArn"] == [https.urn]
    assert reg.one("aws:lb/listenerRule:ListenerRule", "infer-root").inputs["priority"] == 20


def test_certificate_is_issued_with_dns_validation_and_hostnames_aliased(register):
    reg = register(build(ARGS))
    cert = reg.one("aws:acm/certificate:Certificate", "infer-cert").inputs
    assert cert["domainName"] == "infer.example.com"
    assert cert["subjectAlternativeNames"] == ["api.example.com"]
    assert cert["validationMethod"] == "DNS"
    records = {r.name: r.inputs for r in reg.of_type("aws:route53/record:Record")}
    assert sorted(records) == ["infer-alias-api-example-com", "infer-alias-infer-example-com",
                               "infer-validation-api-example-com", "infer-validation-infer-example-com"]
    assert records["infer-validation-api-example-com"]["zoneId"] == "Z0123"
    assert records["infer-alias-api-example-com"]["type"] == "A"
    assert records["infer-alias-api-example-com"]["aliases"][0]["evaluateTargetHealth"] is True


def test_waf_is_associated_and_security_group_follows_exposure(register):
    reg = register(build(ARGS))
    waf = reg.one("aws:wafv2/webAclAssociation:WebAclAssociation", "infer-waf")
    assert waf.inputs["webAclArn"] == ARGS.web_acl_arn
    assert waf.options()["propertyDependencies"]["resourceArn"] == [reg.one(ALB).urn]
    ingress = {r.name: r.inputs for r in reg.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")}
    assert {(i["cidrIpv4"], i["fromPort"]) for i in ingress.values()} == {("0.0.0.0/0", 443), ("0.0.0.0/0", 80)}
    egress = reg.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
    assert sorted((e.inputs["cidrIpv4"], e.inputs["fromPort"]) for e in egress) == [
        ("10.0.0.0/16", 80), ("10.0.0.0/16", 8000), ("10.0.0.0/16", 8080)]


def test_target_group_bindings_bind_each_backend_through_the_cluster_provider(register):
    reg = register(build(ARGS))
    provider = reg.one("pulumi:providers:kubernetes", "test")
    bindings = {b.name: b for b in reg.of_type(BINDING)}
    assert sorted(bindings) == ["infer-chat-canary-binding", "infer-chat-stable-binding", "infer-root-web-binding"]
    canary = bindings["infer-chat-canary-binding"]
    assert canary.provider.startswith(provider.urn + "::")
    assert canary.inputs["apiVersion"] == "elbv2.k8s.aws/v1beta1"
    assert canary.inputs["metadata"]["namespace"] == "models"
    spec = canary.inputs["spec"]
    assert spec["serviceRef"] == {"name": "llama-v2", "port": 8000}
    assert spec["targetType"] == "ip"
    assert spec["networking"]["ingress"][0]["ports"] == [{"protocol": "TCP", "port": 8080}]
    tg = reg.one("aws:lb/targetGroup:TargetGroup", "infer-chat-canary-tg")
    sg = reg.one("aws:ec2/securityGroup:SecurityGroup")
    assert canary.options()["propertyDependencies"]["spec"] == sorted([tg.urn, sg.urn])
    assert reg.one("kubernetes:core/v1:Namespace", "controller").urn in canary.options()["dependencies"]


def test_without_a_provider_no_bindings_and_existing_certificate_is_used(register):
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
    args = dataclasses.replace(ARGS, certificate_arn=arn, dns_zone_id=None, web_acl_arn=None,
                               access_logs_bucket=None, deletion_protection=False, internal=True,
                               subnet_ids=["subnet-priv-a"])
    reg = register(build(args, with_provider=False))
    assert reg.of_type(BINDING) == []
    assert reg.of_type("aws:acm/certificate:Certificate") == []
    assert reg.of_type("aws:wafv2/webAclAssociation:WebAclAssociation") == []
    assert reg.one(LISTENER, "infer-https").inputs["certificateArn"] == arn
    lb = reg.one(ALB).inputs
    assert lb["internal"] is True and lb["subnets"] == ["subnet-priv-a"]
    assert "accessLogs" not in lb and lb["enableDeletionProtection"] is False
    ingress = reg.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert {i.inputs["cidrIpv4"] for i in ingress} == {"10.0.0.0/16"}


def test_nlb_passes_tcp_through_with_cross_zone_on(register):
    args = dataclasses.replace(
        ARGS, kind=LoadBalancerKind.NETWORK, listen_port=50051, dns_zone_id=None, web_acl_arn=None, hostnames=(),
        routes={"grpc": RouteSpec("/", {"embed": BackendSpec("models", "embedder", 50051)})})
    reg = register(build(args))
    lb = reg.one(ALB).inputs
    assert lb["loadBalancerType"] == "network" and lb["enableCrossZoneLoadBalancing"] is True
    assert "dropInvalidHeaderFields" not in lb
    [listener] = reg.of_type(LISTENER)
    assert (listener.inputs["port"], listener.inputs["protocol"]) == (50051, "TCP")
    tg = reg.one("aws:lb/targetGroup:TargetGroup")
    assert (tg.inputs["protocol"], tg.inputs["targetType"]) == ("TCP", "ip")
    assert tg.inputs["healthCheck"]["protocol"] == "TCP"
    assert listener.options()["propertyDependencies"]["defaultActions"] == [tg.urn]
    assert reg.of_type("aws:lb/listenerRule:ListenerRule") == []
    assert len(reg.of_type(BINDING)) == 1


def test_plan_table_summarises_what_a_reviewer_checks(register):
    from infra.cli.views.summaries import summarize

    reg = register(build(ARGS))
    assert summarize(ALB, reg.one(ALB).inputs) == (
        "application · internet-facing · access logs on · deletion protection on · invalid headers dropped")
    assert summarize(LISTENER, reg.one(LISTENER, "infer-https").inputs) == (
        "HTTPS :443 · ELBSecurityPolicy-TLS13-1-2-2021-06")
    assert summarize(LISTENER, reg.one(LISTENER, "infer-http").inputs) == "HTTP :80 → HTTPS HTTP_301"
    rule = reg.one("aws:lb/listenerRule:ListenerRule", "infer-chat")
    assert summarize(rule.type, rule.inputs) == "/v1, /v1/* → split 90/10"
    unsafe = dict(reg.one(ALB).inputs, accessLogs=None, enableDeletionProtection=False,
                  dropInvalidHeaderFields=False)
    assert summarize(ALB, unsafe) == (
        "application · internet-facing · access logs OFF · deletion protection off · invalid headers KEPT")


def test_bad_arguments_register_nothing(register):
    from infra.offline.engine import ProgramError

    with pytest.raises(ProgramError) as err:
        register(build(dataclasses.replace(ARGS, dns_zone_id=None), with_provider=False))
    assert "needs certificate_arn" in str(err.value)
    assert [r.type for r in err.value.resources if r.type.startswith(("aws:", "mlinfra:"))] == []


WEB_ACL = "aws:wafv2/webAcl:WebAcl"


def test_internet_facing_alb_without_a_web_acl_gets_aws_managed_rules(register):
    reg = register(build(dataclasses.replace(ARGS, web_acl_arn=None)))
    acl = reg.one(WEB_ACL, "infer-waf")
    assert acl.inputs["scope"] == "REGIONAL" and acl.inputs["defaultAction"] == {"allow": {}}
    groups = [(r["priority"], r["statement"]["managedRuleGroupStatement"]) for r in acl.inputs["rules"]]
    assert groups == [(10, {"vendorName": "AWS", "name": "AWSManagedRulesCommonRuleSet"}),
                      (20, {"vendorName": "AWS", "name": "AWSManagedRulesKnownBadInputsRuleSet"})]
    assert all(r["overrideAction"] == {"none": {}} for r in acl.inputs["rules"])
    association = reg.one("aws:wafv2/webAclAssociation:WebAclAssociation", "infer-waf")
    assert association.options()["propertyDependencies"]["webAclArn"] == [acl.urn]
    assert association.options()["propertyDependencies"]["resourceArn"] == [reg.one(ALB).urn]


def test_no_managed_web_acl_when_internal_opted_out_or_given(register):
    for args in (dataclasses.replace(ARGS, web_acl_arn=None, internal=True),
                 dataclasses.replace(ARGS, web_acl_arn=None, managed_waf=False), ARGS):
        assert register(build(args)).of_type(WEB_ACL) == []


def test_target_groups_carry_the_controller_cluster_tag(register):
    reg = register(build(dataclasses.replace(ARGS, cluster_name="prod-serve")))
    groups = reg.of_type("aws:lb/targetGroup:TargetGroup")
    assert groups and all(g.inputs["tags"]["mlinfra.io/lb-controller-cluster"] == "prod-serve" for g in groups)
