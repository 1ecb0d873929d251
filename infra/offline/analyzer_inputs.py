"""Analyzer inputs: recorded registrations marshalled the way the Pulumi CLI sends them to packs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from google.protobuf import struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import analyzer_pb2 as apb

from infra.offline.monitor import RecordedResource

_RESOURCE_SIG = rpc._special_resource_sig.encode()
_OUTPUT_SIG = rpc._special_output_value_sig.encode()


@dataclass
class PolicyInput:
    """One resource as the analyzer receives it."""

    type: str
    name: str
    urn: str
    properties: struct_pb2.Struct
    protect: bool = False
    parent: str = ""
    provider: apb.AnalyzerProviderResource | None = None
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)

    def options(self) -> apb.AnalyzerResourceOptions:
        return apb.AnalyzerResourceOptions(protect=self.protect, parent=self.parent)

    def analyze_request(self) -> apb.AnalyzeRequest:
        return apb.AnalyzeRequest(type=self.type, name=self.name, urn=self.urn, properties=self.properties,
                                  options=self.options(), provider=self.provider)

    def stack_resource(self) -> apb.AnalyzerResource:
        return apb.AnalyzerResource(
            type=self.type, name=self.name, urn=self.urn, properties=self.properties,
            options=self.options(), provider=self.provider, parent=self.parent,
            dependencies=self.dependencies,
            propertyDependencies={k: apb.AnalyzerPropertyDependencies(urns=v)
                                  for k, v in self.property_dependencies.items()})


def inputs_from_records(records: Iterable[RecordedResource]) -> list[PolicyInput]:
    """Analyzer inputs for every recorded registration, with its provider resolved."""
    records = list(records)
    by_urn = {r.urn: r for r in records}
    return [policy_input(record, by_urn) for record in records]


def policy_input(record: RecordedResource, by_urn: Mapping[str, RecordedResource]) -> PolicyInput:
    """One registration as an analyzer input; its provider is looked up in `by_urn`.

    A provider registers before anything that uses it, so a map filled in registration order
    already holds it.
    """
    request = record.request
    provider_record = by_urn.get((record.provider or "").rsplit("::", 1)[0])
    provider = None if provider_record is None else apb.AnalyzerProviderResource(
        type=provider_record.type, urn=provider_record.urn, name=provider_record.name,
        properties=analyzer_struct(provider_record.request.object))
    return PolicyInput(
        type=record.type, name=record.name, urn=record.urn,
        properties=analyzer_struct(request.object),
        protect=request.protect if request.HasField("protect") else False,
        parent=record.parent or "", provider=provider,
        dependencies=list(request.dependencies),
        property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()})


def analyzer_struct(struct: struct_pb2.Struct) -> struct_pb2.Struct:
    """Properties as the CLI marshals them for analyzers: plain values, secrets and unknowns only.

    Resource references become the resource's id (a custom resource) or URN (a component), and
    output values their plain value or the unknown sentinel; packs refuse any other signature.
    A struct with neither (most resources) is copied whole, in protobuf's C code: the walk below
    makes the same copy value by value, a quarter of the policy stream's time on a 100-pool plan.
    """
    wire = struct.SerializeToString()
    if _RESOURCE_SIG not in wire and _OUTPUT_SIG not in wire:  # a signature is its string, verbatim
        out = struct_pb2.Struct()
        out.CopyFrom(struct)
        return out
    out = struct_pb2.Struct()
    for key, value in struct.fields.items():
        out.fields[key].CopyFrom(_analyzer_value(value))
    return out


def _analyzer_value(value: struct_pb2.Value) -> struct_pb2.Value:
    kind = value.WhichOneof("kind")
    if kind == "list_value":
        out = struct_pb2.Value()
        out.list_value.SetInParent()
        for item in value.list_value.values:
            out.list_value.values.add().CopyFrom(_analyzer_value(item))
        return out
    if kind != "struct_value":
        return value
    fields = value.struct_value.fields
    sig = fields[rpc._special_sig_key].string_value if rpc._special_sig_key in fields else None
    if sig == rpc._special_resource_sig:
        return fields["id"] if "id" in fields else fields["urn"]
    if sig == rpc._special_output_value_sig:
        inner = fields["value"] if "value" in fields else struct_pb2.Value(string_value=rpc.UNKNOWN)
        return _analyzer_value(inner)
    out = struct_pb2.Value()
    out.struct_value.CopyFrom(analyzer_struct(value.struct_value))
    return out


def secret_values(struct: struct_pb2.Struct) -> set[str]:
    """Plaintext of every secret string in `struct`, so findings can be scrubbed of them."""
    found: set[str] = set()

    def walk(value: struct_pb2.Value) -> None:
        kind = value.WhichOneof("kind")
        if kind == "list_value":
            for item in value.list_value.values:
                walk(item)
        elif kind == "struct_value":
            fields = value.struct_value.fields
            if fields.get(rpc._special_sig_key, struct_pb2.Value()).string_value == rpc._special_secret_sig:
                inner = fields.get("value", struct_pb2.Value())
                if inner.WhichOneof("kind") == "string_value" and inner.string_value:
                    found.add(inner.string_value)
            for item in fields.values():
                walk(item)

    for item in struct.fields.values():
        walk(item)
    return found
