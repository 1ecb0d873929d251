"""The load balancer controller's Pod Identity association names the cluster through the cluster's own output,
so on a first `pulumi up` it is created after the cluster (EKS refuses an association for a cluster that does
not exist yet), on every stack that has an EKS gateway."""

from infra.offline.document import build_document
from tests.helpers import stack_run


def test_lb_controller_association_depends_on_the_cluster():
    # prod is the stack with an EKS gateway (dev and staging have none, so no controller).
    resources = build_document(stack_run("prod"))["resources"]
    associations = [r for r in resources if r["type"] == "aws:eks/podIdentityAssociation:PodIdentityAssociation"
                    and r["name"].endswith("-lbc-identity")]
    clusters = {r["urn"] for r in resources if r["type"] == "aws:eks/cluster:Cluster"}
    assert associations and clusters
    for association in associations:
        assert set(association["propertyDependencies"]["clusterName"]) & clusters, association["name"]
        assert set(association["dependencies"]) & clusters, association["name"]
