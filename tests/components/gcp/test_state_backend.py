from components.gcp.state_backend import GcsStateBackend, GcsStateBackendArgs, StateAccess

ARGS = GcsStateBackendArgs(project="acme-ops", project_number="100000000009", location="us-central1",
                           bucket_name="acme-pulumi-state", key_ring="acme-pulumi", zones=("dev", "prod"))
BUCKET = "gcp:storage/bucket:Bucket"


def test_state_bucket_writes_usage_logs_to_a_private_cmek_log_bucket(register):
    reg = register(lambda: GcsStateBackend("state", ARGS))
    state, logs = reg.one(BUCKET, "state-bucket"), reg.one(BUCKET, "state-logs")
    assert state.inputs["logging"] == {"logBucket": "acme-pulumi-state-logs", "logObjectPrefix": "acme-pulumi-state"}
    assert state.options()["propertyDependencies"]["logging"] == [logs.urn]
    assert logs.inputs["name"] == "acme-pulumi-state-logs"
    assert logs.inputs["publicAccessPrevention"] == "enforced" and logs.inputs["uniformBucketLevelAccess"] is True
    assert logs.inputs["versioning"] == {"enabled": True}
    assert logs.inputs["encryption"] == state.inputs["encryption"]
    assert logs.options()["protect"] is True and logs.options()["retainOnDelete"] is True
    writer = reg.one("gcp:storage/bucketIAMMember:BucketIAMMember", "state-logs-writer")
    assert (writer.inputs["role"], writer.inputs["member"]) == ("roles/storage.objectCreator",
                                                                "group:cloud-storage-analytics@google.com")
    assert writer.options()["propertyDependencies"]["bucket"] == [logs.urn]


def test_each_member_gets_only_its_zones_secrets_keys_and_the_bucket_key_only_the_storage_agent(register):
    args = GcsStateBackendArgs(
        project="acme-ops", project_number="100000000009", location="us-central1", bucket_name="acme-pulumi-state",
        key_ring="acme-pulumi", zones=("dev", "prod"),
        access={"serviceAccount:preview@x": StateAccess(("dev",), write=False, zones=("dev",)),
                "serviceAccount:deploy-prod@x": StateAccess(("prod",), write=True, zones=("prod",))})
    reg = register(lambda: GcsStateBackend("state", args))
    grants = {(r.inputs["cryptoKeyId"].rsplit("/", 1)[1], r.inputs["member"], r.inputs["role"])
              for r in reg.of_type("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")}
    assert grants == {
        ("pulumi", "serviceAccount:service-100000000009@gs-project-accounts.iam.gserviceaccount.com",
         "roles/cloudkms.cryptoKeyEncrypterDecrypter"),
        ("pulumi-dev", "serviceAccount:preview@x", "roles/cloudkms.cryptoKeyDecrypter"),
        ("pulumi-prod", "serviceAccount:deploy-prod@x", "roles/cloudkms.cryptoKeyEncrypterDecrypter")}
    writes = {r.inputs["member"]: r.inputs["condition"]["expression"]
              for r in reg.of_type("gcp:storage/bucketIAMMember:BucketIAMMember") if r.name.startswith("state-write-")}
    assert writes["serviceAccount:preview@x"] == (
        'resource.name.startsWith("projects/_/buckets/acme-pulumi-state/objects/.pulumi/locks/")')
    assert ".pulumi/stacks/mlinfra/prod.json" in writes["serviceAccount:deploy-prod@x"]
    assert "dev" not in writes["serviceAccount:deploy-prod@x"].replace("acme", "")
