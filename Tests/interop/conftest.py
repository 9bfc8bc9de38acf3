"""Shared fixtures for the interop tests: a real metricsd process and stubs generated from
proto/ with grpcio-tools at test time (nothing generated is committed)."""
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("METRICSD_BIN", os.path.join(ROOT, ".build", "debug", "metricsd"))

TOKEN = "interop-token"
OTHER_TOKEN = "other-account-token"


def _generate_stubs() -> str:
    from grpc_tools import protoc

    out = tempfile.mkdtemp(prefix="metricsd-stubs-")
    rc = protoc.main(["protoc", f"-I{ROOT}/proto", f"--python_out={out}", f"--grpc_python_out={out}",
                      "manager_workspace/v1/metrics.proto"])
    assert rc == 0, "protoc failed for metrics.proto"
    # Health and reflection v1alpha stubs come from grpcio-health-checking / grpcio-reflection.
    # grpcio-reflection ships no v1 client stubs, and a generated `grpc/...` folder would be
    # shadowed by grpcio's own `grpc` package, so v1 is generated under another folder name
    # (the proto package, and so the rpc path, stays grpc.reflection.v1).
    v1 = os.path.join(out, "reflection_v1_src")
    os.makedirs(v1)
    with open(os.path.join(ROOT, "proto/grpc/reflection/v1/reflection.proto")) as f:
        text = f.read()
    os.makedirs(os.path.join(v1, "reflection_v1"))
    with open(os.path.join(v1, "reflection_v1", "reflection.proto"), "w") as f:
        f.write(text)
    rc = protoc.main(["protoc", f"-I{v1}", f"--python_out={out}", f"--grpc_python_out={out}",
                      "reflection_v1/reflection.proto"])
    assert rc == 0, "protoc failed for reflection v1"
    # Packages without __init__.py work as namespace packages.
    return out


STUBS = _generate_stubs()
sys.path.insert(0, STUBS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, extra_args=(), tokens=None):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="metricsd-it-")
        tokens = tokens or {"tokens": [
            {"token": TOKEN, "userId": "interop", "accounts": ["demo"], "maxConcurrent": 1000, "maxPerMinute": 10_000_000},
            {"token": OTHER_TOKEN, "userId": "other", "accounts": ["elsewhere"]},
        ]}
        self.tokens_path = os.path.join(self.dir, "tokens.json")
        with open(self.tokens_path, "w") as f:
            json.dump(tokens, f)
        args = [BIN, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--demo",
                "--tokens", self.tokens_path, "--data-dir", os.path.join(self.dir, "data"), *extra_args]
        self.log = open(os.path.join(self.dir, "server.log"), "wb")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_ready()

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _wait_ready(self):
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"metricsd exited with {self.proc.returncode}: {self.read_log()}")
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("metricsd did not become ready: " + self.read_log())

    def read_log(self) -> str:
        self.log.flush()
        with open(os.path.join(self.dir, "server.log"), "rb") as f:
            return f.read().decode(errors="replace")[-4000:]

    def http(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read()

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


@pytest.fixture(scope="session")
def server():
    s = Server(extra_args=["--test-hooks"])
    yield s
    rc = s.stop()
    assert rc == 0, f"metricsd exited with {rc} on SIGTERM:\n{s.read_log()}"


def now_ms() -> int:
    return int(time.time() * 1000)


SERIES = re.compile(r'^([a-z_]+)(\{[^}]*\})? (\S+)$')


def scrape(server) -> dict:
    """The server's /metrics series, by name and labels."""
    status, headers, raw = server.http("GET", "/metrics")
    assert status == 200
    assert headers.get("content-type", "").startswith("text/plain")
    out = {}
    for line in raw.decode().splitlines():
        m = SERIES.match(line)
        if m:
            out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return out


def req(front, method, code):
    return f'metricsd_requests_total{{front="{front}",method="{method}",code="{code}"}}'


def delta(before, after, key):
    return after.get(key, 0) - before.get(key, 0)
