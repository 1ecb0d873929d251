from components.gcp.state_backend import GcsStateBackend, GcsStateBackendArgs

ARGS = GcsStateBackendArgs(project="acme-ops", project_number="100000000009", location="us-central1",
                           bucket_name="acme-pulumi-state", key_ring="acme-pulumi")
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
