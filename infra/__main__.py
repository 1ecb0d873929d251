"""Engine entry point, run unchanged by `pulumi` and by `mlinfra plan`: config in, platform out."""

import pulumi

from infra.compose.platform import build_platform
from infra.config.load import load_stack_config

for _key, _value in build_platform(load_stack_config()).items():
    pulumi.export(_key, _value)
