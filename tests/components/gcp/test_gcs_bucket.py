import pytest

from components.gcp.gcs_bucket import (
    GcsBucket,
    GcsBucketArgs,
    WorkloadAccess,
    lifecycle_rules,
    soft_delete_policy,
)

ARGS = dict(bucket_name="acme-dev-data", location="US-CENTRAL1", project="acme-ml-dev",
            project_number="100000000001")
PRINCIPAL = ("principal://iam.googleapis.com/projects/100000000001/locations/global/"
             "workloadIdentityPools/acme-ml-dev.svc.id.goog/subject/ns/{ns}/sa/{sa}")


def test_lifecycle_deletes_old_versions_and_abandoned_uploads():
    assert lifecycle_rules(30, 7) == [
        {"action": {"type": "Delete"}, "condition": {"days_since_noncurrent_time": 30, "with_state": "ARCHIVED"}},
        {"action": {"type": "AbortIncompleteMultipartUpload"}, "condition": {"age": 7}}]


def test_soft_delete_policy():
    assert soft_delete_policy(7) == {"retention_duration_seconds": 604800}
    assert soft_delete_policy(0) == {"retention_duration_seconds": 0}
    with pytest.raises(ValueError, match="got 3"):
        soft_delete_policy(3)


def test_bucket_secure_defaults(register):
    reg = register(lambda: GcsBucket("data", GcsBucketArgs(**ARGS, labels={"owner": "ml"})))
    bucket = reg.one("gcp:storage/bucket:Bucket", "data-bucket")
    inputs = bucket.inputs
    assert inputs["name"] == "acme-dev-data" and inputs["location"] == "US-CENTRAL1"
    assert inputs["uniformBucketLevelAccess"] is True
    assert inputs["publicAccessPrevention"] == "enforced"
    assert inputs["versioning"] == {"enabled": True}
    assert inputs["softDeletePolicy"] == {"retentionDurationSeconds": 604800}
    assert inputs["lifecycleRules"][0] == {"action": {"type": "Delete"},
                                           "condition": {"daysSinceNoncurrentTime": 30, "withState": "ARCHIVED"}}
    assert inputs["forceDestroy"] is False
    assert inputs["labels"] == {"owner": "ml"}
    # Google-managed encryption and no access logs unless asked for.
    assert "encryption" not in inputs and "logging" not in inputs
    assert reg.of_type("gcp:kms/cryptoKey:CryptoKey") == []
    assert bucket.options()["protect"] is False and bucket.options()["retainOnDelete"] is False


def test_cmek_creates_a_rotating_key_the_gcs_agent_may_use_before_the_bucket(register):
    reg = register(lambda: GcsBucket("data", GcsBucketArgs(**ARGS, cmek=True, protect=True)))
    key = reg.one("gcp:kms/cryptoKey:CryptoKey", "data-cmek-key")
    assert key.inputs["rotationPeriod"] == "7776000s"
    assert key.options()["protect"] is True
    ring = reg.one("gcp:kms/keyRing:KeyRing", "data-cmek-keyring")
    assert ring.inputs == {"name": "acme-dev-data-key", "location": "us-central1"}
    grant = reg.one("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")
    assert grant.inputs["member"] == "serviceAccount:service-100000000001@gs-project-accounts.iam.gserviceaccount.com"
    assert grant.inputs["role"] == "roles/cloudkms.cryptoKeyEncrypterDecrypter"
    bucket = reg.one("gcp:storage/bucket:Bucket")
    assert bucket.options()["propertyDependencies"]["encryption"] == [key.urn]
    assert grant.urn in bucket.options()["dependencies"]


def test_existing_cmek_key_is_used(register):
    key = "projects/p/locations/us-central1/keyRings/r/cryptoKeys/k"
    reg = register(lambda: GcsBucket("data", GcsBucketArgs(**ARGS, cmek=True, kms_key=key)))
    assert reg.of_type("gcp:kms/cryptoKey:CryptoKey") == []
    assert reg.one("gcp:storage/bucket:Bucket").inputs["encryption"] == {"defaultKmsKeyName": key}
    assert reg.one("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember").inputs["cryptoKeyId"] == key


