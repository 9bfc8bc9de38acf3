"""Producers that retry every batch until it is acknowledged, and the exactly-once check,
shared by test_durability.py and scripts/crashtest.

Each batch opens and closes `n` fresh conversations, so an account's closedConversations is
exactly the number of conversations in acknowledged batches when every acknowledged event is
counted once: a lost batch makes it smaller, and a batch applied twice cannot add to it
because a conversation id is never opened twice (the core rejects that) — which is why the
check also re-sends acknowledged batches and expects `duplicate: true`."""
import http.client
import json
import os
import signal
import socket
import subprocess
import threading
import time

import grpc

from manager_workspace.v1 import metrics_pb2 as pb
from manager_workspace.v1 import metrics_pb2_grpc as rpc

# Reconnect quickly after the server comes back (grpcio backs off up to 2 minutes otherwise).
GRPC_OPTIONS = [("grpc.initial_reconnect_backoff_ms", 50), ("grpc.min_reconnect_backoff_ms", 50),
                ("grpc.max_reconnect_backoff_ms", 300)]


def batch_events(producer: str, seq: int, n: int, t: int):
    """Events as JSON dicts: open and close `n` conversations unique to (producer, seq)."""
    events = []
    for i in range(n):
        cid = f"{producer}-{seq}-{i}"
        events.append({"type": "conversation_opened", "time": t, "conversationId": cid, "skillId": "s1"})
        events.append({"type": "conversation_closed", "time": t + 1, "conversationId": cid, "closedBy": "SYSTEM"})
    return events


def to_proto(account, producer, seq, events):
    req = pb.PublishEventsRequest(account_id=account, producer_id=producer, sequence=seq)
    for e in events:
        m = req.events.add(type=e["type"], time=e["time"], conversation_id=e["conversationId"])
        if "skillId" in e:
            m.skill_id = e["skillId"]
        if "closedBy" in e:
            m.closed_by = e["closedBy"]
    return req


class RestClient:
    def __init__(self, port, token, account):
        self.port, self.token, self.account = port, token, account

    def publish(self, producer, seq, events, timeout=10):
        """The reply as a dict, or raises on anything but 200."""
        body = json.dumps({"producerId": producer, "sequence": seq, "events": events})
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request("POST", f"/manager_workspace/api/account/{self.account}/events", body=body,
                      headers={"authorization": f"Bearer {self.token}", "content-type": "application/json"})
            r = c.getresponse()
            data = r.read()
        finally:
            c.close()
        if r.status != 200:
            raise RuntimeError(f"HTTP {r.status}: {data[:300]!r}")
        return json.loads(data)

    def closed_conversations(self, from_ms):
        body = json.dumps({"filters": {"time": {"from": from_ms, "to": int(time.time() * 1000) + 60_000}},
                           "metricsToRetrieveByTime": ["closed_conversations"], "responseSections": ["all"]})
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c.request("POST", f"/manager_workspace/api/account/{self.account}/metrics", body=body,
                  headers={"authorization": f"Bearer {self.token}", "content-type": "application/json"})
        r = c.getresponse()
        data = r.read()
        assert r.status == 200, data
        return json.loads(data)["all"]["metrics"]["closedConversations"]


class GrpcClient:
    def __init__(self, port, token, account):
        self.account = account
        self.metadata = (("authorization", f"Bearer {token}"),)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=GRPC_OPTIONS)
        self.stub = rpc.MetricsServiceStub(self.channel)

    def publish(self, producer, seq, events, timeout=10):
        r = self.stub.PublishEvents(to_proto(self.account, producer, seq, events), metadata=self.metadata,
                                    timeout=timeout)
        return {"applied": r.applied, "rejected": r.rejected, "duplicate": r.duplicate}

    def close(self):
        self.channel.close()


class Producer(threading.Thread):
    """Sends batches 1, 2, 3, … until `stop` is set, each retried with the same
    (producerId, sequence) until acknowledged. `acked_conversations` counts what the server
    acknowledged, whether applied now or an earlier attempt's (duplicate)."""

    def __init__(self, client, name, per_batch, stop, t0, max_batches=None):
        super().__init__(daemon=True)
        self.client, self.name_, self.per_batch, self.stop, self.t0 = client, name, per_batch, stop, t0
        self.max_batches = max_batches
        self.acked_batches = 0
        self.acked_conversations = 0
        self.applied_events = 0
        self.duplicates = 0
        self.retries = 0
        self.errors = []
        self.last = None  # (seq, events) of the last acknowledged batch
        self.failure = None

    def run(self):
        try:
            self._run()
        except Exception as e:
            self.failure = f"{self.name_}: {e}"

    def _run(self):
        seq = 0
        while not self.stop.is_set() and (self.max_batches is None or seq < self.max_batches):
            seq += 1
            events = batch_events(self.name_, seq, self.per_batch, self.t0 + seq)
            while True:
                try:
                    reply = self.client.publish(self.name_, seq, events)
                    break
                except Exception as e:  # refused, reset, UNAVAILABLE, timeout: the server is restarting
                    self.retries += 1
                    if len(self.errors) < 5:
                        self.errors.append(str(e)[:200])
                    time.sleep(0.05)
            if reply.get("duplicate"):
                self.duplicates += 1
            elif reply.get("applied", 0) != 2 * self.per_batch or reply.get("rejected", 0) != 0:
                raise AssertionError(f"{self.name_} seq {seq}: {reply}")
            self.applied_events += reply.get("applied", 0)
            self.acked_batches += 1
            self.acked_conversations += self.per_batch
            self.last = (seq, events)


class DurableServer:
    """`metricsd serve` on a fixed port and data dir, so it can be killed and started again."""

    def __init__(self, binary, data_dir, tokens_path, port=None, extra_args=(), log_path=None):
        self.binary, self.data_dir, self.tokens_path = binary, data_dir, tokens_path
        self.port = port or free_port()
        self.extra_args = list(extra_args)
        self.log_path = log_path or os.path.join(os.path.dirname(data_dir.rstrip("/")), "server.log")
        self.proc = None

    def start(self, extra_args=(), wait=True):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--tokens", self.tokens_path,
             "--data-dir", self.data_dir, *self.extra_args, *extra_args], stdout=log, stderr=subprocess.STDOUT)
        log.close()
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"metricsd exited with {self.proc.returncode}: {self.log()[-3000:]}")
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("metricsd did not become ready: " + self.log()[-3000:])

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_tokens(path, token, account):
    with open(path, "w") as f:
        json.dump({"tokens": [{"token": token, "userId": "durability", "accounts": [account],
                               "maxConcurrent": 1000, "maxPerMinute": 10_000_000}]}, f)


def check_exactly_once(rest, producers, from_ms, grpc_client=None):
    """closedConversations equals the acknowledged conversations, and every producer's last
    acknowledged batch, sent again, is a duplicate. Returns (expected, counted)."""
    expected = sum(p.acked_conversations for p in producers)
    counted = rest.closed_conversations(from_ms)
    assert counted == expected, f"closedConversations {counted}, acknowledged {expected}"
    for p in producers:
        if p.last:
            seq, events = p.last
            reply = p.client.publish(p.name_, seq, events)
            assert reply.get("duplicate") is True and reply.get("applied", 0) == 0, (p.name_, seq, reply)
    assert rest.closed_conversations(from_ms) == expected
    return expected, counted
