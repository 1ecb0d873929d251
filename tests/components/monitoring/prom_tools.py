"""The real Prometheus tools for the observability tests: promtool and a Prometheus server on 127.0.0.1.

Both come from Debian's `prometheus` package, which .ci/run installs. Locally a test skips and says so
when they are missing; in CI (CI=true) it fails instead, as tests/policies/test_checkov.py does.
Debian's build leaves Kubernetes discovery out ("field kubernetes_sd_configs not found"), which is why
the loopback test swaps it for file discovery carrying the same `__meta_kubernetes_*` labels.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

INSTALL_HINT = "apt-get install prometheus (Debian's package ships promtool and the server; .ci/run installs it)"


def tool(name: str) -> str:
    """The path of `promtool` or `prometheus` (env PROMTOOL / PROMETHEUS wins); skips locally, fails in CI."""
    found = os.environ.get(name.upper()) or shutil.which(name)
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail(f"{name} not found in CI: {INSTALL_HINT}")
    pytest.skip(f"{name} not found: {INSTALL_HINT}")


def promtool(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run promtool with a time limit; the caller asserts on its exit code and output."""
    return subprocess.run([tool("promtool"), *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Exporter:
    """A small exporter on 127.0.0.1 serving recorded metric text; `{T*k}` becomes k x seconds since start."""

    def __init__(self, text: str):
        self.text, self.started = text, time.monotonic()
        exporter = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                body = exporter.render().encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # keep the test output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def render(self) -> str:
        elapsed = time.monotonic() - self.started + 1.0

        def value(match: str) -> str:
            return repr(float(match) * elapsed)
        out = []
        for line in self.text.splitlines():
            if "{T*" in line:
                head, _, factor = line.rpartition("{T*")
                line = head + value(factor.rstrip("}"))
            out.append(line)
        return "\n".join(out) + "\n"

    def __enter__(self) -> Exporter:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def with_file_discovery(config: Mapping[str, Any], targets_file: Path, interval: str) -> dict:
    """`config` with every job's Kubernetes discovery replaced by one file of discovered pods, the scrape
    interval shortened to `interval` (the relabelling, the part under test, is untouched)."""
    result = json.loads(json.dumps(config))
    result["global"] = {**result.get("global", {}), "scrape_interval": interval, "evaluation_interval": interval}
    for job in result["scrape_configs"]:
        roles = [sd["role"] for sd in job.pop("kubernetes_sd_configs")]
        # Pod discovery finds the pods; endpoints discovery (the API server's job) finds nothing here.
        files = [str(targets_file)] if roles == ["pod"] else [str(targets_file.with_suffix(".none.json"))]
        job["file_sd_configs"] = [{"files": files, "refresh_interval": interval}]
    targets_file.with_suffix(".none.json").write_text("[]")
    return result


@contextlib.contextmanager
def prometheus(workdir: Path, config: Mapping[str, Any], rules: Mapping[str, Any] | None = None,
               timeout_s: float = 30) -> Iterator[Callable[[str, Mapping[str, str] | None], Any]]:
    """A Prometheus server on 127.0.0.1 (free port, its own data dir under `workdir`), yielding `api(path,
    params)`; always killed on exit."""
    binary = tool("prometheus")
    config = dict(config)
    if rules is not None:
        (workdir / "rules.yaml").write_text(yaml.safe_dump(rules, sort_keys=False))
        config["rule_files"] = [str(workdir / "rules.yaml")]
    (workdir / "prometheus.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    port = free_port()
    log = (workdir / "prometheus.log").open("w")
    process = subprocess.Popen(
        [binary, f"--config.file={workdir / 'prometheus.yml'}", f"--storage.tsdb.path={workdir / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
        stdout=log, stderr=subprocess.STDOUT)

    def api(path: str, params: Mapping[str, str] | None = None) -> Any:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}{query}", timeout=5) as response:
            body = response.read()
        return json.loads(body)["data"] if path.startswith("/api/") else body.decode()

    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if process.poll() is not None:
                log_text = (workdir / "prometheus.log").read_text()
                raise AssertionError(f"prometheus exited {process.returncode}: {log_text}")
            with contextlib.suppress(OSError):
                if "Ready" in api("/-/ready"):
                    break
            if time.monotonic() > deadline:
                raise AssertionError("prometheus did not become ready in time")
            time.sleep(0.2)
        yield api
    finally:
        process.kill()
        process.wait(timeout=10)
        log.close()


def wait_for(check: Callable[[], Any], timeout_s: float, what: str) -> Any:
    """Poll `check` until it returns something truthy, or fail naming `what`."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)
