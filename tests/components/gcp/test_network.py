import pytest

from components.gcp.network import ExistingSubnet, GcpNetwork, GcpNetworkArgs, range_layout


def test_range_layout_gives_pods_half_and_nodes_and_services_a_quarter():
    layout = range_layout("10.20.0.0/16")
    assert (layout.pods, layout.nodes, layout.services) == ("10.20.0.0/17", "10.20.128.0/18", "10.20.192.0/18")
    with pytest.raises(ValueError, match="got /21"):
        range_layout("10.0.0.0/21")


def test_network_is_custom_mode_vpc_native_private_with_nat_and_flow_logs(register):
    reg = register(lambda: GcpNetwork("net", GcpNetworkArgs(network_name="dev-gke", region="us-central1",
                                                            cidr="10.20.0.0/16")))
    component = reg.one("mlinfra:gcp:Network", "net")
    vpc = reg.one("gcp:compute/network:Network", "net-vpc")
    assert vpc.parent == component.urn
    assert vpc.inputs == {"name": "dev-gke", "autoCreateSubnetworks": False, "routingMode": "REGIONAL"}
    subnet = reg.one("gcp:compute/subnetwork:Subnetwork", "net-subnet")
    assert subnet.inputs["name"] == "dev-gke-us-central1"
    assert subnet.inputs["region"] == "us-central1"
    assert subnet.inputs["ipCidrRange"] == "10.20.128.0/18"
    assert subnet.inputs["secondaryIpRanges"] == [
        {"rangeName": "pods", "ipCidrRange": "10.20.0.0/17"},
        {"rangeName": "services", "ipCidrRange": "10.20.192.0/18"}]
    assert subnet.inputs["privateIpGoogleAccess"] is True
    assert subnet.inputs["logConfig"] == {"aggregationInterval": "INTERVAL_5_SEC", "flowSampling": 0.5,
                                          "metadata": "INCLUDE_ALL_METADATA"}
    assert subnet.options()["propertyDependencies"]["network"] == [vpc.urn]
    router = reg.one("gcp:compute/router:Router", "net-router")
    nat = reg.one("gcp:compute/routerNat:RouterNat", "net-nat")
    assert nat.inputs["natIpAllocateOption"] == "AUTO_ONLY"
    assert nat.inputs["sourceSubnetworkIpRangesToNat"] == "ALL_SUBNETWORKS_ALL_IP_RANGES"
    assert nat.inputs["logConfig"] == {"enable": True, "filter": "ERRORS_ONLY"}
    assert nat.options()["propertyDependencies"]["router"] == [router.urn]


def test_existing_network_and_subnet_are_used_instead_of_creating_them(register):
    existing = ExistingSubnet("projects/p/global/networks/shared", "projects/p/regions/r/subnetworks/s",
                              "gke-pods", "gke-services")
    networks = []

    def program():
        networks.append(GcpNetwork("net", GcpNetworkArgs(network_name="x", region="us-central1",
                                                         existing=existing)))

    reg = register(program)
    assert [r.type for r in reg.resources] == ["mlinfra:gcp:Network"]
    assert (networks[0].pods_range, networks[0].services_range) == ("gke-pods", "gke-services")
