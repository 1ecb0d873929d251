"""Values the receiving system would refuse, or that are unsafe there: each checked where it sits in the config.

The checks themselves are pure functions in infra/config/values/, each beside the rule's source; this module
only walks a StackConfig and names the path of every problem.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from ipaddress import IPv4Network
from typing import Any

from infra.catalog.accelerators import Cloud
from infra.config.gateways import Exposure, GatewayConfig
from infra.config.gcp import SERVICE_ACCOUNT_EMAIL
from infra.config.runners import github_url_ok, parse_quantity
from infra.config.stack import ClusterConfig, Environment, StackConfig
from infra.config.values.gateway_refs import (
    acm_certificate_problem,
    cloud_armor_policy_problem,
    cloud_dns_zone_problem,
    gcp_certificate_problem,
    route53_zone_problem,
    wafv2_web_acl_problem,
)
from infra.config.values.github import (
    config_url_problem,
    repository_slug_problem,
    runner_group_problem,
    url_owner,
)
from infra.config.values.labels import (
    kubernetes_label_key_problem,
    kubernetes_label_value_problem,
    kubernetes_object_name_problem,
)
from infra.config.values.mail import email_problem, smarthost_problem
from infra.config.values.network import (
    EKS_PUBLIC_ACCESS_CIDRS_MAX,
    GKE_AUTHORIZED_NETWORKS_MAX,
    allowlist_size_problem,
    unusable_range_problem,
)
from infra.config.values.reservations import gcp_reservation_problem
from infra.config.values.retention import cloudwatch_retention_problem
from infra.config.values.text import non_ascii_problem

Problem = tuple[str, str]
# Checked by infra.config.rules.tags (tags) or never shown (secrets, dumped masked).
_SKIP_TOP = ("tags",)


def value_problems(config: StackConfig) -> Iterator[Problem]:
    """Every value of the config the receiving cloud, GitHub or mail server would refuse, with its path."""
    yield from _text_problems(config.model_dump(mode="json", by_alias=True, exclude=set(_SKIP_TOP)), "")
    for name, cluster in config.clusters.items():
        yield from _cluster(config, f"clusters.{name}", cluster)
    yield from _mail(config)
    yield from _github_app(config)


# Keys whose values are cloud or Kubernetes identifiers (zone ids, ARNs, resource names, image references,
# versions): no cloud accepts a space in one, and a trailing space copied from a console is invisible in review.
IDENTIFIER_KEYS = frozenset({
    "dns_zone", "certificate", "firewall_policy", "network", "subnetwork", "pods_range", "services_range",
    "machine_type", "image", "mig_partition_size", "storage_class", "pool", "kms_key", "kms_key_arn",
    "secrets_kms_key_arn", "destination_bucket_arn", "destination_kms_key_arn", "principal_arn", "name",
    "repository", "service_account", "namespace", "node_service_account", "metrics_reader_service_account",
})


def _text_problems(value: Any, path: str) -> Iterator[Problem]:
    """Non-ASCII or control characters anywhere a string (or a mapping key) reaches a cloud or GitHub, and
    whitespace in an identifier."""
    if isinstance(value, dict):
        for key, child in value.items():
            child_path = f"{path}.{key}" if path else str(key)
            problem = non_ascii_problem(str(key))
            if problem:
                yield child_path, f"the key {key!r}: {problem}"
                continue
            yield from _text_problems(child, child_path)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _text_problems(child, f"{path}.{index}")
    elif isinstance(value, str):
        problem = non_ascii_problem(value)
        if problem:
            yield path, problem
        elif " " in value and (path.rsplit(".", 1)[-1] in IDENTIFIER_KEYS or ".addon_versions." in f".{path}"):
            yield path, f"an identifier has no spaces; remove them (got {value!r})"


def _cluster(config: StackConfig, path: str, cluster: ClusterConfig) -> Iterator[Problem]:
    yield from _ranges(path, cluster)
    if cluster.cloud == Cloud.AWS:
        for field, days in (("log_retention_days", cluster.log_retention_days),
                            ("aws.flow_log_retention_days", cluster.aws.flow_log_retention_days)):
            problem = cloudwatch_retention_problem(days)
            if problem:
                yield f"{path}.{field}", problem
    for pool_name, pool in cluster.gpu_pools.items():
        pool_path = f"{path}.gpu_pools.{pool_name}"
        for key, value in pool.labels.items():
            problem = kubernetes_label_key_problem(key) or kubernetes_label_value_problem(value)
            if problem:
                yield f"{pool_path}.labels.{key}", f"{problem}; pool labels become Kubernetes node labels"
        reservation = (pool.gcp.reservation.name if cluster.cloud == Cloud.GCP and pool.gcp.reservation is not None
                       else None)
        if reservation is not None and reservation.isascii() and " " not in reservation:
            problem = gcp_reservation_problem(reservation)
            if problem:
                yield f"{pool_path}.gcp.reservation.name", problem
        if cluster.cloud == Cloud.GCP and pool.gcp.max_surge + pool.gcp.max_unavailable < 1:
            # (maxUnavailable + maxSurge) is how many nodes an upgrade takes at once: 0 upgrades nothing
            # (NodePool.UpgradeSettings, https://cloud.google.com/ruby/docs/reference/google-cloud-container-v1/
            # 0.7.3/Google-Cloud-Container-V1-NodePool-UpgradeSettings, read 2026-12-07).
            yield (f"{pool_path}.gcp.max_surge",
                   "max_surge + max_unavailable must be at least 1, or GKE can upgrade no node; set max_surge: 1 "
                   "(a new node before an old one goes) (got max_surge 0, max_unavailable 0)")
    if cluster.cloud == Cloud.GCP:
        yield from _node_accounts(config, f"{path}.gcp", cluster)
    for set_name, runner in cluster.runners.items():
        yield from _runner(f"{path}.runners.{set_name}", runner)
    for gateway_name, gateway in cluster.gateways.items():
        yield from _gateway_refs(config, f"{path}.gateways.{gateway_name}", cluster.cloud, gateway)


def _gateway_refs(config: StackConfig, path: str, cloud: Cloud, gateway: GatewayConfig) -> Iterator[Problem]:
    """The certificate, DNS zone and firewall policy a gateway names: each the shape its cloud gives it."""
    tls, policy = gateway.tls, gateway.firewall_policy
    checks: list[tuple[str, str | None, Callable[[str], str | None]]]
    if cloud == Cloud.AWS:
        region = config.aws.region if config.aws is not None else None
        checks = [("tls.certificate", tls.certificate, acm_certificate_problem),
                  ("tls.dns_zone", tls.dns_zone, route53_zone_problem)]
        if region is not None:
            checks.append(("firewall_policy", policy, lambda arn: wafv2_web_acl_problem(arn, region)))
    else:
        project = config.gcp.project if config.gcp is not None else None
        region = config.gcp.region if config.gcp is not None else "global"
        # An internal gateway is regional (its certificate lives in the region); an external one is global.
        location = region if gateway.exposure == Exposure.INTERNAL else "global"
        checks = [("tls.certificate", tls.certificate, lambda c: gcp_certificate_problem(c, project, location)),
                  ("tls.dns_zone", tls.dns_zone, cloud_dns_zone_problem),
                  ("firewall_policy", policy, cloud_armor_policy_problem)]
    for field, value, check in checks:
        # Non-ASCII and spaces are refused with their own message by _text_problems.
        if value is not None and value.isascii() and " " not in value:
            problem = check(value)
            if problem:
                yield f"{path}.{field}", problem


def _ranges(path: str, cluster: ClusterConfig) -> Iterator[Problem]:
    single: list[tuple[str, IPv4Network | None]] = [("network.cidr", cluster.network.cidr)]
    if cluster.cloud == Cloud.GCP:
        single += [("gcp.master_cidr", cluster.gcp.master_cidr), ("gcp.proxy_only_cidr", cluster.gcp.proxy_only_cidr)]
    for field, network in single:
        problem = unusable_range_problem(network) if network is not None else None
        if problem:
            yield f"{path}.{field}", f"{problem}; use a private range such as 10.0.0.0/16"
    lists = [("endpoint.public_access_cidrs", cluster.endpoint.public_access_cidrs)]
    if cluster.cloud == Cloud.GCP:
        lists.append(("gcp.master_authorized_networks", cluster.gcp.master_authorized_networks))
    for field, networks in lists:
        for index, network in enumerate(networks):
            problem = unusable_range_problem(network, allowlist=True)
            if problem:
                yield f"{path}.{field}.{index}", f"{problem}; it admits no client, remove it"
    if cluster.cloud == Cloud.AWS:
        problem = allowlist_size_problem(len(cluster.endpoint.public_access_cidrs), EKS_PUBLIC_ACCESS_CIDRS_MAX,
                                         "an EKS public endpoint")
        if problem:
            yield f"{path}.endpoint.public_access_cidrs", problem
    else:
        total = len(cluster.endpoint.public_access_cidrs) + len(cluster.gcp.master_authorized_networks)
        problem = allowlist_size_problem(total, GKE_AUTHORIZED_NETWORKS_MAX,
                                         "GKE's authorized networks (public_access_cidrs and "
                                         "master_authorized_networks together)")
        if problem:
            yield f"{path}.gcp.master_authorized_networks", problem


def _node_accounts(config: StackConfig, path: str, cluster: ClusterConfig) -> Iterator[Problem]:
    """A GKE cluster's node and metrics accounts: well-formed, in the stack's own project, not another environment's.

    Nodes running as another environment's account hold that environment's grants (its buckets, its registry):
    a dev cluster as prod's node account reads prod data.
    """
    project = config.gcp.project if config.gcp is not None else None
    others = [e.value for e in Environment if e != config.environment]
    for field in ("node_service_account", "metrics_reader_service_account"):
        account = getattr(cluster.gcp, field)
        if account is None or not SERVICE_ACCOUNT_EMAIL.fullmatch(account):
            continue  # absent, or refused with its own message by infra.config.rules.gcp
        account_id, _, domain = account.partition("@")
        account_project = domain.split(".", 1)[0]
        if project is not None and account_project != project:
            yield (f"{path}.{field}", f"is in project {account_project}, not this stack's project {project}: "
                   "nodes would run with another project's grants; use the bootstrap output for this stack "
                   f"(got {account!r})")
        elif set(account_id.split("-")) & set(others):
            named = sorted(set(account_id.split("-")) & set(others))
            yield (f"{path}.{field}", f"names the {', '.join(named)} environment, and this is a "
                   f"{config.environment.value} stack: never run nodes as another environment's account; use the "
                   f"bootstrap output for this stack (got {account!r})")


def _runner(path: str, runner: Any) -> Iterator[Problem]:
    # A URL of the wrong shape is refused by infra.config.rules.runners; this adds what a valid shape can hide.
    problem = config_url_problem(runner.github_config_url) if github_url_ok(runner.github_config_url) else None
    if problem:
        yield f"{path}.github_config_url", problem
    problem = runner_group_problem(runner.runner_group)
    if problem:
        yield f"{path}.runner_group", problem
    owner = url_owner(runner.github_config_url) if not problem else None
    for index, slug in enumerate(runner.repositories):
        problem = repository_slug_problem(slug)
        if problem:
            yield f"{path}.repositories.{index}", problem
        elif owner is not None and slug.split("/", 1)[0].lower() != owner:
            yield (f"{path}.repositories.{index}", f"belongs to {slug.split('/', 1)[0]}, but the runners register "
                   f"in {owner} ({runner.github_config_url}); a runner group admits only its own organisation's "
                   f"repositories (got {slug!r})")
    if runner.storage_class is not None:
        problem = kubernetes_object_name_problem(runner.storage_class)
        if problem:
            yield f"{path}.storage_class", f"a StorageClass name {problem}"
    for part in ("cpu", "memory"):
        quantity = getattr(runner.resources.limits, part)
        try:
            zero = parse_quantity(quantity) <= 0
        except (ValueError, ArithmeticError):
            continue  # not a quantity: refused by the model's pattern
        if zero:
            yield (f"{path}.resources.limits.{part}", f"must be more than 0: Kubernetes reads a zero limit as no "
                   f"limit, so a runner could take the whole node (got {quantity!r})")


def _mail(config: StackConfig) -> Iterator[Problem]:
    for index, address in enumerate(config.observability.notify.emails):
        problem = email_problem(address)
        if problem:
            yield f"observability.notify.emails.{index}", problem
    relay = config.gcp.alert_smtp if config.gcp is not None else None
    if relay is not None:
        problem = smarthost_problem(relay.smarthost)
        if problem:
            yield "gcp.alert_smtp.smarthost", problem
        problem = email_problem(relay.sender)
        if problem:
            yield "gcp.alert_smtp.sender", problem


def _github_app(config: StackConfig) -> Iterator[Problem]:
    app = config.github_app
    if app is not None and app.platform_repository is not None:
        problem = repository_slug_problem(app.platform_repository)
        if problem:
            yield "github_app.platform_repository", problem
