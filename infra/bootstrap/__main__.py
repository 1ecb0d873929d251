"""Bootstrap entry point, run once by `pulumi up` in infra/bootstrap/ and offline by `mlinfra bootstrap plan`."""

import pulumi

from infra.compose.bootstrap import build_bootstrap
from infra.config.bootstrap import load_bootstrap_config

for _key, _value in build_bootstrap(load_bootstrap_config()).items():
    pulumi.export(_key, _value)
