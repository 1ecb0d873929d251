"""The annotations a dataset's volume carries, shared by the composition that writes them and the policy pack.

Our own contract (no upstream): where the mounted objects are, what a copy copies, who mounts it and on
which pool. The pool value is the pools' own `mlinfra.io/pool` label (`<cluster>-<pool>`).
"""

HOME_ANNOTATION = "mlinfra.dev/dataset-home"
COPY_ANNOTATION = "mlinfra.dev/dataset-copy-of"
CONSUMER_ANNOTATION = "mlinfra.dev/dataset-consumer"
POOL_ANNOTATION = "mlinfra.dev/dataset-pool"
POOL_LABEL = "mlinfra.io/pool"
# The directory bucket's tag naming its zone by name (the bucket's location is a zone id).
CACHE_ZONE_TAG = "mlinfra-cache-zone"
# Room a node keeps on its root disk besides a dataset cache (infra.config.rules.datasets says why).
MIN_DISK_RESERVE_GIB = 50
# The dataset's declared size and full reads a month: what the cost estimate prices transfer and caches by.
SIZE_ANNOTATION = "mlinfra.dev/dataset-size-gib"
READS_ANNOTATION = "mlinfra.dev/dataset-reads-per-month"
# On a volume whose cross-region reads the stack config accepts (datasets.<name>.cross_region_reads).
CROSS_REGION_ANNOTATION = "mlinfra.dev/dataset-cross-region"
# On the nodes of a pool whose ephemeral storage (and so every emptyDir node cache) is on local NVMe / Local SSD;
# the policy pack sizes their caches against the machine's local NVMe (infra/catalog/local_storage.py).
EPHEMERAL_LABEL = "mlinfra.io/ephemeral-storage"
LOCAL_NVME = "local-nvme"
