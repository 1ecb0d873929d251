"""Names made from a config key and the stack: built one way, and refused when too long."""

import copy

import pytest

from infra.catalog.accelerators import Cloud
from infra.config.load import ConfigError, parse_stack_config
from infra.config.rules.names import registry_name, repository_name, scale_set_name

RESOURCES = {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"cpu": "2", "memory": "4Gi"}}
RUNNER = {"github_config_url": "https://github.com/acme", "runner_group": "ci", "max_runners": 2,
          "resources": RESOURCES, "cloud_access": {"registry": {"repository": "ci-images"}}}
VALUES = {"environment": "dev", "tags": {"owner": "ml", "cost-center": "cc-1"}, "aws": {"region": "us-east-1"},
          "github_app": {"app_id": "1", "installation_id": "2",
                         "platform_repository": "acme/ml-platform"},
          "clusters": {"ci": {"cloud": "aws", "runners": {"cpu": RUNNER}}}}


def test_scale_sets_and_created_repositories_carry_the_stack():
    assert scale_set_name("prod", "cpu") == "prod-cpu"
    assert registry_name("prod", "ci-images") == "ci-images-prod"


def test_a_shared_repository_resolves_to_the_one_this_stack_creates_else_keeps_its_name():
    values = copy.deepcopy(VALUES)
    values["clusters"]["ci"]["runners"]["gpu"] = {**RUNNER, "cloud_access": {
        "registry": {"repository": "ci-images", "create": False}}}
    config = parse_stack_config(values, "dev2")
    assert repository_name(config, "dev2", Cloud.AWS, "ci-images") == "ci-images-dev2"
    # Not created here: an existing repository, named exactly as configured.
    assert repository_name(config, "dev2", Cloud.AWS, "team-images") == "team-images"
    assert repository_name(config, "dev2", Cloud.GCP, "ci-images") == "ci-images"


def test_a_scale_set_name_over_the_charts_45_characters_is_refused_with_its_path():
    stack = "preview-alice-a-rather-long-experiment"  # + "-cpu": 42 characters, allowed
    parse_stack_config(copy.deepcopy(VALUES), stack)
    values = copy.deepcopy(VALUES)
    values["clusters"]["ci"]["runners"] = {"gpu-l4x": RUNNER}
    with pytest.raises(ConfigError) as error:
        parse_stack_config(values, stack)
    assert ("clusters.ci.runners.gpu-l4x: the scale set is named '<stack>-<key>' = "
            "'preview-alice-a-rather-long-experiment-gpu-l4x', 46 characters; the runner chart allows 45: "
            "use a shorter key") in str(error.value)


def test_a_created_repository_name_over_63_characters_is_refused_with_its_path():
    values = copy.deepcopy(VALUES)
    values["clusters"]["ci"]["runners"]["cpu"]["cloud_access"]["registry"]["repository"] = "r" * 60
    with pytest.raises(ConfigError) as error:
        parse_stack_config(values, "dev")
    assert (f"clusters.ci.runners.cpu.cloud_access.registry.repository: the repository is created as "
            f"'<repository>-<stack>' = '{'r' * 60}-dev', 64 characters; at most 63: use a shorter repository"
            ) in str(error.value)
    # An existing repository keeps its configured name, so only the config's own limit applies.
    values["clusters"]["ci"]["runners"]["cpu"]["cloud_access"]["registry"]["create"] = False
    parse_stack_config(values, "dev")


@pytest.mark.parametrize("stack", ["sandbox", "sandbox-alice-exp"])
def test_a_sandbox_stack_name_outside_the_sandbox_environment_is_refused(stack):
    # Its clusters would be `sandbox-<key>`, the names the sandbox reaper may strip autoscaler tags from.
    with pytest.raises(ConfigError) as error:
        parse_stack_config(copy.deepcopy(VALUES), stack)
    assert (f"environment: a stack named '{stack}' is a sandbox's name, so its clusters are named '{stack}-<key>', "
            "which the sandbox reaper may tear down: set `mlinfra:environment: sandbox` or rename the stack "
            "(got environment dev)") in str(error.value)


def test_a_name_that_only_starts_like_sandbox_is_anyones():
    parse_stack_config(copy.deepcopy(VALUES), "sandboxes")
