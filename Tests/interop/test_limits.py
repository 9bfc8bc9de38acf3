"""End-to-end proof of the rate limiter (SPEC §5): 64 clients, half REST over HTTP/1.1 and half
gRPC, hammer GetMetrics under one identity with small limits while a second identity works
at a calm pace. The limiter is judged from what the clients saw, not from its own counters.

How "in flight" is observed without trusting the limiter: every request asks the server (test
hook) to hold its answer DELAY seconds while it keeps its permit. An answer sent at `send` and
received at `recv` was therefore admitted at some a in [send, recv − DELAY] and released at some
c ≥ a + DELAY ≥ send + DELAY, so the server surely held it during [recv − DELAY, send + DELAY].
If more than maxConcurrent of those certain intervals overlap, the server had more than
maxConcurrent in flight. Likewise an admission surely lies in [send, recv − DELAY], which bounds
how many admissions surely fall into one 60-second window. Client-side jitter only shrinks the
certain intervals, so neither check can fail a correct server."""
import concurrent.futures
import http.client
import json
import random
import re
import threading
import time

import grpc

from conftest import Server, now_ms
from manager_workspace.v1 import metrics_pb2 as pb
from manager_workspace.v1 import metrics_pb2_grpc as rpc

MAX_CONCURRENT = 4
MAX_PER_MINUTE = 60
DELAY_MS = 600
DELAY = DELAY_MS / 1000
# Longer than one window, so admissions must resume once the first ones slide out.
DURATION = 68.0
CLIENTS = 64
HAMMER, CALM = "hammer-token", "calm-token"
PATH = "/manager_workspace/api/account/demo/metrics?limit=1"


def rest_body():
    now = now_ms()
    return json.dumps({"filters": {"time": {"from": now - 600_000, "to": now}},
                       "metricsToRetrieveByTime": ["closed_conversations"], "responseSections": ["all"]})


def grpc_request():
    now = now_ms()
    return pb.GetMetricsRequest(account_id="demo", filters=pb.Filters(time=pb.TimeRange(from_ms=now - 600_000, to_ms=now)),
                                metrics_to_retrieve_by_time=["closed_conversations"], response_sections=["all"])


class Outcome:
    __slots__ = ("front", "send", "recv", "ok", "rejected", "detail")

    def __init__(self, front, send, recv, ok, rejected, detail=""):
        self.front, self.send, self.recv, self.ok, self.rejected, self.detail = front, send, recv, ok, rejected, detail


def rest_client(port, token, deadline, pause, out):
    conn = None
    while time.monotonic() < deadline:
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"authorization": f"Bearer {token}", "content-type": "application/json",
                   "x-metricsd-test-delay-ms": str(DELAY_MS)}
        send = time.monotonic()
        try:
            conn.request("POST", PATH, body=rest_body(), headers=headers)
            r = conn.getresponse()
            raw = r.read()
        except (OSError, http.client.HTTPException) as e:
            out.append(Outcome("rest", send, time.monotonic(), False, False, f"transport error {e!r}"))
            conn.close()
            conn = None
            continue
        recv = time.monotonic()
        if r.status == 200:
            out.append(Outcome("rest", send, recv, True, False))
            time.sleep(pause())
            continue
        # SPEC §5: 429 + Retry-After (whole seconds) + the JSON error body, nothing else.
        detail = f"HTTP {r.status} retry-after={r.getheader('retry-after')!r} {raw[:200]!r}"
        good = False
        try:
            err = json.loads(raw)["error"]
            retry = int(r.getheader("retry-after"))
            good = r.status == 429 and err["status"] == "RESOURCE_EXHAUSTED" and err["code"] == 429 and 1 <= retry <= 60
            detail = err["message"]
        except (ValueError, KeyError, TypeError):
            pass
        out.append(Outcome("rest", send, recv, False, good, detail))
        time.sleep(random.uniform(0.05, 0.25))


def grpc_client(stub, token, deadline, pause, out):
    md = (("authorization", f"Bearer {token}"), ("x-metricsd-test-delay-ms", str(DELAY_MS)))
    while time.monotonic() < deadline:
        send = time.monotonic()
        try:
            stub.GetMetrics(grpc_request(), metadata=md, timeout=30)
            out.append(Outcome("grpc", send, time.monotonic(), True, False))
            time.sleep(pause())
            continue
        except grpc.RpcError as e:
            recv = time.monotonic()
            trailers = dict(e.trailing_metadata() or ())
            detail = f"{e.code()} {e.details()} retry-after-ms={trailers.get('retry-after-ms')!r}"
            good = False
            try:
                good = e.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and 0 < int(trailers["retry-after-ms"]) <= 60_000
                detail = e.details()
            except (KeyError, ValueError, TypeError):
                pass
            out.append(Outcome("grpc", send, recv, False, good, detail))
        time.sleep(random.uniform(0.05, 0.25))


def max_certain_overlap(oks):
    """The most OK answers the server surely held at one instant (see the module docstring)."""
    edges = []
    for o in oks:
        start, end = o.recv - DELAY, o.send + DELAY
        if start < end:
            edges.append((start, 1))
            edges.append((end, -1))
    edges.sort(key=lambda e: (e[0], e[1]))  # an interval ending where another starts does not overlap it
    best = cur = 0
    for _, d in edges:
        cur += d
        best = max(best, cur)
    return best


def max_certain_per_window(oks, window=60.0 - 0.002):
    """The most admissions surely inside one 60 s window (2 ms of slack for the server's
    millisecond clock)."""
    spans = sorted((o.send, o.recv - DELAY) for o in oks)
    best = 0
    for i, (start, _) in enumerate(spans):
        best = max(best, sum(1 for s, latest in spans[i:] if latest < start + window))
    return best


