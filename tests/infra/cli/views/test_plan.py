"""The terminal view prints flags and settings as written, never as rich markup."""

import io

from rich.console import Console

from infra.cli.views.plan import markdown_view, table_view

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
    assert "data-bucket aws:s3/bucket:Bucket [protected, retained]  acme-[prod]-data" in text


def test_one_spelling_of_types_and_a_footer_like_pulumi_preview():
    doc = document({})
    console = Console(record=True, width=80, file=io.StringIO())
    console.print(table_view(doc))
    text = console.export_text()
    # The tree, the counts and the markdown all spell a type as its token; none as aws.s3.Bucket.
    assert "aws.s3.Bucket" not in text and "aws.s3.Bucket" not in markdown_view(doc)
    assert "Resources by type\n  1  aws:s3/bucket:Bucket\n" in text
    assert text.rstrip().endswith("Resources:\n    + 1 to create (1 cloud resources)")
    assert markdown_view(doc).endswith("```\nResources:\n    + 1 to create (1 cloud resources)\n```\n")
