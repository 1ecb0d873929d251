"""One-line summaries of the AWS platform's add-on resources in the plan views."""

from infra.cli.views.summaries import summarize


def test_helm_release_shows_chart_version_and_repository():
    assert summarize("kubernetes:helm.sh/v3:Release", {
        "chart": "nvidia-device-plugin", "version": "0.17.1",
        "repositoryOpts": {"repo": "https://nvidia.github.io/k8s-device-plugin"}}) == \
        "nvidia-device-plugin 0.17.1 · https://nvidia.github.io/k8s-device-plugin"


def test_helm_release_from_an_oci_registry_shows_the_registry_path_not_none():
    assert summarize("kubernetes:helm.sh/v3:Release", {
        "chart": "oci://ghcr.io/actions/actions-runner-controller-charts/gha-runner-scale-set",
        "version": "0.14.2"}) == "gha-runner-scale-set 0.14.2 · oci://ghcr.io/actions/actions-runner-controller-charts"
    assert summarize("kubernetes:helm.sh/v3:Release", {"chart": "./charts/local", "version": "1.0.0"}) == \
        "./charts/local 1.0.0"


def test_asg_tag_addon_association_and_endpoint():
    assert summarize("aws:autoscaling/tag:Tag", {"tag": {"key": "k8s.io/cluster-autoscaler/enabled",
                                                         "value": "true"}}) == \
        "k8s.io/cluster-autoscaler/enabled = true"
    assert summarize("aws:eks/addon:Addon", {"addonName": "coredns"}) == "coredns EKS default"
    assert summarize("aws:eks/podIdentityAssociation:PodIdentityAssociation",
                     {"namespace": "ml", "serviceAccount": "trainer"}) == "ml/trainer"
    assert summarize("aws:ec2/vpcEndpoint:VpcEndpoint", {"serviceName": "com.amazonaws.us-east-1.s3",
                                                         "vpcEndpointType": "Gateway"}) == \
        "com.amazonaws.us-east-1.s3 (Gateway)"