def test_prod_bucket_is_protected_retained_and_logs_access_to_a_private_log_bucket(register):
    reg = register(lambda: GcsBucket("data", GcsBucketArgs(**ARGS, access_logs=True, protect=True,
                                                           retain_on_delete=True)))
    bucket = reg.one("gcp:storage/bucket:Bucket", "data-bucket")
    logs = reg.one("gcp:storage/bucket:Bucket", "data-logs")
    assert bucket.inputs["logging"] == {"logBucket": "acme-dev-data-logs", "logObjectPrefix": "acme-dev-data"}
    assert logs.inputs["publicAccessPrevention"] == "enforced" and logs.inputs["uniformBucketLevelAccess"] is True
    for resource in (bucket, logs):
        assert resource.options()["protect"] is True and resource.options()["retainOnDelete"] is True


def test_sandbox_bucket_can_be_force_destroyed_and_versioning_can_be_turned_off(register):
    reg = register(lambda: GcsBucket("data", GcsBucketArgs(**ARGS, force_destroy=True, versioning=False,
                                                           soft_delete_days=0)))
    inputs = reg.one("gcp:storage/bucket:Bucket").inputs
    assert inputs["forceDestroy"] is True
    assert inputs["versioning"] == {"enabled": False}
    assert inputs["softDeletePolicy"] == {"retentionDurationSeconds": 0}


def test_workloads_get_object_roles_on_this_bucket_only(register):
    access = {"reader": WorkloadAccess("training", "trainer"),
              "writer": WorkloadAccess("serving", "model-server", "read-write")}
    reg = register(lambda: GcsBucket("data", GcsBucketArgs(**ARGS, workload_access=access)))
    bucket = reg.one("gcp:storage/bucket:Bucket")
    reader = reg.one("gcp:storage/bucketIAMMember:BucketIAMMember", "data-access-reader")
    writer = reg.one("gcp:storage/bucketIAMMember:BucketIAMMember", "data-access-writer")
    assert reader.inputs == {"bucket": "acme-dev-data", "role": "roles/storage.objectViewer",
                             "member": PRINCIPAL.format(ns="training", sa="trainer")}
    assert writer.inputs == {"bucket": "acme-dev-data", "role": "roles/storage.objectUser",
                             "member": PRINCIPAL.format(ns="serving", sa="model-server")}
    assert reader.options()["propertyDependencies"]["bucket"] == [bucket.urn]
    # No project-level grants: the pods reach this bucket and nothing else.
    assert reg.of_type("gcp:projects/iAMMember:IAMMember") == []


def test_unknown_access_level_is_refused():
    with pytest.raises(ValueError, match="got admin"):
        GcsBucket("data", GcsBucketArgs(**ARGS, workload_access={"x": WorkloadAccess("a", "b", "admin")}))


def test_a_retained_bucket_keeps_its_created_key_and_key_ring(register):
    # Destroying the stack must not schedule the key of retained data for destruction.
    reg = register(lambda: GcsBucket("data", GcsBucketArgs(**ARGS, cmek=True, protect=True, retain_on_delete=True)))
    for kind in ("gcp:kms/cryptoKey:CryptoKey", "gcp:kms/keyRing:KeyRing"):
        options = reg.one(kind).options()
        assert options["protect"] is True and options["retainOnDelete"] is True, kind


def test_usage_logs_can_be_delivered_to_the_log_bucket(register):
    reg = register(lambda: GcsBucket("data", GcsBucketArgs(**ARGS, access_logs=True)))
    writer = reg.one("gcp:storage/bucketIAMMember:BucketIAMMember", "data-logs-writer")
    assert (writer.inputs["role"], writer.inputs["member"]) == ("roles/storage.objectCreator",
                                                                "group:cloud-storage-analytics@google.com")
    assert writer.options()["propertyDependencies"]["bucket"] == [reg.one("gcp:storage/bucket:Bucket", "data-logs").urn]
