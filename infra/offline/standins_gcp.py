"""Google Cloud stand-ins: ids, resource names, self-links and emails in the provider's documented form.

The id format is read from the pinned provider SDK itself: each resource's docstring carries its
"Import" section (`pulumi import gcp:compute/network:Network default projects/{{project}}/global/
networks/{{name}}`), the first line of which is the resource's canonical id. Rows below cover
only what that line does not say (emails, addresses, endpoints) or types whose import line is not
their id (service accounts and IAM members; sources beside each row, read 2026-12-07).
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from infra.offline.invokes import OfflineContext
from infra.offline.standin_ids import autoname, digest

_IMPORT = re.compile(r"pulumi import (\S+) \S+ (\S*\{\{\S+)")
_TEMPLATE_VAR = re.compile(r"\{\{(\w+)\}\}")
# The compute API's base for self-links (cloud.google.com/compute/docs/reference/rest/v1, "selfLink").
COMPUTE_BASE = "https://www.googleapis.com/compute/v1/"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


@cache
def import_template(type_: str) -> str | None:
    """The first documented import id of a `gcp:` type, from the installed provider SDK."""
    module, _, kind = type_.split(":", 2)[1].partition("/")
    spec = importlib.util.find_spec("pulumi_gcp")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / module / f"{_snake(kind)}.py"
    if not path.is_file():
        return None
    for match in _IMPORT.finditer(path.read_text()):
        if match.group(1) == type_:
            return match.group(2)
    return None


def _fill(template: str, inputs: Mapping[str, Any], physical: str, ctx: OfflineContext, urn: str) -> str:
    location = str(inputs.get("location") or inputs.get("region") or ctx.gcp_region)
    known = {"project": str(inputs.get("project") or ctx.gcp_project), "project_id": str(inputs.get("project")
             or ctx.gcp_project), "location": location, "region": str(inputs.get("region") or location),
             "name": physical, "zone": str(inputs.get("managedZone") or inputs.get("zone") or "zone")}

    def one(match: re.Match) -> str:
        var = match.group(1)
        if var in known:
            return known[var]
        for key in (_camel(var), _camel(var.removesuffix("_id"))):
            if isinstance(inputs.get(key), str) and inputs[key]:
                return inputs[key].rsplit("/", 1)[-1] if key != "keyRing" else inputs[key]
        return physical if var.endswith("_id") else digest(urn, var, 12)
    return _TEMPLATE_VAR.sub(one, template)


def _ip(urn: str, network: str) -> str:
    """A stand-in address in a documentation range (RFC 5737: 192.0.2.0/24, 198.51.100.0/24), never a real one."""
    return f"{network}.{int(digest(urn, 'ip', 2), 16) % 254 + 1}"


def gcp_stand_in(type_: str, name: str, urn: str, inputs: Mapping[str, Any], ctx: OfflineContext
                 ) -> tuple[str, dict[str, Any]]:
    """(id, computed outputs) of a new Google Cloud resource."""
    physical = inputs.get("name") if isinstance(inputs.get("name"), str) and inputs.get("name") else None
    outputs: dict[str, Any] = {} if physical else {"name": (physical := autoname(name, urn))}
    project = str(inputs.get("project") or ctx.gcp_project)
    if type_ == "gcp:serviceaccount/account:Account":
        # Email and name: cloud.google.com/iam/docs/service-account-overview ("<id>@<project>.iam.gserviceaccount.com").
        email = f"{inputs.get('accountId') or physical}@{project}.iam.gserviceaccount.com"
        rid = f"projects/{project}/serviceAccounts/{email}"
        return rid, {"email": email, "name": rid, "member": f"serviceAccount:{email}",
                     "uniqueId": str(int(digest(urn, "unique", 16), 16))[:21]}
    if type_.endswith(("IAMMember:IAMMember", "iAMMember:IAMMember", "IAMBinding:IAMBinding")):
        # IAM member ids are "<resource>/<role>/<member>" (provider docs, "Import").
        target = next((str(v) for k, v in inputs.items() if k not in ("role", "member", "condition")), project)
        return f"{target}/{inputs.get('role')}/{inputs.get('member')}", {"etag": digest(urn, "etag", 16)}
    if type_ == "gcp:storage/bucket:Bucket":
        # provider docs: id is the bucket name; url gs://<name>; selfLink the JSON API's b/<name>.
        return physical, {**outputs, "url": f"gs://{physical}",
                          "selfLink": f"https://www.googleapis.com/storage/v1/b/{physical}"}
    template = import_template(type_)
    rid = _fill(template, inputs, physical, ctx, urn) if template else f"projects/{project}/{physical}"
    outputs.update(_extra(type_, rid, urn, inputs, ctx))
    if type_.startswith("gcp:compute/"):
        outputs["selfLink"] = COMPUTE_BASE + rid
    return rid, outputs


def _extra(type_: str, rid: str, urn: str, inputs: Mapping[str, Any], ctx: OfflineContext) -> dict[str, Any]:
    if type_ == "gcp:certificatemanager/certificate:Certificate" and isinstance(inputs.get("managed"), dict):
        # A new Google-managed certificate is PROVISIONING while Certificate Manager provisions it (Certificate
        # Manager v1 API, Certificate.ManagedCertificate.State: PROVISIONING, FAILED, ACTIVE; read 2026-12-07).
        return {"managed": {**inputs["managed"], "state": "PROVISIONING"}}
    if type_ in ("gcp:compute/address:Address", "gcp:compute/globalAddress:GlobalAddress"):
        return {"address": _ip(urn, "192.0.2")}
    if type_ == "gcp:container/cluster:Cluster":
        return {"endpoint": _ip(urn, "198.51.100"), "selfLink": f"https://container.googleapis.com/v1/{rid}",
                "masterAuth": {"clusterCaCertificate": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg=="}}
    if type_ == "gcp:certificatemanager/dnsAuthorization:DnsAuthorization":
        # cloud.google.com/certificate-manager/docs/dns-authorizations: a CNAME at _acme-challenge.<domain>.
        domain = str(inputs.get("domain") or "example.com")
        return {"dnsResourceRecords": [{"name": f"_acme-challenge.{domain}.", "type": "CNAME",
                                        "data": f"{digest(urn, 'acme', 12)}.{digest(urn, 'n', 1)}.authorize."
                                                "certificatemanager.goog."}]}
    if type_ in ("gcp:iam/workloadIdentityPool:WorkloadIdentityPool",
                 "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider"):
        # `name` uses the project number (provider docs, "Attributes Reference").
        return {"name": rid.replace(f"projects/{ctx.gcp_project}/",
                                    f"projects/{ctx.gcp_project_number}/", 1)}
    return {}
