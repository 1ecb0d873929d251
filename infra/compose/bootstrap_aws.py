"""The bootstrap's AWS side: state bucket, two secrets keys, the OIDC provider, four CI roles and the
permissions boundary every role the deploy role creates must carry."""

from __future__ import annotations

from typing import Any

import pulumi

from components.aws.ci_policies import (
    CiScope,
    boundary_document,
    deploy_policy_document,
    sandbox_policy_document,
    state_policy_document,
)
from components.aws.github_oidc import READ_ONLY_POLICY, CiRoleSpec, GitHubOidc, GitHubOidcArgs
from infra.config.bootstrap import BootstrapConfig

CI_ROLES = ("preview", "drift", "deploy", "sandbox")


def ci_role_specs(config: BootstrapConfig, subjects: dict[str, tuple[str, ...]], scope: CiScope) -> dict:
    """The four CI roles: who assumes each (OIDC subjects), its policies and its Pulumi state access."""
    assert config.aws is not None
    ci_roles = [scope.iam_arn("role", f"{config.name_prefix}-github-{name}") for name in CI_ROLES]
    protected, previewed = list(config.stacks.protected), list(config.stacks.previewed)
    both_keys = [scope.state_key_alias, scope.protected_key_alias]
    # Pull requests run their own code: never a protected stack's state or secrets, whatever else
    # ReadOnlyAccess would let them read. The sandbox identity is kept out of them the same way.
    keep_out = {"deny_read": protected, "deny_keys": [scope.protected_key_alias]}
    return {
        "preview": CiRoleSpec(
            subjects["preview"], (READ_ONLY_POLICY,), description="pulumi preview on pull requests",
            state_policy=state_policy_document(scope, read=previewed, write=[], lock=previewed,
                                               keys=[scope.state_key_alias], **keep_out)),
        "drift": CiRoleSpec(
            subjects["drift"], (READ_ONLY_POLICY,), description="scheduled drift check",
            state_policy=state_policy_document(scope, read=["*"], write=[], lock=["*"], keys=both_keys)),
        "deploy": CiRoleSpec(
            subjects["deploy"], tuple(config.aws.deploy_policy_arns), writes_state=True,
            description="pulumi up from main in the deployment environments",
            policies={"main": deploy_policy_document(scope, ci_roles)},
            state_policy=state_policy_document(scope, read=["*"], write=["*"], lock=[], keys=both_keys)),
        "sandbox": CiRoleSpec(
            subjects["sandbox"], description="sandbox reaper: sandbox stacks and sandbox-tagged resources only",
            policies={"main": sandbox_policy_document(scope, ci_roles)},
            state_policy=state_policy_document(scope, read=["sandbox-*"], write=["sandbox-*"], lock=[],
                                               keys=[scope.state_key_alias], **keep_out)),
    }


def build_aws_bootstrap(config: BootstrapConfig, subjects: dict[str, tuple[str, ...]], tags: dict[str, str],
                        project: str) -> dict[str, Any]:
    import pulumi_aws as aws

    from components.aws.kms_policy import key_policy
    from components.aws.s3_bucket import S3Bucket, S3BucketArgs, bucket_arn

    assert config.aws is not None
    region, prefix = config.aws.region, config.name_prefix
    bucket_name = config.aws.state_bucket or f"{prefix}-pulumi-state"
    scope = CiScope(account_id=config.aws.account_id, region=region, name_prefix=prefix,
                    state_bucket_arn=bucket_arn(bucket_name), project=project)
    # Losing the state bucket or its keys loses every stack: protected, and kept if the stack goes.
    keep = pulumi.ResourceOptions(provider=aws.Provider("aws", region=region), protect=True, retain_on_delete=True)
    key = aws.kms.Key("secrets-key", description="Pulumi state encryption and secrets of unprotected stacks",
                      enable_key_rotation=True, deletion_window_in_days=30,
                      policy=key_policy(config.aws.account_id), tags=tags, opts=keep)
    aws.kms.Alias("secrets-key-alias", name=scope.state_key_alias, target_key_id=key.key_id,
                  opts=pulumi.ResourceOptions(provider=keep.provider, parent=key))
    # Staging and prod secrets get a key of their own, so a preview that may read dev can never decrypt them.
    protected = aws.kms.Key("protected-secrets-key", description="Secrets of protected stacks (staging, prod)",
                            enable_key_rotation=True, deletion_window_in_days=30,
                            policy=key_policy(config.aws.account_id), tags=tags, opts=keep)
    aws.kms.Alias("protected-secrets-key-alias", name=scope.protected_key_alias, target_key_id=protected.key_id,
                  opts=pulumi.ResourceOptions(provider=keep.provider, parent=protected))
    # Who read or wrote the state is audit evidence: server access logs go to a bucket of their own.
    logs = S3Bucket("state-logs", S3BucketArgs(bucket_name=f"{bucket_name}-logs",
                                               log_target_account=config.aws.account_id,
                                               log_source_buckets=[bucket_name],
                                               protect=True, retain_on_delete=True, tags=tags),
                    opts=pulumi.ResourceOptions(provider=keep.provider))
    S3Bucket("state", S3BucketArgs(bucket_name=bucket_name, kms_key_arn=key.arn,
                                   noncurrent_version_expiration_days=90, protect=True,
                                   retain_on_delete=True, access_log_bucket=logs.bucket_name,
                                   account_id=config.aws.account_id, tags=tags),
             opts=pulumi.ResourceOptions(provider=keep.provider))
    oidc = GitHubOidc("github", GitHubOidcArgs(
        account_id=config.aws.account_id, state_bucket_arn=scope.state_bucket_arn, state_key_arn=key.arn,
        roles=ci_role_specs(config, subjects, scope), name_prefix=prefix, tags=tags,
        boundary=(scope.iam_path, scope.boundary_name, boundary_document(scope))),
        opts=pulumi.ResourceOptions(provider=keep.provider))
    return {
        "pulumi_backend_url": f"s3://{bucket_name}?region={region}",
        "secrets_provider": f"awskms://{scope.state_key_alias}?region={region}",
        "protected_secrets_provider": f"awskms://{scope.protected_key_alias}?region={region}",
        "aws_permissions_boundary_arn": scope.boundary_arn,
        **{f"aws_{name}_role_arn": oidc.role_arns[name] for name in CI_ROLES},
    }
