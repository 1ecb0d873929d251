"""IAM policy documents as plain data, built locally so a plan never waits on an invoke."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi


def assume_role_policy(service: str, actions: Sequence[str] = ("sts:AssumeRole",),
                       source_account: str | None = None, source_arn: str | None = None) -> str:
    """Trust policy letting one AWS service assume a role, for one account's (and resource's) requests.

    `aws:SourceAccount` and `aws:SourceArn` stop the confused deputy: the service can assume the
    role only while acting for this account (and this resource). IAM User Guide, "The confused
    deputy problem" (https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html), read
    2026-11-29.
    """
    statement: dict = {"Effect": "Allow", "Principal": {"Service": service}, "Action": list(actions)}
    condition: dict = {}
    if source_account is not None:
        condition["StringEquals"] = {"aws:SourceAccount": source_account}
    if source_arn is not None:
        condition["ArnLike"] = {"aws:SourceArn": source_arn}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def managed_policy_arn(name: str, partition: str = "aws") -> str:
    """ARN of an AWS-managed policy."""
    return f"arn:{partition}:iam::aws:policy/{name}"


@dataclass(frozen=True)
class RoleBounds:
    """The permissions boundary every role a component creates carries, and the IAM path it lives under.

    The bootstrap's deploy role may create roles only with this boundary and only under this path
    (components/aws/ci_policies.py), so a stack that leaves them out fails at `pulumi up`. The path is
    the boundary policy's own path: `arn:aws:iam::<account>:policy/<prefix>/<name>` gives `/<prefix>/`.
    """

    permissions_boundary: str | None = None

    @property
    def path(self) -> str:
        if self.permissions_boundary is None:
            return "/"
        resource = self.permissions_boundary.split(":", 5)[-1]  # policy/<path...>/<name>
        parts = resource.split("/")[1:-1]
        return "/" + "".join(f"{part}/" for part in parts)

    def role(self) -> dict:
        """Keyword arguments for `aws.iam.Role`."""
        if self.permissions_boundary is None:
            return {}
        return {"path": self.path, "permissions_boundary": self.permissions_boundary}

    def policy(self) -> dict:
        """Keyword arguments for `aws.iam.Policy`."""
        return {} if self.permissions_boundary is None else {"path": self.path}


def account_id_or_lookup(account_id: pulumi.Input[str] | None, parent: pulumi.Resource) -> pulumi.Output[str]:
    """The account id the caller passed, or the caller identity's (an output invoke on the parent's provider)."""
    if account_id is not None:
        return pulumi.Output.from_input(account_id)
    import pulumi_aws as aws

    return aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=parent)).account_id
