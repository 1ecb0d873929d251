"""AWS tag, GCP label, Kubernetes label and GitHub name rules, as pure functions."""

import pytest

from infra.config.values.github import (
    config_url_problem,
    org_name_problem,
    repository_name_problem,
    repository_slug_problem,
    runner_group_problem,
    url_owner,
)
from infra.config.values.labels import (
    aws_tag_problem,
    gcp_label_problem,
    kubernetes_label_key_problem,
    kubernetes_label_value_problem,
)


@pytest.mark.parametrize("key, value, expected", [
    ("team", "ml platform/a+b=c@d:e_f.g-h", None),
    ("team", "a\tb", "AWS tag value: character 2 is U+0009"),
    ("team", "a#b", "AWS tag values allow letters, digits, spaces and _ . : / = + @ - only; remove '#'"),
    ("aws:owner", "x", "AWS reserves the 'aws:' prefix for its own tags, in keys and values; remove it from the key"),
    ("k" * 129, "x", "an AWS tag key has 1 to 128 characters (got 129)"),
    ("team", "v" * 257, "an AWS tag value has 0 to 256 characters (got 257)"),
])
def test_aws_tags(key, value, expected):
    problem = aws_tag_problem(key, value)
    assert problem == expected if expected is None or not expected.endswith("U+0009") else problem.startswith(expected)


@pytest.mark.parametrize("key, value, ok", [("team", "ml_platform-1", True), ("Team", "x", False),
                                            ("1team", "x", False), ("team", "ML", False), ("t" * 64, "x", False)])
def test_gcp_labels(key, value, ok):
    assert (gcp_label_problem(key, value) is None) is ok


@pytest.mark.parametrize("key, ok", [("team", True), ("example.com/team", True), ("a.b-c_d", True),
                                     ("kubernetes.io/role", False), ("node.kubernetes.io/x", False),
                                     ("k8s.io/x", False), ("Example.com/x", False), ("-team", False),
                                     ("t" * 64, False), ("/team", False), ("team\u200b", False)])
def test_kubernetes_label_keys(key, ok):
    assert (kubernetes_label_key_problem(key) is None) is ok


@pytest.mark.parametrize("value, ok", [("", True), ("v1.2_b-c", True), ("a b", False), ("-a", False),
                                       ("v" * 64, False), ("caf\u00e9", False)])
def test_kubernetes_label_values(value, ok):
    assert (kubernetes_label_value_problem(value) is None) is ok


@pytest.mark.parametrize("name, ok", [("acme", True), ("acme-ml", True), ("a" * 39, True), ("a" * 40, False),
                                      ("-acme", False), ("acme-", False), ("ac--me", False), ("ac_me", False)])
def test_org_names(name, ok):
    assert (org_name_problem(name) is None) is ok


@pytest.mark.parametrize("name, expected", [
    ("ml-platform", None), ("my.repo_1", None), ("...", None),
    (".", "GitHub reserves the repository name '.'"), ("..", "GitHub reserves the repository name '..'"),
    ("repo.git", "GitHub rewrites a repository name ending in .git or .wiki; drop the suffix (got 'repo.git')"),
    ("r" * 101, f"a GitHub repository name is 1-100 ASCII letters, digits, '.', '-' or '_' (got {'r' * 101!r})"),
    ("r\u00e9po", "a GitHub repository name is 1-100 ASCII letters, digits, '.', '-' or '_' (got 'r\u00e9po')"),
])
def test_repository_names(name, expected):
    assert repository_name_problem(name) == expected


def test_repository_slugs():
    assert repository_slug_problem("acme/ml") is None
    assert repository_slug_problem("acme") == "must be ORG/REPO (got 'acme')"
    assert repository_slug_problem("acme/..") == "GitHub reserves the repository name '..'"


@pytest.mark.parametrize("name, ok", [("dev-deploy", True), ("ML Runners 2", True), (" lead", False),
                                      ("trail ", False), ("g" * 65, False), ("dev\U0001f600", False),
                                      ("a/b", False)])
def test_runner_groups(name, ok):
    assert (runner_group_problem(name) is None) is ok


# ARC puts the group name unescaped into `?groupName=%s` and re-parses it (infra/config/values/github.py's docstring):
# each of these would make it look up another group, so each is refused with the rule and the name.
@pytest.mark.parametrize("name", ["ml&x=1", "ml#1", "ml+gpu", "ml%20gpu", "ml;gpu", "ml?gpu", "ml=gpu"])
def test_a_runner_group_name_arc_would_mangle_in_its_query_is_refused(name):
    assert runner_group_problem(name) == (
        "a runner group name is 1-64 letters, digits, spaces, '-', '_' or '.', not starting or ending with a space "
        f"(got {name!r})")


@pytest.mark.parametrize("url, expected", [
    ("https://github.com/acme", None),
    ("https://github.com/acme/ml", None),
    ("https://ghes.example.com/enterprises/acme", None),
    ("https://ghp_abc:x@github.com/acme", "holds credentials before the host"),
    ("https://user@github.com/acme", "holds credentials before the host"),
    ("https://github.com/acme/ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ", "holds what looks like a GitHub token"),
    ("https://github.com:8443/acme", "must use the https port 443 (got 8443)"),
    ("https://github.com/acme/..", "GitHub reserves the repository name '..'"),
])
def test_config_urls(url, expected):
    problem = config_url_problem(url)
    assert problem == expected if expected is None else problem.startswith(expected)


def test_url_owner():
    assert url_owner("https://github.com/Acme/ml") == "acme"
    assert url_owner("https://ghes.example.com/enterprises/acme") is None
