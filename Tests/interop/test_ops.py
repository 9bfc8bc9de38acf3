"""Operating metricsd: /metrics counts, graceful shutdown on SIGTERM, configuration, logs, and
the `query` / `simulate` subcommands, against a real `metricsd serve`."""
import concurrent.futures
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from conftest import BIN, TOKEN, Server, delta, free_port, now_ms, req, scrape
from manager_workspace.v1 import metrics_pb2 as pb
from manager_workspace.v1 import metrics_pb2_grpc as rpc

AUTH = (("authorization", f"Bearer {TOKEN}"),)
REST_HEADERS = {"authorization": f"Bearer {TOKEN}", "content-type": "application/json"}


def light_request():
    now = now_ms()
    return pb.GetMetricsRequest(
        account_id="demo", filters=pb.Filters(time=pb.TimeRange(from_ms=now - 3_600_000, to_ms=now)),
        metrics_to_retrieve_by_time=["closed_conversations"], metrics_to_retrieve_current_value=["online_agents"])


def rest_body():
    now = now_ms()
    return json.dumps({"filters": {"time": {"from": now - 3_600_000, "to": now}},
                       "metricsToRetrieveByTime": ["closed_conversations"]})


def log_of(server) -> str:
    """The server's whole log, also after stop() closed the fixture's handle."""
    with open(os.path.join(server.dir, "server.log"), "rb") as f:
        return f.read().decode(errors="replace")


# MARK: /metrics

def test_request_counters_move_by_exactly_the_requests_sent_per_status(server):
    before = scrape(server)
    with grpc.insecure_channel(server.target) as ch:
        stub = rpc.MetricsServiceStub(ch)
        for _ in range(20):
            stub.GetMetrics(light_request(), metadata=AUTH, timeout=10)
        for _ in range(4):
            with pytest.raises(grpc.RpcError) as e:
                stub.GetMetrics(pb.GetMetricsRequest(), metadata=AUTH, timeout=10)
            assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        for _ in range(3):
            with pytest.raises(grpc.RpcError) as e:
                stub.GetMetrics(light_request(), timeout=10)
            assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED
    path = "/manager_workspace/api/account/demo/metrics"
    for _ in range(6):
        assert server.http("POST", path, body=rest_body(), headers=REST_HEADERS)[0] == 200
    for _ in range(2):
        assert server.http("POST", path, body="{not json", headers=REST_HEADERS)[0] == 400
    after = scrape(server)

    assert delta(before, after, req("grpc", "GetMetrics", "OK")) == 20
    assert delta(before, after, req("grpc", "GetMetrics", "INVALID_ARGUMENT")) == 4
    assert delta(before, after, req("grpc", "GetMetrics", "UNAUTHENTICATED")) == 3
    assert delta(before, after, req("rest", "GetMetrics", "OK")) == 6
    assert delta(before, after, req("rest", "GetMetrics", "INVALID_ARGUMENT")) == 2
    moved = {k for k in after if k.startswith("metricsd_requests_total") and delta(before, after, k) != 0}
    assert moved == {req("grpc", "GetMetrics", c) for c in ("OK", "INVALID_ARGUMENT", "UNAUTHENTICATED")} | \
        {req("rest", "GetMetrics", c) for c in ("OK", "INVALID_ARGUMENT")}
    hist = 'metricsd_request_duration_seconds_count{front="grpc",method="GetMetrics"}'
    assert delta(before, after, hist) == 27
    assert after["metricsd_requests_in_flight"] == 0
    assert after["metricsd_open_connections"] >= 1  # the scrape's own
    assert after["metricsd_serving"] == 1
    assert after["metricsd_core_agents"] > 0 and after["metricsd_core_buckets"] > 0
    assert after["metricsd_core_open_conversations"] >= 0 and after["metricsd_core_accounts"] >= 1


