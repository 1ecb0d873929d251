"""GkeGithubAppSecret: the empty App secret and the operator's accessor binding on it alone."""

from components.gcp.github_app_secret import GkeGithubAppSecret, GkeGithubAppSecretArgs


def program(create=True):
    def run():
        GkeGithubAppSecret("dev-gke-github-app", GkeGithubAppSecretArgs(
            project="acme-ml-dev", project_number="123456789", secret_id="acme-ml-dev-github-app",
            namespace="external-secrets", service_account="external-secrets", create=create,
            labels={"environment": "dev"}))
    return run


def test_an_empty_secret_and_one_accessor_binding_on_it(register):
    reg = register(program())
    secret = reg.one("gcp:secretmanager/secret:Secret").inputs
    assert (secret["project"], secret["secretId"], secret["replication"]) == (
        "acme-ml-dev", "acme-ml-dev-github-app", {"auto": {}})
    assert reg.of_type("gcp:secretmanager/secretVersion:SecretVersion") == []
    binding = reg.one("gcp:secretmanager/secretIamMember:SecretIamMember").inputs
    assert binding["role"] == "roles/secretmanager.secretAccessor"
    assert binding["member"] == ("principal://iam.googleapis.com/projects/123456789/locations/global/"
                                 "workloadIdentityPools/acme-ml-dev.svc.id.goog/subject/ns/external-secrets/"
                                 "sa/external-secrets")
    # Bound on the secret, never on the project.
    assert reg.of_type("gcp:projects/iAMMember:IAMMember") == []


def test_a_second_cluster_creates_nothing(register):
    reg = register(program(create=False))
    assert [r.type for r in reg.resources if r.custom] == []
