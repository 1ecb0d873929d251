"""Which input of each resource type is a physical name, and how far that name must be unique.

`mlinfra names check` (infra/plan/names.py) reads the plans of every stack and looks here for
each resource's name inputs. An input that looks like a name (`name`, `*Name`, `bucket`, a
Google Cloud `*Id`, a Kubernetes `metadata.name`) on a type or input missing from this table
fails the check: a new type must be classified before it ships.

A scope is a tuple of parts, each resolved against the resource and its provider:
- `aws-account`: stacks do not pin their AWS account, so every stack is taken to share one
  (the worst case, and the layout README's bootstrap sets up).
- `aws-region`, `gcp-project`, `gcp-region`: the resource's own input, else its provider's.
- `k8s-cluster`: the cluster behind the resource's Kubernetes provider.
- `input:<path>` (`=<default>` when absent): another input; an input known only after apply
  is replaced by the identity of the resource it comes from.
An empty scope is global: one namespace for everyone (S3 in a partition, GCS).

Sources, read 2026-11-29:
- S3: "each bucket name must be unique across all AWS accounts in all the AWS Regions within a
  partition", https://docs.aws.amazon.com/AmazonS3/latest/userguide/gpbucketnamespaces.html
- CloudWatch Logs: "Log group names must be unique within a Region for an Amazon Web Services
  account", CreateLogGroup,
  https://docs.aws.amazon.com/sdkfornet/v3/apidocs/items/CloudWatchLogs/MCloudWatchLogsCreateLogGroupCreateLogGroupRequest.html
- EKS: "The name must be unique within the Amazon Web Services Region and Amazon Web Services
  account", CreateClusterInput.name, https://docs.rs/aws-sdk-eks/latest/src/aws_sdk_eks/operation/create_cluster/_create_cluster_input.rs.html
- ELBv2: "This name must be unique per region per account", CreateLoadBalancerRequest.name,
  https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/elasticloadbalancingv2/aws.sdk.kotlin.services.elasticloadbalancingv2.model/-create-load-balancer-request/name.html
- IAM: "IAM user, group, role, and policy names must be unique within the account. Names are not
  distinguished by case", CreateRoleRequest.roleName,
  https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/iam/aws.sdk.kotlin.services.iam.model/-create-role-request/role-name.html
- GCP service accounts: accountId "is unique within a project",
  https://docs.cloud.google.com/python/docs/reference/iam/latest/google.cloud.iam_admin_v1.types.CreateServiceAccountRequest
- Other Google Cloud resources: a name is unique in the collection of its resource name
  (https://cloud.google.com/apis/design/resource_names); each entry gives that collection.
- Kubernetes: "Names of resources need to be unique within a namespace, but not across
  namespaces ... not for cluster-wide objects",
  https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/; RBAC: "A Role
  always sets permissions within a particular namespace ... ClusterRole, by contrast, is a
  non-namespaced resource", https://kubernetes.io/docs/reference/access-authn-authz/rbac/
- SNS: CreateTopic "is idempotent, so if the requester already owns a topic with the specified
  name, that topic's ARN is returned without creating a new topic"
  (https://docs.aws.amazon.com/sdkfornet1/latest/apidocs/html/T_Amazon_SimpleNotificationService_Model_CreateTopicRequest.htm);
  a topic ARN is arn:aws:sns:<region>:<account>:<name>.
- AMP: a rule groups namespace ARN is arn:aws:aps:<region>:<account>:rulegroupsnamespace/<workspace
  id>/<name> (Service Authorization Reference, Amazon Managed Service for Prometheus, resource type
  `rulegroupsnamespace`); workspace and scraper aliases need not be unique and are not names.
- ARC runner scale sets: the controller looks a scale set up by runner group and name at the
  GitHub config URL and reuses one it finds (createRunnerScaleSet: GetRunnerScaleSet(runnerGroupID,
  RunnerScaleSetName), "Created/Reused a runner scale set"); the name is also the label `runs-on`
  matches. actions/actions-runner-controller@2ee6b3b (master of 2026-06-30, whose Chart.yaml is 0.14.2,
  the version infra/catalog/charts.py pins):
  controllers/actions.github.com/autoscalingrunnerset_controller.go.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

AWS_ACCOUNT, AWS_REGION = "aws-account", "aws-region"
GCP_PROJECT, GCP_REGION = "gcp-project", "gcp-region"
K8S_CLUSTER = "k8s-cluster"
GLOBAL: tuple[str, ...] = ()


def given(path: str, default: str | None = None) -> str:
    """A scope part read from another input of the same resource."""
    return f"input:{path}" if default is None else f"input:{path}={default}"


@dataclass(frozen=True)
class PhysicalName:
    """An input that names the resource in its cloud, unique within `scope`."""

    scope: tuple[str, ...]
    # What the name is unique among; resources of one kind share it (default: type and input).
    namespace: str | None = None
    # IAM compares names without case ("MyRole" and "myrole" collide).
    ignore_case: bool = False


@dataclass(frozen=True)
class NotAName:
    """An input that looks like a name but is not one this resource claims."""

    why: str


REFERENCE = NotAName("names another resource, which claims it")
PREFIX = NotAName("a prefix; the provider appends a unique suffix")
DISPLAY = NotAName("display text, not unique")

AWS_REGIONAL = (AWS_ACCOUNT, AWS_REGION)
GCP_GLOBAL = (GCP_PROJECT,)
GCP_REGIONAL = (GCP_PROJECT, GCP_REGION)
Rules = dict[str, PhysicalName | NotAName]

_S3_REFERENCE: Rules = {"bucket": REFERENCE}

AWS: dict[str, Rules] = {
    "aws:s3/bucket:Bucket": {"bucket": PhysicalName(GLOBAL, namespace="s3 bucket"), "bucketPrefix": PREFIX},
    # A dataset's S3 Express cache (#27): treated as one global namespace with general purpose buckets, the
    # strict reading (its name carries the zone id, so a clash is only possible by the same base name).
    "aws:s3/directoryBucket:DirectoryBucket": {"bucket": PhysicalName(GLOBAL, namespace="s3 bucket")},
    **{f"aws:s3/{kind}:{kind[0].upper()}{kind[1:]}": _S3_REFERENCE for kind in (
        "bucketLifecycleConfiguration", "bucketLogging", "bucketOwnershipControls", "bucketPolicy",
        "bucketPublicAccessBlock", "bucketServerSideEncryptionConfiguration", "bucketVersioning",
        "bucketReplicationConfig", "bucketNotification", "bucketCorsConfiguration")},
    "aws:cloudwatch/logGroup:LogGroup": {"name": PhysicalName(AWS_REGIONAL), "namePrefix": PREFIX},
    "aws:ecr/repository:Repository": {"name": PhysicalName(AWS_REGIONAL)},
    "aws:ecr/repositoryPolicy:RepositoryPolicy": {"repository": REFERENCE},
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": {"repository": REFERENCE},
    "aws:eks/cluster:Cluster": {"name": PhysicalName(AWS_REGIONAL)},
    # Add-ons, node groups and access entries live inside their cluster, which claims its name.
    "aws:eks/addon:Addon": {"addonName": PhysicalName((AWS_ACCOUNT, AWS_REGION, given("clusterName"))),
                            "clusterName": REFERENCE},
    "aws:eks/nodeGroup:NodeGroup": {"nodeGroupName": PhysicalName((AWS_ACCOUNT, AWS_REGION, given("clusterName"))),
                                    "nodeGroupNamePrefix": PREFIX, "clusterName": REFERENCE},
    "aws:eks/accessEntry:AccessEntry": {"clusterName": REFERENCE},
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": {"clusterName": REFERENCE},
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": {"clusterName": REFERENCE},
    "aws:autoscaling/tag:Tag": {"autoscalingGroupName": REFERENCE},
    "aws:ec2/vpcEndpoint:VpcEndpoint": {"serviceName": NotAName("the AWS service's endpoint name")},
    "aws:ec2/launchTemplate:LaunchTemplate": {"name": PhysicalName(AWS_REGIONAL), "namePrefix": PREFIX},
    "aws:ec2/placementGroup:PlacementGroup": {"name": PhysicalName(AWS_REGIONAL), "namePrefix": PREFIX},
    "aws:ec2/securityGroup:SecurityGroup": {"name": PhysicalName((AWS_ACCOUNT, AWS_REGION, given("vpcId"))),
                                            "namePrefix": PREFIX},
    "aws:lb/loadBalancer:LoadBalancer": {"name": PhysicalName(AWS_REGIONAL), "namePrefix": PREFIX},
    "aws:lb/targetGroup:TargetGroup": {"name": PhysicalName(AWS_REGIONAL), "namePrefix": PREFIX},
    # A web ACL is addressed by Name and Scope (REGIONAL or CLOUDFRONT) in a Region: the WAFv2
    # GetWebACL API's required Name, Scope and Id (paws wafv2_get_web_acl docs of the AWS API, read
    # 2026-11-29). Treating the name as unique in that scope is the strict reading: a clash there is
    # reported even if AWS told the two apart by Id.
    "aws:wafv2/webAcl:WebAcl": {"name": PhysicalName((AWS_ACCOUNT, AWS_REGION, given("scope")))},
    "aws:acm/certificate:Certificate": {"domainName": NotAName("ACM issues any number of certificates per domain")},
    # A record is one name and type in one hosted zone; two stacks writing it overwrite each other.
    "aws:route53/record:Record": {"name": PhysicalName((given("zoneId"), given("type")))},
    "aws:iam/role:Role": {"name": PhysicalName((AWS_ACCOUNT,), namespace="iam role", ignore_case=True),
                          "namePrefix": PREFIX},
    "aws:iam/policy:Policy": {"name": PhysicalName((AWS_ACCOUNT,), namespace="iam policy", ignore_case=True),
                              "namePrefix": PREFIX},
    "aws:iam/rolePolicy:RolePolicy": {"name": PhysicalName((AWS_ACCOUNT, given("role"))), "namePrefix": PREFIX},
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": {},
    "aws:kms/alias:Alias": {"name": PhysicalName(AWS_REGIONAL), "namePrefix": PREFIX},
    # The GitHub App secret (#26). A secret's ARN is arn:aws:secretsmanager:<region>:<account>:secret:<name>-<six
    # random characters>, added "so that if you create a new secret with the same name as a deleted secret" the
    # ARNs differ (CreateSecretResponse.ARN, https://docs.aws.amazon.com/sdkfornet/v3/apidocs/items/
    # SecretsManager/TCreateSecretResponse.html, read 2026-12-07): the name is the account's and region's.
    "aws:secretsmanager/secret:Secret": {"name": PhysicalName(AWS_REGIONAL)},
    # The topic's ARN is arn:aws:sns:<region>:<account>:<name>, so a name is one topic per account and
    # region, and CreateTopic with a taken name returns the existing topic instead of failing.
    "aws:sns/topic:Topic": {"name": PhysicalName(AWS_REGIONAL), "namePrefix": PREFIX},
    # A rule groups namespace is named inside its workspace (ARN rulegroupsnamespace/<workspace>/<name>).
    "aws:amp/ruleGroupNamespace:RuleGroupNamespace": {"name": PhysicalName((given("workspaceId"),))},
}

GCP: dict[str, Rules] = {
    "gcp:storage/bucket:Bucket": {"name": PhysicalName(GLOBAL, namespace="gcs bucket")},
    "gcp:storage/bucketIAMMember:BucketIAMMember": {"bucket": REFERENCE},
    # A dataset's Anywhere Cache is named by its bucket and zone, which the bucket claims (#27).
    "gcp:storage/anywhereCache:AnywhereCache": {"bucket": REFERENCE},
    # projects/{project}/serviceAccounts/{accountId}@...
    "gcp:serviceaccount/account:Account": {"accountId": PhysicalName(GCP_GLOBAL), "displayName": DISPLAY},
    "gcp:serviceaccount/iAMMember:IAMMember": {"serviceAccountId": REFERENCE},
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": {"cryptoKeyId": REFERENCE},
    # projects/{project}/global/networks/{name}; .../regions/{region}/subnetworks|routers/{name}
    "gcp:compute/network:Network": {"name": PhysicalName(GCP_GLOBAL)},
    "gcp:compute/subnetwork:Subnetwork": {"name": PhysicalName(GCP_REGIONAL)},
    "gcp:compute/router:Router": {"name": PhysicalName(GCP_REGIONAL)},
    # A NAT is a part of its router: its name is unique in that router.
    "gcp:compute/routerNat:RouterNat": {"name": PhysicalName((GCP_PROJECT, GCP_REGION, given("router")))},
    # projects/{project}/global/addresses/{name}; .../regions/{region}/addresses/{name}
    "gcp:compute/globalAddress:GlobalAddress": {"name": PhysicalName(GCP_GLOBAL)},
    "gcp:compute/address:Address": {"name": PhysicalName(GCP_REGIONAL)},
    # projects/{project}/global/sslPolicies/{name}; .../regions/{region}/sslPolicies/{name}
    "gcp:compute/sSLPolicy:SSLPolicy": {"name": PhysicalName(GCP_GLOBAL)},
    # gcp:compute/securityPolicy is the global kind (its import id is
    # projects/{{project}}/global/securityPolicies/{{name}}, pulumi_gcp 10.2.0 compute/security_policy.py;
    # regional ones are gcp:compute/regionSecurityPolicy), so one name per project.
    "gcp:compute/securityPolicy:SecurityPolicy": {"name": PhysicalName(GCP_GLOBAL)},
    "gcp:compute/regionSslPolicy:RegionSslPolicy": {"name": PhysicalName(GCP_REGIONAL)},
    # projects/{project}/locations/{location}/certificates|dnsAuthorizations/{name}; maps are global.
    "gcp:certificatemanager/certificate:Certificate": {
        "name": PhysicalName((GCP_PROJECT, given("location", "global")))},
    "gcp:certificatemanager/dnsAuthorization:DnsAuthorization": {
        "name": PhysicalName((GCP_PROJECT, given("location", "global")))},
    "gcp:certificatemanager/certificateMap:CertificateMap": {"name": PhysicalName(GCP_GLOBAL)},
    "gcp:certificatemanager/certificateMapEntry:CertificateMapEntry": {
        "name": PhysicalName((GCP_PROJECT, given("map")))},
    # projects/{project}/locations/{location}/clusters/{name}; node pools inside their cluster.
    "gcp:container/cluster:Cluster": {"name": PhysicalName((GCP_PROJECT, given("location")))},
    "gcp:container/nodePool:NodePool": {"name": PhysicalName((given("cluster"),)), "namePrefix": PREFIX},
    # projects/{project}/locations/{location}/keyRings/{name}/cryptoKeys/{name}
    "gcp:kms/keyRing:KeyRing": {"name": PhysicalName((GCP_PROJECT, given("location")))},
    "gcp:kms/cryptoKey:CryptoKey": {"name": PhysicalName((given("keyRing"),))},
    # projects/{project}/managedZones/{zone}/rrsets/{name}/{type}
    "gcp:dns/recordSet:RecordSet": {"name": PhysicalName((GCP_PROJECT, given("managedZone"), given("type")))},
    # projects/{project}/locations/{location}/repositories/{repositoryId}
    "gcp:artifactregistry/repository:Repository": {
        "repositoryId": PhysicalName((GCP_PROJECT, given("location")))},
    "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember": {"repository": REFERENCE},
    # projects/{project}/secrets/{secret_id}; the id "must be unique within the project" (CreateSecretRequest,
    # https://documentation.s3ns.fr/python/docs/reference/secretmanager/0.2.0/google.cloud.secretmanager_v1.types.
    # CreateSecretRequest, read 2026-12-07).
    "gcp:secretmanager/secret:Secret": {"secretId": PhysicalName((GCP_PROJECT,))},
    "gcp:secretmanager/secretIamMember:SecretIamMember": {"secretId": REFERENCE},
    # projects/{project}/locations/global/workloadIdentityPools/{id}/providers/{id}
    "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": {
        "workloadIdentityPoolId": PhysicalName(GCP_GLOBAL), "displayName": DISPLAY},
    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": {
        "workloadIdentityPoolProviderId": PhysicalName((GCP_PROJECT, given("workloadIdentityPoolId"))),
        "workloadIdentityPoolId": REFERENCE, "displayName": DISPLAY},
}

# Kinds whose objects live in a namespace, and kinds that are cluster-wide (Kubernetes docs above).
NAMESPACED_KINDS = (
    "core/v1:ConfigMap", "core/v1:Secret", "core/v1:Service", "networking.k8s.io/v1:NetworkPolicy",
    "core/v1:ResourceQuota", "rbac.authorization.k8s.io/v1:Role", "rbac.authorization.k8s.io/v1:RoleBinding",
    "gateway.networking.k8s.io/v1:Gateway", "gateway.networking.k8s.io/v1:HTTPRoute",
    "gateway.networking.k8s.io/v1beta1:ReferenceGrant",
    "networking.gke.io/v1:GCPBackendPolicy", "networking.gke.io/v1:GCPGatewayPolicy",
    "networking.gke.io/v1:HealthCheckPolicy", "elbv2.k8s.aws/v1beta1:TargetGroupBinding",
    "core/v1:ConfigMap", "core/v1:ServiceAccount", "apps/v1:Deployment",
    # A dataset's claim and warming Job (#27).
    "core/v1:PersistentVolumeClaim", "batch/v1:Job",
    # GMP's CRD scopes: GoogleCloudPlatform/prometheus-engine@v0.17.2:charts/operator/crds/
    # monitoring.googleapis.com_{podmonitorings,clusterpodmonitorings,clusterrules}.yaml `scope:` (2026-11-29).
    "monitoring.googleapis.com/v1:PodMonitoring",
    # Team namespaces' objects (issue 32); LocalQueue's CRD scope read at kubernetes-sigs/kueue@v0.19.2:
    # charts/kueue/templates/crd/kueue.x-k8s.io_localqueues.yaml `scope: Namespaced` (2026-12-07).
    "core/v1:ResourceQuota", "core/v1:LimitRange", "kueue.x-k8s.io/v1beta2:LocalQueue",
    # external-secrets/external-secrets@helm-chart-2.9.0:config/crds/bases/external-secrets.io_externalsecrets.yaml
    # `scope: Namespaced`, ..._clustersecretstores.yaml `scope: Cluster` (2026-12-07).
    "external-secrets.io/v1:ExternalSecret",
)
CLUSTER_WIDE_KINDS = ("core/v1:Namespace", "storage.k8s.io/v1:StorageClass", "core/v1:PersistentVolume",
                      "rbac.authorization.k8s.io/v1:ClusterRole",
                      "rbac.authorization.k8s.io/v1:ClusterRoleBinding",
                      "monitoring.googleapis.com/v1:ClusterPodMonitoring", "monitoring.googleapis.com/v1:ClusterRules",
                      # Same tag, kueue.x-k8s.io_{clusterqueues,resourceflavors}.yaml `scope: Cluster`.
                      "kueue.x-k8s.io/v1beta2:ClusterQueue", "kueue.x-k8s.io/v1beta2:ResourceFlavor",
                      "external-secrets.io/v1:ClusterSecretStore")

KUBERNETES: dict[str, Rules] = {
    **{f"kubernetes:{kind}": {"metadata.name": PhysicalName(
        (K8S_CLUSTER, given("metadata.namespace", "default")))} for kind in NAMESPACED_KINDS},
    **{f"kubernetes:{kind}": {"metadata.name": PhysicalName((K8S_CLUSTER,))} for kind in CLUSTER_WIDE_KINDS},
    "kubernetes:helm.sh/v3:Release": {
        # Helm 3 keeps a release in its namespace.
        "name": PhysicalName((K8S_CLUSTER, given("namespace", "default"))),
        # A second scale set of this name at one GitHub URL would be reused, not created, and
        # `runs-on:` would match both: the check takes the URL as the scope, whatever the group.
        "values.runnerScaleSetName": PhysicalName((given("values.githubConfigUrl"),),
                                                  namespace="github runner scale set"),
    },
}

# The bootstrap's GitHub settings (components/github/ci_settings.py). A runner group's name is unique in its
# organisation (the one the bootstrap manages, so global among these plans); an environment variable's name
# within its repository's environment, both of which the resource names.
GITHUB: dict[str, Rules] = {
    "github:index/actionsRunnerGroup:ActionsRunnerGroup": {
        "name": PhysicalName(GLOBAL, namespace="github runner group")},
    "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable": {
        "variableName": PhysicalName((given("repository"), given("environment"))),
        "environment": REFERENCE, "repository": REFERENCE},
    # The deploy repository (components/github/deploy_repository.py): a repository's name is unique in its
    # organisation.
    "github:index/repository:Repository": {"name": PhysicalName(GLOBAL, namespace="github repository")},
}

PHYSICAL_NAMES: dict[str, Rules] = {**AWS, **GCP, **KUBERNETES, **GITHUB}

# Inputs that look like a physical name; one on a type or input missing above fails the check.
_NAME_LIKE = re.compile(r"^(name|bucket|bucketPrefix|namePrefix)$|[a-z]Name$")
_GCP_ID = re.compile(r"[a-z]Id$")


def name_like_inputs(resource_type: str, inputs: dict) -> list[str]:
    """The input paths of a resource that look like a physical name and are set."""
    found = [key for key, value in inputs.items() if value is not None and (
        _NAME_LIKE.search(key) or (resource_type.startswith("gcp:") and _GCP_ID.search(key)))]
    metadata = inputs.get("metadata")
    if resource_type.startswith("kubernetes:") and isinstance(metadata, dict) and metadata.get("name"):
        found.append("metadata.name")
    return sorted(found)
