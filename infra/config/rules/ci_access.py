"""Config rule: a cluster admits only its own environment's CI deploy role.

The bootstrap makes one deploy role per environment, `<prefix>-github-deploy-<environment>`
(infra/compose/bootstrap.py deploy_identity); an access entry naming another environment's would let that
environment's deploy (or anything that obtains its credentials) administer this cluster.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from infra.catalog.accelerators import Cloud
from infra.config.stack import StackConfig

Problem = tuple[str, str]
DEPLOY_ROLE = re.compile(r":role/(?:.*/)?(?P<prefix>[^/]+)-github-deploy-(?P<environment>[A-Za-z0-9_.-]+)$")


def ci_access_problems(config: StackConfig) -> Iterator[Problem]:
    """Access entries naming a CI deploy role of another environment, or of another name prefix."""
    environment = config.environment.value
    for name, cluster in config.clusters.items():
        if cluster.cloud != Cloud.AWS:
            continue
        for entry_name, entry in cluster.aws.access_entries.items():
            match = DEPLOY_ROLE.search(entry.principal_arn)
            if match and match["environment"] != environment:
                yield (f"clusters.{name}.aws.access_entries.{entry_name}.principal_arn",
                       f"names {match['environment']}'s deploy role in a {environment} stack: each environment's "
                       f"clusters admit only its own deploy role; use {match['prefix']}-github-deploy-{environment} "
                       "(bootstrap output aws_deploy_<environment>_role_arn)")
