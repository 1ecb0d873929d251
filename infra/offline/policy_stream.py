"""Policy analysis while the program still runs: each resource goes to the pack as it registers.

`pulumi_policy` turns every resource back into Python once per rule, so a plan's Analyze calls
take about as long as its program on big stacks. Sent as resources register, they run in the
pack's process on the other core while the program goes on; when the program ends only the
last few calls and AnalyzeStack are left.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

from infra.offline.analyzer import Finding, PolicyAnalyzer
from infra.offline.analyzer_inputs import PolicyInput, policy_input
from infra.offline.monitor import RecordedResource
from infra.offline.policy_config import PolicySetting

_END = object()


class PolicyStream:
    """Configures the pack and sends it each registered resource from a worker thread."""

    def __init__(self, analyzer: PolicyAnalyzer, settings: dict[str, PolicySetting]) -> None:
        self._analyzer = analyzer
        self._settings = settings
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._inputs: list[PolicyInput] = []
        self._findings: list[Finding] = []
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="mlinfra-policy-stream", daemon=True)
        self._thread.start()

    def submit(self, record: RecordedResource) -> None:
        """The monitor's callback: queue one registration (never blocks the program)."""
        self._queue.put(record)

    def finish(self) -> tuple[list[PolicyInput], list[Finding]]:
        """Wait for the last Analyze; every input sent and its findings, or the pack's error."""
        self._queue.put(_END)
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._inputs, self._findings

    def cancel(self) -> None:
        """Stop taking resources; the thread ends with the last queued one or when the pack is stopped."""
        self._queue.put(_END)

    def _records(self) -> Iterator[PolicyInput]:
        by_urn: dict[str, RecordedResource] = {}
        while (record := self._queue.get()) is not _END:
            by_urn[record.urn] = record
            item = policy_input(record, by_urn)
            self._inputs.append(item)
            yield item

    def _work(self) -> None:
        try:
            self._analyzer.start()  # waits for the pack spawned before the program to be up
            self._analyzer.configure(self._settings)
            self._findings = self._analyzer.analyze_each(self._records())
        except BaseException as exc:  # handed to finish(), which raises it in the plan's thread
            self._error = exc
