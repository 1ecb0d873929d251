"""The Helm value paths each pinned chart reads, as read upstream at its pinned tag (2026-11-29).

Helm ignores a values key a chart does not read, so a renamed key is dropped without a word
(runner service-account annotations under `containerMode.` were: gha-runner-scale-set reads them
there at 0.10.1 and only under `resourceMeta.` from 0.11.0, read at both tags). Each list
is every `.Values.<path>` the chart's templates read, plus the keys its values.yaml declares.
A listed path also covers everything under it: the chart renders that subtree whole (a PodSpec,
tolerations, `extraArgs`), so its inner keys are Kubernetes' or the program's, not the chart's.
Bumping a pin means regenerating its list from the chart at the new tag in the same commit.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from infra.catalog.chart_values_gpu import GPU_PLATFORM_VALUE_PATHS
from infra.catalog.chart_values_monitoring import MONITORING_VALUE_PATHS
from infra.catalog.chart_values_secrets import SECRET_SYNC_SOURCE, SECRET_SYNC_VALUE_PATHS


@dataclass(frozen=True)
class ChartValues:
    """The value paths one chart reads, and where they were read."""

    paths: frozenset[str]
    source: str


def set_paths(values: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    """Every leaf path a values document sets: `a.b` for {"a": {"b": 1}}; an empty map is a leaf."""
    for key, value in values.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            yield from set_paths(value, f"{path}.")
        else:
            yield path


def undeclared_paths(declared: frozenset[str], values: Mapping[str, Any]) -> list[str]:
    """Paths `values` sets that no declared path is, or lies under: the keys the chart would ignore."""
    return [path for path in set_paths(values)
            if not any(path == d or path.startswith(f"{d}.") for d in declared)]


VALUE_PATHS: Mapping[str, ChartValues] = {
    "cluster-autoscaler": ChartValues(
        source=(
            "kubernetes/autoscaler@cluster-autoscaler-chart-9.59.0:cluster-autoscaler/charts/"
            "cluster-autoscaler/{values.yaml,templates/}"),
        paths=frozenset({
            "additionalLabels", "affinity", "autoDiscovery.clusterName", "autoDiscovery.labels",
            "autoDiscovery.namespace", "autoDiscovery.roles", "autoDiscovery.tags", "autoscalingGroups",
            "autoscalingGroupsnamePrefix", "awsAccessKeyID", "awsRegion", "awsSecretAccessKey",
            "azureClientID", "azureClientSecret", "azureEnableForceDelete", "azureEnableVMSSEtag",
            "azureResourceGroup", "azureSubscriptionID", "azureTenantID",
            "azureUseManagedIdentityExtension", "azureUseWorkloadIdentityExtension",
            "azureUserAssignedIdentityID", "azureVMType", "civoApiKey", "civoApiUrl", "civoClusterID",
            "civoRegion", "cloudConfigPath", "cloudProvider", "clusterAPICloudConfigPath",
            "clusterAPIConfigMapsNamespace", "clusterAPIKubeconfigSecret", "clusterAPIMode",
            "clusterAPIWorkloadKubeconfigPath", "containerSecurityContext", "customArgs",
            "deployment.annotations", "deployment.selector", "dnsConfig", "dnsPolicy", "envFromConfigMap",
            "envFromSecret", "expanderPriorities", "extraArgs", "extraEnv", "extraEnvConfigMaps",
            "extraEnvSecrets", "extraObjects", "extraVolumeMounts", "extraVolumeSecrets", "extraVolumes",
            "fullnameOverride", "hostNetwork", "image.pullPolicy", "image.pullSecrets", "image.repository",
            "image.tag", "initContainers", "kubeTargetVersionOverride", "kwokConfigMapName",
            "magnumCABundlePath", "magnumClusterName", "nameOverride", "nodeSelector", "podAnnotations",
            "podDisruptionBudget.annotations", "podDisruptionBudget.maxUnavailable",
            "podDisruptionBudget.minAvailable", "podDisruptionBudget.selector", "podLabels",
            "priorityClassName", "priorityConfigMapAnnotations", "prometheusRule.additionalLabels",
            "prometheusRule.enabled", "prometheusRule.interval", "prometheusRule.namespace",
            "prometheusRule.rules", "rbac.additionalRules", "rbac.annotations", "rbac.clusterScoped",
            "rbac.create", "rbac.pspEnabled", "rbac.serviceAccount.annotations",
            "rbac.serviceAccount.automountServiceAccountToken", "rbac.serviceAccount.create",
            "rbac.serviceAccount.name", "replicaCount", "resources", "revisionHistoryLimit",
            "secretKeyRefNameOverride", "securityContext", "service.annotations", "service.clusterIP",
            "service.create", "service.externalIPs", "service.labels", "service.loadBalancerIP",
            "service.loadBalancerSourceRanges", "service.portName", "service.selector",
            "service.servicePort", "service.type", "serviceMonitor.annotations", "serviceMonitor.enabled",
            "serviceMonitor.interval", "serviceMonitor.metricRelabelings", "serviceMonitor.namespace",
            "serviceMonitor.path", "serviceMonitor.relabelings", "serviceMonitor.selector",
            "serviceMonitor.selector.release", "tolerations", "topologySpreadConstraints", "updateStrategy",
            "vpa.containerPolicy", "vpa.enabled", "vpa.recommender", "vpa.updateMode"
        })),
    "nvidia-device-plugin": ChartValues(
        source=(
            "NVIDIA/k8s-device-plugin@v0.20.0:deployments/helm/nvidia-device-plugin/"
            "{values.yaml,templates/}"),
        paths=frozenset({
            "affinity", "allowDefaultNamespace", "cdi.featureFlags", "cdi.nvidiaHookPath",
            "compatWithCPUManager", "config.default", "config.fallbackStrategies", "config.map",
            "config.name", "deviceDiscoveryStrategy", "deviceIDStrategy", "deviceListStrategy",
            "devicePlugin.enableHostNetwork", "devicePlugin.enabled", "failOnInitError", "fullnameOverride",
            "gdrcopyEnabled", "gdsEnabled", "gfd.enableHostNetwork", "gfd.enabled", "gfd.nameOverride",
            "gfd.namespaceOverride", "gfd.noTimestamp", "gfd.securityContext",
            "gfd.securityContext.privileged", "gfd.sleepInterval", "image.pullPolicy", "image.repository",
            "image.tag", "imagePullSecrets", "migStrategy", "mofedEnabled", "mps.enableHostNetwork",
            "mps.enableHostPID", "mps.root", "nameOverride", "namespace", "namespaceOverride",
            "nfd.master.config.extraLabelNs", "nfd.master.serviceAccount.create",
            "nfd.master.serviceAccount.name", "nfd.nameOverride",
            "nfd.worker.config.sources.pci.deviceClassWhitelist",
            "nfd.worker.config.sources.pci.deviceLabelFields", "nfd.worker.tolerations", "noTimestamp",
            "nodeSelector", "nvidiaDevRoot", "nvidiaDriverRoot", "podAnnotations", "podSecurityContext",
            "priorityClassName", "resources", "runtimeClassName", "securityContext",
            "selectorLabelsOverride", "sleepInterval", "tolerations", "updateStrategy",
            "updateStrategy.type"
        })),
    "dcgm-exporter": ChartValues(
        source=(
            "NVIDIA/dcgm-exporter@4.5.3-4.8.2:deployment/{values.yaml,templates/}"),
        paths=frozenset({
            "affinity", "arguments", "basicAuth.users", "customMetrics", "debugDump.compression",
            "debugDump.directory", "debugDump.enabled", "debugDump.retention", "extraConfigMapVolumes",
            "extraEnv", "extraHostVolumes", "extraVolumeMounts", "fullnameOverride", "hostNetwork",
            "hostPID", "image.pullPolicy", "image.repository", "image.tag", "imagePullSecrets",
            "initContainers", "kubeletPath", "kubernetes.enablePodLabels", "kubernetes.enablePodUID",
            "kubernetes.podLabelAllowlistRegex", "kubernetes.rbac.create", "kubernetesDRA.enabled",
            "livenessProbe.initialDelaySeconds", "livenessProbe.periodSeconds", "nameOverride",
            "namespaceOverride", "nodeSelector", "podAnnotations", "podLabels", "podSecurityContext",
            "priorityClassName", "readinessProbe.initialDelaySeconds", "resources", "rollingUpdate",
            "runtimeClassName", "securityContext", "securityContext.allowPrivilegeEscalation",
            "securityContext.capabilities.add", "securityContext.capabilities.drop",
            "securityContext.runAsNonRoot", "securityContext.runAsUser", "service.address",
            "service.annotations", "service.clusterIP", "service.enable", "service.internalTrafficPolicy",
            "service.port", "service.type", "serviceAccount.annotations", "serviceAccount.create",
            "serviceAccount.name", "serviceMonitor.additionalLabels", "serviceMonitor.apiVersion",
            "serviceMonitor.enabled", "serviceMonitor.honorLabels", "serviceMonitor.interval",
            "serviceMonitor.metricRelabelings", "serviceMonitor.relabelings",
            "serviceMonitor.scrapeTimeout", "tlsServerConfig.autoGenerated", "tlsServerConfig.ca",
            "tlsServerConfig.caFilename", "tlsServerConfig.cert", "tlsServerConfig.certFilename",
            "tlsServerConfig.clientAuthType", "tlsServerConfig.enabled", "tlsServerConfig.existingSecret",
            "tlsServerConfig.key", "tlsServerConfig.keyFilename", "tolerations"
        })),
    "aws-load-balancer-controller": ChartValues(
        source=(
            "aws/eks-charts@5239609:stable/aws-load-balancer-controller/{values.yaml,templates/} "
            "(chart 3.5.0)"),
        paths=frozenset({
            "additionalLabels", "affinity", "albGatewayMaxConcurrentReconciles", "annotations",
            "autoscaling.autoscaleBehavior", "autoscaling.enabled", "autoscaling.maxReplicas",
            "autoscaling.minReplicas", "autoscaling.targetCPUUtilizationPercentage", "awsApiEndpoints",
            "awsApiThrottle", "awsMaxRetries", "backendSecurityGroup",
            "certDiscovery.allowedCertificateAuthorityARNs", "certManagement",
            "certManagement.defaultPCAARN", "certManager.duration", "certManager.issuerRef",
            "certManager.renewBefore", "certManager.revisionHistoryLimit", "certManager.rootCert.duration",
            "cluster.dnsDomain", "clusterName", "clusterSecretsPermissions.allowAllSecrets",
            "configureDefaultAffinity", "controllerConfig.featureGates",
            "controllerConfig.featureGates.GlobalAcceleratorController", "createIngressClassResource",
            "creator", "defaultLoadBalancerScheme", "defaultSSLPolicy", "defaultTags", "defaultTargetType",
            "deploymentAnnotations", "disableIngressClassAnnotation", "disableIngressGroupNameAnnotation",
            "disableRestrictedSecurityGroupRules", "dnsPolicy", "enableBackendSecurityGroup",
            "enableCertManager", "enableEndpointSlices", "enableManageBackendSecurityGroupRules",
            "enablePodReadinessGateInject", "enableServiceMutatorWebhook", "enableShield", "enableWaf",
            "enableWafv2", "env", "envFrom", "envSecretName", "externalManagedTags", "extraVolumeMounts",
            "extraVolumes", "fullnameOverride", "globalAcceleratorMaxConcurrentReconciles",
            "globalAcceleratorMaxExponentialBackoffDelay", "hostNetwork", "image.pullPolicy",
            "image.repository", "image.tag", "imagePullSecrets", "ingressClass",
            "ingressClassConfig.default", "ingressClassParams.create", "ingressClassParams.name",
            "ingressClassParams.spec", "ingressMaxConcurrentReconciles", "keepTLSSecret",
            "lbStabilizationMonitorInterval", "livenessProbe", "livenessProbe.failureThreshold",
            "livenessProbe.httpGet.path", "livenessProbe.httpGet.port", "livenessProbe.httpGet.scheme",
            "livenessProbe.initialDelaySeconds", "livenessProbe.timeoutSeconds", "loadBalancerClass",
            "logLevel", "maxTargetsPerTargetGroup", "metricsBindAddr", "nameOverride",
            "nlbGatewayMaxConcurrentReconciles", "nodeSelector", "objectSelector.matchExpressions",
            "objectSelector.matchLabels", "podAnnotations", "podDisruptionBudget", "podLabels",
            "podMutatorWebhookConfig.failurePolicy", "podSecurityContext", "podSecurityContext.fsGroup",
            "priorityClassName", "rbac.create", "readinessProbe", "readinessProbe.failureThreshold",
            "readinessProbe.httpGet.path", "readinessProbe.httpGet.port", "readinessProbe.httpGet.scheme",
            "readinessProbe.initialDelaySeconds", "readinessProbe.successThreshold",
            "readinessProbe.timeoutSeconds", "region", "replicaCount", "resources", "revisionHistoryLimit",
            "runtimeClassName", "securityContext", "securityContext.allowPrivilegeEscalation",
            "securityContext.readOnlyRootFilesystem", "securityContext.runAsNonRoot",
            "serviceAccount.annotations", "serviceAccount.automountServiceAccountToken",
            "serviceAccount.create", "serviceAccount.imagePullSecrets", "serviceAccount.name",
            "serviceAnnotations", "serviceMaxConcurrentReconciles", "serviceMonitor.additionalLabels",
            "serviceMonitor.enabled", "serviceMonitor.interval", "serviceMonitor.metricRelabelings",
            "serviceMonitor.namespace", "serviceMonitor.relabelings", "serviceMonitor.scrapeTimeout",
            "serviceMutatorWebhookConfig.failurePolicy", "serviceMutatorWebhookConfig.namespaceSelectors",
            "serviceMutatorWebhookConfig.objectSelector.matchExpressions",
            "serviceMutatorWebhookConfig.objectSelector.matchLabels",
            "serviceMutatorWebhookConfig.operations", "serviceTargetENISGTags", "syncPeriod",
            "targetgroupbindingMaxConcurrentReconciles", "targetgroupbindingMaxExponentialBackoffDelay",
            "targetgroupbindingRequeueDuration", "terminationGracePeriodSeconds",
            "tolerateNonExistentBackendAction", "tolerateNonExistentBackendService", "tolerations",
            "topologySpreadConstraints", "updateStrategy", "vpcId", "vpcTags", "watchNamespace",
            "webhookBindPort", "webhookConfig.disableIngressValidation",
            "webhookConfig.ingressValdationFailurePolicy",
            "webhookConfig.ingressValidationNamespaceSelector.matchExpressions",
            "webhookConfig.ingressValidationNamespaceSelector.matchLabels",
            "webhookConfig.ingressValidationObjectSelector.matchExpressions",
            "webhookConfig.ingressValidationObjectSelector.matchLabels", "webhookNamespaceSelectors",
            "webhookTLS.caCert", "webhookTLS.cert", "webhookTLS.key"
        })),
    "gha-runner-scale-set-controller": ChartValues(
        source=(
            "actions/actions-runner-controller@gha-runner-scale-set-0.14.2:charts/"
            "gha-runner-scale-set-controller/{values.yaml,templates/}"),
        paths=frozenset({
            "affinity", "env", "flags.excludeLabelPropagationPrefixes", "flags.healthProbeBindAddress",
            "flags.k8sClientRateLimiterBurst", "flags.k8sClientRateLimiterQPS", "flags.logFormat",
            "flags.logLevel", "flags.rateLimiter", "flags.runnerMaxConcurrentReconciles",
            "flags.updateStrategy", "flags.watchSingleNamespace", "fullnameOverride", "image.pullPolicy",
            "image.repository", "image.tag", "imagePullSecrets", "labels", "metrics", "nameOverride",
            "namespaceOverride", "nodeSelector", "podAnnotations", "podLabels", "podSecurityContext",
            "pprof", "pprof.addr", "priorityClassName", "replicaCount", "resources", "securityContext",
            "serviceAccount.annotations", "serviceAccount.create", "serviceAccount.name", "tolerations",
            "topologySpreadConstraints", "volumeMounts", "volumes"
        })),
    "gha-runner-scale-set": ChartValues(
        source=(
            "actions/actions-runner-controller@gha-runner-scale-set-0.14.2:charts/"
            "gha-runner-scale-set/{values.yaml,templates/}; containerMode is read through a variable "
            "($containerMode.type, .kubernetesModeWorkVolumeClaim, "
            ".kubernetesModeAdditionalRoleRules) and service-account annotations only under "
            "resourceMeta (templates/kube_mode_serviceaccount.yaml)"),
        paths=frozenset({
            "annotations", "containerMode.kubernetesModeAdditionalRoleRules",
            "containerMode.kubernetesModeWorkVolumeClaim", "containerMode.type",
            "controllerServiceAccount.name", "controllerServiceAccount.namespace", "githubConfigSecret",
            "githubConfigUrl", "githubServerTLS.certificateFrom", "keyVault.azureKeyVault.certificatePath",
            "keyVault.azureKeyVault.clientId", "keyVault.azureKeyVault.secretKey",
            "keyVault.azureKeyVault.tenantId", "keyVault.azureKeyVault.url", "keyVault.proxy",
            "keyVault.type", "labels", "listenerMetrics", "listenerTemplate", "maxRunners", "minRunners",
            "nameOverride", "namespaceOverride", "proxy.http.credentialSecretRef", "proxy.http.url",
            "proxy.https.credentialSecretRef", "proxy.https.url", "proxy.noProxy",
            "resourceMeta.autoscalingRunnerSet.annotations", "resourceMeta.autoscalingRunnerSet.labels",
            "resourceMeta.githubConfigSecret.annotations", "resourceMeta.githubConfigSecret.labels",
            "resourceMeta.kubernetesModeRole.annotations", "resourceMeta.kubernetesModeRole.labels",
            "resourceMeta.kubernetesModeRoleBinding.annotations",
            "resourceMeta.kubernetesModeRoleBinding.labels",
            "resourceMeta.kubernetesModeServiceAccount.annotations",
            "resourceMeta.kubernetesModeServiceAccount.labels", "resourceMeta.managerRole.annotations",
            "resourceMeta.managerRole.labels", "resourceMeta.managerRoleBinding.annotations",
            "resourceMeta.managerRoleBinding.labels", "resourceMeta.noPermissionServiceAccount.annotations",
            "resourceMeta.noPermissionServiceAccount.labels", "runnerGroup", "runnerScaleSetName",
            "scaleSetLabels", "template.metadata", "template.spec"
        })),
    "external-secrets": ChartValues(paths=SECRET_SYNC_VALUE_PATHS, source=SECRET_SYNC_SOURCE),
    **{key: ChartValues(paths=paths, source=source) for key, (source, paths) in MONITORING_VALUE_PATHS.items()},
    **{key: ChartValues(paths=paths, source=source) for key, (source, paths) in GPU_PLATFORM_VALUE_PATHS.items()},
}
