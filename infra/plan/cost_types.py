"""Which resource types cost nothing by themselves (and why), and which cost money with no price yet.

Every custom type a stack creates is in exactly one place: FREE here, NO_PRICE_YET here, or a
price in the cost model (infra/plan/cost.py, cost_network.py). A test over every stack's
recorded plan keeps it so: a new type must be classified before it can be planned quietly.
"""

from __future__ import annotations

_K8S = ("a Kubernetes API object: no cloud bill of its own (the pods it runs are priced as node "
        "pools)")
_IAM = "identity and access configuration: IAM carries no charge"
_NET = "network configuration: no hourly or per-object charge"
_S3_CONFIG = "bucket configuration: billed as the bucket's storage and requests"
# Managed Prometheus bills samples ingested (and stored and queried), not objects: that is the
# per-cluster `observability` cost line (infra/plan/observability_cost.py).
_METRICS = "metrics configuration: billed as the samples the cluster ingests (the observability line)"

FREE: dict[str, str] = {
    "aws:ec2/vpc:Vpc": _NET, "aws:ec2/subnet:Subnet": _NET, "aws:ec2/routeTable:RouteTable": _NET,
    "aws:ec2/routeTableAssociation:RouteTableAssociation": _NET,
    "aws:ec2/internetGateway:InternetGateway": _NET,
    "aws:ec2/securityGroup:SecurityGroup": _NET, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": _NET,
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": _NET,
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": _NET,
    "aws:ec2/launchTemplate:LaunchTemplate": "a template: the instances it launches are priced as node pools",
    "aws:ec2/placementGroup:PlacementGroup": "a placement strategy, not capacity: instances are priced as node pools",
    "aws:autoscaling/tag:Tag": "a tag on an Auto Scaling group: tags carry no charge",
    "aws:ec2/flowLog:FlowLog": "delivery is billed as its log group's ingestion (listed under usage)",
    "aws:iam/role:Role": _IAM, "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _IAM,
    "aws:iam/policy:Policy": _IAM, "aws:iam/rolePolicy:RolePolicy": _IAM,
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": _IAM,
    "aws:eks/accessEntry:AccessEntry": _IAM, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": _IAM,
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": _IAM,
    "aws:eks/addon:Addon": "an EKS add-on: its pods run on nodes priced as node pools",
    "aws:kms/alias:Alias": "a name for a KMS key: the key is priced",
    "aws:s3/bucketPolicy:BucketPolicy": _S3_CONFIG,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _S3_CONFIG,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": _S3_CONFIG,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": _S3_CONFIG,
    "aws:s3/bucketVersioning:BucketVersioning": _S3_CONFIG,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": _S3_CONFIG,
    "aws:s3/bucketLogging:BucketLogging": _S3_CONFIG,
    "aws:lb/listener:Listener": "part of its load balancer, which is priced (hours and capacity units)",
    "aws:lb/listenerRule:ListenerRule": "part of its load balancer, which is priced (hours and capacity units)",
    "aws:lb/targetGroup:TargetGroup": "part of its load balancer, which is priced (hours and capacity units)",
    "aws:wafv2/webAclAssociation:WebAclAssociation": "attaches a web ACL, which is priced",
    "aws:acm/certificateValidation:CertificateValidation": "waits for DNS validation; creates nothing billed",
    # Read 2026-11-29: aws.amazon.com/certificate-manager/pricing/ was not in the stored pages; public
    # ACM certificates are free as digitaliceroom.com/aws-cheat-sheet/aws-security/aws-certificate-manager
    # and awsi.click/en/articles/acm-ssl-management/ state (the stacks request public, DNS-validated ones).
    "aws:acm/certificate:Certificate": "a public ACM certificate: no charge (private CA certificates are billed)",
    "aws:route53/record:Record": "a DNS record: its hosted zone (not created here) and queries are billed",
    "gcp:compute/network:Network": _NET, "gcp:compute/subnetwork:Subnetwork": _NET,
    "gcp:compute/router:Router": "a Cloud Router used only for Cloud NAT: the NAT gateway is priced",
    "gcp:compute/firewall:Firewall": _NET,
    "gcp:compute/sSLPolicy:SSLPolicy": "TLS settings of a load balancer, which is priced",
    "gcp:compute/regionSslPolicy:RegionSslPolicy": "TLS settings of a load balancer",
    "gcp:dns/recordSet:RecordSet": "a DNS record: its managed zone (not created here) and queries are billed",
    "gcp:kms/keyRing:KeyRing": "a container for keys: the keys are priced",
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": _IAM,
    "gcp:serviceaccount/account:Account": _IAM, "gcp:projects/iAMMember:IAMMember": _IAM,
    "gcp:serviceaccount/iAMMember:IAMMember": _IAM, "gcp:storage/bucketIAMMember:BucketIAMMember": _IAM,
    "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": _IAM,
    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": _IAM,
    "gcp:projects/service:Service": "enables an API: the resources it serves are priced",
    "kubernetes:core/v1:Namespace": _K8S, "kubernetes:core/v1:Secret": _K8S,
    "kubernetes:core/v1:ServiceAccount": _K8S, "kubernetes:core/v1:ConfigMap": _K8S,
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": _K8S,
    "kubernetes:core/v1:ResourceQuota": _K8S,
    # The bootstrap's GitHub settings (components/github/ci_settings.py): repository configuration, no bill.
    **dict.fromkeys((
        "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable",
        "github:index/actionsRepositoryOidcSubjectClaimCustomizationTemplate:"
        "ActionsRepositoryOidcSubjectClaimCustomizationTemplate",
        "github:index/actionsRunnerGroup:ActionsRunnerGroup",
        "github:index/repositoryEnvironment:RepositoryEnvironment",
        "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
        # The deploy repository, its workflow file and its settings.
        "github:index/repository:Repository", "github:index/repositoryFile:RepositoryFile",
        "github:index/actionsRepositoryAccessLevel:ActionsRepositoryAccessLevel",
        "github:index/branchProtection:BranchProtection", "github:index/teamRepository:TeamRepository"),
        "GitHub repository and organisation settings: no cloud bill"),
    # A dataset's static volume and claim name a bucket (priced as one) and provision nothing; the warming Job's
    # pod runs on the pool's nodes. Transfer and caches: infra/plan/cost_datasets.py.
    "kubernetes:core/v1:PersistentVolume": _K8S + "; a dataset's bucket is priced as a bucket",
    "kubernetes:core/v1:PersistentVolumeClaim": _K8S + "; a dataset's bucket is priced as a bucket",
    "kubernetes:batch/v1:Job": _K8S,
    "kubernetes:storage.k8s.io/v1:StorageClass": _K8S + "; volumes claimed through it would be billed",
    "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute": _K8S,
    "kubernetes:gateway.networking.k8s.io/v1beta1:ReferenceGrant": _K8S,
    "kubernetes:networking.gke.io/v1:GCPBackendPolicy": _K8S,
    "kubernetes:networking.gke.io/v1:GCPGatewayPolicy": _K8S,
    "kubernetes:networking.gke.io/v1:HealthCheckPolicy": _K8S,
    "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding": _K8S + "; its target group's load balancer is priced",
    "aws:amp/workspace:Workspace": _METRICS, "aws:amp/scraper:Scraper": (
        _METRICS + "; the managed collector's own hourly charge is not modelled yet"),
    "aws:amp/ruleGroupNamespace:RuleGroupNamespace": _METRICS + "; rule evaluation queries are not modelled",
    "aws:amp/alertManagerDefinition:AlertManagerDefinition": _METRICS,
    "aws:sns/topic:Topic": "an SNS topic: billed per publish and delivery (alerts only), not modelled",
    "aws:sns/topicPolicy:TopicPolicy": _IAM, "aws:sns/topicSubscription:TopicSubscription": (
        "an SNS subscription: billed per delivery with its topic"),
    "kubernetes:monitoring.googleapis.com/v1:ClusterRules": _METRICS,
    "kubernetes:monitoring.googleapis.com/v1:ClusterPodMonitoring": _METRICS,
    "kubernetes:apps/v1:Deployment": _K8S,
    "kubernetes:core/v1:Service": _K8S + "; only ClusterIP services here (a LoadBalancer one would be billed)",
    # Team queues (issue 32): Kueue objects and each team namespace's quota and defaults.
    "kubernetes:kueue.x-k8s.io/v1beta2:ResourceFlavor": _K8S, "kubernetes:kueue.x-k8s.io/v1beta2:ClusterQueue": _K8S,
    "kubernetes:kueue.x-k8s.io/v1beta2:LocalQueue": _K8S,
    "kubernetes:core/v1:LimitRange": _K8S,
    # The GitHub App key's sync (#26): the operator's objects, and the accessor grant on the GCP secret.
    "kubernetes:external-secrets.io/v1:ClusterSecretStore": _K8S,
    "kubernetes:external-secrets.io/v1:ExternalSecret": _K8S,
    "gcp:secretmanager/secretIamMember:SecretIamMember": _IAM,
    "kubernetes:helm.sh/v3:Release": ("a Helm release: its pods run on nodes priced as node pools; none of "
                                      "the pinned charts creates a load balancer of its own"),
}

