"""IAM policy documents as plain data, built locally so a plan never waits on an invoke."""

from __future__ import annotations

import json
from collections.abc import Sequence


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
