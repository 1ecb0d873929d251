"""Bootstrap composition: config -> state bucket, secrets key and the CI identities on each cloud."""

from __future__ import annotations

from typing import Any

import pulumi

from components.aws.github_oidc import (
    READ_ONLY_POLICY,
    CiRoleSpec,
    GitHubOidc,
    GitHubOidcArgs,
    deploy_subjects,
    pull_request_subjects,
)
from infra.config.bootstrap import BootstrapConfig

PROJECT = "mlinfra-bootstrap"
GCP_READ_ONLY_ROLE = "roles/viewer"


def bootstrap_tags(config: BootstrapConfig, stack: str) -> dict[str, str]:
    """Tags every bootstrap resource carries, the same shape as the platform's."""
    return {**config.tags.extra, "environment": config.environment.value, "owner": config.tags.owner,
            "cost-center": config.tags.cost_center, "stack": stack, "managed-by": "mlinfra-bootstrap"}


def subjects(config: BootstrapConfig) -> dict[str, tuple[str, ...]]:
    """OIDC subjects per CI purpose: previews from pull requests, drift from the branch, deploys from
    the branch and the deployment environments."""
    gh = config.github
    return {
        "preview": tuple(pull_request_subjects(gh.slug)),
        # Scheduled runs (drift) carry the default branch's ref as their subject.
        "drift": (f"repo:{gh.slug}:ref:refs/heads/{gh.branch}",),
        "deploy": tuple(deploy_subjects(gh.slug, gh.branch, gh.environments)),
    }


def build_bootstrap(config: BootstrapConfig) -> dict[str, Any]:
    """Create everything the workflows need; return what the README tells people to copy into GitHub."""
    stack = pulumi.get_stack()
    tags = bootstrap_tags(config, stack)
    outputs: dict[str, Any] = {"environment": config.environment.value, "repository": config.github.slug}
    if config.aws is not None:
        outputs.update(_aws(config, tags))
    if config.gcp is not None:
        outputs.update(_gcp(config, tags))
    return outputs


def _aws(config: BootstrapConfig, tags: dict[str, str]) -> dict[str, Any]:
    import pulumi_aws as aws

    from components.aws.s3_bucket import S3Bucket, S3BucketArgs, bucket_arn

    assert config.aws is not None
    region, prefix = config.aws.region, config.name_prefix
    # Losing the state bucket or its key loses every stack: protected, and kept if the stack goes.
    keep = pulumi.ResourceOptions(provider=aws.Provider("aws", region=region), protect=True, retain_on_delete=True)
    key = aws.kms.Key("secrets-key", description="Pulumi state encryption and secrets provider",
                      enable_key_rotation=True, deletion_window_in_days=30, tags=tags, opts=keep)
    alias = f"alias/{prefix}-pulumi"
    aws.kms.Alias("secrets-key-alias", name=alias, target_key_id=key.key_id,
                  opts=pulumi.ResourceOptions(provider=keep.provider, parent=key))
    bucket_name = config.aws.state_bucket or f"{prefix}-pulumi-state"
    # Who read or wrote the state is audit evidence: server access logs go to a bucket of their own.
    logs = S3Bucket("state-logs", S3BucketArgs(bucket_name=f"{bucket_name}-logs",
                                               log_target_account=config.aws.account_id,
                                               protect=True, retain_on_delete=True, tags=tags),
             opts=pulumi.ResourceOptions(provider=keep.provider))
    S3Bucket("state", S3BucketArgs(bucket_name=bucket_name, kms_key_arn=key.arn,
                                   noncurrent_version_expiration_days=90, protect=True,
                                   retain_on_delete=True, access_log_bucket=logs.bucket_name, tags=tags),
             opts=pulumi.ResourceOptions(provider=keep.provider))
    subs = subjects(config)
    roles = {
        "preview": CiRoleSpec(subs["preview"], (READ_ONLY_POLICY,), description="pulumi preview on pull requests"),
        "drift": CiRoleSpec(subs["drift"], (READ_ONLY_POLICY,), description="scheduled drift check"),
        "deploy": CiRoleSpec(subs["deploy"], tuple(config.aws.deploy_policy_arns), writes_state=True,
                             description="pulumi up from main and the deployment environments"),
    }
    oidc = GitHubOidc("github", GitHubOidcArgs(
        account_id=config.aws.account_id, state_bucket_arn=bucket_arn(bucket_name), state_key_arn=key.arn,
        roles=roles, name_prefix=prefix, tags=tags), opts=pulumi.ResourceOptions(provider=keep.provider))
    return {
        "pulumi_backend_url": f"s3://{bucket_name}?region={region}",
        "secrets_provider": f"awskms://{alias}?region={region}",
        "aws_preview_role_arn": oidc.role_arns["preview"],
        "aws_drift_role_arn": oidc.role_arns["drift"],
        "aws_deploy_role_arn": oidc.role_arns["deploy"],
    }


def _gcp(config: BootstrapConfig, tags: dict[str, str]) -> dict[str, Any]:
    import pulumi_gcp as gcp

    from components.gcp.github_wif import (
        CiServiceAccountSpec,
        GitHubWorkloadIdentity,
        GitHubWorkloadIdentityArgs,
        provider_resource_name,
    )

    assert config.gcp is not None
    subs = subjects(config)
    accounts = {
        "preview": CiServiceAccountSpec(subs["preview"], (GCP_READ_ONLY_ROLE,)),
        "drift": CiServiceAccountSpec(subs["drift"], (GCP_READ_ONLY_ROLE,)),
        "deploy": CiServiceAccountSpec(subs["deploy"], tuple(config.gcp.deploy_roles)),
    }
    provider = gcp.Provider("gcp", project=config.gcp.project)
    wif = GitHubWorkloadIdentity("github-wif", GitHubWorkloadIdentityArgs(
        project=config.gcp.project, project_number=config.gcp.project_number, repo=config.github.slug,
        pool_id=config.gcp.pool_id, service_accounts=accounts, name_prefix=config.name_prefix, protect=True),
        opts=pulumi.ResourceOptions(provider=provider))
    outputs = {
        "gcp_workload_identity_provider": provider_resource_name(config.gcp.project_number, config.gcp.pool_id),
        **{f"gcp_{name}_service_account": email for name, email in wif.service_account_emails.items()},
    }
    if config.gcp.state_bucket is not None:
        from components.gcp.state_backend import GcsStateBackend, GcsStateBackendArgs

        emails = {name: f"serviceAccount:{email}" for name, email in wif.service_account_emails.items()}
        backend = GcsStateBackend("gcs-state", GcsStateBackendArgs(
            project=config.gcp.project, project_number=config.gcp.project_number, location=config.gcp.location,
            bucket_name=config.gcp.state_bucket, key_ring=f"{config.name_prefix}-pulumi",
            readers=(emails["preview"], emails["drift"]), writers=(emails["deploy"],), tags=tags),
            opts=pulumi.ResourceOptions(provider=provider))
        outputs["gcp_pulumi_backend_url"] = backend.backend_url
        outputs["gcp_secrets_provider"] = backend.secrets_provider
    return outputs
