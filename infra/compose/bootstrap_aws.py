"""The bootstrap's AWS side: state bucket and its key, one secrets key per trust zone, the OIDC provider,
the CI roles (one deploy role per environment) and the permissions boundary every role a deploy creates
must carry."""

from __future__ import annotations

from typing import Any

import pulumi

from components.aws.ci_policies import CiScope, boundary_document, deploy_policy_documents, sandbox_policy_documents
from components.aws.ci_state import data_read_guard_document, state_policy_document
from components.aws.github_oidc import READ_ONLY_POLICY, CiRoleSpec, GitHubOidc, GitHubOidcArgs, PodIdentityBinding
from infra.config.bootstrap import BootstrapConfig

SANDBOX_ZONE = "sandbox"


def trust_zones(config: BootstrapConfig) -> tuple[str, ...]:
    """Every trust zone with a secrets key of its own: each deploy environment, and the sandboxes."""
    return (*config.github.environments, SANDBOX_ZONE)


def unprotected_environments(config: BootstrapConfig) -> list[str]:
    """Deploy environments without required reviewers: the ones an unreviewed job (main's code, on a schedule)
    may read. The drift identity reaches these only."""
    return [env for env in config.github.environments if env not in config.stacks.protected]


def ci_role_specs(config: BootstrapConfig, subjects: dict[str, tuple[str, ...]], scope: CiScope) -> dict:
    """The CI roles: who assumes each (OIDC subjects), its policies and which state and keys it reaches."""
    assert config.aws is not None
    previewed = list(config.stacks.previewed)
    unprotected = unprotected_environments(config)
    # Stacks of unprotected environments not named after one (`mlinfra stack new` adds them to `previewed`).
    drifted = sorted({*unprotected, *previewed})
    specs = {
        # Pull requests run their own code: the previewed stacks' state and secrets, nothing else at all. No
        # ReadOnlyAccess: a preview does not refresh, and its only invoke (caller identity) needs no permission.
        "preview": CiRoleSpec(
            subjects["preview"], description="pulumi preview on pull requests: previewed stacks' state only",
            state_policy=state_policy_document(scope, read=previewed, write=[], lock=previewed, secrets=previewed)),
        # Main only, in the drift environment, which has no reviewers: so whoever lands code on main runs as it.
        # It refreshes the unprotected environments' stacks only; a protected stack's drift check runs in that
        # stack's own environment, behind its reviewers, as its deploy role (drift.yml).
        "drift": CiRoleSpec(
            subjects["drift"], (READ_ONLY_POLICY,), description="scheduled drift check of unprotected stacks",
            policies={"main": data_read_guard_document(scope, state=drifted)},
            state_policy=state_policy_document(scope, read=drifted, write=[], lock=drifted, secrets=unprotected)),
        "sandbox": CiRoleSpec(
            subjects["sandbox"], description="sandbox reaper: sandbox stacks and sandbox-tagged resources only",
            policies=sandbox_policy_documents(scope),
            state_policy=state_policy_document(scope, read=["sandbox-*"], write=["sandbox-*"], lock=[],
                                               secrets=[SANDBOX_ZONE], encrypts=True)),
    }
    for env in config.github.environments:
        # One role per environment: its own stack's state and secrets, and only its environment's resources. A
        # protected environment's is bound to its runner pods: whoever takes its job elsewhere gets nothing.
        binding = deployer_pods(config, env)
        specs[f"deploy-{env}"] = CiRoleSpec(
            () if binding else subjects[f"deploy-{env}"], tuple(config.aws.deploy_policy_arns),
            description=(f"pulumi up of {env}, from its deployer pods in {binding.cluster_arn.rsplit('/', 1)[1]}"
                         if binding else f"pulumi up of {env} from main, in the {env} GitHub environment"),
            policies=deploy_policy_documents(scope, env, pod_bound=binding is not None), pod_identity=binding,
            state_policy=state_policy_document(scope, read=[env], write=[env], lock=[], secrets=[env], encrypts=True))
    return specs


