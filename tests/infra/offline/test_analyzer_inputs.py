"""Recorded registrations become analyzer inputs the way the CLI marshals them."""

import pulumi
import pulumi_aws as aws
from google.protobuf import json_format
from pulumi.runtime import rpc

from infra.offline.analyzer_inputs import inputs_from_records


def test_records_become_analyzer_inputs_with_provider_options_and_dependencies(register):
    def program():
        provider = aws.Provider("p", region="eu-west-1")
        bucket = aws.s3.Bucket("b", bucket="x", tags={"token": pulumi.Output.secret("hunter2")},
                               opts=pulumi.ResourceOptions(provider=provider, protect=True))
        aws.s3.BucketVersioning("v", bucket=bucket.id, versioning_configuration={"status": "Enabled"},
                                opts=pulumi.ResourceOptions(provider=provider))

    reg = register(program, stand_ins=False)
    inputs = {i.name: i for i in inputs_from_records(reg.resources)}
    bucket, versioning = inputs["b"], inputs["v"]
    assert bucket.protect is True and versioning.protect is False
    assert bucket.provider.type == "pulumi:providers:aws" and bucket.provider.name == "p"
    assert json_format.MessageToDict(bucket.provider.properties)["region"] == "eu-west-1"
    # Secrets stay wrapped (the pack unwraps them, as under the CLI); unknown ids use the sentinel.
    assert json_format.MessageToDict(bucket.properties)["tags"]["token"] == {
        rpc._special_sig_key: rpc._special_secret_sig, "value": "hunter2"}
    assert json_format.MessageToDict(versioning.properties)["bucket"] == rpc.UNKNOWN
    assert versioning.property_dependencies["bucket"] == [bucket.urn]
    request = versioning.stack_resource()
    assert list(request.propertyDependencies["bucket"].urns) == [bucket.urn]
    assert request.parent == bucket.parent == "urn:pulumi:test::mlinfra::pulumi:pulumi:Stack::mlinfra-test"
    # With stand-ins (the default) the bucket's id is what S3 makes it: the bucket's name.
    standing = {i.name: i for i in inputs_from_records(register(program).resources)}
    assert json_format.MessageToDict(standing["v"].properties)["bucket"] == "x"


def test_policy_findings_never_show_secret_values(register):
    from infra.offline.policy_check import check_run

    def program():
        aws.s3.Bucket("b", bucket="x", tags={"environment": "sandbox", "owner": "me", "cost-center": "cc",
                                             "expires-at": pulumi.Output.secret("hunter2")})

    policy = check_run(register(program).run, "sandbox")
    messages = [v["message"] for v in policy["violations"] if v["policy"] == "sandbox-expiry"]
    assert messages == ["sandbox resource 'b' has no valid 'expires-at' tag (got '[secret]'): it must be an "
                        "ISO 8601 time or epoch seconds, no later than 9999-12-31T23:59:59Z"]
    assert "hunter2" not in repr(policy)


def test_check_run_sends_every_resource_to_analyze_and_the_stack_once(register):
    from infra.offline.policy_check import check_run

    tags = {"environment": "staging", "owner": "me", "cost-center": "cc"}

    def program():
        aws.ec2.LaunchTemplate("lt", metadata_options={"http_tokens": "optional", "http_put_response_hop_limit": 1},
                               block_device_mappings=[{"device_name": "/dev/xvda", "ebs": {"encrypted": "true"}}],
                               tags=tags)
        aws.kms.Key("key", enable_key_rotation=True, tags=tags)

    policy = check_run(register(program).run, "staging")
    assert [(v["policy"], v["enforcementLevel"], v["message"], v["urn"].rsplit("::", 1)[-1])
            for v in policy["violations"]] == [
        ("ec2-imdsv2-required", "mandatory",
         "launch template 'lt' does not require IMDSv2 (httpTokens must be 'required')", "lt"),
        ("kms-key-policy", "mandatory", "KMS key 'key' has no explicit key policy", "key"),
        ("stateful-resources-protected", "mandatory", "staging resource 'key' (aws:kms/key:Key) is not protected",
         "key"),
    ]
    assert policy["config"] == "policies/config/staging.json" and policy["notChecked"] == []
