"""GcsStateBackend: a GCS bucket for Pulumi state plus the Cloud KMS key behind `gcpkms://` secrets.

The bucket is private (uniform bucket-level access, public access prevention enforced), versioned,
encrypted with the same customer-managed key, and protected: losing it loses every stack. Who read
or wrote state is audit evidence: usage logs go to a `<bucket>-logs` bucket made the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from components.gcp.iam import USAGE_LOG_WRITER, USAGE_LOG_WRITER_ROLE
from components.tags import gcp_labels

KEY_ROTATION = "7776000s"  # 90 days


def crypto_key_name(project: str, location: str, key_ring: str, key: str) -> str:
    """Full resource name of a Cloud KMS key, known before it exists (what `gcpkms://` takes)."""
    return f"projects/{project}/locations/{location}/keyRings/{key_ring}/cryptoKeys/{key}"


def storage_agent(project_number: str) -> str:
    """The Cloud Storage service agent, which needs the key to encrypt objects with CMEK."""
    return f"serviceAccount:service-{project_number}@gs-project-accounts.iam.gserviceaccount.com"


# One stack's objects in Pulumi's DIY backend (the same layout components/aws/ci_policies.py reads from
# pulumi/pulumi:pkg/backend/diy/store.go and lock.go), as object-name prefixes.
# Each entry: the path up to the stack name, and what follows the name of one exact stack.
STACK_PREFIXES = ((".pulumi/stacks/{project}/{stack}", ".json"), (".pulumi/history/{project}/{stack}", "/"),
                  (".pulumi/backups/{project}/{stack}", "/"), (".pulumi/journal/{project}/{stack}", "/"),
                  (".pulumi/locks/organization/{project}/{stack}", "/"))


def stacks_condition(bucket: str, pulumi_project: str, stacks: tuple[str, ...]) -> dict[str, str]:
    """IAM condition limiting object access to the named stacks' files (and the backend's meta.yaml); a
    name ending in `-` stands for every stack that starts with it (`sandbox-`).

    Cloud Storage evaluates `resource.name` in IAM conditions
    (https://cloud.google.com/iam/docs/conditions-resource-attributes, read 2026-11-29)."""
    objects = f"projects/_/buckets/{bucket}/objects/"
    prefixes = [".pulumi/meta.yaml", *(base.format(project=pulumi_project, stack=stack)
                                       + ("" if stack.endswith("-") else exact)
                                       for stack in stacks for base, exact in STACK_PREFIXES)]
    # Listing (lock checks, stack lists) is a call on the bucket itself: names, never contents.
    expression = " || ".join([f'resource.name == "projects/_/buckets/{bucket}"',
                              *(f'resource.name.startsWith("{objects}{prefix}")' for prefix in prefixes)])
    return {"title": "pulumi-stacks-" + "-".join(stacks)[:40], "expression": expression}


def locks_condition(bucket: str) -> dict[str, str]:
    """IAM condition limiting object writes to the backend's lock files (previews take locks too)."""
    return {"title": "pulumi-locks-only",
            "expression": f'resource.name.startsWith("projects/_/buckets/{bucket}/objects/.pulumi/locks/")'}


@dataclass(frozen=True)
class StateAccess:
    """One member's reach into the state: which stacks (None: every stack), whether it writes them (else it
    reads them and writes only locks), and which trust zones' secrets keys it may use."""

    stacks: tuple[str, ...] | None
    write: bool
    zones: tuple[str, ...] = ()


@dataclass(frozen=True)
class GcsStateBackendArgs:
    """Inputs of GcsStateBackend."""

    project: str
    project_number: str
    location: str
    bucket_name: str
    key_ring: str
    # The trust zones (dev, staging, prod, sandbox) with a secrets key each: `pulumi-<zone>`.
    zones: tuple[str, ...]
    # Members (e.g. `serviceAccount:...`) and what each reaches. Stack names end in `-` for a prefix
    # (`sandbox-`); `*` patterns are not allowed.
    access: Mapping[str, StateAccess] = field(default_factory=dict)
    # The Pulumi project whose stacks the bucket holds.
    pulumi_project: str = "mlinfra"
    noncurrent_version_days: int = 90
    tags: Mapping[str, str] = field(default_factory=dict)


class GcsStateBackend(pulumi.ComponentResource):
    """Key ring, the bucket's rotating key, one secrets key per trust zone, a CMEK-encrypted private
    versioned bucket, and scoped access to both."""

    backend_url: str
    secrets_providers: dict[str, str]

    def __init__(self, name: str, args: GcsStateBackendArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:gcp:GcsStateBackend", name, None, opts)
        keep = pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True)
        ring = gcp.kms.KeyRing(f"{name}-keyring", name=args.key_ring, location=args.location,
                               project=args.project, opts=keep)
        # The bucket's key is used by Cloud Storage's service agent alone: readers of an object need no key
        # permission for CMEK (Cloud Storage decrypts for them), so this key decrypts no stack's secrets.
        key = gcp.kms.CryptoKey(f"{name}-key", name="pulumi", key_ring=ring.id, rotation_period=KEY_ROTATION,
                                labels=gcp_labels(args.tags), opts=keep)
        key_name = crypto_key_name(args.project, args.location, args.key_ring, "pulumi")
        on_key = pulumi.ResourceOptions(parent=self, depends_on=[key])
        agent = gcp.kms.CryptoKeyIAMMember(f"{name}-key-storage-agent", crypto_key_id=key_name,
                                           role="roles/cloudkms.cryptoKeyEncrypterDecrypter",
                                           member=storage_agent(args.project_number), opts=on_key)
        private = dict(project=args.project, location=args.location, uniform_bucket_level_access=True,
                       public_access_prevention="enforced", force_destroy=False, versioning={"enabled": True},
                       encryption={"default_kms_key_name": key_name},
                       lifecycle_rules=[{"action": {"type": "Delete"},
                                         "condition": {"days_since_noncurrent_time": args.noncurrent_version_days}}],
                       labels=gcp_labels(args.tags),
                       opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True,
                                                   depends_on=[agent]))
        log_bucket = gcp.storage.Bucket(f"{name}-logs", name=f"{args.bucket_name}-logs", **private)
        gcp.storage.BucketIAMMember(f"{name}-logs-writer", bucket=log_bucket.name, role=USAGE_LOG_WRITER_ROLE,
                                    member=USAGE_LOG_WRITER, opts=pulumi.ResourceOptions(parent=self))
        bucket = gcp.storage.Bucket(
            f"{name}-bucket", name=args.bucket_name,
            logging={"log_bucket": log_bucket.name, "log_object_prefix": args.bucket_name}, **private)
        on_bucket = pulumi.ResourceOptions(parent=self, depends_on=[bucket])
        # One secrets key per trust zone: a zone's stack files (in the repository) decrypt only with it.
        zone_keys = {}
        for zone in args.zones:
            zone_key = gcp.kms.CryptoKey(f"{name}-key-{zone}", name=f"pulumi-{zone}", key_ring=ring.id,
                                         rotation_period=KEY_ROTATION, labels=gcp_labels(args.tags), opts=keep)
            zone_keys[zone] = (crypto_key_name(args.project, args.location, args.key_ring, f"pulumi-{zone}"),
                               pulumi.ResourceOptions(parent=self, depends_on=[zone_key]))
        for member, access in args.access.items():
            key_part = member.split(":", 1)[-1].split("@", 1)[0]
            only = (None if access.stacks is None
                    else stacks_condition(args.bucket_name, args.pulumi_project, access.stacks))
            gcp.storage.BucketIAMMember(f"{name}-read-{key_part}", bucket=args.bucket_name,
                                        role="roles/storage.objectViewer", member=member, condition=only,
                                        opts=on_bucket)
            gcp.storage.BucketIAMMember(
                f"{name}-write-{key_part}", bucket=args.bucket_name, role="roles/storage.objectUser", member=member,
                condition=only if access.write else locks_condition(args.bucket_name), opts=on_bucket)
            role = "roles/cloudkms.cryptoKeyEncrypterDecrypter" if access.write else "roles/cloudkms.cryptoKeyDecrypter"
            for zone in access.zones:
                zone_name, on_zone = zone_keys[zone]
                gcp.kms.CryptoKeyIAMMember(f"{name}-key-{zone}-{key_part}", crypto_key_id=zone_name, member=member,
                                           role=role, opts=on_zone)
        self.backend_url = f"gs://{args.bucket_name}"
        self.secrets_providers = {zone: f"gcpkms://{zone_name}" for zone, (zone_name, _) in zone_keys.items()}
        self.register_outputs({"backend_url": self.backend_url, "secrets_providers": self.secrets_providers})
