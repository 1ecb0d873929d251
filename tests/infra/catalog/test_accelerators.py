import pytest

from infra.catalog.accelerators import OFFERS, Accelerator, CatalogError, Cloud, offer_by_machine, resolve


def test_h100_x8_resolves_to_each_clouds_machine():
    assert resolve(Cloud.AWS, Accelerator.H100_80GB, 8).machine_type == "p5.48xlarge"
    assert resolve(Cloud.GCP, Accelerator.H100_80GB, 8).machine_type == "a3-highgpu-8g"


def test_l4_x1_resolves_to_each_clouds_machine():
    aws = resolve(Cloud.AWS, Accelerator.L4, 1)
    gcp = resolve(Cloud.GCP, Accelerator.L4, 1)
    assert (aws.machine_type, aws.image_family, aws.price.usd_per_hour) == ("g6.xlarge", "AL2023_x86_64_NVIDIA", 0.8048)
    assert (gcp.machine_type, gcp.image_family, gcp.price.usd_per_hour) == ("g2-standard-4", "nvidia-l4", 0.706832)


def test_accelerator_a_cloud_lacks_names_what_it_offers():
    with pytest.raises(CatalogError) as err:
        resolve(Cloud.GCP, Accelerator.A10G, 1)
    assert str(err.value) == (
        "nvidia-a10g is not offered on gcp; gcp offers: nvidia-t4, nvidia-l4, nvidia-a100-40gb, "
        "nvidia-a100-80gb, nvidia-h100-80gb, nvidia-h200")


def test_count_a_cloud_lacks_names_the_counts_it_offers():
    with pytest.raises(CatalogError) as err:
        resolve(Cloud.AWS, Accelerator.H100_80GB, 4)
    assert str(err.value) == ("nvidia-h100-80gb on aws comes in nodes of 1 or 8 GPUs; "
                              "set gpus_per_node to one of those (got 4)")


def test_every_offer_is_complete_and_unique():
    seen = set()
    for offer in OFFERS:
        assert offer.vcpus > 0 and offer.memory_gib > 0 and offer.gpu_memory_gib > 0
        assert offer.price.usd_per_hour > 0 and offer.price.source and offer.price.as_of
        assert offer.price.basis in {"list", "derived", "estimate"}
        key = (offer.cloud, offer.accelerator, offer.gpus)
        assert key not in seen, key
        seen.add(key)
        assert offer_by_machine(offer.cloud, offer.machine_type) is offer


def test_every_accelerator_is_offered_somewhere_with_required_seven():
    required = {"nvidia-t4", "nvidia-l4", "nvidia-a10g", "nvidia-a100-40gb", "nvidia-a100-80gb",
                "nvidia-h100-80gb", "nvidia-h200"}
    assert {a.value for a in Accelerator} == required
    assert {o.accelerator.value for o in OFFERS} == required


def test_efa_only_on_machines_that_have_it():
    assert resolve(Cloud.AWS, Accelerator.H100_80GB, 8).supports_efa
    assert not resolve(Cloud.AWS, Accelerator.L4, 1).supports_efa
