"""Google Cloud IAM evaluation over the planned bindings: may this principal use this permission on this resource?

A principal is a GitHub token (through the workload identity pool provider: its attribute condition must admit
the token, its attribute mapping gives the principal identifiers), a service account, or a Kubernetes service
account of a GKE workload pool. Identifier forms: https://cloud.google.com/iam/docs/principal-identifiers (read
2026-12-08): `principal://iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/POOL/subject/S`,
`principalSet://.../POOL/attribute.A/V`, `principalSet://.../POOL/*`, `serviceAccount:EMAIL`; a Kubernetes
service account is `principal://.../PROJECT.svc.id.goog/subject/ns/NS/sa/KSA` (or the older
`serviceAccount:PROJECT.svc.id.goog[NS/KSA]`).

A binding applies to its resource and everything under it (a project's to its buckets, keys, service accounts
and clusters; a bucket's to its objects; a key ring's to its keys): "resources inherit the allow policies of all
of their parent resources", https://cloud.google.com/iam/docs/resource-hierarchy-access-control (read
2026-12-08). A role's permissions come from infra/catalog/gcp_roles (iann0036/iam-dataset); a role not there,
a member form or a condition not understood makes the answer undecided (None), never a guess.

Holding `*.setIamPolicy` on a resource or a parent is treated as holding every permission there: the holder can
grant itself any role (the permission "lets a principal change the allow policy", same page).

Group membership is not in any plan. `group:` members are taken not to contain the platform's principals; the
only group the plans name is Google's `cloud-storage-analytics@google.com` (the usage-log writer of GCS).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from infra.catalog.gcp_roles import role_permissions
from infra.security import gcp_cel
from infra.security.gcp_model import Binding, GcpPlatform

IAM_HOST = "iam.googleapis.com"
SET_IAM_POLICY = {"project": "resourcemanager.projects.setIamPolicy", "bucket": "storage.buckets.setIamPolicy",
                  "keyRing": "cloudkms.keyRings.setIamPolicy", "cryptoKey": "cloudkms.cryptoKeys.setIamPolicy",
                  "serviceAccount": "iam.serviceAccounts.setIamPolicy"}


@dataclass(frozen=True)
class Principal:
    """Who asks: `ids` are the exact member strings naming it; `workload` is (pool, namespace, account) for a
    Kubernetes service account, "*" standing for any (a principal that may run pods as every account)."""

    text: str
    ids: frozenset[str]
    workload: tuple[str, str, str] | None = None


@dataclass(frozen=True)
class Verdict:
    """Allowed (with the binding that allows it), denied, or undecided (with why)."""

    allowed: bool | None
    why: str = ""


def short(resource: str) -> str:
    """A resource name as the path text shows it: a service account by its email, a bucket object as gs://."""
    if "/serviceAccounts/" in resource:
        return resource.rsplit("/", 1)[1]
    if resource.startswith("projects/_/buckets/"):
        return "gs://" + resource.removeprefix("projects/_/buckets/").replace("/objects/", "/", 1)
    return resource


def service_account(email: str) -> Principal:
    """A Google service account."""
    return Principal(email.split("@")[0], frozenset({f"serviceAccount:{email}"}))


def kubernetes_account(pool: str, namespace: str, account: str) -> Principal:
    """A Kubernetes service account of GKE workload pool `pool` (`PROJECT.svc.id.goog`), or "*" for any."""
    text = f"{pool}[{namespace}/{account}]" if namespace != "*" else f"any Kubernetes account of {pool}"
    return Principal(text, frozenset(), (pool, namespace, account))