# Types that cost money but whose price has not been read at its source yet: always listed as
# unpriced, with this reason, never counted as zero.
_CERT_MANAGER = ("Certificate Manager price not found at its source: cloud.google.com/certificate-manager/pricing "
                 "is not in the stored pages and no public price list states it (searched 2026-11-29)")
NO_PRICE_YET: dict[str, str] = {
    "gcp:compute/securityPolicy:SecurityPolicy": (
        "Cloud Armor bills per policy, rule and request (cloud.google.com/armor/docs/managed-protection-overview), "
        "but the figures of cloud.google.com/armor/pricing are not in any stored copy (searched 2026-11-29)"),
    "gcp:certificatemanager/certificate:Certificate": _CERT_MANAGER,
    "gcp:certificatemanager/certificateMap:CertificateMap": _CERT_MANAGER,
    "gcp:certificatemanager/certificateMapEntry:CertificateMapEntry": _CERT_MANAGER,
    "gcp:certificatemanager/dnsAuthorization:DnsAuthorization": _CERT_MANAGER,
    # The GitHub App secret (#26): a monthly charge per secret (AWS) or per active version (GCP) plus API calls;
    # only third-party write-ups quote the figures (e.g. hivebook.wiki, "$0.40 per secret per month"), not the
    # providers' pricing pages, which are not in the stored pages (searched 2026-12-07).
    "aws:secretsmanager/secret:Secret": ("Secrets Manager bills per secret-month and per 10,000 API calls, but "
                                         "aws.amazon.com/secrets-manager/pricing is not in the stored pages "
                                         "(searched 2026-12-07)"),
    "gcp:secretmanager/secret:Secret": ("Secret Manager bills active secret versions and access operations, but "
                                        "cloud.google.com/secret-manager/pricing is not in the stored pages "
                                        "(searched 2026-12-07)"),
}
