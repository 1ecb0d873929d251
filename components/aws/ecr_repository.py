"""EcrRepository: a private image repository for CI to push to, and the push policy document scoped to it alone.

The component creates no IAM policy of its own: whoever pushes (a CI job's Pod Identity role)
embeds `ecr_push_policy` with the repository ARN computed before apply, so the policy pack can
check it in a preview and no unattached policy is left in the account.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.aws.iam import account_id_or_lookup
from components.aws.kms_policy import key_policy
from components.tags import with_tags

# Exactly what `docker push` needs (layer upload and manifest put), plus the reads buildx uses
# to check for existing layers. No delete, no policy or lifecycle changes.
ECR_PUSH_ACTIONS = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:CompleteLayerUpload",
    "ecr:GetDownloadUrlForLayer",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
)


def ecr_push_policy(repository_arn: str) -> dict:
    """Least-privilege IAM policy document: push to one repository.

    `ecr:GetAuthorizationToken` cannot be scoped to a repository (AWS only accepts `*` for it);
    the token alone grants nothing, every repository action is checked against the first statement.
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "PushToOneRepository", "Effect": "Allow", "Action": list(ECR_PUSH_ACTIONS),
             "Resource": repository_arn},
            {"Sid": "RegistryLogin", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"},
        ],
    }


@dataclass(frozen=True)
class EcrRepositoryArgs:
    """Inputs of EcrRepository."""

    repository_name: str
    # Use an existing KMS key instead of creating one for this repository.
    kms_key_arn: pulumi.Input[str] | None = None
    protect: bool = False
    # The account that administers a created key (its key policy); looked up when unset.
    account_id: pulumi.Input[str] | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


class EcrRepository(pulumi.ComponentResource):
    """ECR repository: immutable tags, scan on push, KMS-encrypted."""

    repository_url: pulumi.Output[str]
    arn: pulumi.Output[str]

    def __init__(self, name: str, args: EcrRepositoryArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:aws:EcrRepository", name, None, opts)
        tags = with_tags(args.tags, Name=args.repository_name)
        kms_key_arn = args.kms_key_arn
        if kms_key_arn is None:
            key = aws.kms.Key(f"{name}-key", description=f"ECR repository {args.repository_name}",
                              enable_key_rotation=True, deletion_window_in_days=30, tags=tags,
                              policy=account_id_or_lookup(args.account_id, self).apply(key_policy),
                              opts=pulumi.ResourceOptions(parent=self, protect=args.protect))
            kms_key_arn = key.arn
        repository = aws.ecr.Repository(
            f"{name}-repo",
            name=args.repository_name,
            # Immutable tags: a tag CI pushed once always means the same image.
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration={"scan_on_push": True},
            encryption_configurations=[{"encryption_type": "KMS", "kms_key": kms_key_arn}],
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect))

        self.repository_url = repository.repository_url
        self.arn = repository.arn
        self.register_outputs({"repository_url": self.repository_url, "arn": self.arn})
