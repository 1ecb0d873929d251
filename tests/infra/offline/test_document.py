"""The plan document's resource order: the same program gives the same document, whatever the threads did."""

import json
from dataclasses import replace

import pulumi
import pulumi_aws as aws

from infra.offline.document import build_document
from infra.offline.engine import run_program


class Box(pulumi.ComponentResource):
    def __init__(self, name: str):
        super().__init__("mlinfra:test:Box", name, None)
        child = pulumi.ResourceOptions(parent=self)
        # Registered in the opposite of URN order, so arrival order and document order differ.
        aws.s3.Bucket(f"{name}-z", bucket=f"{name}-z", opts=child)
        aws.s3.Bucket(f"{name}-a", bucket=f"{name}-a", opts=child)


def _program():
    Box("outer-b")
    Box("outer-a")


def test_resources_are_parents_first_then_siblings_by_urn():
    document = build_document(run_program(_program))
    names = [r["name"] for r in document["resources"]]
    assert names == ["outer-a", "outer-a-a", "outer-a-z", "outer-b", "outer-b-a", "outer-b-z"]


def test_arrival_order_does_not_change_the_document():
    run = run_program(_program)
    shuffled = replace(run, resources=list(reversed(run.resources)))
    assert json.dumps(build_document(shuffled)) == json.dumps(build_document(run))