def test_64_clients_on_both_fronts_never_exceed_one_identitys_limits():
    """SPEC §5: per (account, user), for GetMetrics on both fronts together, at most
    maxConcurrent in flight and at most maxPerMinute admitted in any 60 s sliding window; over
    either → 429 + Retry-After / RESOURCE_EXHAUSTED + retry-after-ms; other identities are
    unaffected."""
    server = Server(extra_args=["--test-hooks"], tokens={"tokens": [
        {"token": HAMMER, "userId": "hammer", "accounts": ["demo"], "maxConcurrent": MAX_CONCURRENT,
         "maxPerMinute": MAX_PER_MINUTE},
        {"token": CALM, "userId": "calm", "accounts": ["demo"], "maxConcurrent": MAX_CONCURRENT, "maxPerMinute": 600},
    ]})
    channels = [grpc.insecure_channel(server.target, options=[("grpc.use_local_subchannel_pool", 1)]) for _ in range(4)]
    stubs = [rpc.MetricsServiceStub(c) for c in channels]
    hammer, calm = [], []
    lock = threading.Lock()

    def collect(target, fn, *args):
        local = []
        fn(*args, local)
        with lock:
            target.extend(local)

    try:
        deadline = time.monotonic() + DURATION
        with concurrent.futures.ThreadPoolExecutor(max_workers=CLIENTS + 2) as pool:
            futures = []
            for i in range(CLIENTS):
                if i % 2 == 0:
                    futures.append(pool.submit(collect, hammer, rest_client, server.port, HAMMER, deadline, lambda: 0))
                else:
                    futures.append(pool.submit(collect, hammer, grpc_client, stubs[i % 4], HAMMER, deadline, lambda: 0))
            # The calm identity: one REST and one gRPC client, one request every ~1.2 s each.
            futures.append(pool.submit(collect, calm, rest_client, server.port, CALM, deadline, lambda: 0.8))
            futures.append(pool.submit(collect, calm, grpc_client, stubs[0], CALM, deadline, lambda: 0.8))
            for f in futures:
                f.result()
        _, _, prometheus = server.http("GET", "/metrics")
    finally:
        for c in channels:
            c.close()
        rc = server.stop()
    assert rc == 0, server.read_log()

    oks = [o for o in hammer if o.ok]
    print(f"limiter e2e: {len(hammer)} answers, {len(oks)} OK, max certain overlap {max_certain_overlap(oks)}, "
          f"max certain per 60 s {max_certain_per_window(oks)}, calm {len(calm)} answers")
    bad = [o for o in hammer if not o.ok and not o.rejected]
    assert not bad, f"{len(bad)} answers were neither OK nor a proper rate-limit rejection, e.g. " + \
        "; ".join(f"{o.front}: {o.detail}" for o in bad[:5])

    # At most maxConcurrent in flight, as the server surely held them.
    overlap = max_certain_overlap(oks)
    assert overlap <= MAX_CONCURRENT, f"the server held {overlap} requests of one identity at once"
    # The test had power: the limit was actually reached.
    assert overlap >= MAX_CONCURRENT - 1, f"at most {overlap} certain overlaps: the clients never filled the limit"

    # At most maxPerMinute admitted in any 60 s window, and the window slides: admissions
    # resumed after the first ones left it.
    assert max_certain_per_window(oks) <= MAX_PER_MINUTE
    assert len(oks) > MAX_PER_MINUTE, f"only {len(oks)} admitted in {DURATION} s: the window never slid"
    assert len(oks) <= 2 * MAX_PER_MINUTE
    fronts = {o.front for o in oks}
    assert fronts == {"rest", "grpc"}, f"admitted only through {fronts}"

    # Both limits were hit, and each rejection said which.
    messages = [o.detail for o in hammer if o.rejected]
    assert any("concurrent" in m for m in messages)
    assert any("60 s" in m for m in messages)
    assert {o.front for o in hammer if o.rejected} == {"rest", "grpc"}
    # SPEC §5 "Rejections are counted in metrics": the server's counts are the clients' counts.
    counted = dict(re.findall(rb'^metricsd_rate_limit_rejections_total\{reason="(\w+)"\} (\d+)$', prometheus, re.M))
    assert int(counted[b"concurrent"]) == sum("concurrent" in m for m in messages)
    assert int(counted[b"per_minute"]) == sum("60 s" in m for m in messages)

    # The calm identity, on the same account at the same time, was never limited.
    assert len(calm) >= 20
    assert all(o.ok for o in calm), [o.detail for o in calm if not o.ok][:5]


def test_no_auth_identity_is_the_peer_address_not_the_connection():
    """SPEC §6 + §5: under --no-auth the identity is the peer address, so limits hold across
    connections; a client cannot get fresh limits by reconnecting (each request below opens
    its own connection from a new port)."""
    server = Server(extra_args=["--no-auth", "--max-concurrent", "4", "--max-per-minute", "2"])
    try:
        statuses = []
        for _ in range(3):
            c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            c.request("POST", PATH, body=rest_body(), headers={"content-type": "application/json"})
            r = c.getresponse()
            r.read()
            statuses.append((r.status, r.getheader("retry-after")))
            c.close()
        assert [s for s, _ in statuses] == [200, 200, 429], statuses
        assert 1 <= int(statuses[2][1]) <= 60
        # gRPC from this address shares the same identity and window.
        with grpc.insecure_channel(server.target) as ch:
            try:
                rpc.MetricsServiceStub(ch).GetMetrics(grpc_request(), timeout=10)
                raise AssertionError("gRPC call was admitted past the per-minute limit")
            except grpc.RpcError as e:
                assert e.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    finally:
        assert server.stop() == 0, server.read_log()