def federated(platform: GcpPlatform, claims: Mapping[str, str], text: str = "the token") -> Principal | None:
    """The principal a GitHub token becomes through the pool provider, or None if its attribute condition does
    not admit the token. The condition admits only when it evaluates to true: "the expression must output a
    boolean representing whether to allow the federation" (WorkloadIdentityPoolProvider.attributeCondition,
    https://cloud.google.com/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools.providers,
    read 2026-12-08), so a missing claim (a CEL error) admits nothing. Raises gcp_cel.Unsupported."""
    attributes: dict[str, str] = {}
    for target, expression in platform.attribute_mapping.items():
        value = gcp_cel.evaluate(expression, {"assertion": claims})
        if isinstance(value, str):
            attributes[target] = value
    if platform.provider_condition:
        custom = {k.removeprefix("attribute."): v for k, v in attributes.items() if k.startswith("attribute.")}
        google = {k.removeprefix("google."): v for k, v in attributes.items() if k.startswith("google.")}
        verdict = gcp_cel.evaluate(platform.provider_condition,
                                   {"assertion": claims, "attribute": custom, "google": google})
        if verdict is not True:
            return None
    base = f"{IAM_HOST}/{platform.pool}"
    ids = {f"principalSet://{base}/*"}
    if "google.subject" in attributes:
        ids.add(f"principal://{base}/subject/{attributes['google.subject']}")
    ids |= {f"principalSet://{base}/{k}/{v}" for k, v in attributes.items() if k.startswith("attribute.")}
    return Principal(text, frozenset(ids))


def _workload_member(member: str) -> tuple[str, str, str] | None | bool:
    """(pool, namespace, account) named by a Kubernetes member ("*" for any); False if not a Kubernetes member;
    None for a Kubernetes member form this evaluator does not read."""
    if member.startswith("serviceAccount:") and member.endswith("]") and ".svc.id.goog[" in member:
        pool, rest = member.removeprefix("serviceAccount:").split("[", 1)
        namespace, account = rest[:-1].split("/", 1)
        return pool, namespace, account
    if ".svc.id.goog/" not in member or not member.startswith(("principal://", "principalSet://")):
        return False
    pool_part, rest = member.split("/workloadIdentityPools/", 1)[1].split("/", 1)
    parts = rest.split("/")
    if member.startswith("principal://") and len(parts) == 5 and parts[:2] == ["subject", "ns"] and parts[3] == "sa":
        return pool_part, parts[2], parts[4]
    if member.startswith("principalSet://") and parts == ["*"]:
        return pool_part, "*", "*"
    if member.startswith("principalSet://") and len(parts) == 2 and parts[0] == "namespace":
        return pool_part, parts[1], "*"
    return None


def member_matches(member: str, who: Principal) -> bool | None:
    """Whether `member` names `who` (None when the member's form is not understood)."""
    if member in ("allUsers", "allAuthenticatedUsers") or member in who.ids:
        return True
    workload = _workload_member(member)
    if workload is None:
        return None
    if workload is not False:
        if who.workload is None:
            return False
        pairs = zip(who.workload[1:], workload[1:], strict=True)
        return who.workload[0] == workload[0] and all(t == "*" or m == "*" or m == t for m, t in pairs)
    prefix, _, _ = member.partition(":")
    if prefix in ("serviceAccount", "user", "group", "domain", "deleted"):
        return False
    if member.startswith(("principal://", "principalSet://")):
        if "cloudresourcemanager.googleapis.com/" in member:
            return None  # every service account of a project/folder/organisation: not evaluated
        star = next((i for i in who.ids if i.startswith("principalSet://") and i.endswith("/*")), None)
        base = star.removeprefix("principalSet://").removesuffix("/*") if star else None
        rest = member.split("://", 1)[1]
        if base is None or not rest.startswith(base + "/"):
            return False  # another pool's identity
        tail = rest[len(base) + 1:]
        # A token's identifiers list its subject, every mapped attribute and the pool's `*`; other forms in
        # its pool (groups, say) are not evaluated.
        return False if tail == "*" or tail.startswith(("subject/", "attribute.")) else None
    return None


