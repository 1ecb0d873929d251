"""GithubAppSecretReader: an environment's GitHub App key as an empty AWS Secrets Manager secret, and the one
identity allowed to read it, the secret-sync operator's service account in one cluster (EKS Pod Identity).

The stack creates the secret without a value (no SecretVersion: nothing of the key is in Pulumi config or
state); an administrator puts the PEM once (docs/concepts/ci-runners.md). The operator's role may read that
secret and nothing else: its ARN is the name followed by `-` and six random characters ("The ARN includes the
name of the secret followed by six random characters", AWS SDK for Kotlin, CreateSecretResponse.arn,
https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/secretsmanager/aws.sdk.kotlin.services.secretsmanager.
model/-create-secret-response/arn.html, read 2026-12-07), so the policy names `<name>-??????`, which matches
that one secret and no other name (a longer name has more characters before the suffix).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.aws.ci_policies import READ_APP_SECRET
from components.aws.iam import RoleBounds
from components.aws.pod_identity import associate, pod_identity_role


def secret_arn(region: str, account_id: str, secret_name: str, partition: str = "aws") -> str:
    """The ARN of secret `secret_name`, with IAM's `?` for each of the six characters AWS appends."""
    return f"arn:{partition}:secretsmanager:{region}:{account_id}:secret:{secret_name}-??????"


def secret_read_policy(arn: str) -> str:
    """Read one secret, by its ARN: no `*` action or resource."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadTheGithubAppSecret", "Effect": "Allow", "Action": list(READ_APP_SECRET), "Resource": arn}]})


@dataclass(frozen=True)
class GithubAppSecretReaderArgs:
    """Inputs of GithubAppSecretReader."""

    secret_name: str
    region: str
    account_id: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    cluster_arn: pulumi.Input[str]
    # The operator's service account (namespace, name).
    namespace: str
    service_account: str
    # False where another cluster of the stack already creates the secret (one secret per environment).
    create: bool = True
    protect: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)
    bounds: RoleBounds = field(default_factory=RoleBounds)


class GithubAppSecretReader(pulumi.ComponentResource):
    """The empty App secret (when `create`), and a Pod Identity role reading only it."""

    secret_arn: str | pulumi.Output[str]
    association: aws.eks.PodIdentityAssociation

    def __init__(self, name: str, args: GithubAppSecretReaderArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:aws:GithubAppSecretReader", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        if args.create:
            # No secret_string: the resource is the container, the value is put outside Pulumi.
            aws.secretsmanager.Secret(
                f"{name}-secret", name=args.secret_name, tags=dict(args.tags),
                description="GitHub App private key of this environment's runners (value put by an administrator)",
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect))
        arn = pulumi.Output.from_input(args.account_id).apply(
            lambda account: secret_arn(args.region, account, args.secret_name))
        role = pod_identity_role(name, self, account_id=args.account_id, cluster_arn=args.cluster_arn,
                                 namespace=args.namespace, service_account=args.service_account, tags=args.tags,
                                 bounds=args.bounds)
        aws.iam.RolePolicy(f"{name}-read", role=role.name, policy=arn.apply(secret_read_policy), opts=child)
        self.association = associate(name, self, role, cluster_name=args.cluster_name, namespace=args.namespace,
                                     service_account=args.service_account, tags=args.tags)
        self.secret_arn = arn
        self.register_outputs({"secret_arn": arn})
