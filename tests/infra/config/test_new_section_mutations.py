"""The mutation method of issue #30 run on the sections added since: datasets (#27), teams and capacity (#32),
alert destinations (#28). Each case edits one value of the real prod stack to one the cloud, Kubernetes or a
mail server would reject, or that is unsafe, and must be refused naming that field and the fix.

Through `parse_stack_config` (what the program runs first) for the whole set, and through `mlinfra plan` for
a few, where the exit code and the absence of a traceback are what is asserted.
"""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from components.gcp import gmp_manifests
from components.gcp.gmp_frontend import GmpQueryFrontendArgs
from components.k8s.gpu_queues import KUEUE_NAMESPACE
from components.k8s.runner_values import CONTROLLER_NAMESPACE, namespace_for
from components.monitoring.grafana import ClusterGrafanaArgs
from infra.cli.main import main
from infra.config.load import ConfigError, config_from_stack_file, namespace_values, parse_stack_config
from infra.config.rules.namespaces import PLATFORM_NAMESPACES, RUNNER_NAMESPACE_PREFIX
from infra.offline.stackfile import load_stack_file
from tests.helpers import ROOT, changed

PROD_FILE = load_stack_file(ROOT / "stacks", "prod")
PROD = namespace_values(PROD_FILE.config)
SECRETS = [key.split(":", 1)[1] for key in PROD_FILE.secret_keys]
CONSUMER = "datasets.imagenet.consumers.train"
A100 = "clusters.infer-gcp.gpu_pools.a100-mig"
EXTERNAL = {"cloud": "aws", "bucket": "acme-imagenet", "external": True, "region": "us-east-1"}
RESERVATION = {"affinity": "SPECIFIC_RESERVATION", "name": "a100-res", "zone": "us-central1-b", "nodes": 1}


def problems(path: str, value) -> list[str]:
    with pytest.raises(ConfigError) as err:
        parse_stack_config(changed(PROD, path, value), "prod", SECRETS)
    return [f"{p}: {m}" for p, m in err.value.problems]


def test_the_prod_stack_parses_unchanged():
    config_from_stack_file(PROD_FILE)


@pytest.mark.parametrize("name", ["a100-res", "projects/acme-ml-shared/reservations/a100-res"])
def test_a_reservation_of_the_project_or_shared_from_another_is_accepted(name):
    parse_stack_config(changed(PROD, f"{A100}.gcp.reservation", {**RESERVATION, "name": name}), "prod", SECRETS)