def deployer_pods(config: BootstrapConfig, environment: str) -> PodIdentityBinding | None:
    """The runner pods of `<environment>-deploy` (their namespace and service account as the chart names them,
    components.k8s.runner_values), in the cluster `aws.deploy_clusters` names; None when not bound."""
    from components.k8s.runner_values import NO_CONTAINER_MODE, runner_service_account

    assert config.aws is not None
    cluster = config.aws.deploy_clusters.get(environment)
    if cluster is None:
        return None
    # Deployers run their steps in the runner pod, in the chart's default container mode (compose.runner_access).
    namespace, account = runner_service_account(f"{environment}-deploy", NO_CONTAINER_MODE)
    arn = f"arn:aws:eks:{config.aws.region}:{config.aws.account_id}:cluster/{cluster}"
    return PodIdentityBinding(arn, namespace, account)


def build_aws_bootstrap(config: BootstrapConfig, subjects: dict[str, tuple[str, ...]], tags: dict[str, str],
                        project: str) -> dict[str, Any]:
    import pulumi_aws as aws

    from components.aws.kms_policy import key_policy
    from components.aws.s3_bucket import S3Bucket, S3BucketArgs, bucket_arn

    assert config.aws is not None
    region, prefix = config.aws.region, config.name_prefix
    bucket_name = config.aws.state_bucket or f"{prefix}-pulumi-state"
    scope = CiScope(account_id=config.aws.account_id, region=region, name_prefix=prefix,
                    state_bucket_arn=bucket_arn(bucket_name), project=project, zones=trust_zones(config))
    # Losing the state bucket or its keys loses every stack: protected, and kept if the stack goes.
    keep = pulumi.ResourceOptions(provider=aws.Provider("aws", region=region), protect=True, retain_on_delete=True)
    key = aws.kms.Key("secrets-key", description="Pulumi state bucket encryption (used through S3 only)",
                      enable_key_rotation=True, deletion_window_in_days=30,
                      policy=key_policy(config.aws.account_id), tags=tags, opts=keep)
    aws.kms.Alias("secrets-key-alias", name=scope.state_key_alias, target_key_id=key.key_id,
                  opts=pulumi.ResourceOptions(provider=keep.provider, parent=key))
    # One secrets key per trust zone: the stack files with their ciphertext are in the repository, so
    # whoever may use a zone's key reads that zone's secrets, and nobody gets a key of a zone above theirs.
    providers = {}
    for zone in trust_zones(config):
        zone_key = aws.kms.Key(f"secrets-key-{zone}", description=f"Secrets of the {zone} stacks",
                               enable_key_rotation=True, deletion_window_in_days=30,
                               policy=key_policy(config.aws.account_id), tags={**tags, "trust-zone": zone}, opts=keep)
        aws.kms.Alias(f"secrets-key-{zone}-alias", name=scope.secrets_key_alias(zone), target_key_id=zone_key.key_id,
                      opts=pulumi.ResourceOptions(provider=keep.provider, parent=zone_key))
        providers[zone] = f"awskms://{scope.secrets_key_alias(zone)}?region={region}"
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
    specs = ci_role_specs(config, subjects, scope)
    oidc = GitHubOidc("github", GitHubOidcArgs(
        account_id=config.aws.account_id, roles=specs, name_prefix=prefix, tags=tags,
        boundary=(scope.iam_path, scope.boundary_name, boundary_document(scope))),
        opts=pulumi.ResourceOptions(provider=keep.provider))
    return {
        "pulumi_backend_url": f"s3://{bucket_name}?region={region}",
        "secrets_providers": providers,
        "aws_permissions_boundary_arn": scope.boundary_arn,
        **{f"aws_{name.replace('-', '_')}_role_arn": oidc.role_arns[name] for name in specs},
    }
