"""GithubAppSecretReader: the empty App secret and a Pod Identity role that reads only it."""

import json

from components.aws.github_app_secret import (
    GithubAppSecretReader,
    GithubAppSecretReaderArgs,
    secret_arn,
    secret_read_policy,
)
from infra.security.iam_eval import Decision, Request, evaluate

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:acme-dev-github-app-??????"


def reader(create=True):
    def program():
        GithubAppSecretReader("dev-github-app", GithubAppSecretReaderArgs(
            secret_name="acme-dev-github-app", region="us-east-1", account_id="123456789012",
            cluster_name="dev-dev", cluster_arn="arn:aws:eks:us-east-1:123456789012:cluster/dev-dev",
            namespace="external-secrets", service_account="external-secrets", create=create,
            tags={"environment": "dev"}))
    return program


def test_the_secret_is_created_without_any_value(register):
    reg = register(reader())
    secret = reg.one("aws:secretsmanager/secret:Secret")
    assert secret.inputs["name"] == "acme-dev-github-app" and secret.inputs["tags"] == {"environment": "dev"}
    assert not {"secretString", "secretBinary"} & set(secret.inputs)
    assert reg.of_type("aws:secretsmanager/secretVersion:SecretVersion") == []


def test_the_operator_role_reads_only_this_secret(register):
    reg = register(reader())
    policy = json.loads(reg.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"])
    assert policy["Statement"] == [{"Sid": "ReadTheGithubAppSecret", "Effect": "Allow", "Resource": ARN, "Action": [
        "secretsmanager:GetResourcePolicy", "secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret",
        "secretsmanager:ListSecretVersionIds"]}]
    association = reg.one("aws:eks/podIdentityAssociation:PodIdentityAssociation").inputs
    assert (association["namespace"], association["serviceAccount"]) == ("external-secrets", "external-secrets")
    trust = json.loads(reg.one("aws:iam/role:Role").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Condition"]["StringEquals"]["aws:RequestTag/kubernetes-service-account"] == (
        "external-secrets")


def test_the_arn_pattern_matches_the_secret_and_no_other_name():
    document = secret_read_policy(secret_arn("us-east-1", "123456789012", "acme-dev-github-app"))
    def reads(name):
        arn = f"arn:aws:secretsmanager:us-east-1:123456789012:secret:{name}"
        return evaluate(Request("secretsmanager:GetSecretValue", arn), [document]) == Decision.ALLOW
    assert reads("acme-dev-github-app-AbCdEf")
    assert not reads("acme-prod-github-app-AbCdEf")
    assert not reads("acme-dev-github-app-extra-AbCdEf")
    assert not reads("acme-dev-github-app")


def test_a_second_cluster_reads_the_stacks_secret_without_creating_it(register):
    reg = register(reader(create=False))
    assert reg.of_type("aws:secretsmanager/secret:Secret") == []
    assert json.loads(reg.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"])["Statement"][0]["Resource"] == ARN
