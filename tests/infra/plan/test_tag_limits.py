"""Per-resource tag and label counts on the plan: AWS 50 (aws: keys not counted), GCP 64."""

from infra.plan.tag_limits import tag_count_problems


def resource(kind, name, **inputs):
    return {"type": kind, "name": name, "inputs": inputs}


def test_counts_at_the_limit_pass_and_past_it_are_named():
    tags50 = {f"t{i}": "v" for i in range(50)}
    document = {"resources": [
        resource("aws:s3/bucket:Bucket", "ok", tags=tags50),
        resource("aws:s3/bucket:Bucket", "reserved-not-counted", tags={**tags50, "aws:cloudformation:x": "y"}),
        resource("aws:eks/nodeGroup:NodeGroup", "pool", tags={**tags50, "one": "more"}),
        resource("gcp:container/nodePool:NodePool", "gke",
                 nodeConfig={"resourceLabels": {f"l{i}": "v" for i in range(65)}}),
        resource("gcp:storage/bucket:Bucket", "fine", labels={f"l{i}": "v" for i in range(64)}),
        resource("kubernetes:core/v1:Namespace", "ignored", tags={f"t{i}": "v" for i in range(99)}),
    ]}
    assert tag_count_problems(document) == [
        "aws:eks/nodeGroup:NodeGroup 'pool' would carry 51 tags in tags; the cloud allows 50 per resource; remove "
        "entries from tags.extra (every resource carries them) or from the GPU pool's labels",
        "gcp:container/nodePool:NodePool 'gke' would carry 65 labels in nodeConfig.resourceLabels; the cloud allows "
        "64 per resource; remove entries from tags.extra (every resource carries them) or from the GPU pool's labels",
    ]
