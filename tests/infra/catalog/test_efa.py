"""The catalog's EFA machines against the pinned EFA device plugin chart's list of EFA instance types."""

from infra.catalog.accelerators import OFFERS, Cloud
from infra.catalog.efa import EFA_GPU_INSTANCE_TYPES


def test_every_catalog_machine_with_efa_interfaces_is_one_the_device_plugin_serves():
    with_efa = {o.machine_type for o in OFFERS if o.cloud == Cloud.AWS and o.efa_interfaces}
    assert with_efa - EFA_GPU_INSTANCE_TYPES == set()
    assert with_efa == {"g4dn.12xlarge", "g4dn.metal", "g6.12xlarge", "g6.48xlarge", "g5.12xlarge", "g5.48xlarge",
                        "p4d.24xlarge", "p4de.24xlarge", "p5.48xlarge", "p5en.48xlarge"}


def test_machines_upstream_lists_with_efa_that_the_catalog_gives_no_interface_count():
    # Upstream serves EFA on p5.4xlarge too; the catalog has no interface count for it (not read), so a pool
    # of it is refused EFA rather than given a guessed number of interfaces.
    without = {o.machine_type for o in OFFERS if o.cloud == Cloud.AWS and not o.efa_interfaces}
    assert without & EFA_GPU_INSTANCE_TYPES == {"p5.4xlarge"}
