"""Which Pulumi state each CI identity reaches, as an IAM document: stacks by name in the DIY backend's
layout (ci_policies.STATE_PATHS), the state bucket's key only through S3, and each trust zone's secrets key
only for the identities of that zone."""

from __future__ import annotations

from collections.abc import Sequence

from components.aws.ci_policies import LOCK_PATH, META_OBJECT, CiScope, _doc, app_key_guard


def _via_s3(scope: CiScope) -> dict:
    """`kms:ViaService`: the key is usable only in requests S3 makes for the caller, so it decrypts state
    objects the caller may read and nothing else (AWS KMS Developer Guide, "kms:ViaService",
    https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service,
    read 2026-12-07: the value is `<service>.<region>.amazonaws.com`)."""
    return {"StringEquals": {"kms:ViaService": f"s3.{scope.region}.amazonaws.com"}}


def state_policy_document(scope: CiScope, *, read: Sequence[str], write: Sequence[str], lock: Sequence[str],
                          secrets: Sequence[str], encrypts: bool = False) -> str:
    """Access to the Pulumi state: stacks (name patterns) read, written or only locked; the secrets keys
    of the trust zones in `secrets` (decrypt; also encrypt with `encrypts`). Nothing else is allowed, and
    no other zone's secrets key: their ciphertext sits in the repository's stack files for anyone to read.
    """
    def objects(patterns: Sequence[str]) -> list[str]:
        return [arn for pattern in patterns for arn in scope.state_objects(pattern)]

    written = bool(write or lock)
    statements: list[dict] = [
        {"Sid": "ListState", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
         "Resource": scope.state_bucket_arn}]
    if read:
        statements.append({"Sid": "ReadState", "Effect": "Allow", "Action": ["s3:GetObject"],
                           "Resource": [f"{scope.state_bucket_arn}/{META_OBJECT}", *objects(read)]})
    if write:
        statements.append({"Sid": "WriteState", "Effect": "Allow", "Action": ["s3:PutObject", "s3:DeleteObject"],
                           "Resource": objects(write)})
    if lock:
        # Previews and refreshes take a lock in the DIY backend, so even read-only identities write there.
        statements.append({"Sid": "TakeLocks", "Effect": "Allow", "Action": ["s3:PutObject", "s3:DeleteObject"],
                           "Resource": [arn for p in lock for arn in scope.state_objects(p, (LOCK_PATH,))]})
    state_key = ["kms:Decrypt", "kms:DescribeKey"] + (["kms:GenerateDataKey", "kms:Encrypt"] if written else [])
    statements.append({"Sid": "StateBucketKeyThroughS3Only", "Effect": "Allow", "Action": state_key,
                       "Resource": scope.keys_with_aliases([scope.state_key_alias])["Resource"],
                       "Condition": {**scope.keys_with_aliases([scope.state_key_alias])["Condition"],
                                     **_via_s3(scope)}})
    if secrets:
        actions = ["kms:Decrypt", "kms:DescribeKey"] + (["kms:Encrypt", "kms:GenerateDataKey"] if encrypts else [])
        statements.append({"Sid": "SecretsOfTheseZones", "Effect": "Allow", "Action": actions,
                           **scope.keys_with_aliases([scope.secrets_key_alias(zone) for zone in secrets])})
    # Every CI role carries this document, so no CI identity reads a GitHub App key, whatever else it holds
    # (the drift role's ReadOnlyAccess included).
    statements.append(app_key_guard(scope))
    return _doc(*statements)


def data_read_guard_document(scope: CiScope, *, state: Sequence[str]) -> str:
    """For a role holding AWS managed ReadOnlyAccess (the drift check): deny the data reads it carries, object
    reads but the state of `state` (stack name patterns) and secret values, so a refresh reads resources'
    configuration and no dataset, checkpoint, other stack's state or secret."""
    readable = [f"{scope.state_bucket_arn}/{META_OBJECT}",
                *(arn for pattern in state for arn in scope.state_objects(pattern))]
    return _doc(
        {"Sid": "NoObjectReadsButTheseStacksState", "Effect": "Deny",
         "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectAttributes"], "NotResource": readable},
        {"Sid": "NoSecretValues", "Effect": "Deny", "Action": ["secretsmanager:GetSecretValue"], "Resource": "*"})
