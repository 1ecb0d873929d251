from components.aws.ecr_repository import ECR_PUSH_ACTIONS, EcrRepository, EcrRepositoryArgs, ecr_push_policy

ARN = "arn:aws:ecr:us-east-1:123456789012:repository/ci/images"


def test_push_policy_is_scoped_to_one_repository_with_no_wildcard_actions():
    policy = ecr_push_policy(ARN)
    push, login = policy["Statement"]
    assert push["Resource"] == ARN and push["Action"] == list(ECR_PUSH_ACTIONS)
    assert "ecr:PutImage" in push["Action"] and not any("Delete" in a or "*" in a for a in push["Action"])
    assert login == {"Sid": "RegistryLogin", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"],
                     "Resource": "*"}
    assert all(s["Effect"] == "Allow" for s in policy["Statement"]) and len(policy["Statement"]) == 2


def test_repository_is_immutable_scanned_and_kms_encrypted_with_its_own_key(register):
    reg = register(lambda: EcrRepository("ci", EcrRepositoryArgs(repository_name="acme/ci", protect=True,
                                                                 tags={"owner": "ml"})))
    repo = reg.one("aws:ecr/repository:Repository", "ci-repo")
    key = reg.one("aws:kms/key:Key", "ci-key")
    assert repo.inputs["name"] == "acme/ci"
    assert repo.inputs["imageTagMutability"] == "IMMUTABLE"
    assert repo.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
    # The key's ARN, known only after apply: the offline plan shows its stand-in (docs/stand-ins.md).
    assert repo.inputs["encryptionConfigurations"] == [{"encryptionType": "KMS", "kmsKey": key.stand_ins["arn"]}]
    assert repo.options()["propertyDependencies"]["encryptionConfigurations"] == [key.urn]
    assert key.inputs["enableKeyRotation"] is True
    assert repo.options()["protect"] is True and key.options()["protect"] is True
    assert repo.inputs["tags"] == {"owner": "ml", "Name": "acme/ci"}
    # The pusher's role embeds ecr_push_policy; no unattached managed policy is created here.
    assert reg.of_type("aws:iam/policy:Policy") == []


def test_an_existing_kms_key_is_used_instead_of_creating_one(register):
    key_arn = "arn:aws:kms:us-east-1:123456789012:key/abc"
    reg = register(lambda: EcrRepository("ci", EcrRepositoryArgs(repository_name="ci", kms_key_arn=key_arn)))
    assert reg.of_type("aws:kms/key:Key") == []
    repo = reg.one("aws:ecr/repository:Repository").inputs
    assert repo["encryptionConfigurations"] == [{"encryptionType": "KMS", "kmsKey": key_arn}]



def test_created_repository_key_has_an_explicit_policy(register):
    import json

    reg = register(lambda: EcrRepository("ci", EcrRepositoryArgs(repository_name="ci/app", account_id="111122223333")))
    policy = json.loads(reg.one("aws:kms/key:Key").inputs["policy"])
    assert [s["Principal"] for s in policy["Statement"]] == [{"AWS": "arn:aws:iam::111122223333:root"}]
