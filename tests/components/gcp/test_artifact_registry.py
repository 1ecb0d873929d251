from components.gcp.artifact_registry import (
    ArtifactRegistryRepository,
    ArtifactRegistryRepositoryArgs,
    workload_identity_principal,
)

RUNNER = workload_identity_principal("123456789012", "acme-ml-dev", "arc-gpu", "gpu-gha-rs-kube-mode")


def test_workload_identity_principal_names_one_kubernetes_service_account():
    assert RUNNER == ("principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/"
                      "acme-ml-dev.svc.id.goog/subject/ns/arc-gpu/sa/gpu-gha-rs-kube-mode")


def test_docker_repository_with_immutable_tags_and_writer_on_this_repository_only(register):
    reg = register(lambda: ArtifactRegistryRepository("ci", ArtifactRegistryRepositoryArgs(
        project="acme-ml-dev", location="us-central1", repository_id="ci-images",
        writers={"gpu-runners": RUNNER}, tags={"cost-center": "CC 1"})))
    repo = reg.one("gcp:artifactregistry/repository:Repository", "ci-repo")
    assert repo.inputs["format"] == "DOCKER" and repo.inputs["repositoryId"] == "ci-images"
    assert repo.inputs["dockerConfig"] == {"immutableTags": True}
    assert repo.inputs["labels"] == {"cost-center": "cc_1"}
    member = reg.one("gcp:artifactregistry/repositoryIamMember:RepositoryIamMember", "ci-writer-gpu-runners")
    assert member.inputs["role"] == "roles/artifactregistry.writer"
    assert member.inputs["member"] == RUNNER
    assert (member.inputs["project"], member.inputs["location"]) == ("acme-ml-dev", "us-central1")
    assert member.options()["propertyDependencies"]["repository"] == [repo.urn]
    # No project-level grant: nothing but this repository's IAM is touched.
    assert not [r for r in reg.resources if r.type.startswith("gcp:projects/")]


def test_no_writers_means_no_grants(register):
    reg = register(lambda: ArtifactRegistryRepository("ci", ArtifactRegistryRepositoryArgs(
        project="acme-ml-dev", location="us-central1", repository_id="ci-images")))
    assert reg.of_type("gcp:artifactregistry/repositoryIamMember:RepositoryIamMember") == []
