"""Policy analysis while the program still runs: each resource goes to the pack as it registers.

`pulumi_policy` turns every resource back into Python once per rule, so a plan's Analyze calls
take about as long as its program on big stacks. Sent as resources register, they run in the
pack's process on the other core while the program goes on; when the program ends only the
last few calls and AnalyzeStack are left.

Streams can be chained on one pack (StreamChain): `mlinfra plan --all` runs the next stack's program
while the pack still works through the last one's resources. The pack holds one config at a
time (Configure replaces it whole), so a chained stream configures the pack only once the
stream before it has finished, AnalyzeStack included; nothing of one stack's analysis can run
under another stack's config.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

from infra.offline.analyzer import Finding, PolicyAnalyzer, PolicyPackError
from infra.offline.analyzer_inputs import PolicyInput, policy_input
from infra.offline.monitor import RecordedResource
from infra.offline.policy_config import PolicySetting

_END = object()


class PackFailedEarlier(PolicyPackError):
    """The pack failed on a stack before this one in the chain: this stack was not analysed by it."""


class StreamChain:
    """The streams of one pack, in order: each new one starts once the one before it has ended."""

    def __init__(self) -> None:
        self.last: PolicyStream | None = None

    def wait(self) -> None:
        """Wait for every stream of the chain (each ends after the one before it)."""
        if self.last is not None:
            self.last.wait()


class PolicyStream:
    """Configures the pack and sends it each registered resource, then the stack, from a worker thread."""

    def __init__(self, analyzer: PolicyAnalyzer, settings: dict[str, PolicySetting],
                 chain: StreamChain | None = None) -> None:
        self.analyzer = analyzer
        self._settings = settings
        self._after = chain.last if chain is not None else None
        if chain is not None:
            chain.last = self
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._inputs: list[PolicyInput] = []
        self._findings: list[Finding] = []
        self._error: BaseException | None = None
        self._cancelled = threading.Event()
        self._thread = threading.Thread(target=self._work, name="mlinfra-policy-stream", daemon=True)
        self._thread.start()

    def submit(self, record: RecordedResource) -> None:
        """The monitor's callback: queue one registration (never blocks the program)."""
        self._queue.put(record)

    def end_input(self) -> None:
        """The program has ended: no more resources; the worker goes on to AnalyzeStack."""
        self._queue.put(_END)

    def finish(self) -> tuple[list[PolicyInput], list[Finding]]:
        """Wait for the last call; every input sent and its findings (AnalyzeStack's too), or the pack's error."""
        self.end_input()
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._inputs, self._findings

    def cancel(self) -> None:
        """Stop taking resources and skip AnalyzeStack; the worker ends after the call in flight."""
        self._cancelled.set()
        self._queue.put(_END)

    def wait(self) -> None:
        """Wait for the worker to end, whatever its outcome (a chained stream starts after it)."""
        self._thread.join()

    @property
    def failed(self) -> bool:
        """Whether this stream's analysis failed (or could not run because the pack had failed)."""
        return self._error is not None

    @property
    def failed_earlier(self) -> bool:
        """Whether it never ran because the stream before it on the pack had failed."""
        return isinstance(self._error, PackFailedEarlier)

    def _records(self) -> Iterator[PolicyInput]:
        by_urn: dict[str, RecordedResource] = {}
        while (record := self._queue.get()) is not _END and not self._cancelled.is_set():
            by_urn[record.urn] = record
            item = policy_input(record, by_urn)
            self._inputs.append(item)
            yield item

    def _work(self) -> None:
        try:
            if self._after is not None:
                self._after.wait()
                if self._after.failed:
                    raise PackFailedEarlier("the policy pack failed on an earlier stack")
            if self._cancelled.is_set():
                return
            self.analyzer.start()  # waits for the pack spawned before the program to be up
            self.analyzer.configure(self._settings)
            findings = self.analyzer.analyze_each(self._records())
            if not self._cancelled.is_set():
                # Here, not by the caller: the next chained stream reconfigures the pack once this ends.
                findings += self.analyzer.analyze_stack(self._inputs)
            self._findings = findings
        except BaseException as exc:  # handed to finish(), which raises it in the plan's thread
            self._error = exc
