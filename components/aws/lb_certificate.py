"""ACM certificates validated through Route 53, and the alias records that point hostnames at a load balancer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.tags import with_tags


@dataclass(frozen=True)
class IssuedCertificate:
    """A certificate ARN that resolves once ACM has validated it, and its ACM status."""

    arn: pulumi.Output[str]
    status: pulumi.Output[str]


def record_key(hostname: str) -> str:
    """A resource-name-safe key for one hostname."""
    return hostname.replace(".", "-")


def _option_for(hostname: str, field: str):
    # ACM returns validation options as a set; look each one up by its domain, never by position.
    def pick(options) -> str:
        for option in options:
            if option.domain_name == hostname:
                return getattr(option, field)
        raise ValueError(f"ACM returned no validation option for {hostname}")

    return pick


def dns_validated_certificate(name: str, hostnames: Sequence[str], zone_id: str, tags: Mapping[str, str],
                              parent: pulumi.Resource) -> IssuedCertificate:
    """An ACM certificate for the hostnames, its DNS validation records in `zone_id`, and the wait."""
    child = pulumi.ResourceOptions(parent=parent)
    cert = aws.acm.Certificate(
        f"{name}-cert", domain_name=hostnames[0], subject_alternative_names=list(hostnames[1:]),
        validation_method="DNS", key_algorithm="EC_prime256v1",
        tags=with_tags(tags, Name=hostnames[0]), opts=child)
    records = [
        aws.route53.Record(
            f"{name}-validation-{record_key(host)}", zone_id=zone_id,
            name=cert.domain_validation_options.apply(_option_for(host, "resource_record_name")),
            type=cert.domain_validation_options.apply(_option_for(host, "resource_record_type")),
            records=[cert.domain_validation_options.apply(_option_for(host, "resource_record_value"))],
            ttl=60, allow_overwrite=True, opts=child)
        for host in hostnames
    ]
    validation = aws.acm.CertificateValidation(
        f"{name}-cert-validation", certificate_arn=cert.arn,
        validation_record_fqdns=[r.fqdn for r in records], opts=child)
    return IssuedCertificate(arn=validation.certificate_arn, status=cert.status)


def alias_records(name: str, hostnames: Sequence[str], zone_id: str, dns_name: pulumi.Input[str],
                  lb_zone_id: pulumi.Input[str], parent: pulumi.Resource) -> list[aws.route53.Record]:
    """A-record aliases sending each hostname to the load balancer."""
    return [
        aws.route53.Record(
            f"{name}-alias-{record_key(host)}", zone_id=zone_id, name=host, type="A",
            aliases=[{"name": dns_name, "zone_id": lb_zone_id, "evaluate_target_health": True}],
            opts=pulumi.ResourceOptions(parent=parent))
        for host in hostnames
    ]