class Evaluator:
    """Answers "may `who` use `permission` on `resource`?" over every planned binding."""

    def __init__(self, platform: GcpPlatform, bindings: Iterable[Binding] | None = None):
        self.platform = platform
        self.by_resource: dict[str, list[Binding]] = {}
        for b in platform.bindings if bindings is None else bindings:
            self.by_resource.setdefault(b.resource, []).append(b)

    def ancestors(self, resource: str) -> list[tuple[str, str]]:
        """(name, kind) of the resource and every parent it inherits bindings from, nearest first."""
        if "/objects/" in resource:
            bucket = resource.split("/objects/", 1)[0]
            return [(resource, "object"), *self.ancestors(bucket)]
        parts = resource.split("/")
        if resource.startswith("projects/_/buckets/"):
            project = self.platform.bucket_projects.get(parts[3])
            return [(resource, "bucket")] + ([(f"projects/{project}", "project")] if project else [])
        chain = [(resource, {"cryptoKeys": "cryptoKey", "serviceAccounts": "serviceAccount", "clusters": "cluster",
                             "keyRings": "keyRing"}.get(parts[-2], "other") if len(parts) > 2 else "project")]
        if "/cryptoKeys/" in resource:
            chain.append((resource.split("/cryptoKeys/")[0], "keyRing"))
        if len(parts) > 2:
            chain.append(("/".join(parts[:2]), "project"))
        return chain

    def _direct(self, who: Principal, permission: str, resource: str, at: Iterable[str]) -> Verdict:
        undecided = []
        for name in at:
            for b in self.by_resource.get(name, []):
                matches = member_matches(b.member, who)
                if matches is False:
                    continue
                permissions = role_permissions(b.role)
                if permissions is None:
                    undecided.append(f"{b.role} ({b.planned_as}) is not in infra/catalog/gcp_roles.json")
                    continue
                if permission not in permissions:
                    continue
                if matches is None:
                    undecided.append(f"member {b.member} ({b.planned_as}) is a form not evaluated")
                    continue
                held = self._condition(b, resource)
                if held is None:
                    undecided.append(f"condition of {b.planned_as} is CEL not evaluated: {b.condition}")
                elif held:
                    where = "" if b.resource == resource else f" on {short(b.resource)}"
                    return Verdict(True, f"{b.role}{where}, {b.planned_as}")
        return Verdict(None, "; ".join(undecided)) if undecided else Verdict(False)

    @staticmethod
    def _condition(b: Binding, resource: str) -> bool | None:
        if b.condition is None:
            return True
        try:
            value = gcp_cel.evaluate(b.condition, {"resource": {"name": resource}})
        except gcp_cel.Unsupported:
            return None
        # Only resource.name is modelled: a condition that needs another attribute is not decided here.
        return None if isinstance(value, gcp_cel.CelError) else value is True

    def holdings(self, who: Principal) -> list[tuple[str, str, str | None]]:
        """(resource, role, condition) of every planned binding naming `who` (undecided member forms included)."""
        return sorted((b.resource, b.role, b.condition) for bindings in self.by_resource.values() for b in bindings
                      if member_matches(b.member, who) is not False)

    def can(self, who: Principal, permission: str, resource: str) -> Verdict:
        """Whether `who` may use `permission` on `resource`, directly or by granting itself a role there."""
        chain = self.ancestors(resource)
        verdict = self._direct(who, permission, resource, [name for name, _ in chain])
        if verdict.allowed:
            return verdict
        undecided = [verdict.why] if verdict.allowed is None else []
        for name, kind in chain:
            if kind in SET_IAM_POLICY:
                grant = self._direct(who, SET_IAM_POLICY[kind], name, [n for n, _ in self.ancestors(name)])
                if grant.allowed:
                    return Verdict(True, f"grants itself {permission} with {SET_IAM_POLICY[kind]} on {short(name)} "
                                         f"({grant.why})")
                if grant.allowed is None:
                    undecided.append(grant.why)
        reasons = dict.fromkeys(r for why in undecided for r in why.split("; "))  # a role seen at two levels once
        return Verdict(None, "; ".join(reasons)) if reasons else Verdict(False)
