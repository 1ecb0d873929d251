"""What the GCP sandbox account may do, derived from what tearing down the sandbox template on GCP takes.

The AWS side's table is components/aws/ci_teardown.py; this is its GCP twin. GCP_TEARDOWN_ROLE_OF_TYPE names,
for each `gcp:` type the sandbox template plans on GCP (`mlinfra sandbox create --cloud gcp`), the predefined
role whose permissions delete it (and read it first). The bootstrap grants these roles to the sandbox account
in the sandbox project(s) only, never on the bootstrap's own project (state bucket, keys), and with an IAM
condition where GCP lets one narrow the grant:
- Cloud KMS: on key rings named like a sandbox's (`resource.name`; Cloud KMS key rings and crypto keys are
  resource types that take resource attributes, https://cloud.google.com/iam/docs/conditions-resource-attributes,
  read 2026-12-07, names `projects/P/locations/L/keyRings/R[/cryptoKeys/K]`).
- Project IAM: only grants of the node roles the template gives its node account (`iam.googleapis.com/
  modifiedGrantsByRole`, "Set limits on granting roles",
  https://cloud.google.com/iam/docs/setting-limits-on-granting-roles, read 2026-12-07), so the account can
  remove what a sandbox granted and can grant itself nothing.
GKE clusters and node pools, Compute networks and service accounts are not narrowed by name. IAM service
accounts take no resource attributes (the pages above). GKE and Compute Engine do take `resource.name`
("Attribute reference for IAM Conditions", https://cloud.google.com/iam/docs/conditions-attribute-reference,
read 2026-12-07), but a teardown also waits on their operations (`container.operations.get` "on the requested
operations", https://cloud.google.com/kubernetes-engine/docs/reference/api-permissions), whose names carry no
sandbox's name, so a name condition would stop it half-way. The sandbox project holds only sandboxes (a config
rule keeps the state and every environment out of it).
tests/infra/test_gcp_sandbox_roles.py plans the template on GCP and fails on a type missing here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# Permissions behind each role, as read (2026-12-07):
# - container.clusterAdmin, "Provides access to management of clusters" (GKE predefined roles,
#   https://cloud.google.com/kubernetes-engine/docs/how-to/iam): deleting a cluster takes container.clusters.delete,
#   a node pool container.clusters.update, reading them container.clusters.get, waiting container.operations.get
#   (https://cloud.google.com/kubernetes-engine/docs/reference/api-permissions). No Kubernetes API objects.
# - compute.networkAdmin: network-related resources (networks, subnetworks, routers and their NAT), not
#   instances or disks (Compute Engine IAM roles, https://cloud.google.com/compute/docs/access/iam).
# - cloudkms.admin: key rings and keys, incl. destroying versions and key IAM; no encrypt or decrypt (already
#   relied on by infra/config/bootstrap.py GCP_DEPLOY_ROLE_OF_MODULE, read 2026-11-29).
# - resourcemanager.projectIamAdmin: resourcemanager.projects.getIamPolicy / setIamPolicy, the permissions that
#   remove a project role binding (setting-limits-on-granting-roles above); always conditioned here.
# - iam.serviceAccountAdmin: deletes the node service account a GCP sandbox creates (iam.serviceAccounts.delete,
#   https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts/delete); already the role
#   infra/config/bootstrap.py GCP_PER_ACCOUNT_ROLE_OF_MODULE relies on for service accounts.
CLUSTERS, NETWORKS, KEYS = "roles/container.clusterAdmin", "roles/compute.networkAdmin", "roles/cloudkms.admin"
PROJECT_IAM, ACCOUNTS = "roles/resourcemanager.projectIamAdmin", "roles/iam.serviceAccountAdmin"

GCP_TEARDOWN_ROLE_OF_TYPE: Mapping[str, str] = {
    "gcp:container/cluster:Cluster": CLUSTERS,
    "gcp:container/nodePool:NodePool": CLUSTERS,
    "gcp:compute/network:Network": NETWORKS,
    "gcp:compute/subnetwork:Subnetwork": NETWORKS,
    "gcp:compute/router:Router": NETWORKS,
    "gcp:compute/routerNat:RouterNat": NETWORKS,
    "gcp:kms/keyRing:KeyRing": KEYS,
    "gcp:kms/cryptoKey:CryptoKey": KEYS,
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": KEYS,
    "gcp:projects/iAMMember:IAMMember": PROJECT_IAM,
    "gcp:serviceaccount/account:Account": ACCOUNTS,
}

# Names of what a sandbox stack creates start with its stack name (`sandbox` or `sandbox-<owner>-<name>`,
# infra/sandbox/spec.py; key rings `<stack>-<cluster>-secrets`, infra/compose/gcp.py), as on AWS
# (components/aws/ci_teardown.py SANDBOX_CLUSTER_NAMES).
SANDBOX_NAME_PREFIX = "sandbox-"


@dataclass(frozen=True)
class ConditionalRole:
    """A project role held only where `expression` (IAM Conditions CEL) holds; `title` names the condition."""

    role: str
    title: str
    expression: str
    description: str = ""


def sandbox_key_rings(prefix: str = SANDBOX_NAME_PREFIX) -> str:
    """Key rings (and their keys) whose ring name starts with `prefix`. `extract` takes the text after
    `/keyRings/` to the end of the name (conditions-resource-attributes, "extract()" on resource names)."""
    return f"resource.name.extract('/keyRings/{{ring}}').startsWith('{prefix}')"


def only_granting(roles: Sequence[str]) -> str:
    """Changes to the project's allow policy that add or remove bindings of `roles` and no other role."""
    listed = ", ".join(f"'{role}'" for role in roles)
    return f"api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly([{listed}])"


def sandbox_teardown_roles(types: Sequence[str], node_roles: Sequence[str],
                           prefix: str = SANDBOX_NAME_PREFIX) -> tuple[ConditionalRole | str, ...]:
    """The roles tearing down `types` takes, once each in table order: a plain role name, or a ConditionalRole
    where GCP can narrow it. A type missing from the table is an error naming it."""
    unknown = sorted(set(types) - set(GCP_TEARDOWN_ROLE_OF_TYPE))
    if unknown:
        raise KeyError(f"no teardown role known for {', '.join(unknown)}: add it to GCP_TEARDOWN_ROLE_OF_TYPE")
    wanted = set(GCP_TEARDOWN_ROLE_OF_TYPE[t] for t in types)
    roles: list[ConditionalRole | str] = []
    for role in dict.fromkeys(GCP_TEARDOWN_ROLE_OF_TYPE.values()):
        if role not in wanted:
            continue
        if role == KEYS:
            roles.append(ConditionalRole(role, "sandbox key rings only", sandbox_key_rings(prefix),
                                         f"key rings named {prefix}*"))
        elif role == PROJECT_IAM:
            roles.append(ConditionalRole(role, "sandbox node roles only", only_granting(node_roles),
                                         "bindings of the sandbox node account's roles, no other role"))
        else:
            roles.append(role)
    return tuple(roles)
