"""Cross-cloud datasets: S3 home, GKE consumers. The AWS half (a federated role) and the GCP half (copy + job).

The two halves meet through two facts: the transfer service account's subject id (an invoke on GCP, asked
from the AWS half) and the role's ARN (a stack output of the AWS half, handed to the GCP half).
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_gcp as gcp

from components.aws.dataset_transfer_role import TransferSourceRole, TransferSourceRoleArgs
from components.aws.s3_bucket import S3Bucket
from components.gcp.dataset_replica import S3ToGcsTransfer, S3ToGcsTransferArgs
from components.gcp.gcs_bucket import GcsBucket, GcsBucketArgs
from infra.compose.context import PROTECTED_ENVIRONMENTS, AwsContext, bucket_name
from infra.compose.datasets import home_bucket, replica_key
from infra.config.datasets import DatasetConfig
from infra.config.stack import Environment, StackConfig

TRANSFERS_OUTPUT = "dataset_transfers"


def _replicated(config: StackConfig) -> list[tuple[str, DatasetConfig]]:
    return [(name, d) for name, d in sorted(config.datasets.items()) if d.replicate]


def transfer_service_account(config: StackConfig, provider: pulumi.ProviderResource | None = None):
    """The project's Storage Transfer Service agent (email, member, subject id): an output invoke."""
    assert config.gcp is not None
    return gcp.storage.get_transfer_project_service_account_output(
        project=config.gcp.project, opts=pulumi.InvokeOutputOptions(provider=provider) if provider else None)


def aws_transfer_roles(ctx: AwsContext, buckets: dict[str, S3Bucket]) -> dict[str, Any]:
    """A federated read role per replicated dataset; `dataset_transfers: {dataset: {role_arn}}` for the outputs."""
    replicated = _replicated(ctx.config)
    if not replicated:
        return {}
    config = ctx.config
    assert config.gcp is not None  # guaranteed by infra.config.rules.datasets
    # Its own explicit provider: the AWS half asks GCP one question and creates nothing there.
    provider = gcp.Provider("datasets-gcp", project=config.gcp.project, region=config.gcp.region)
    agent = transfer_service_account(config, provider)
    roles = {}
    for name, dataset in replicated:
        home = buckets[dataset.home.bucket]
        role = TransferSourceRole(f"dataset-{name}-transfer", TransferSourceRoleArgs(
            bucket=home_bucket(config, ctx.stack, dataset), prefix=dataset.home.prefix,
            subject_id=agent.subject_id, kms_key_arn=home.kms_key_arn, tags=ctx.tags, bounds=ctx.bounds),
            opts=ctx.opts)
        roles[name] = {"role_arn": role.role_arn}
    return {TRANSFERS_OUTPUT: roles}


def gcp_dataset_replicas(config: StackConfig, stack: str, number: pulumi.Input[str], labels: dict[str, str],
                         opts: pulumi.ResourceOptions, aws_outputs: dict[str, Any]) -> dict[str, Any]:
    """The copy bucket and the transfer job per replicated dataset; `bucket_<dataset>-replica` outputs."""
    replicated = _replicated(config)
    if not replicated:
        return {}
    assert config.gcp is not None
    agent = transfer_service_account(config, opts.provider)
    outputs: dict[str, Any] = {}
    for name, dataset in replicated:
        key = replica_key(name)
        prod = config.environment == Environment.PROD
        copy = GcsBucket(key, GcsBucketArgs(
            bucket_name=bucket_name(config, stack, key), location=config.gcp.region.upper(),
            project=config.gcp.project, project_number=number, storage_class="STANDARD",
            # A copy the next transfer rewrites: old versions are kept a week, not the home's retention.
            versioning=True, noncurrent_version_expiration_days=7, abort_incomplete_multipart_days=1,
            soft_delete_days=7, cmek=prod, kms_key=None, access_logs=prod, workload_access={},
            protect=config.environment in PROTECTED_ENVIRONMENTS, retain_on_delete=prod,
            force_destroy=config.environment == Environment.SANDBOX, labels=labels), opts=opts)
        S3ToGcsTransfer(f"dataset-{name}-transfer", S3ToGcsTransferArgs(
            project=config.gcp.project, description=f"mlinfra {stack}: copy of dataset {name} from S3",
            source_bucket=home_bucket(config, stack, dataset), prefix=dataset.home.prefix,
            role_arn=aws_outputs[TRANSFERS_OUTPUT][name]["role_arn"], sink_bucket=copy.bucket_name,
            transfer_member=agent.member), opts=opts)
        outputs[f"bucket_{key}"] = {"name": copy.bucket_name, "url": copy.url}
    return outputs