def test_events_ingested_and_rejected_are_counted(server):
    before = scrape(server)
    now = now_ms()
    batch = {"producerId": f"ops-test-{now}", "sequence": 1, "events": [
        {"type": "skill_upserted", "time": now, "skillId": "ops-skill", "name": "Ops"},
        {"type": "conversation_opened", "time": now, "conversationId": f"ops-{now}", "skillId": "ops-skill"},
        {"type": "consumer_message", "time": now, "conversationId": "never-opened"},
    ]}
    path = "/manager_workspace/api/account/demo/events"
    status, _, raw = server.http("POST", path, body=json.dumps(batch), headers=REST_HEADERS)
    assert status == 200, raw
    answer = json.loads(raw)
    status, _, _ = server.http("POST", path, body=json.dumps(batch), headers=REST_HEADERS)  # a retry
    after = scrape(server)
    assert delta(before, after, 'metricsd_events_total{outcome="applied"}') == answer["applied"] == 2
    assert delta(before, after, 'metricsd_events_total{outcome="rejected"}') == int(answer["rejected"]) == 1
    assert delta(before, after, "metricsd_duplicate_batches_total") == 1
    assert delta(before, after, req("rest", "PublishEvents", "OK")) == 2


def test_rate_limit_rejections_are_counted_by_reason():
    limited = Server(tokens={"tokens": [
        {"token": TOKEN, "userId": "interop", "accounts": ["demo"], "maxConcurrent": 4, "maxPerMinute": 3}]})
    try:
        with grpc.insecure_channel(limited.target) as ch:
            stub = rpc.MetricsServiceStub(ch)
            codes = []
            for _ in range(5):
                try:
                    stub.GetMetrics(light_request(), metadata=AUTH, timeout=10)
                    codes.append("OK")
                except grpc.RpcError as e:
                    codes.append(e.code().name)
        assert codes == ["OK"] * 3 + ["RESOURCE_EXHAUSTED"] * 2
        m = scrape(limited)
        assert m['metricsd_rate_limit_rejections_total{reason="per_minute"}'] == 2
        assert m['metricsd_rate_limit_rejections_total{reason="concurrent"}'] == 0
        assert m[req("grpc", "GetMetrics", "RESOURCE_EXHAUSTED")] == 2
        assert m["metricsd_wal_fsync_duration_seconds_count"] == 0  # no write-ahead log yet
    finally:
        assert limited.stop() == 0


# MARK: graceful shutdown

def delayed_calls(target, n, delay_ms):
    """n GetMetrics calls on one channel, each answered after delay_ms; returns (channel, futures)."""
    ch = grpc.insecure_channel(target)
    stub = rpc.MetricsServiceStub(ch)
    md = AUTH + (("x-metricsd-test-delay-ms", str(delay_ms)),)
    return ch, [stub.GetMetrics.future(light_request(), metadata=md, timeout=60) for _ in range(n)]


