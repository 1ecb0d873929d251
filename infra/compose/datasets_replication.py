"""Cross-cloud datasets, the GCP half: the copy bucket and the transfer job (the AWS half:
infra.compose.datasets_transfer_aws). They meet through the transfer role's ARN, a stack output of the
AWS half handed to this one.
"""

from __future__ import annotations

from typing import Any

import pulumi

from components.gcp.dataset_replica import S3ToGcsTransfer, S3ToGcsTransferArgs
from components.gcp.gcs_bucket import GcsBucket, GcsBucketArgs
from infra.compose.context import PROTECTED_ENVIRONMENTS, bucket_name
from infra.compose.datasets import home_bucket, replica_key
from infra.compose.datasets_transfer_aws import TRANSFERS_OUTPUT, replicated, transfer_service_account
from infra.config.stack import Environment, StackConfig


def gcp_dataset_replicas(config: StackConfig, stack: str, number: pulumi.Input[str], labels: dict[str, str],
                         opts: pulumi.ResourceOptions, aws_outputs: dict[str, Any]) -> dict[str, Any]:
    """The copy bucket and the transfer job per replicated dataset; `bucket_<dataset>-replica` outputs."""
    replicated_datasets = replicated(config)
    if not replicated_datasets:
        return {}
    assert config.gcp is not None
    agent = transfer_service_account(config, opts.provider)
    outputs: dict[str, Any] = {}
    for name, dataset in replicated_datasets:
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
