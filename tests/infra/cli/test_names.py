"""`mlinfra names check` end to end, as CI runs it on pull requests."""

import json
import re
import shutil

from tests.helpers import ROOT, mlinfra

DEV = ROOT / "stacks" / "Pulumi.dev.yaml"


def test_a_copy_of_dev_is_refused_for_the_one_name_it_still_shares_with_dev(tmp_path):
    # README's way to add a stack: copy dev. Every name the program makes carries the stack now;
    # the gateway's DNS record is the user's own hostname, and two stacks cannot both own it.
    shutil.copy(DEV, tmp_path / "Pulumi.dev.yaml")
    shutil.copy(DEV, tmp_path / "Pulumi.dev2.yaml")
    result = mlinfra("names", "check", "--stacks-dir", str(tmp_path), "--format", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["stacks"] == ["dev", "dev2", "bootstrap"] and report["ok"] is False
    [group] = report["collisions"]
    assert [(c["stack"], c["type"], c["name"]) for c in group] == [
        ("dev", "gcp:dns/recordSet:RecordSet", "llm.dev.acme-ml.example.com."),
        ("dev2", "gcp:dns/recordSet:RecordSet", "llm.dev.acme-ml.example.com.")]
    assert ("name 'llm.dev.acme-ml.example.com.' (gcp:dns/recordSet:RecordSet name) is claimed 2 times in scope "
            "[gcp-project=acme-ml-dev, managedZone=acme-ml-dev-example-com, type=a]: stack 'dev' "
            "(gcp:dns/recordSet:RecordSet dev-gke-llm-a-llm-dev-acme-ml-example-com); stack 'dev2' "
            "(gcp:dns/recordSet:RecordSet dev-gke-llm-a-llm-dev-acme-ml-example-com)") in result.stderr
    # Scale sets, registries, clusters, buckets, log groups: each stack's own.
    names = {(c["stack"], c["type"], c["name"]) for c in report["claims"]}
    assert ("dev2", "kubernetes:helm.sh/v3:Release", "dev2-cpu") in names
    assert ("dev2", "aws:ecr/repository:Repository", "ci-images-dev2") in names
    assert ("dev2", "aws:cloudwatch/logGroup:LogGroup", "/aws/vpc/dev2-dev-net/flow-logs") in names


def test_an_invalid_stack_stops_the_check_with_exit_2_and_the_field_path(tmp_path):
    (tmp_path / "Pulumi.bad.yaml").write_text("config:\n  mlinfra:environment: dev\n  mlinfra:nope: 1\n")
    result = mlinfra("names", "check", "--stacks-dir", str(tmp_path))
    assert result.returncode == 2
    assert "invalid config for stack 'bad'" in result.stderr and "nope: unknown key" in result.stderr


def test_distinct_names_pass_and_names_known_only_after_apply_are_listed(tmp_path):
    shutil.copy(DEV, tmp_path / "Pulumi.dev.yaml")
    result = mlinfra("names", "check", "--stacks-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # The count grows with the platform; the shape and the one name known only after apply do not.
    assert re.fullmatch(r"\d+ physical names in 2 plans \(dev, bootstrap\); 1 known only after apply, not compared:",
                        lines[0]), lines[0]
    assert lines[1] == ("  - stack 'dev': gcp:dns/recordSet:RecordSet "
                        "dev-gke-llm-dnsauth-record-llm-dev-acme-ml-example-com name: the name is unknown until apply")
    assert lines[-1] == "No two stacks claim the same name in the same scope."