def wait_in_flight(server, n, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if scrape(server).get("metricsd_requests_in_flight", 0) >= n:
            return
        time.sleep(0.05)
    raise AssertionError(f"never saw {n} requests in flight")


def connect_refused(port) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return False
    except ConnectionRefusedError:
        return True


def test_sigterm_during_100_in_flight_calls_finishes_them_refuses_new_connections_and_exits_0():
    s = Server(extra_args=["--test-hooks"])
    ch, calls = delayed_calls(s.target, 100, 4000)  # long enough for all 100 to be in flight on a busy machine
    # And 10 REST calls over HTTP/1.1, each on its own connection.
    pool = concurrent.futures.ThreadPoolExecutor(10)
    rest_headers = dict(REST_HEADERS, **{"x-metricsd-test-delay-ms": "4000"})
    rest_calls = [pool.submit(s.http, "POST", "/manager_workspace/api/account/demo/metrics", rest_body(), rest_headers)
                  for _ in range(10)]
    try:
        wait_in_flight(s, 110)
        sent = time.time()
        s.proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        assert connect_refused(s.port), "a new connection was accepted after SIGTERM"
        results = []
        for f in calls:
            try:
                f.result()
                results.append("OK")
            except grpc.RpcError as e:
                results.append(e.code().name)
        assert results == ["OK"] * 100
        assert [f.result()[0] for f in rest_calls] == [200] * 10
        assert s.proc.wait(timeout=15) == 0
        assert time.time() - sent < 12
    finally:
        ch.close()
        pool.shutdown()
        rc = s.stop()
    assert rc == 0
    log = log_of(s)
    assert "shutdown: health NOT_SERVING" in log and "stopped" in log


def test_health_turns_not_serving_before_the_listener_closes():
    s = Server(extra_args=["--test-hooks", "--drain-delay", "1500ms"])
    try:
        with grpc.insecure_channel(s.target) as ch:
            health = health_pb2_grpc.HealthStub(ch)
            assert health.Check(health_pb2.HealthCheckRequest(), timeout=5).status == \
                health_pb2.HealthCheckResponse.SERVING
            s.proc.send_signal(signal.SIGTERM)
            seen = []  # outcomes of fresh /healthz connections, in order
            deadline = time.time() + 10
            while time.time() < deadline:
                try:
                    seen.append(s.http("GET", "/healthz")[0])
                except ConnectionRefusedError:
                    seen.append("refused")
                    break
                except OSError:
                    seen.append("error")
                time.sleep(0.02)
        first_503 = seen.index(503)
        assert "refused" in seen and first_503 < seen.index("refused")
        assert 200 not in seen[first_503:], seen
        assert s.proc.wait(timeout=10) == 0
    finally:
        assert s.stop() == 0


def test_grpc_health_check_says_not_serving_during_the_drain():
    s = Server(extra_args=["--drain-delay", "2s"])
    try:
        s.proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        with grpc.insecure_channel(s.target) as ch:
            status = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=5).status
        assert status == health_pb2.HealthCheckResponse.NOT_SERVING
        assert s.proc.wait(timeout=10) == 0
    finally:
        assert s.stop() == 0


def test_grpc_health_watch_sees_not_serving_at_sigterm_then_ends_unavailable():
    s = Server(extra_args=["--drain-delay", "1s"])
    try:
        with grpc.insecure_channel(s.target) as ch:
            stream = health_pb2_grpc.HealthStub(ch).Watch(health_pb2.HealthCheckRequest(), timeout=20)
            assert next(stream).status == health_pb2.HealthCheckResponse.SERVING
            s.proc.send_signal(signal.SIGTERM)
            sent = time.time()
            # Told while the listener still drains, not only when the connection goes away.
            assert next(stream).status == health_pb2.HealthCheckResponse.NOT_SERVING
            assert time.time() - sent < 1
            with pytest.raises(grpc.RpcError) as e:
                next(stream)
            assert e.value.code() == grpc.StatusCode.UNAVAILABLE
            assert "shutting down" in e.value.details()
        assert s.proc.wait(timeout=10) == 0
    finally:
        assert s.stop() == 0


def test_grace_period_bounds_the_shutdown_and_still_exits_0():
    s = Server(extra_args=["--test-hooks", "--shutdown-grace", "1s"])
    ch, calls = delayed_calls(s.target, 3, 30_000)
    try:
        wait_in_flight(s, 3)
        sent = time.time()
        s.proc.send_signal(signal.SIGTERM)
        assert s.proc.wait(timeout=10) == 0
        assert time.time() - sent < 5
        for f in calls:
            with pytest.raises(grpc.RpcError):
                f.result()
    finally:
        ch.close()
        s.stop()


def test_a_second_signal_exits_at_once():
    s = Server(extra_args=["--test-hooks", "--shutdown-grace", "60s"])
    ch, calls = delayed_calls(s.target, 1, 30_000)
    try:
        wait_in_flight(s, 1)
        s.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert s.proc.poll() is None  # still draining the 30 s call
        sent = time.time()
        s.proc.send_signal(signal.SIGINT)
        assert s.proc.wait(timeout=5) == 1
        assert time.time() - sent < 2
    finally:
        ch.close()
        s.stop()
    assert "second signal" in log_of(s)