@pytest.mark.parametrize("path, value, expected", [
    # datasets: bucket prefixes, sizes, TTLs, zones, caches past the disk, paths out of the prefix
    ("datasets.imagenet.home.prefix", "../", "datasets.imagenet.home.prefix: a prefix part cannot be '..': Cloud "
     "Storage refuses '.' and '..' as names and a mount reads them as directories; write the prefix without it "
     "(got '../')"),
    ("datasets.imagenet.home.prefix", "imagenet/./", "datasets.imagenet.home.prefix: a prefix part cannot be '.'"),
    ("datasets.imagenet.home.prefix", "/imagenet/", "datasets.imagenet.home.prefix: not a valid value"),
    ("datasets.imagenet.home.prefix", "imаgenet/", "datasets.imagenet.home.prefix: not a valid value"),  # Cyrillic а
    ("datasets.imagenet.home.bucket", "Datasets", "datasets.imagenet.home.bucket: 'Datasets' is not a bucket of "
     "this stack"),
    ("datasets.imagenet.cache.node.size_gib", "0", "datasets.imagenet.cache.node.size_gib: must be greater than or "
     "equal to 1 (got '0')"),
    ("datasets.imagenet.cache.node.size_gib", -5, "datasets.imagenet.cache.node.size_gib: must be greater than or "
     "equal to 1"),
    ("datasets.imagenet.cache.node.size_gib", 900, "datasets.imagenet.cache.node.size_gib: 900 GiB does not fit on "
     "pool 'train.h100'"),
    ("datasets.imagenet.cache.node.size_gib", 10**9, "datasets.imagenet.cache.node.size_gib: must be less than or "
     "equal to 16384"),
    ("datasets.imagenet.cache.metadata_ttl_seconds", -2, "datasets.imagenet.cache.metadata_ttl_seconds: must be "
     "greater than or equal to -1"),
    ("datasets.imagenet.cache.shared.ttl_days", 8, "datasets.imagenet.cache.shared.ttl_days: must be less than or "
     "equal to 7"),
    ("datasets.imagenet.cache.shared.zones", ["us-west-2a"], "datasets.imagenet.cache.shared.zones: 'us-west-2a' is "
     "in neither of the stack's regions"),
    ("datasets.imagenet.warm.paths", ["a/../../b"], "datasets.imagenet.warm.paths.0: must stay under the dataset's "
     "prefix: no '..'"),
    ("datasets.imagenet.warm.paths", ["$(id)"], "datasets.imagenet.warm.paths.0: not a valid value"),
    ("datasets.imagenet.size_gib", 1e308, "datasets.imagenet.size_gib: must be less than or equal to 10000000"),
    ("datasets.imagenet.home", {**EXTERNAL, "bucket": "192.168.5.4"}, "datasets.imagenet.home.bucket: a bucket "
     "name cannot be an IP address (got '192.168.5.4')"),
    ("datasets.imagenet.home", {**EXTERNAL, "bucket": "my..bucket"}, "datasets.imagenet.home.bucket: S3 bucket names "
     "are labels joined by single dots, each starting and ending with a letter or digit (got 'my..bucket')"),
    ("datasets.imagenet.home", {**EXTERNAL, "bucket": "xn--bucket"}, "datasets.imagenet.home.bucket: S3 reserves "
     "bucket names starting with 'xn--', so no general purpose bucket is called 'xn--bucket'"),
    ("datasets.imagenet.home", {**EXTERNAL, "bucket": "data--x-s3"}, "datasets.imagenet.home.bucket: S3 reserves "
     "bucket names ending in '--x-s3'"),
    ("datasets.imagenet.home", {**EXTERNAL, "cloud": "gcp", "bucket": "g00gle-data", "region": "us-central1"},
     "datasets.imagenet.home.bucket: GCS refuses bucket names containing 'google' or a close misspelling"),
    # dataset readers: namespaces and service accounts Kubernetes or the platform already own
    (f"{CONSUMER}.namespace", "kube-system", f"{CONSUMER}.namespace: namespace 'kube-system' is where Kubernetes "
     "runs; the dataset consumers there would share its service accounts and secrets, and the stack cannot create "
     "it again: choose another name"),
    (f"{CONSUMER}.namespace", "arc-systems", f"{CONSUMER}.namespace: namespace 'arc-systems' is where the GitHub "
     "runner controller runs"),
    (f"{CONSUMER}.namespace", "research", f"{CONSUMER}.namespace: namespace 'research' on cluster train is also "
     "created by team research (teams.research.namespace); two resources cannot create one namespace, so give the "
     "dataset consumers another namespace"),
    (f"{CONSUMER}.namespace", "kube_system", f"{CONSUMER}.namespace: not a valid value"),
    (f"{CONSUMER}.service_account", "default", f"{CONSUMER}.service_account: every pod of a namespace that names no "
     "service account runs as 'default', so all of them would read the dataset (CIS Kubernetes 5.1.5); name an "
     "account for the readers, e.g. data-loader"),
    # teams: names, namespaces, quotas
    ("teams.research.namespace", "training", f"{CONSUMER}.namespace: namespace 'training' on cluster train is also "
     "created by team research (teams.research.namespace)"),
    ("teams.research.namespace", "arc-cpu", "teams.research.namespace: namespace 'arc-cpu' on cluster train is also "
     "created by runner set cpu (clusters.train.runners.cpu); two resources cannot create one namespace, so give "
     "team research another namespace"),
    ("teams.research.namespace", "grafana", "teams.research.namespace: 'grafana' is a system namespace; give the "
     "team its own"),
    ("teams.research.namespace", "kube-system", "teams.research.namespace: 'kube-system' is a system namespace"),
    ("teams.research.gpus", {"h100": 0}, "teams.research.gpus.h100: must be greater than or equal to 1 (got 0)"),
    ("teams.research.gpus", {"h100": -1}, "teams.research.gpus.h100: must be greater than or equal to 1"),
    ("teams.research.gpus", {"h100": 99999}, "teams.research.gpus.h100: 99999 GPUs is more than pool h100 can ever "
     "supply"),
    ("teams.research.cohort", "GPU", "teams.research.cohort: not a valid value"),
    ("teams.applied.gpu_budget_per_month", {"h100": "NaN"}, "teams.applied.gpu_budget_per_month.h100: must be a "
     "finite number"),
    ("teams.applied.gpu_budget_per_month", {"h100": 1}, "teams.applied.gpu_budget_per_month.h100: the budget buys no "
     "whole GPU for a month"),
    # reserved capacity, EFA, spot
    ("clusters.train.gpu_pools.h100.aws.capacity_reservation_id", "cr-0a1b2c3d4e5f60718 ",
     "clusters.train.gpu_pools.h100.aws.capacity_reservation_id: not a valid value"),
    ("clusters.train.gpu_pools.h100.aws.capacity_reservation_id",
     "arn:aws:ec2:us-east-1:123456789012:capacity-reservation/cr-0a1b2c3d4e5f60718",
     "clusters.train.gpu_pools.h100.aws.capacity_reservation_id: not a valid value"),
    ("clusters.train.gpu_pools.h100.aws.zone", "us-east-9a", "clusters.train.gpu_pools.h100.aws.zone: us-east-9a is "
     "not a zone this cluster's nodes use"),
    ("clusters.train.gpu_pools.h100.aws.reserved_nodes", 5, "clusters.train.gpu_pools.h100.aws.reserved_nodes: the "
     "pool can use at most max_nodes 4 of the 5 reserved instances"),
    ("clusters.train.gpu_pools.h100.capacity", "spot", "clusters.train.gpu_pools.h100.aws.capacity_reservation_id: a "
     "capacity reservation is on-demand capacity"),
    (f"{A100}.gcp.reservation", {**RESERVATION, "name": "A100_res"}, f"{A100}.gcp.reservation.name: a Compute "
     "Engine reservation name is 1-63 lowercase letters, digits or dashes, starting with a letter and not ending "
     "with a dash (got 'A100_res')"),
    (f"{A100}.gcp.reservation", {**RESERVATION, "name": "zones/us-central1-b/reservations/a100-res"},
     f"{A100}.gcp.reservation.name: must be a reservation's name, or projects/PROJECT/reservations/NAME for one "
     "shared from another project"),
    (f"{A100}.gcp.reservation", {**RESERVATION, "name": "projects/acme-ml-shared/reservations/A100"},
     f"{A100}.gcp.reservation.name: a Compute Engine reservation name is 1-63 lowercase letters"),
    (f"{A100}.gcp.reservation", {**RESERVATION, "nodes": 99}, f"{A100}.gcp.reservation.nodes: the pool can use at "
     "most max_nodes 4 of the 99 reserved machines"),
    (f"{A100}.gcp.reservation", {**RESERVATION, "zone": "europe-west4-a"}, f"{A100}.gcp.reservation.zone: must be a "
     "zone of region us-central1"),
    # alert destinations
    ("observability.notify.emails", ["a@localhost"], "observability.notify.emails.0: not a valid value"),
    ("observability.notify.emails", ["оncall@acme.example"], "observability.notify.emails.0: character 1 is U+043E"),
])
def test_a_mutated_value_is_refused_naming_its_field(path, value, expected):
    found = problems(path, value)
    assert any(p.startswith(expected) for p in found), found


