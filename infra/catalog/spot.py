"""How a spot GPU node's interruption is handled on each cloud: what the cloud does natively, what mlinfra adds.

Plain data for the plan views and docs, each statement with its source (read 2026-12-07):
- EKS managed node groups with capacity type SPOT: "Amazon EC2 Spot Capacity Rebalancing is enabled so that
  Amazon EKS can gracefully drain and rebalance your Spot nodes ... When a replacement Spot node is bootstrapped
  and in the Ready state on Kubernetes, Amazon EKS cordons and drains the Spot node that received the rebalance
  recommendation ... If a Spot two-minute interruption notice arrives before the replacement Spot node is in a
  Ready state, Amazon EKS starts draining" and "you do not need to install any extra automation tools on the
  cluster such as the AWS Node Termination Handler" (AWS EC2 Spot Workshops, "Spot Best Practices and
  Interruption Handling", https://ec2spotworkshops.com/using_ec2_spot_instances_with_eks/
  040_eksmanagednodegroupswithspot/spotlifecycle.html; the managed node group concepts in
  https://docs.aws.amazon.com/eks/latest/userguide/managed-node-groups.html).
- GKE: a Spot VM gets a 30-second preemption notice ("A Spot VM receives a 30-second warning of shutdown",
  https://cloud.google.com/kubernetes-engine/docs/archive/run-web-applications-on-gke-using-cost-optimized-spot-vms-
  and-traffic-director); "the kubelet graceful node shutdown feature is enabled by default ... the kubelet grants
  non-system Pods 25 seconds to gracefully terminate" (https://cloud.google.com/kubernetes-engine/docs/how-to/
  preemptible-vms, the same mechanism as Spot VMs).
"""

from __future__ import annotations

from infra.catalog.accelerators import Cloud

SPOT_HANDLING: dict[Cloud, str] = {
    Cloud.AWS: ("EKS managed node group: Capacity Rebalancing launches a replacement on a rebalance recommendation, "
                "then EKS cordons and drains the old node (at the 2-minute interruption notice at the latest); no "
                "termination handler installed. mlinfra adds: a priority expander that tries spot first and, with "
                "on_demand_fallback_max_nodes, an on-demand fallback pool"),
    Cloud.GCP: ("GKE: 30-second preemption notice, kubelet graceful node shutdown gives pods up to 25 seconds; the "
                "autoscaler replaces the node. mlinfra adds nothing: GKE's own handling is the whole of it"),
}
# A training job on spot loses its progress at each interruption unless it writes checkpoints it can resume from.
CHECKPOINT_NOTE = "training on spot resumes from checkpoints in the pool's checkpoint bucket"