# MARK: logs

def test_logs_have_start_and_stop_lines_and_no_request_lines_or_tokens_by_default(server):
    server.http("POST", "/manager_workspace/api/account/demo/metrics", body=rest_body(), headers=REST_HEADERS)
    log = log_of(server)
    assert re.search(r"info metricsd: .*started", log)
    assert "recovery:" in log
    assert " request" not in log.replace("requests", "")
    assert TOKEN not in log


def test_request_logs_on_with_a_flag_name_the_call_but_not_its_token_or_body():
    s = Server(extra_args=["--log-requests"])
    try:
        body = rest_body()
        s.http("POST", "/manager_workspace/api/account/demo/metrics", body=body, headers=REST_HEADERS)
        with grpc.insecure_channel(s.target) as ch:
            rpc.MetricsServiceStub(ch).GetMetrics(light_request(), metadata=AUTH, timeout=10)
        time.sleep(0.2)
        log = log_of(s)
        assert re.search(r"code=OK.*front=rest.*method=GetMetrics.*request", log), log
        assert re.search(r"code=OK.*duration_ms=.*front=grpc.*method=GetMetrics.*request", log), log
        assert TOKEN not in log and "closed_conversations" not in log
    finally:
        assert s.stop() == 0


def test_json_log_format_is_one_object_per_line():
    s = Server(extra_args=["--log-format", "json", "--log-requests"])
    try:
        s.http("POST", "/manager_workspace/api/account/demo/metrics", body=rest_body(), headers=REST_HEADERS)
    finally:
        assert s.stop() == 0
    lines = [json.loads(l) for l in log_of(s).splitlines() if l.startswith("{")]
    msgs = [l["msg"] for l in lines]
    assert "started" in msgs and "stopped" in msgs and "request" in msgs
    started = next(l for l in lines if l["msg"] == "started")
    assert started["level"] == "info" and started["demo"] == "true" and started["time"].endswith("Z")
    requests = [(l["front"], l["method"], l["code"]) for l in lines if l["msg"] == "request"]
    assert ("rest", "GetMetrics", "OK") in requests  # besides the readiness probes' Health/Check
    assert TOKEN not in log_of(s)


# MARK: configuration

def run_serve(args, env=None, timeout=20):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([BIN, "serve", *args], capture_output=True, text=True, timeout=timeout, env=e)


def write_json(obj) -> str:
    fd, path = tempfile.mkstemp(suffix=".json")
    with os.fdopen(fd, "w") as f:
        f.write(obj if isinstance(obj, str) else json.dumps(obj))
    return path


@pytest.mark.parametrize("config, named", [
    ({"port": "eighty"}, 'key "port"'),
    ({"prot": 8080}, 'key "prot" is not a setting'),
    ({"max-per-minute": 0}, 'key "max-per-minute"'),
    ({"shutdown-grace": "soon"}, 'key "shutdown-grace"'),
    ({"log-level": "loud"}, 'key "log-level"'),
    ({"log-format": "xml"}, 'key "log-format"'),
    ({"demo": "maybe"}, 'key "demo"'),
    ("[1, 2]", "expected a JSON object"),
])
def test_invalid_config_file_fails_at_start_naming_the_key(config, named):
    out = run_serve(["--config", write_json(config)])
    assert out.returncode == 64  # EX_USAGE, before anything binds
    assert named in out.stderr, out.stderr


@pytest.mark.parametrize("env, named", [
    ({"METRICSD_PORT": "70000"}, "METRICSD_PORT"),
    ({"METRICSD_MAX_CONCURRENT": "0"}, "METRICSD_MAX_CONCURRENT"),
    ({"METRICSD_PROT": "1"}, "METRICSD_PROT is not a setting"),
])
def test_invalid_environment_fails_at_start_naming_the_variable(env, named):
    out = run_serve([], env=env)
    assert out.returncode != 0
    assert named in out.stderr, out.stderr


