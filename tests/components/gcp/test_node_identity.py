"""GkeNodeServiceAccount under mocks: the node roles on its project, actAs on the account only."""

from components.gcp.iam import NODE_ROLES, node_service_account_id
from components.gcp.node_identity import ACT_AS_ROLE, GkeNodeServiceAccount, GkeNodeServiceAccountArgs

DEPLOYER = "serviceAccount:acme-ml-gh-deploy@acme-ml-platform.iam.gserviceaccount.com"
EMAIL = "acme-ml-dev-nodes@acme-ml-dev.iam.gserviceaccount.com"


def test_the_id_is_the_prefix_and_stack_and_a_long_one_is_hashed_to_fit():
    assert node_service_account_id("acme-ml", "dev") == "acme-ml-dev-nodes"
    long_id = node_service_account_id("a-very-long-platform-prefix", "sandbox-alice")
    assert len(long_id) == 30 and long_id.endswith("-nodes")
    assert long_id != node_service_account_id("a-very-long-platform-prefix", "sandbox-alicf")


def test_account_roles_and_act_as_on_the_account_only(register):
    reg = register(lambda: GkeNodeServiceAccount("nodes-dev", GkeNodeServiceAccountArgs(
        project="acme-ml-dev", base="acme-ml-dev", users={"deploy": DEPLOYER}, protect=True)))
    account = reg.one("gcp:serviceaccount/account:Account")
    assert (account.inputs["accountId"], account.inputs["project"]) == ("acme-ml-dev-nodes", "acme-ml-dev")
    assert account.options()["protect"] is True
    grants = reg.of_type("gcp:projects/iAMMember:IAMMember")
    assert sorted(g.inputs["role"] for g in grants) == sorted(NODE_ROLES)
    assert {(g.inputs["project"], g.inputs["member"]) for g in grants} == {("acme-ml-dev", f"serviceAccount:{EMAIL}")}
    assert all(account.urn in g.options()["dependencies"] for g in grants)
    act_as = reg.one("gcp:serviceaccount/iAMMember:IAMMember")
    assert act_as.name == "nodes-dev-act-as-deploy"
    assert act_as.inputs == {"serviceAccountId": f"projects/acme-ml-dev/serviceAccounts/{EMAIL}",
                             "role": ACT_AS_ROLE, "member": DEPLOYER}
    assert account.urn in act_as.options()["dependencies"]
