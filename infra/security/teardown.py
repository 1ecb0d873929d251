"""Can the sandbox identity finish a teardown? Every AWS resource type the sandbox template creates, the IAM
actions deleting it takes, and for each the sandbox policy's decision on a sandbox-tagged resource.

The table (components/aws/ci_teardown.py, which the sandbox policy is built from) is this project's reading
of what the AWS provider calls to delete each type; every action name and the ARN shape it
acts on are checked against policy_sentry's tables (an unknown name is an error), and whether the action can
see the resource's tags (and the request's `aws:TagKeys`) comes from the same tables, never from this module.

One kind of resource is not the stack's own: an `aws:autoscaling/tag:Tag` writes to the Auto Scaling group EKS
made for a node group, which carries EKS's tags (`eks:cluster-name`, ci_teardown.EKS_ASG_*) and none of the
stack's. Such a type is evaluated on that group as EKS leaves it (`NodeGroupAsg`), once per tag key removed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from components.aws.ci_teardown import EKS_ASG_NAME_PREFIX, EKS_CLUSTER_TAG, EKS_MADE_TYPES, TEARDOWN_ACTIONS
from infra.security.attack_paths import request
from infra.security.iam_eval import Decision, Request, arn_format_regex, evaluate


class UnknownAction(ValueError):
    """An action name policy_sentry does not know: the table above is wrong."""


def sample_arn(action: str, account: str, region: str, name_prefix: str) -> str:
    """An ARN of the resource type `action` acts on (policy_sentry's first non-`*` format), names filled in."""
    from policy_sentry.querying.actions import get_action_data

    service, name = action.split(":", 1)
    entries = get_action_data(service, name).get(service, [])
    if not entries:
        raise UnknownAction(f"{action} is not an action in policy_sentry's tables")
    formats = [e["resource_arn_format"] for e in entries if e["resource_arn_format"] != "*"]
    if not formats:
        return "*"
    # Roles the stacks create live under the platform's IAM path (components/aws/iam.py bounds).
    fill = {"Partition": "aws", "Region": region, "Account": account,
            "RoleNameWithPath": f"{name_prefix}/{name_prefix}-sandbox-x"}
    return re.sub(r"\$\{([^}]+)\}", lambda m: fill.get(m[1], f"{name_prefix}-sandbox-x"), formats[0])


@dataclass(frozen=True)
class NodeGroupAsg:
    """The Auto Scaling group EKS made for one node group, as a teardown meets it: named `eks-<node group>-<id>`,
    tagged by EKS with its cluster's and node group's names, and the tag keys the stack wrote (and removes)."""

    cluster_name: str
    tag_keys: tuple[str, ...]
    nodegroup_name: str = "gpu-ng-0123456"

    def arn(self, account: str, region: str) -> str:
        group = f"{EKS_ASG_NAME_PREFIX}{self.nodegroup_name}-a1b2c3d4-e5f6-7890-abcd-ef1234567890"
        return (f"arn:aws:autoscaling:{region}:{account}:autoScalingGroup:a1b2c3d4-0000-0000-0000-000000000000:"
                f"autoScalingGroupName/{group}")

    @property
    def tags(self) -> dict[str, str]:
        return {EKS_CLUSTER_TAG: self.cluster_name, "eks:nodegroup-name": self.nodegroup_name}


def _takes(action: str, resource: str, key: str) -> bool:
    """Whether `action` on a resource of this ARN's type takes condition key `key` (policy_sentry's tables)."""
    from policy_sentry.querying.actions import get_action_data

    service, name = action.split(":", 1)
    return any(entry["resource_arn_format"] != "*" and arn_format_regex(entry["resource_arn_format"]).match(resource)
               and key in entry["condition_keys"] for entry in get_action_data(service, name).get(service, []))


def _requests(resource_type: str, action: str, account: str, region: str, name_prefix: str,
              tags: Mapping[str, str], asg: NodeGroupAsg | None) -> list[Request]:
    if resource_type not in EKS_MADE_TYPES:
        return [request(action, sample_arn(action, account, region, name_prefix), tags)]
    if asg is None:
        return []
    arn = asg.arn(account, region)
    context = dict(request(action, arn, asg.tags).context)
    # The service's own tag key (`autoscaling:ResourceTag/...`) where the tables list it for this resource.
    service = action.split(":", 1)[0]
    if _takes(action, arn, f"{service}:ResourceTag/${{TagKey}}"):
        context.update({f"{service}:ResourceTag/{k}": v for k, v in asg.tags.items()})
    if not _takes(action, arn, "aws:TagKeys"):
        return [Request(action, arn, context=context)]
    return [Request(action, arn, context={**context, "aws:TagKeys": [key]}) for key in asg.tag_keys]


def teardown_gaps(types: Iterable[str], policies: Sequence[str | Mapping], account: str, region: str,
                  name_prefix: str, tags: Mapping[str, str], asg: NodeGroupAsg | None = None) -> dict[str, list[str]]:
    """Type -> the actions deleting it that the sandbox policies do not allow on a resource with `tags` (on `asg`
    for what the stack wrote on EKS's groups); a type missing from TEARDOWN_ACTIONS is a gap too (`no teardown
    actions known`), and so is an EKS-made type when no `asg` is given."""
    gaps: dict[str, list[str]] = {}
    for resource_type in sorted(set(types)):
        actions = TEARDOWN_ACTIONS.get(resource_type)
        if actions is None:
            gaps[resource_type] = ["no teardown actions known: add the type to TEARDOWN_ACTIONS"]
            continue
        for action in actions:
            requests = _requests(resource_type, action, account, region, name_prefix, tags, asg)
            if not requests or any(evaluate(r, list(policies)) != Decision.ALLOW for r in requests):
                gaps.setdefault(resource_type, []).append(action)
    return gaps
