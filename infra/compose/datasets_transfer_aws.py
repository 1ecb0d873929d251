"""Cross-cloud datasets, the AWS half: the federated role Storage Transfer Service reads S3 with.

Kept apart from the GCP half so an AWS-only stack never loads the GCP SDK: it is imported only when a
dataset is replicated. The role trusts the transfer service account's subject id, the one GCP fact it asks.
"""

from __future__ import annotations

from typing import Any

import pulumi

from components.aws.dataset_transfer_role import TransferSourceRole, TransferSourceRoleArgs
from components.aws.s3_bucket import S3Bucket
from infra.compose.context import AwsContext
from infra.compose.datasets import home_bucket
from infra.config.datasets import DatasetConfig
from infra.config.stack import StackConfig

TRANSFERS_OUTPUT = "dataset_transfers"


def replicated(config: StackConfig) -> list[tuple[str, DatasetConfig]]:
    """The datasets copied to the other cloud, in a stable order."""
    return [(name, d) for name, d in sorted(config.datasets.items()) if d.replicate]


def transfer_service_account(config: StackConfig, provider: pulumi.ProviderResource | None = None):
    """The project's Storage Transfer Service agent (email, member, subject id): an output invoke."""
    import pulumi_gcp as gcp  # see aws_transfer_roles

    assert config.gcp is not None
    return gcp.storage.get_transfer_project_service_account_output(
        project=config.gcp.project, opts=pulumi.InvokeOutputOptions(provider=provider) if provider else None)


def aws_transfer_roles(ctx: AwsContext, buckets: dict[str, S3Bucket]) -> dict[str, Any]:
    """A federated read role per replicated dataset; `dataset_transfers: {dataset: {role_arn}}` for the outputs."""
    datasets = replicated(ctx.config)
    if not datasets:
        return {}
    import pulumi_gcp as gcp  # only for a replicated dataset: an AWS-only stack never loads the GCP SDK

    config = ctx.config
    assert config.gcp is not None  # guaranteed by infra.config.rules.datasets
    # Its own explicit provider: the AWS half asks GCP one question and creates nothing there.
    provider = gcp.Provider("datasets-gcp", project=config.gcp.project, region=config.gcp.region)
    agent = transfer_service_account(config, provider)
    roles = {}
    for name, dataset in datasets:
        home = buckets[dataset.home.bucket]
        role = TransferSourceRole(f"dataset-{name}-transfer", TransferSourceRoleArgs(
            bucket=home_bucket(config, ctx.stack, dataset), prefix=dataset.home.prefix,
            subject_id=agent.subject_id, kms_key_arn=home.kms_key_arn, tags=ctx.tags, bounds=ctx.bounds),
            opts=ctx.opts)
        roles[name] = {"role_arn": role.role_arn}
    return {TRANSFERS_OUTPUT: roles}


