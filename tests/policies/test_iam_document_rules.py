"""IAM documents against the Service Authorization Reference and IAM's quotas, through the real pack.

Values are shaped as AWS's own documentation writes them (account 111122223333, the documented key
id, amzn-s3-demo-bucket): the rules must be right on real ARNs, never on the stand-ins' format.
"""

from __future__ import annotations

import json

import pytest

from infra.offline.policy_config import PolicySetting
from tests.policies.conftest import resource, triples

M = "mandatory"
KEY = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
BUCKET = "arn:aws:s3:::amzn-s3-demo-bucket"
ROLE = "arn:aws:iam::111122223333:role/ExampleRole"


def doc(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


GOOD = [
    {"Sid": "Objects", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": f"{BUCKET}/*"},
    {"Sid": "List", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET,
     "Condition": {"StringLike": {"s3:prefix": ["data/*"]}}},
    {"Sid": "Key", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": KEY,
     "Condition": {"StringEquals": {"kms:ViaService": "s3.us-west-2.amazonaws.com"}}},
    {"Sid": "Whoami", "Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"},
]


def inline(statements) -> object:
    return resource("aws:iam/rolePolicy:RolePolicy", "app-policy", {"role": "ExampleRole", "policy": doc(*statements)})


def with_statement(index: int, **fields) -> list[dict]:
    statements = [dict(s) for s in GOOD]
    statements[index].update(fields)
    return statements


def test_a_least_privilege_policy_with_real_arns_passes_every_rule(pack):
    assert triples(pack.analyze(inline(GOOD))) == []


@pytest.mark.parametrize(("index", "fields", "rule", "message"), [
    (0, {"Action": ["s3:GetObject", "s3:GetObjcet"]}, "iam-actions-exist",
     "'app-policy' policy names actions that match no action of the Service Authorization Reference: s3:GetObjcet"),
    (3, {"Action": "eks:Get*"}, "iam-actions-exist",
     "'app-policy' policy names actions that match no action of the Service Authorization Reference: eks:Get*"),
    (3, {"Action": "s4:GetObject"}, "iam-actions-exist",
     "'app-policy' policy names actions that match no action of the Service Authorization Reference: s4:GetObject"),
    (3, {"Condition": {"StringEquals": {"aws:ResourceTag/team": "ml"}}}, "iam-condition-keys-supported",
     "'app-policy' policy uses condition keys its actions do not support: aws:ResourceTag/team (not supported by "
     "sts:GetCallerIdentity)"),
    (2, {"Condition": {"StringEquals": {"s3:prefix": "x"}}}, "iam-condition-keys-supported",
     "'app-policy' policy uses condition keys its actions do not support: s3:prefix (not supported by kms:Decrypt, "
     "kms:GenerateDataKey, kms:GenerateDataKeyPair, kms:GenerateDataKeyPairWithoutPlaintext, "
     "kms:GenerateDataKeyWithoutPlaintext)"),
    (0, {"Resource": "*"}, "iam-write-actions-scoped",
     "'app-policy' policy allows write actions that support resource-level permissions on Resource '*': "
     "s3:PutObject"),
])
def test_one_broken_field_is_one_finding(pack, index, fields, rule, message):
    assert triples(pack.analyze(inline(with_statement(index, **fields)))) == [(rule, M, message)]


def test_conditions_that_every_action_supports_or_that_are_if_exists_pass(pack):
    # Global keys apply to every action; ...IfExists matches a request without the key.
    statements = with_statement(1, Condition={"Bool": {"aws:SecureTransport": "true"},
                                              "StringEqualsIfExists": {"aws:ResourceTag/team": "ml"}})
    assert triples(pack.analyze(inline(statements))) == []


def test_a_read_action_on_star_and_a_trust_policy_condition_of_an_identity_provider_pass(pack):
    trust = doc({"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/"
                                                                "token.actions.githubusercontent.com"},
                 "Action": "sts:AssumeRoleWithWebIdentity",
                 "Condition": {"StringEquals": {"token.actions.githubusercontent.com:sub":
                                                "repo:octo-org/octo-repo:ref:refs/heads/main"}}})
    role = resource("aws:iam/role:Role", "ci", {"assumeRolePolicy": trust,
                                                "inlinePolicies": [{"name": "read", "policy": doc(GOOD[3])}]})
    checked = ("iam-actions-exist", "iam-condition-keys-supported", "iam-write-actions-scoped", "iam-policy-size")
    assert [t for t in triples(pack.analyze(role)) if t[0] in checked] == []


def test_a_kms_key_policy_for_cloudwatch_logs_as_aws_documents_it_flags_describe_under_the_context(pack):
    logs = {"Effect": "Allow", "Principal": {"Service": "logs.us-west-2.amazonaws.com"},
            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            "Resource": "*", "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn":
                                                           "arn:aws:logs:us-west-2:111122223333:log-group:my-group"}}}
    key = resource("aws:kms/key:Key", "logs-key", {"policy": doc(logs), "enableKeyRotation": True})
    findings = [t for t in triples(pack.analyze(key)) if t[0] == "iam-condition-keys-supported"]
    assert findings == [("iam-condition-keys-supported", M,
                         "'logs-key' policy uses condition keys its actions do not support: "
                         "kms:EncryptionContext:aws:logs:arn (not supported by kms:DescribeCustomKeyStores, "
                         "kms:DescribeKey)")]
    logs["Action"] = logs["Action"][:4]
    key = resource("aws:kms/key:Key", "logs-key", {"policy": doc(logs), "enableKeyRotation": True})
    assert [t for t in triples(pack.analyze(key)) if t[0] == "iam-condition-keys-supported"] == []


def _sized(characters: int) -> str:
    """A policy of exactly `characters` without white space (and some white space IAM does not count)."""
    base = doc({"Sid": "", "Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{BUCKET}/*"})
    pad = characters - len("".join(base.split()))
    return doc({"Sid": "S" * pad, "Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{BUCKET}/*"})


def test_managed_policies_over_6144_characters_without_white_space_are_refused(pack):
    at_limit = resource("aws:iam/policy:Policy", "deploy", {"policy": _sized(6144)})
    assert triples(pack.analyze(at_limit)) == []
    over = resource("aws:iam/policy:Policy", "deploy", {"policy": _sized(6145)})
    assert triples(pack.analyze(over)) == [("iam-policy-size", M, "managed policy 'deploy' is 6145 characters "
                                                                 "without white space; IAM allows 6144")]


def test_trust_policies_over_2048_characters_are_refused(pack):
    trust = json.loads(doc({"Sid": "", "Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "sts:AssumeRole"}))
    trust["Statement"][0]["Sid"] = "S" * (2049 - len("".join(json.dumps(trust).split())))
    role = resource("aws:iam/role:Role", "app", {"assumeRolePolicy": json.dumps(trust)})
    assert [t for t in triples(pack.analyze(role)) if t[0] == "iam-policy-size"] == [
        ("iam-policy-size", M, "role 'app' has a trust policy of 2049 characters without white space; IAM allows "
                               "2048 unless the quota was raised")]


def test_the_inline_policies_of_one_role_count_together(pack):
    role = resource("aws:iam/role:Role", "app", {"assumeRolePolicy": doc(
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"})})
    halves = [resource("aws:iam/rolePolicy:RolePolicy", f"part-{i}", {"role": "app", "policy": _sized(5121)},
                      deps={"role": [role]}) for i in range(2)]
    findings = [t for t in triples(pack.analyze_stack([role, *halves])) if t[0] == "iam-role-inline-policy-size"]
    assert findings == [("iam-role-inline-policy-size", M, "role 'app' has 10242 characters of inline policies "
                                                           "without white space (2 role policies and its own); "
                                                           "IAM allows 10240 per role")]
    assert [t for t in triples(pack.analyze_stack([role, halves[0]])) if t[0] == "iam-role-inline-policy-size"] == []


def test_an_accepted_resource_is_not_reported_and_others_still_are(pack):
    broken = with_statement(0, Resource="*")
    try:
        pack.configure({"iam-write-actions-scoped": PolicySetting(properties={"accepted": {
            "app-policy": "fixed under #26: scoped to the bucket"}})})
        assert triples(pack.analyze(inline(broken))) == []
        other = resource("aws:iam/rolePolicy:RolePolicy", "other", {"role": "r", "policy": doc(*broken)})
        assert [t[0] for t in triples(pack.analyze(other))] == ["iam-write-actions-scoped"]
    finally:
        pack.configure({})