def test_the_platform_namespaces_are_the_components_own():
    """The config rule restates the components' namespaces (config sits below components): kept in step here."""
    own = {KUEUE_NAMESPACE, CONTROLLER_NAMESPACE, ClusterGrafanaArgs.__dataclass_fields__["namespace"].default,
           GmpQueryFrontendArgs.__dataclass_fields__["namespace"].default, gmp_manifests.SYSTEM_NAMESPACE,
           gmp_manifests.PUBLIC_NAMESPACE}
    assert own <= set(PLATFORM_NAMESPACES)
    assert namespace_for("cpu") == f"{RUNNER_NAMESPACE_PREFIX}cpu"


def _plan_with(tmp_path, old: str, new: str):
    shutil.copytree(ROOT / "stacks", tmp_path / "stacks")
    path = tmp_path / "stacks" / "Pulumi.prod.yaml"
    text = path.read_text()
    assert text.count(old) == 1
    path.write_text(text.replace(old, new))
    return CliRunner().invoke(main, ["plan", "prod", "--stacks-dir", str(tmp_path / "stacks")])


@pytest.mark.parametrize("old, new, expected", [
    # Planned exit 0 before: two Namespace objects named `training` on cluster train.
    ("      gpus: {h100: 16}", "      namespace: training\n      gpus: {h100: 16}",
     "datasets.imagenet.consumers.train.namespace: namespace 'training' on cluster train is also created by team "
     "research (teams.research.namespace)"),
    ("service_account: data-loader", "service_account: default",
     "datasets.imagenet.consumers.train.service_account: every pod of a namespace that names no service account"),
    ("prefix: imagenet/}", "prefix: imagenet/../}", "datasets.imagenet.home.prefix: a prefix part cannot be '..'"),
])
def test_the_cli_refuses_a_mutated_new_section_with_exit_2(tmp_path, old, new, expected):
    result = _plan_with(tmp_path, old, new)
    assert result.exit_code == 2, result.output
    assert expected in " ".join(result.stderr.split())
    assert "Traceback" not in result.output


def test_a_runner_set_or_gke_gateway_named_into_a_platform_namespace_is_refused():
    values = changed(PROD, "clusters.train.runners.systems", PROD["clusters"]["train"]["runners"]["cpu"])
    values["clusters"]["train"]["runners"]["systems"]["cloud_access"]["registry"]["create"] = False
    gateways = values["clusters"]["infer-gcp"]["gateways"]
    gateways["grafana"] = gateways.pop("infer")
    with pytest.raises(ConfigError) as err:
        parse_stack_config(values, "prod", SECRETS)
    assert [f"{p}: {m}" for p, m in err.value.problems] == [
        "clusters.train.runners.systems: namespace 'arc-systems' is where the GitHub runner controller runs; runner "
        "set systems there would share its service accounts and secrets, and the stack cannot create it again: "
        "choose another name",
        "clusters.infer-gcp.gateways.grafana: namespace 'grafana' is where Grafana runs; gateway grafana there would "
        "share its service accounts and secrets, and the stack cannot create it again: choose another name"]
