"""The IAM evaluator's logic against the rules the IAM User Guide states (quoted in infra/security/iam_eval.py)."""

from __future__ import annotations

import pytest

from infra.security.iam_eval import Decision, Request, UnsupportedCondition, arn_format_regex, evaluate

ALLOW_S3 = {"Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"}]}


def doc(*statements):
    return {"Statement": list(statements)}


def test_allow_needs_an_identity_allow_and_a_matching_resource():
    assert evaluate(Request("s3:GetObject", "arn:aws:s3:::b/k"), [ALLOW_S3]) == Decision.ALLOW
    assert evaluate(Request("s3:GetObject", "arn:aws:s3:::other/k"), [ALLOW_S3]) == Decision.IMPLICIT
    assert evaluate(Request("S3:getobject", "arn:aws:s3:::b/k"), [ALLOW_S3]) == Decision.ALLOW  # actions ignore case


def test_an_explicit_deny_anywhere_wins_and_the_boundary_caps():
    deny = doc({"Effect": "Deny", "Action": "*", "Resource": "*"})
    assert evaluate(Request("s3:GetObject", "arn:aws:s3:::b/k"), [ALLOW_S3, deny]) == Decision.DENY
    boundary = doc({"Effect": "Allow", "NotAction": ["s3:*"], "Resource": "*"})
    assert evaluate(Request("s3:GetObject", "arn:aws:s3:::b/k"), [ALLOW_S3], boundary) == Decision.IMPLICIT


def test_a_missing_key_fails_positive_operators_and_passes_negated_ones_but_ifexists_and_null_differ():
    def decide(condition, context):
        statement = {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": condition}
        return evaluate(Request("kms:Decrypt", "k", context=context), [doc(statement)])

    assert decide({"StringEquals": {"aws:ResourceTag/env": "prod"}}, {}) == Decision.IMPLICIT
    assert decide({"StringNotEquals": {"aws:ResourceTag/env": "prod"}}, {}) == Decision.ALLOW
    assert decide({"StringEqualsIfExists": {"aws:ResourceTag/env": "prod"}}, {}) == Decision.ALLOW
    assert decide({"Null": {"aws:ResourceTag/env": "true"}}, {}) == Decision.ALLOW
    assert decide({"Null": {"aws:ResourceTag/env": "false"}}, {}) == Decision.IMPLICIT
    assert decide({"ForAnyValue:StringEquals": {"kms:ResourceAliases": ["alias/a", "alias/b"]}},
                  {"kms:ResourceAliases": ["alias/x", "alias/b"]}) == Decision.ALLOW
    assert decide({"StringLike": {"s": "repo:o/r:pull_request:ref:refs/pull/*/merge"}},
                  {"s": "repo:o/r:pull_request:ref:refs/pull/12/merge"}) == Decision.ALLOW
    # Operators and keys are ANDed.
    assert decide({"StringEquals": {"a": "1"}, "StringNotEquals": {"b": "2"}}, {"a": "1", "b": "2"}) == (
        Decision.IMPLICIT)


def test_an_unknown_operator_is_an_error_never_a_pass():
    statement = {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"DateLessThan": {"t": "x"}}}
    with pytest.raises(UnsupportedCondition, match="'DateLessThan' is not implemented"):
        evaluate(Request("s3:GetObject", "r", context={"t": "y"}), [doc(statement)])


def test_a_trust_policy_is_a_resource_policy_naming_its_principal():
    trust = doc({"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/x"},
                 "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": {"x:sub": "s"}}})
    ok = Request("sts:AssumeRoleWithWebIdentity", "", "arn:aws:iam::1:oidc-provider/x", {"x:sub": "s"})
    assert evaluate(ok, [], resource_policies=[trust]) == Decision.ALLOW
    assert evaluate(Request(ok.action, "", "arn:aws:iam::2:oidc-provider/x", {"x:sub": "s"}), [],
                    resource_policies=[trust]) == Decision.IMPLICIT


def test_policy_sentry_arn_formats_become_patterns():
    pattern = arn_format_regex("arn:${Partition}:s3:::${BucketName}/${ObjectName}")
    assert pattern.match("arn:aws:s3:::b/k/deep") and not pattern.match("arn:aws:s3:::b")
