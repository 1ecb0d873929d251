"""The terminal view prints flags and settings as written, never as rich markup."""

import io

from rich.console import Console

from infra.cli.views.plan import short_type, table_view

URN = "urn:pulumi:prod::mlinfra::aws:s3/bucket:Bucket::data-bucket"


def document(resource_inputs):
    return {
        "project": "mlinfra", "stack": "prod", "environment": "prod",
        "resources": [{"urn": URN, "type": "aws:s3/bucket:Bucket", "name": "data-bucket", "custom": True,
                       "parent": None, "provider": None, "inputs": resource_inputs, "protect": True,
                       "retainOnDelete": True, "deleteBeforeReplace": False, "ignoreChanges": [],
                       "dependencies": [], "propertyDependencies": {}}],
        "counts": {"total": 1, "custom": 1, "byType": {"aws:s3/bucket:Bucket": 1}},
        "outputs": {}, "policy": {"violations": []}, "cost": {},
    }


def test_protection_flags_and_summaries_print_literally():
    console = Console(record=True, width=200, file=io.StringIO())
    console.print(table_view(document({"bucket": "acme-[prod]-data"})))
    text = console.export_text()
    assert "data-bucket aws.s3.Bucket [protected, retained]  acme-[prod]-data" in text


def test_short_type():
    assert short_type("aws:eks/cluster:Cluster") == "aws.eks.Cluster"
    assert short_type("mlinfra:aws:EksCluster") == "mlinfra:aws:EksCluster"
