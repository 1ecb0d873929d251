"""Which GPU instance types have EFA, as the pinned AWS EFA device plugin chart lists them.

The chart schedules its DaemonSet only on these types (`supportedInstanceLabels.values`, "EFA supported
instances: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa.html#efa-instance-types"), read at
aws/eks-charts@5239609242f3430be50fb0b714a24d3ef2b47983:stable/aws-efa-k8s-device-plugin/values.yaml
(chart v0.5.30) on 2026-12-07: the g* and p* entries. The accelerator catalog's `efa_interfaces` (how many
interfaces the launch template gets) must only be set on these types; tests/infra/catalog/test_efa.py
checks it, so a machine with EFA interfaces but no device plugin (no `vpc.amazonaws.com/efa` for pods)
cannot be planned.
"""

from __future__ import annotations

EFA_GPU_INSTANCE_TYPES: frozenset[str] = frozenset({
    "g4dn.12xlarge", "g4dn.16xlarge", "g4dn.8xlarge", "g4dn.metal", "g5.12xlarge", "g5.16xlarge", "g5.24xlarge",
    "g5.48xlarge", "g5.8xlarge", "g6.12xlarge", "g6.16xlarge", "g6.24xlarge", "g6.48xlarge", "g6.8xlarge",
    "g6e.12xlarge", "g6e.16xlarge", "g6e.24xlarge", "g6e.48xlarge", "g6e.8xlarge", "g7.12xlarge", "g7.24xlarge",
    "g7.48xlarge", "g7.8xlarge", "g7e.12xlarge", "g7e.24xlarge", "g7e.48xlarge", "g7e.8xlarge", "p3dn.24xlarge",
    "p4d.24xlarge", "p4de.24xlarge", "p5.48xlarge", "p5.4xlarge", "p5e.48xlarge", "p5en.48xlarge",
    "p6-b200.48xlarge", "p6-b300.48xlarge", "p6e-gb200.36xlarge", "p6e-gb300.36xlarge",
})
