"""Rules keeping the GitHub App key out of Pulumi state and its way to the runners narrow (issue #26).

The key lives in a cloud secret the stack creates empty; the External Secrets Operator writes it into each runner
namespace. Whatever a stack plans with a secret value in it (a SecretVersion, an inline Secret, inline scale set
credentials) puts that value into the state, which previews of that stack can read. The operator serves only
ClusterSecretStores an administrator made, scoped to named namespaces (components/k8s/secret_sync.py has the
upstream facts): a store without conditions, or an operator that serves namespaced stores, would let any namespace
with an ExternalSecret read what the operator's identity reads.
"""

from __future__ import annotations

from rulekit import HIGH, dig, resource_rule

SECRET = "kubernetes:core/v1:Secret"
RELEASE = "kubernetes:helm.sh/v3:Release"
VERSIONS = ("aws:secretsmanager/secretVersion:SecretVersion", "gcp:secretmanager/secretVersion:SecretVersion")
STORE = "kubernetes:external-secrets.io/v1:ClusterSecretStore"
EXTERNAL_SECRET = "kubernetes:external-secrets.io/v1:ExternalSecret"
APP_SECRET_NAME = "github-app"


def _chart(props) -> str:
    return str(dig(props, "chart", default="")).rstrip("/").rsplit("/", 1)[-1]


def _value_in_state(props, ctx):
    if ctx.type in VERSIONS:
        yield (f"'{ctx.name}' writes a secret value from the program, so the value is in the Pulumi state; create "
               "the secret empty and put the value outside Pulumi")
    elif ctx.type == SECRET and dig(props, "metadata", "name", default=None) == APP_SECRET_NAME and (
            dig(props, "data", default=None) or dig(props, "stringData", default=None)):
        yield (f"Secret '{ctx.name}' carries the GitHub App key in the program, so the key is in the Pulumi state; "
               "let the secret-sync operator write it (an ExternalSecret)")
    elif ctx.type == RELEASE and _chart(props) == "gha-runner-scale-set" and not isinstance(
            dig(props, "values", "githubConfigSecret", default=""), str):
        # A name is a string; anything else is the credentials themselves (the chart's "Variation A/B").
        yield (f"runner scale set '{ctx.name}' passes GitHub credentials inline in its values, so they are in the "
               "Pulumi state; name the synced Secret (`githubConfigSecret: github-app`)")


def _narrow_sync(props, ctx):
    if ctx.type == STORE:
        conditions = list(dig(props, "spec", "conditions", default=[]) or [])
        if not any(dig(c, "namespaces", default=None) or dig(c, "namespaceSelector", default=None)
                   or dig(c, "namespaceRegexes", default=None) for c in conditions):
            yield (f"ClusterSecretStore '{ctx.name}' names no namespaces (spec.conditions), so an ExternalSecret in "
                   "any namespace reads what the operator's identity reads")
    elif ctx.type == EXTERNAL_SECRET:
        kind = dig(props, "spec", "secretStoreRef", "kind", default="SecretStore")
        if kind != "ClusterSecretStore":
            yield (f"ExternalSecret '{ctx.name}' references a {kind}; the operator serves only ClusterSecretStores "
                   "(processSecretStore: false), so it would never sync")
    elif ctx.type == RELEASE and _chart(props) == "external-secrets":
        values = dig(props, "values", default={}) or {}
        switches = {"processSecretStore": ("processSecretStore",), "rbac.aggregateToEdit": ("rbac", "aggregateToEdit"),
                    "rbac.aggregateToAdmin": ("rbac", "aggregateToAdmin")}
        # The chart's defaults are true (values.yaml at helm-chart-2.9.0), so an unset switch is an open one.
        opened = [path for path, keys in switches.items() if dig(values, *keys, default=True) is not False]
        if opened:
            yield (f"External Secrets release '{ctx.name}' lets namespaces make their own stores or ExternalSecrets "
                   f"({', '.join(opened)} not false), each using the operator's cloud identity")


RULES = [
    resource_rule("secret-values-not-in-state",
                  "Secret values (the GitHub App key above all) are never written by the program, so never in state "
                  "(practice: state is readable wherever the stack is previewed)",
                  types=[SECRET, RELEASE, *VERSIONS], check=_value_in_state, severity=HIGH,
                  remediation="Create the cloud secret empty and put the value with the cloud's CLI; sync it into "
                              "the cluster with an ExternalSecret (docs/concepts/ci-runners.md)."),
    resource_rule("secret-sync-narrow",
                  "The secret-sync operator serves only administrator-made ClusterSecretStores scoped to namespaces "
                  "(practice: External Secrets ClusterSecretStore conditions)",
                  types=[STORE, EXTERNAL_SECRET, RELEASE], check=_narrow_sync, severity=HIGH,
                  remediation="Scope the ClusterSecretStore with spec.conditions[].namespaces, reference it from "
                              "ExternalSecrets, and keep processSecretStore and the rbac aggregation off."),
]
