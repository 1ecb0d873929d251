"""Cloud-neutral accelerator catalog: which machine carries N of a GPU on each cloud, and prices.

A pool asks for an accelerator and a count; this catalog turns that into the concrete machine
type, image family and price for the pool's cloud. It is plain data with no Pulumi import, so
the policy pack and the cost model can share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Cloud(StrEnum):
    """A cloud mlinfra can build on."""

    AWS = "aws"
    GCP = "gcp"


class Accelerator(StrEnum):
    """A GPU model, named the same way for every cloud."""

    T4 = "nvidia-t4"
    L4 = "nvidia-l4"
    A10G = "nvidia-a10g"
    A100_40GB = "nvidia-a100-40gb"
    A100_80GB = "nvidia-a100-80gb"
    H100_80GB = "nvidia-h100-80gb"
    H200 = "nvidia-h200"


@dataclass(frozen=True)
class Price:
    """An hourly on-demand price with where it came from, so a reader can re-check it."""

    usd_per_hour: float
    source: str
    as_of: str
    # "list": read from a published price list; "derived": summed from published per-part
    # rates; "estimate": not confirmed against a published list.
    basis: str = "list"


@dataclass(frozen=True)
class MachineOffer:
    """One machine type on one cloud that carries `gpus` of an accelerator."""

    cloud: Cloud
    accelerator: Accelerator
    gpus: int
    machine_type: str
    vcpus: int
    memory_gib: int
    gpu_memory_gib: int
    # EKS managed node group AMI type, or the GKE accelerator type string.
    image_family: str
    price: Price
    spot_usd_per_hour: float | None = None
    # EFA interfaces on AWS (0: no EFA); GPUDirect-capable networking on GCP is not modelled.
    efa_interfaces: int = 0
    # MIG partition sizes GKE accepts for this accelerator (empty: no MIG).
    mig_partitions: tuple[str, ...] = ()

    @property
    def supports_efa(self) -> bool:
        """Whether EFA (and so a cluster placement group for it) can be used on this machine."""
        return self.efa_interfaces > 0


AWS_PRICES = "AWS EC2 on-demand price list, us-east-1, Linux (via the AWS Pricing API)"
GCP_PRICES = "Google Compute Engine VM and GPU price list, us-central1"
AWS_AS_OF = "2026-01"
GCP_AS_OF = "2025-03"

_EKS_NVIDIA = "AL2023_x86_64_NVIDIA"


def _aws(acc, gpus, machine, vcpus, mem, gpu_mem, usd, efa=0, basis="list") -> MachineOffer:
    return MachineOffer(
        Cloud.AWS, acc, gpus, machine, vcpus, mem, gpu_mem, _EKS_NVIDIA,
        Price(usd, AWS_PRICES, AWS_AS_OF, basis), efa_interfaces=efa,
    )


def _gcp(acc, gpus, machine, vcpus, mem, gpu_mem, gke_type, usd, spot=None, mig=(),
         basis="list") -> MachineOffer:
    return MachineOffer(
        Cloud.GCP, acc, gpus, machine, vcpus, mem, gpu_mem, gke_type,
        Price(usd, GCP_PRICES, GCP_AS_OF, basis), spot_usd_per_hour=spot, mig_partitions=mig,
    )


_A100_40_MIG = ("1g.5gb", "2g.10gb", "3g.20gb", "7g.40gb")
_A100_80_MIG = ("1g.10gb", "2g.20gb", "3g.40gb", "7g.80gb")
_H100_MIG = ("1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "7g.80gb")
_H200_MIG = ("1g.18gb", "1g.35gb", "2g.35gb", "3g.71gb", "4g.71gb", "7g.141gb")

A = Accelerator
OFFERS: tuple[MachineOffer, ...] = (
    # AWS, us-east-1 on-demand. The smallest machine per GPU count, so a pool never pays for
    # CPU it did not ask for.
    _aws(A.T4, 1, "g4dn.xlarge", 4, 16, 16, 0.526),
    _aws(A.T4, 4, "g4dn.12xlarge", 48, 192, 64, 3.912, efa=1, basis="estimate"),
    _aws(A.T4, 8, "g4dn.metal", 96, 384, 128, 7.824, efa=1),
    _aws(A.L4, 1, "g6.xlarge", 4, 16, 24, 0.8048),
    _aws(A.L4, 4, "g6.12xlarge", 48, 192, 96, 4.6016, efa=1),
    _aws(A.L4, 8, "g6.48xlarge", 192, 768, 192, 13.3504, efa=1, basis="estimate"),
    _aws(A.A10G, 1, "g5.xlarge", 4, 16, 24, 1.006),
    _aws(A.A10G, 4, "g5.12xlarge", 48, 192, 96, 5.672, efa=1),
    _aws(A.A10G, 8, "g5.48xlarge", 192, 768, 192, 16.288, efa=1, basis="estimate"),
    _aws(A.A100_40GB, 8, "p4d.24xlarge", 96, 1152, 320, 21.957642, efa=4),
    _aws(A.A100_80GB, 8, "p4de.24xlarge", 96, 1152, 640, 27.44705, efa=4),
    _aws(A.H100_80GB, 1, "p5.4xlarge", 16, 256, 80, 6.88),
    _aws(A.H100_80GB, 8, "p5.48xlarge", 192, 2048, 640, 55.04, efa=32),
    _aws(A.H200, 8, "p5en.48xlarge", 192, 2048, 1128, 63.296, efa=16),
    # GCP, us-central1 on-demand: the machine plus its attached GPUs.
    _gcp(A.T4, 1, "n1-standard-4", 4, 15, 16, "nvidia-tesla-t4", 0.54, basis="derived"),
    _gcp(A.T4, 2, "n1-standard-8", 8, 30, 32, "nvidia-tesla-t4", 1.08, basis="derived"),
    _gcp(A.T4, 4, "n1-standard-16", 16, 60, 64, "nvidia-tesla-t4", 2.16, basis="derived"),
    _gcp(A.L4, 1, "g2-standard-4", 4, 16, 24, "nvidia-l4", 0.706832),
    _gcp(A.L4, 2, "g2-standard-24", 24, 96, 48, "nvidia-l4", 2.0009, basis="derived"),
    _gcp(A.L4, 4, "g2-standard-48", 48, 192, 96, "nvidia-l4", 4.0017, basis="derived"),
    _gcp(A.L4, 8, "g2-standard-96", 96, 384, 192, "nvidia-l4", 8.0034, basis="derived"),
    _gcp(A.A100_40GB, 1, "a2-highgpu-1g", 12, 85, 40, "nvidia-tesla-a100", 3.673385,
         spot=1.80385, mig=_A100_40_MIG),
    _gcp(A.A100_40GB, 2, "a2-highgpu-2g", 24, 170, 80, "nvidia-tesla-a100", 7.34677,
         spot=3.6077, mig=_A100_40_MIG),
    _gcp(A.A100_40GB, 4, "a2-highgpu-4g", 48, 340, 160, "nvidia-tesla-a100", 14.69354,
         spot=7.2154, mig=_A100_40_MIG),
    _gcp(A.A100_40GB, 8, "a2-highgpu-8g", 96, 680, 320, "nvidia-tesla-a100", 29.38708,
         spot=14.4308, mig=_A100_40_MIG),
    _gcp(A.A100_80GB, 1, "a2-ultragpu-1g", 12, 170, 80, "nvidia-a100-80gb", 5.02801,
         spot=2.51378, mig=_A100_80_MIG, basis="estimate"),
    _gcp(A.A100_80GB, 8, "a2-ultragpu-8g", 96, 1360, 640, "nvidia-a100-80gb", 40.2241,
         spot=20.11024, mig=_A100_80_MIG, basis="estimate"),
    _gcp(A.H100_80GB, 8, "a3-highgpu-8g", 208, 1872, 640, "nvidia-h100-80gb", 88.49,
         spot=35.40, mig=_H100_MIG),
    _gcp(A.H200, 8, "a3-ultragpu-8g", 224, 2952, 1128, "nvidia-h200-141gb", 86.76,
         spot=40.99, mig=_H200_MIG, basis="estimate"),
)
del A

# Fixed hourly fees the cost model adds per cluster.
EKS_CONTROL_PLANE = Price(0.10, "https://aws.amazon.com/eks/pricing/", AWS_AS_OF)
EKS_EXTENDED_SUPPORT = Price(0.60, "https://aws.amazon.com/eks/pricing/", AWS_AS_OF)
GKE_CLUSTER_FEE = Price(0.10, "https://cloud.google.com/kubernetes-engine/pricing", GCP_AS_OF)


def offers_for(cloud: Cloud, accelerator: Accelerator) -> list[MachineOffer]:
    """Every machine on `cloud` that carries `accelerator`, fewest GPUs first."""
    found = [o for o in OFFERS if o.cloud == cloud and o.accelerator == accelerator]
    return sorted(found, key=lambda o: o.gpus)


def accelerators_on(cloud: Cloud) -> list[Accelerator]:
    """Accelerators `cloud` offers, in catalog order."""
    return [a for a in Accelerator if offers_for(cloud, a)]


class CatalogError(ValueError):
    """A cloud does not offer the accelerator or count asked for; the message says what it does."""


def resolve(cloud: Cloud, accelerator: Accelerator, gpus: int) -> MachineOffer:
    """The machine on `cloud` carrying exactly `gpus` of `accelerator`."""
    offers = offers_for(cloud, accelerator)
    if not offers:
        offered = ", ".join(a.value for a in accelerators_on(cloud))
        raise CatalogError(f"{accelerator.value} is not offered on {cloud.value}; "
                           f"{cloud.value} offers: {offered}")
    for offer in offers:
        if offer.gpus == gpus:
            return offer
    counts = [str(o.gpus) for o in offers]
    choices = counts[0] if len(counts) == 1 else ", ".join(counts[:-1]) + " or " + counts[-1]
    raise CatalogError(f"{accelerator.value} on {cloud.value} comes in nodes of {choices} GPUs; "
                       f"set gpus_per_node to one of those (got {gpus})")


def offer_by_machine(cloud: Cloud, machine_type: str) -> MachineOffer | None:
    """The catalog entry for a machine type, or None for a machine that carries no GPU."""
    for offer in OFFERS:
        if offer.cloud == cloud and offer.machine_type == machine_type:
            return offer
    return None


# Fixed prices the cost model uses besides GPU machines. Monthly and per-GB prices are
# `Price` too, with the unit in `Rate.unit`, so every number shown carries its source and date.
@dataclass(frozen=True)
class Rate:
    """A price per unit (hour, month or GB-month) with where it came from."""

    usd: float
    unit: str
    source: str
    as_of: str


_AWS_VPC = "https://aws.amazon.com/vpc/pricing/ (us-east-1)"
NAT_GATEWAY_AWS = Rate(0.045, "hour", _AWS_VPC, AWS_AS_OF)
# Every public IPv4 address (a NAT gateway's Elastic IP included) is billed since 2024-02.
PUBLIC_IPV4_AWS = Rate(0.005, "hour", _AWS_VPC, AWS_AS_OF)
LOAD_BALANCER_AWS = Rate(0.0225, "hour", "https://aws.amazon.com/elasticloadbalancing/pricing/ "
                         "(us-east-1, ALB/NLB hourly part; LCU usage extra)", AWS_AS_OF)
KMS_KEY_AWS = Rate(1.00, "month", "https://aws.amazon.com/kms/pricing/", AWS_AS_OF)
KMS_KEY_GCP = Rate(0.06, "month", "https://cloud.google.com/kms/pricing (software key version)",
                   GCP_AS_OF)
S3_STANDARD = Rate(0.023, "GB-month", "https://aws.amazon.com/s3/pricing/ (us-east-1, first 50 TB)",
                   AWS_AS_OF)
GCS_STANDARD = Rate(0.020, "GB-month", "https://cloud.google.com/storage/pricing (us-central1)",
                    GCP_AS_OF)
CLOUDWATCH_LOGS = Rate(0.50, "GB ingested", "https://aws.amazon.com/cloudwatch/pricing/ (us-east-1)",
                       AWS_AS_OF)

# EKS charges extended-support rates once a version leaves standard support. Dates from the
# EKS Kubernetes version calendar (docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html);
# 1.35 (released on EKS 2026-01-28, 14 months of standard support) as listed on endoflife.date/amazon-eks.
EKS_STANDARD_SUPPORT_END_AS_OF = AWS_AS_OF
EKS_STANDARD_SUPPORT_END: dict[str, str] = {
    "1.28": "2024-11-26",
    "1.29": "2025-03-23",
    "1.30": "2025-07-23",
    "1.31": "2025-11-26",
    "1.32": "2026-03-23",
    "1.33": "2026-07-29",
    "1.34": "2026-12-02",
    "1.35": "2027-03-27",
}

# CPU machines (system pools, CPU workers): on-demand hourly list prices.
CPU_PRICES: dict[tuple[Cloud, str], Price] = {
    (Cloud.AWS, "m6i.large"): Price(0.096, AWS_PRICES, AWS_AS_OF),
    (Cloud.AWS, "m6i.xlarge"): Price(0.192, AWS_PRICES, AWS_AS_OF),
    (Cloud.AWS, "m6i.2xlarge"): Price(0.384, AWS_PRICES, AWS_AS_OF),
    (Cloud.AWS, "m7i.large"): Price(0.1008, AWS_PRICES, AWS_AS_OF),
    (Cloud.AWS, "m7i.xlarge"): Price(0.2016, AWS_PRICES, AWS_AS_OF),
    (Cloud.AWS, "t3.medium"): Price(0.0416, AWS_PRICES, AWS_AS_OF),
    (Cloud.GCP, "e2-standard-2"): Price(0.067006, GCP_PRICES, GCP_AS_OF),
    (Cloud.GCP, "e2-standard-4"): Price(0.134012, GCP_PRICES, GCP_AS_OF),
    (Cloud.GCP, "n2-standard-2"): Price(0.097118, GCP_PRICES, GCP_AS_OF),
    (Cloud.GCP, "n2-standard-4"): Price(0.194236, GCP_PRICES, GCP_AS_OF),
}


def machine_price(cloud: Cloud, machine_type: str) -> tuple[Price, float | None] | None:
    """On-demand price and spot price (None: not in the catalog) of any machine, or None if unknown."""
    offer = offer_by_machine(cloud, machine_type)
    if offer is not None:
        return offer.price, offer.spot_usd_per_hour
    cpu = CPU_PRICES.get((cloud, machine_type))
    return (cpu, None) if cpu is not None else None
