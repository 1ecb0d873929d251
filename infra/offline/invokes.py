"""Fixed, realistic answers to the questions a program asks a cloud at plan time.

The program prefers computing values locally; the few invokes it makes are answered here. An
invoke with no answer is an error that names it: a silent empty answer would produce a plan
that looks right and is not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Placeholders when the stack config names no account or project number: 123456789012 is the account
# id AWS's own documentation uses in examples (docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html).
OFFLINE_ACCOUNT_ID = "123456789012"
OFFLINE_GCP_PROJECT_NUMBER = "100000000001"


class UnansweredInvokeError(RuntimeError):
    """The program asked the cloud something the offline engine has no answer for."""


@dataclass(frozen=True)
class OfflineContext:
    """What the answers and stand-ins depend on: the stack's region, account and project."""

    aws_region: str = "us-east-1"
    gcp_project: str = "offline-project"
    gcp_region: str = "us-central1"
    aws_account_id: str = OFFLINE_ACCOUNT_ID
    gcp_project_number: str = OFFLINE_GCP_PROJECT_NUMBER


Answer = Callable[[dict[str, Any], OfflineContext], dict[str, Any]]


def _caller_identity(_args, ctx) -> dict[str, Any]:
    return {
        "accountId": ctx.aws_account_id,
        "arn": f"arn:aws:iam::{ctx.aws_account_id}:role/offline-plan",
        "userId": "AROAOFFLINEPLAN:offline-plan",
        "id": ctx.aws_account_id,
    }


def _partition(_args, _ctx) -> dict[str, Any]:
    return {"partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws",
            "id": "aws"}


def _region(args, ctx) -> dict[str, Any]:
    name = args.get("region") or args.get("name") or ctx.aws_region
    return {"name": name, "region": name, "id": name,
            "endpoint": f"ec2.{name}.amazonaws.com", "description": name}


def _availability_zones(_args, ctx) -> dict[str, Any]:
    names = [f"{ctx.aws_region}{suffix}" for suffix in "abcdef"]
    return {"names": names, "zoneIds": [f"use1-az{i}" for i in range(1, 7)],
            "groupNames": [ctx.aws_region], "id": ctx.aws_region, "state": "available"}


def _gcp_project(args, ctx) -> dict[str, Any]:
    project = args.get("projectId") or ctx.gcp_project
    return {"projectId": project, "number": ctx.gcp_project_number, "name": project,
            "id": f"projects/{project}"}


def _gcp_client_config(_args, ctx) -> dict[str, Any]:
    return {"project": ctx.gcp_project, "region": ctx.gcp_region, "zone": f"{ctx.gcp_region}-a",
            "accessToken": "offline-token", "id": "offline"}


def _transfer_service_account(args, ctx) -> dict[str, Any]:
    # googleServiceAccounts.get: `project-<number>@storage-transfer-service...` and a numeric subject id
    # (cloud.google.com/storage-transfer/docs/reference/rest/v1/googleServiceAccounts/get, read 2026-12-07).
    email = f"project-{OFFLINE_GCP_PROJECT_NUMBER}@storage-transfer-service.iam.gserviceaccount.com"
    return {"email": email, "member": f"serviceAccount:{email}", "subjectId": "100000000000000000001",
            "project": args.get("project") or ctx.gcp_project, "id": email}


ANSWERS: dict[str, Answer] = {
    "aws:index/getCallerIdentity:getCallerIdentity": _caller_identity,
    "aws:index/getPartition:getPartition": _partition,
    "aws:index/getRegion:getRegion": _region,
    "aws:index/getAvailabilityZones:getAvailabilityZones": _availability_zones,
    "gcp:organizations/getProject:getProject": _gcp_project,
    "gcp:organizations/getClientConfig:getClientConfig": _gcp_client_config,
    "gcp:storage/getTransferProjectServiceAccount:getTransferProjectServiceAccount": _transfer_service_account,
}


class InvokeAnswers:
    """Looks up the answer for each invoke and keeps a tally the plan can report."""

    def __init__(self, context: OfflineContext) -> None:
        self.context = context
        self.asked: list[str] = []

    def answer(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        self.asked.append(token)
        answer = ANSWERS.get(token)
        if answer is None:
            raise UnansweredInvokeError(
                f"the offline engine has no answer for invoke '{token}'; compute the value "
                "locally, or add a fixed answer to infra/offline/invokes.py"
            )
        return answer(args, self.context)
