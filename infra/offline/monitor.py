"""A mock resource monitor that records every registration whole, for the plan and the policy pack."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pulumi
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks
from pulumi.runtime.proto import resource_pb2

from infra.offline.invokes import InvokeAnswers
from infra.offline.properties import struct_to_json
from infra.offline.standins import leaves, stand_in

STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass
class RecordedResource:
    """One `RegisterResource` request as the engine received it, plus the URN it was given."""

    urn: str
    request: resource_pb2.RegisterResourceRequest
    # Outputs the cloud would compute, given stand-ins by the offline engine (path -> value); see standins.py.
    stand_ins: dict[str, str] = field(default_factory=dict)

    @property
    def type(self) -> str:
        return self.request.type

    @property
    def name(self) -> str:
        return self.request.name

    @property
    def custom(self) -> bool:
        return self.request.custom

    @property
    def parent(self) -> str | None:
        return self.request.parent or None

    @property
    def provider(self) -> str | None:
        return self.request.provider or None

    @cached_property
    def inputs(self) -> dict[str, Any]:
        """Inputs as JSON-ready data with secrets and unknowns masked."""
        return struct_to_json(self.request.object)

    def options(self) -> dict[str, Any]:
        """The resource options the plan document carries."""
        request = self.request
        return {
            "protect": request.protect if request.HasField("protect") else False,
            "retainOnDelete": request.retainOnDelete if request.HasField("retainOnDelete") else False,
            "deleteBeforeReplace": request.deleteBeforeReplace,
            "ignoreChanges": list(request.ignoreChanges),
            "dependencies": sorted(set(request.dependencies)),
            # Only properties that really depend on something: the rest is noise in a review.
            "propertyDependencies": {
                key: sorted(set(deps.urns))
                for key, deps in sorted(request.propertyDependencies.items()) if deps.urns
            },
        }


class DuplicateUrnError(pulumi.RunError):
    """Two registrations made the same URN: the real engine refuses the second, and so does the plan.

    The engine's words (pulumi/pulumi, sdk/go/common/diag/errors.go, GetDuplicateResourceURNError, code
    2001: "Duplicate resource URN '%v'; try giving it a unique name"), raised by the step generator when
    `sg.urns[urn]` is already set (pkg/resource/deploy/step_generator.go); read at the newest stored
    snapshot (commit 1b5949891b, after 3.259.0), as 3.272.0 itself was not in the mirror.
    """

    def __init__(self, urn: str, first: RecordedResource, second_type: str, second_parent: str | None) -> None:
        self.urn = urn
        super().__init__(
            f"Duplicate resource URN '{urn}'; try giving it a unique name. Registered twice: first as "
            f"{first.type} '{first.name}' (parent {first.parent or 'the stack'}), then again as {second_type} "
            f"(parent {second_parent or 'the stack'}); two entries of a list that name the same thing (an "
            "e-mail, a hostname) make the same resource twice")


class OfflineMocks(Mocks):
    """Answers the engine's questions the way a first preview of a new stack would, plus stand-ins.

    A new resource echoes its inputs as its state. What only the cloud computes (ids, ARNs,
    endpoints, emails, autonamed names) gets a deterministic stand-in in the service's documented
    format (infra/offline/standins.py), so documents built from them are concrete JSON a policy can
    read; each is recorded so the plan can say which values are stand-ins. Providers get an id
    because the engine always knows a provider's id.
    """

    def __init__(self, invokes: InvokeAnswers, stand_ins: bool = True) -> None:
        self.invokes = invokes
        # Off: every computed output stays unknown, as in `pulumi preview` (tests of the unknown path).
        self.make_stand_ins = stand_ins
        # The URN of the registration in progress: the SDK's MockResourceArgs carry no URN.
        self._current = threading.local()
        self.stand_ins: dict[str, dict[str, str]] = {}

    def registering(self, urn: str) -> None:
        self._current.urn = urn

    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict]:
        if args.typ.startswith("pulumi:providers:"):
            return f"offline-{args.name}", dict(args.inputs)
        urn = getattr(self._current, "urn", None)
        wanted = urn and args.custom and self.make_stand_ins
        made = stand_in(args.typ, args.name, urn, args.inputs, self.invokes.context) if wanted else None
        if made is None:
            return "", dict(args.inputs)
        resource_id, outputs = made
        given = leaves({key: args.inputs[key] for key in outputs if key in args.inputs})
        # Only what the cloud computes: an output that merely echoes an input is no stand-in.
        self.stand_ins[urn] = {"id": resource_id,
                               **{path: v for path, v in leaves(outputs).items() if given.get(path) != v}}
        return resource_id, {**dict(args.inputs), **outputs}

    def call(self, args: MockCallArgs) -> dict:
        return self.invokes.answer(args.token, args.args)


class RecordingMonitor(MockMonitor):
    """MockMonitor that keeps each registration request and the stack's outputs."""

    def __init__(self, mocks: Mocks, on_register: Callable[[RecordedResource], None] | None = None) -> None:
        super().__init__(mocks)
        self.records: list[RecordedResource] = []
        # Told of each resource as it registers (the plan streams them to the policy pack).
        self.on_register = on_register
        self.stack_urn: str | None = None
        self.stack_outputs = None
        self.by_urn: dict[str, RecordedResource] = {}
        # The first duplicate registration, raised again after the run however the SDK reports it.
        self.duplicate: DuplicateUrnError | None = None

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # The real engine leaves the root stack out of a resource's qualified type; the SDK's
        # mock does not, and the plan's URNs must match the ones `pulumi` gives.
        if parent and parent.split("::")[2] == STACK_TYPE:
            parent = ""
        return super().make_urn(parent, type_, name)

    def RegisterResource(self, request):  # noqa: N802 - gRPC method name
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type != STACK_TYPE and urn in self.by_urn:
            # Not raised here: a failed registration leaves futures nobody awaits. The run ends,
            # then the engine raises it (run_program); the second registration is never recorded.
            self.duplicate = self.duplicate or DuplicateUrnError(urn, self.by_urn[urn], request.type,
                                                                 request.parent or None)
            return resource_pb2.RegisterResourceResponse(urn=urn)
        if isinstance(self.mocks, OfflineMocks):
            self.mocks.registering(self.make_urn(request.parent, request.type, request.name))
        response = super().RegisterResource(request)
        if request.type == STACK_TYPE:
            self.stack_urn = response.urn
        else:
            stand_ins = self.mocks.stand_ins.get(response.urn, {}) if isinstance(self.mocks, OfflineMocks) else {}
            record = RecordedResource(response.urn, request, stand_ins)
            self.by_urn[response.urn] = record
            self.records.append(record)
            if self.on_register is not None:
                self.on_register(record)
        return response

    def RegisterResourceOutputs(self, request):  # noqa: N802 - gRPC method name
        if request.urn == self.stack_urn:
            self.stack_outputs = request.outputs
        return super().RegisterResourceOutputs(request)
