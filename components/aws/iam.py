"""IAM policy documents as plain data, built locally so a plan never waits on an invoke."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass


def assume_role_policy(service: str, actions: Sequence[str] = ("sts:AssumeRole",)) -> str:
    """Trust policy letting one AWS service assume a role."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": list(actions),
        }],
    })


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
