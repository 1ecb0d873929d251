import json

from components.aws.s3_bucket import S3Bucket, S3BucketArgs, lifecycle_rules, tls_only_policy


def test_tls_only_policy_denies_insecure_transport_on_bucket_and_objects():
    policy = json.loads(tls_only_policy("acme-dev-data"))
    [statement] = policy["Statement"]
    assert statement["Effect"] == "Deny" and statement["Principal"] == "*"
    assert statement["Resource"] == ["arn:aws:s3:::acme-dev-data", "arn:aws:s3:::acme-dev-data/*"]
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_lifecycle_rules():
    [rule] = lifecycle_rules(30, 7)
    assert rule["noncurrent_version_expiration"] == {"noncurrent_days": 30}
    assert rule["abort_incomplete_multipart_upload"] == {"days_after_initiation": 7}


def test_bucket_is_private_encrypted_versioned_and_tls_only(register):
    reg = register(lambda: S3Bucket("data", S3BucketArgs(bucket_name="acme-dev-data", tags={"owner": "ml"})))
    bucket = reg.one("aws:s3/bucket:Bucket", "data-bucket")
    assert bucket.inputs["bucket"] == "acme-dev-data"
    assert bucket.inputs["forceDestroy"] is False
    block = reg.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
    assert {k: block[k] for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                  "restrictPublicBuckets")} == dict.fromkeys(
        ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"), True)
    ownership = reg.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs
    assert ownership["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    sse = reg.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    [rule] = sse.inputs["rules"]
    assert rule["bucketKeyEnabled"] is True
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms"
    key = reg.one("aws:kms/key:Key", "data-key")
    assert key.inputs["enableKeyRotation"] is True
    assert sse.options()["propertyDependencies"]["rules"] == [key.urn]
    versioning = reg.one("aws:s3/bucketVersioning:BucketVersioning").inputs
    assert versioning["versioningConfiguration"] == {"status": "Enabled"}
    policy = reg.one("aws:s3/bucketPolicy:BucketPolicy").inputs
    assert json.loads(policy["policy"]) == json.loads(tls_only_policy("acme-dev-data"))
    lifecycle = reg.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs
    assert lifecycle["rules"][0]["noncurrentVersionExpiration"] == {"noncurrentDays": 30}


def test_protection_and_retention_reach_bucket_and_key(register):
    reg = register(lambda: S3Bucket("data", S3BucketArgs(bucket_name="b", protect=True, retain_on_delete=True)))
    for resource in (reg.one("aws:s3/bucket:Bucket"), reg.one("aws:kms/key:Key")):
        assert resource.options()["protect"] is True
        assert resource.options()["retainOnDelete"] is True


def test_sandbox_bucket_can_be_force_destroyed(register):
    reg = register(lambda: S3Bucket("data", S3BucketArgs(bucket_name="b", force_destroy=True)))
    assert reg.one("aws:s3/bucket:Bucket").inputs["forceDestroy"] is True


def test_existing_key_is_used(register):
    arn = "arn:aws:kms:us-east-1:123456789012:key/k"
    reg = register(lambda: S3Bucket("data", S3BucketArgs(bucket_name="b", kms_key_arn=arn)))
    assert reg.of_type("aws:kms/key:Key") == []
    sse = reg.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    assert sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"] == arn


def test_access_logs_go_to_the_log_bucket_under_the_bucket_prefix(register):
    reg = register(lambda: S3Bucket("data", S3BucketArgs(bucket_name="acme-prod-data",
                                                         access_log_bucket="acme-prod-logs")))
    logging = reg.one("aws:s3/bucketLogging:BucketLogging").inputs
    assert logging["targetBucket"] == "acme-prod-logs" and logging["targetPrefix"] == "acme-prod-data/"


def test_no_access_logging_unless_asked(register):
    reg = register(lambda: S3Bucket("data", S3BucketArgs(bucket_name="b")))
    assert reg.of_type("aws:s3/bucketLogging:BucketLogging") == []
    assert reg.of_type("aws:s3/bucketReplicationConfig:BucketReplicationConfig") == []


def test_log_target_uses_sse_s3_and_lets_only_this_account_deliver_logs(register):
    reg = register(lambda: S3Bucket("logs", S3BucketArgs(bucket_name="acme-prod-logs",
                                                         log_target_account="123456789012",
                                                         log_source_buckets=["acme-prod-data", "acme-prod-ckpt"])))
    assert reg.of_type("aws:kms/key:Key") == []
    [rule] = reg.one("aws:s3/bucketServerSideEncryptionConfiguration:"
                     "BucketServerSideEncryptionConfiguration").inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}
    policy = json.loads(reg.one("aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])
    deny, allow = policy["Statement"]
    assert deny["Sid"] == "DenyInsecureTransport"
    assert allow == {"Sid": "S3ServerAccessLogs", "Effect": "Allow",
                     "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
                     "Resource": "arn:aws:s3:::acme-prod-logs/*",
                     "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"},
                                   "ArnLike": {"aws:SourceArn": ["arn:aws:s3:::acme-prod-data",
                                                                 "arn:aws:s3:::acme-prod-ckpt"]}}}


def test_log_target_without_source_buckets_grants_s3_log_delivery_nothing(register):
    reg = register(lambda: S3Bucket("logs", S3BucketArgs(bucket_name="acme-prod-logs",
                                                         log_target_account="123456789012")))
    policy = json.loads(reg.one("aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["DenyInsecureTransport"]


def test_created_bucket_key_has_an_explicit_policy(register):
    reg = register(lambda: S3Bucket("data", S3BucketArgs(bucket_name="b", account_id="111122223333")))
    policy = json.loads(reg.one("aws:kms/key:Key").inputs["policy"])
    assert policy["Statement"] == [{"Sid": "EnableIamPolicies", "Effect": "Allow",
                                    "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                                    "Action": "kms:*", "Resource": "*"}]


def test_lifecycle_transitions():
    [rule] = lifecycle_rules(30, 7, [(30, "STANDARD_IA"), (180, "GLACIER_IR")])
    assert rule["transitions"] == [{"days": 30, "storage_class": "STANDARD_IA"},
                                   {"days": 180, "storage_class": "GLACIER_IR"}]
    assert "transitions" not in lifecycle_rules(30, 7)[0]


def test_cross_region_replication(register):
    dest, dest_key = "arn:aws:s3:::acme-dr-data", "arn:aws:kms:us-west-2:123456789012:key/dr"
    source_key = "arn:aws:kms:us-east-1:123456789012:key/src"
    reg = register(lambda: S3Bucket("data", S3BucketArgs(bucket_name="acme-prod-data", kms_key_arn=source_key,
                                                         replication_destination_arn=dest,
                                                         replication_kms_key_arn=dest_key)))
    config = reg.one("aws:s3/bucketReplicationConfig:BucketReplicationConfig")
    [rule] = config.inputs["rules"]
    assert rule["destination"] == {"bucket": dest, "storageClass": "STANDARD",
                                   "encryptionConfiguration": {"replicaKmsKeyId": dest_key}}
    assert rule["sourceSelectionCriteria"] == {"sseKmsEncryptedObjects": {"status": "Enabled"}}
    assert reg.one("aws:s3/bucketVersioning:BucketVersioning").urn in config.options()["dependencies"]
    role = json.loads(reg.one("aws:iam/role:Role", "data-replication").inputs["assumeRolePolicy"])
    assert role["Statement"][0]["Principal"] == {"Service": "s3.amazonaws.com"}
    policy = json.loads(reg.one("aws:iam/rolePolicy:RolePolicy", "data-replication").inputs["policy"])
    assert not any(s["Resource"] == "*" or "*" in "".join(s["Action"]) for s in policy["Statement"])


def test_elb_log_delivery_uses_the_region_elb_account_or_the_service_principal():
    from components.aws.s3_bucket import elb_log_statement

    old = elb_log_statement("logs", "eu-west-1", "123456789012")
    assert old["Principal"] == {"AWS": "arn:aws:iam::156460612806:root"}
    assert (old["Action"], old["Resource"]) == ("s3:PutObject", "arn:aws:s3:::logs/*/AWSLogs/123456789012/*")
    # Regions opened since August 2022 have no ELB account: the log delivery principal writes.
    new = elb_log_statement("logs", "ap-southeast-4", "123456789012")
    assert new["Principal"] == {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}