def test_invalid_flag_fails_naming_the_flag():
    out = run_serve(["--drain-delay", "later"])
    assert out.returncode != 0 and "--drain-delay" in out.stderr


def test_a_port_in_use_is_one_error_line_and_a_failed_start():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        out = run_serve(["--port", str(busy.getsockname()[1])])
    assert out.returncode != 0
    errors = [l for l in out.stderr.splitlines() if " error metricsd:" in l]
    assert len(errors) == 1 and "cannot listen" in errors[0], out.stderr


def serve_until_ready(args, env):
    e = dict(os.environ)
    e.update(env)
    proc = subprocess.Popen([BIN, "serve", *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=e, text=True)
    line = proc.stdout.readline()  # "metricsd listening on ..." (logs go to stderr)
    return proc, line


def test_config_file_then_environment_then_flags():
    port_file, port_env = free_port(), free_port()
    path = write_json({"port": port_file, "no-auth": True, "max-per-minute": 7, "log-level": "debug"})
    # The environment overrides the file's port.
    # The clients' own variables, often exported in the same shell, are not serve settings.
    proc, line = serve_until_ready(["--config", path], {"METRICSD_PORT": str(port_env), "METRICSD_TOKEN": "x",
                                                        "METRICSD_SERVER": "127.0.0.1:1"})
    try:
        assert f":{port_env}" in line, line
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    # A flag overrides both.
    port_flag = free_port()
    proc, line = serve_until_ready(["--config", path, "--port", str(port_flag)], {"METRICSD_PORT": str(port_env)})
    try:
        assert f":{port_flag}" in line, line
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0


def test_serve_help_documents_every_setting_and_its_variable():
    out = subprocess.run([BIN, "serve", "--help"], capture_output=True, text=True, timeout=20)
    assert out.returncode == 0
    text = " ".join(out.stdout.split())
    for flag in ["host", "port", "data-dir", "tokens", "demo", "no-auth", "max-concurrent", "max-per-minute",
                 "threads", "log-level", "log-format", "log-requests", "shutdown-grace", "drain-delay", "config"]:
        assert f"--{flag}" in text, flag
        assert "METRICSD_" + flag.upper().replace("-", "_") in text, flag


# MARK: query and simulate

def test_simulate_posts_the_requested_number_of_events(server):
    before = scrape(server)
    out = subprocess.run([BIN, "simulate", "--server", server.target, "--token", TOKEN, "--rate", "2000",
                          "--events", "600", "--batch", "100", "--quiet"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr + out.stdout
    m = re.search(r"sent 600 events in (\d+) batches", out.stdout)
    assert m, out.stdout
    assert TOKEN not in out.stdout + out.stderr
    after = scrape(server)
    ingested = delta(before, after, 'metricsd_events_total{outcome="applied"}') + \
        delta(before, after, 'metricsd_events_total{outcome="rejected"}')
    assert ingested == 600
    assert delta(before, after, 'metricsd_events_total{outcome="applied"}') > 500
    assert delta(before, after, req("rest", "PublishEvents", "OK")) == int(m.group(1))


def test_query_prints_a_table_of_groups_and_metrics(server):
    out = subprocess.run([BIN, "query", "--server", server.target, "--token", TOKEN, "--group-by", "skillId",
                          "--last", "24h", "--by-time", "closed_conversations", "--current", "online_agents"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    header = next(l for l in lines if l.startswith("skillId"))
    assert "closedConversations" in header and "onlineAgents" in header
    assert any(l.startswith("(all)") for l in lines)
    assert re.search(r"\d+ group\(s\) in all", out.stdout)
    assert TOKEN not in out.stdout


def test_query_without_a_token_says_what_the_server_answered(server):
    out = subprocess.run([BIN, "query", "--server", server.target], capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert "401" in out.stderr
