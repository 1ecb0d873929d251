"""What the platform relies on about Kueue's API at the pinned chart (0.19.2), with sources.

Read 2026-12-07 at kubernetes-sigs/kueue@v0.19.2 (8eab68778fc1b52affe165fdf5af29d1e9b4f3cb):
- charts/kueue/templates/crd/kueue.x-k8s.io_clusterqueues.yaml: versions v1beta1 (served, not stored)
  and v1beta2 (served: true, storage: true); the objects here are written in the stored version.
- apis/kueue/v1beta2/clusterqueue_types.go: spec.resourceGroups (MaxItems=16), each with
  coveredResources (MinItems=1, MaxItems=64) and flavors (MaxItems=64) whose `resources` must list
  exactly the covered resources ("flavors must have the same number of resources as the
  coveredResources"); a resource's nominalQuota, borrowingLimit, lendingLimit; spec.cohortName;
  spec.preemption.reclaimWithinCohort (Never|LowerPriority|Any), .withinClusterQueue
  (Never|LowerPriority|LowerOrNewerEqualPriority).
- apis/kueue/v1beta2/resourceflavor_types.go: spec.nodeLabels (MaxProperties=8), spec.nodeTaints
  (MaxItems=8), spec.tolerations (MaxItems=8).
- apis/kueue/v1beta2/localqueue_types.go: spec.clusterQueue.
- Jobs name their LocalQueue with the label `kueue.x-k8s.io/queue-name` (site/content/en/docs/tasks/
  run/jobs.md at the same tag).
"""

from __future__ import annotations

API_GROUP = "kueue.x-k8s.io"
API_VERSION = f"{API_GROUP}/v1beta2"
QUEUE_NAME_LABEL = f"{API_GROUP}/queue-name"
MAX_FLAVOR_NODE_LABELS = 8
MAX_FLAVOR_TOLERATIONS = 8
MAX_FLAVORS_PER_GROUP = 64
