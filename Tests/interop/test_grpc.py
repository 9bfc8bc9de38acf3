"""python grpcio as a real client of metricsd's gRPC front (GRPC.md checklist)."""
import concurrent.futures
import json
import threading
import time

import grpc
import pytest

from conftest import OTHER_TOKEN, TOKEN, Server, delta, now_ms, req, scrape
from manager_workspace.v1 import metrics_pb2 as pb
from manager_workspace.v1 import metrics_pb2_grpc as rpc

AUTH = (("authorization", f"Bearer {TOKEN}"),)


def light_request(**overrides):
    now = now_ms()
    req = pb.GetMetricsRequest(
        account_id="demo",
        filters=pb.Filters(time=pb.TimeRange(from_ms=now - 3_600_000, to_ms=now)),
        metrics_to_retrieve_by_time=["closed_conversations", "avg_wait_time"],
        metrics_to_retrieve_current_value=["online_agents", "agent_load"],
        group_by="skillId",
    )
    for k, v in overrides.items():
        setattr(req, k, v)
    return req


@pytest.fixture(scope="module")
def channel(server):
    with grpc.insecure_channel(server.target) as ch:
        yield ch


@pytest.fixture(scope="module")
def stub(channel):
    return rpc.MetricsServiceStub(channel)


def test_unary_ok_returns_sections_and_links(stub):
    resp = stub.GetMetrics(light_request(limit=5), metadata=AUTH, timeout=10)
    assert resp.HasField("metadata") and resp.HasField("all") and resp.HasField("group_by")
    assert resp.group_by.group_by_field == "skillId"
    assert resp.metadata.count >= len(resp.group_by.groups) > 0
    assert resp.metadata.self.rel == "self"
    assert "/manager_workspace/api/account/demo/metrics?offset=0&limit=5" in resp.metadata.self.href
    # Counts are always present when requested; online_agents is a count.
    assert resp.all.metrics.HasField("closed_conversations")
    assert resp.all.metrics.HasField("online_agents")


def test_grpc_and_rest_give_the_same_numbers(server, stub):
    req = light_request(limit=50)
    resp = stub.GetMetrics(req, metadata=AUTH, timeout=10)
    body = {
        "filters": {"time": {"from": req.filters.time.from_ms, "to": req.filters.time.to_ms}},
        "metricsToRetrieveByTime": list(req.metrics_to_retrieve_by_time),
        "metricsToRetrieveCurrentValue": list(req.metrics_to_retrieve_current_value),
        "groupBy": "skillId",
    }
    status, _, raw = server.http("POST", "/manager_workspace/api/account/demo/metrics?limit=50",
                                 body=json.dumps(body), headers={"authorization": f"Bearer {TOKEN}",
                                                                 "content-type": "application/json"})
    assert status == 200, raw
    rest = json.loads(raw)
    assert rest["metadata"]["count"] == resp.metadata.count
    assert rest["all"]["metrics"]["closedConversations"] == resp.all.metrics.closed_conversations
    grpc_groups = {g.key: g.metrics.closed_conversations for g in resp.group_by.groups}
    rest_groups = {g["key"]: g["metrics"]["closedConversations"] for g in rest["groupBy"]["groups"]}
    assert grpc_groups == rest_groups


def test_empty_request_is_invalid_argument_naming_filters(stub):
    with pytest.raises(grpc.RpcError) as e:
        stub.GetMetrics(pb.GetMetricsRequest(), metadata=AUTH, timeout=10)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "filters" in e.value.details()


def test_garbage_bytes_are_invalid_argument(channel):
    call = channel.unary_unary("/manager_workspace.v1.MetricsService/GetMetrics",
                               request_serializer=lambda b: b, response_deserializer=lambda b: b)
    with pytest.raises(grpc.RpcError) as e:
        call(b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", metadata=AUTH, timeout=10)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "offset" in e.value.details()  # the error says where the bytes went wrong


def test_unknown_method_is_unimplemented(channel):
    call = channel.unary_unary("/manager_workspace.v1.MetricsService/NoSuchMethod",
                               request_serializer=lambda b: b, response_deserializer=lambda b: b)
    with pytest.raises(grpc.RpcError) as e:
        call(b"", metadata=AUTH, timeout=10)
    assert e.value.code() == grpc.StatusCode.UNIMPLEMENTED
    # The server's own answer, not grpcio's mapping of a bare HTTP 404 (also UNIMPLEMENTED).
    assert e.value.details() == "unknown method /manager_workspace.v1.MetricsService/NoSuchMethod"


def test_missing_token_is_unauthenticated_and_other_account_is_denied(stub):
    with pytest.raises(grpc.RpcError) as e:
        stub.GetMetrics(light_request(), timeout=10)
    assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.RpcError) as e:
        stub.GetMetrics(light_request(), metadata=(("authorization", f"Bearer {OTHER_TOKEN}"),), timeout=10)
    assert e.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_deadline_exceeded_when_the_server_is_slower_than_the_deadline(server, stub):
    before = scrape(server)
    md = AUTH + (("x-metricsd-test-delay-ms", "2000"),)
    started = time.monotonic()
    with pytest.raises(grpc.RpcError) as e:
        stub.GetMetrics(light_request(), metadata=md, timeout=0.3)
    assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    # Past the delay: the server counted the call DEADLINE_EXCEEDED and never ran it to OK.
    time.sleep(max(0.0, 2.5 - (time.monotonic() - started)))
    after = scrape(server)
    assert delta(before, after, req("grpc", "GetMetrics", "DEADLINE_EXCEEDED")) == 1
    assert delta(before, after, req("grpc", "GetMetrics", "OK")) == 0
    assert delta(before, after, req("grpc", "GetMetrics", "CANCELLED")) == 0


def test_client_cancel_mid_call_leaves_the_server_serving(server, stub):
    before = scrape(server)
    md = AUTH + (("x-metricsd-test-delay-ms", "1000"),)
    started = time.monotonic()
    future = stub.GetMetrics.future(light_request(), metadata=md, timeout=10)
    threading.Event().wait(0.2)
    assert future.cancel()
    assert future.cancelled()
    # Past the delay: the server saw the cancel (CANCELLED) and dropped the work (no OK).
    time.sleep(max(0.0, 1.5 - (time.monotonic() - started)))
    after = scrape(server)
    assert delta(before, after, req("grpc", "GetMetrics", "CANCELLED")) == 1
    assert delta(before, after, req("grpc", "GetMetrics", "OK")) == 0
    assert stub.GetMetrics(light_request(), metadata=AUTH, timeout=10).HasField("all")


def test_client_cancel_releases_the_concurrency_permit_at_once():
    """maxConcurrent 1: a cancelled 5 s call must not hold the caller's only permit."""
    single = Server(tokens={"tokens": [
        {"token": TOKEN, "userId": "interop", "accounts": ["demo"], "maxConcurrent": 1, "maxPerMinute": 1000}]},
        extra_args=["--test-hooks"])
    try:
        with grpc.insecure_channel(single.target) as ch:
            stub = rpc.MetricsServiceStub(ch)
            md = AUTH + (("x-metricsd-test-delay-ms", "5000"),)
            held = stub.GetMetrics.future(light_request(), metadata=md, timeout=30)
            threading.Event().wait(0.3)
            # While it is held, the permit is taken: a second call is refused.
            with pytest.raises(grpc.RpcError) as e:
                stub.GetMetrics(light_request(), metadata=AUTH, timeout=10)
            assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert held.cancel()
            threading.Event().wait(0.2)
            started = time.monotonic()
            assert stub.GetMetrics(light_request(), metadata=AUTH, timeout=10).HasField("all")
            assert time.monotonic() - started < 2  # not after the held call's 5 s
    finally:
        assert single.stop() == 0


def test_200_concurrent_calls_on_one_channel(stub):
    futures = [stub.GetMetrics.future(light_request(), metadata=AUTH, timeout=30) for _ in range(200)]
    results = [f.result() for f in futures]
    assert len(results) == 200 and all(r.HasField("all") for r in results)


def test_200_concurrent_calls_on_20_channels(server):
    channels = [grpc.insecure_channel(server.target, options=[("grpc.use_local_subchannel_pool", 1)])
                for _ in range(20)]
    try:
        stubs = [rpc.MetricsServiceStub(c) for c in channels]
        futures = [stubs[i % 20].GetMetrics.future(light_request(), metadata=AUTH, timeout=30) for i in range(200)]
        assert all(f.result().HasField("all") for f in futures)
    finally:
        for c in channels:
            c.close()


def test_request_over_4_mib_is_resource_exhausted_and_one_under_is_served(stub):
    big = light_request()
    big.filters.agent_ids.extend(["a" * 1000] * 4300)  # ~4.3 MB
    with pytest.raises(grpc.RpcError) as e:
        stub.GetMetrics(big, metadata=AUTH, timeout=30)
    assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    near = light_request()
    near.filters.agent_ids.extend(["b" * 1000] * 4000)  # ~4.0 MB, under 4 MiB
    assert near.ByteSize() < 4 * 1024 * 1024
    assert stub.GetMetrics(near, metadata=AUTH, timeout=30).HasField("all")


def test_health_check_and_watch_say_serving(channel):
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    health = health_pb2_grpc.HealthStub(channel)
    assert health.Check(health_pb2.HealthCheckRequest(), timeout=10).status == health_pb2.HealthCheckResponse.SERVING
    stream = health.Watch(health_pb2.HealthCheckRequest(), timeout=10)
    first = next(stream)
    assert first.status == health_pb2.HealthCheckResponse.SERVING
    stream.cancel()


@pytest.mark.parametrize("version", ["v1", "v1alpha"])
def test_reflection_lists_services_and_serves_descriptors(channel, version):
    import importlib

    module = "grpc_reflection.v1alpha" if version == "v1alpha" else "reflection_v1"
    pb2 = importlib.import_module(f"{module}.reflection_pb2")
    pb2_grpc = importlib.import_module(f"{module}.reflection_pb2_grpc")
    stub = pb2_grpc.ServerReflectionStub(channel)
    reqs = [pb2.ServerReflectionRequest(list_services=""),
            pb2.ServerReflectionRequest(file_containing_symbol="manager_workspace.v1.MetricsService")]
    answers = list(stub.ServerReflectionInfo(iter(reqs), timeout=10))
    names = [s.name for s in answers[0].list_services_response.service]
    assert "manager_workspace.v1.MetricsService" in names and "grpc.health.v1.Health" in names
    from google.protobuf import descriptor_pb2

    fd = descriptor_pb2.FileDescriptorProto.FromString(answers[1].file_descriptor_response.file_descriptor_proto[0])
    assert fd.name == "manager_workspace/v1/metrics.proto"
    assert [m.name for m in fd.service[0].method] == ["GetMetrics", "PublishEvents"]


def test_gzip_compressed_request_is_unimplemented_with_accept_encoding(channel):
    stub = rpc.MetricsServiceStub(channel)
    req = light_request()
    # grpcio sends small messages uncompressed when gzip would not shrink them; this one shrinks.
    req.filters.agent_ids.extend(["a" * 1000] * 50)
    with pytest.raises(grpc.RpcError) as e:
        stub.GetMetrics(req, metadata=AUTH, timeout=10, compression=grpc.Compression.Gzip)
    assert e.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert "gzip" in e.value.details()


def test_wrong_content_type_on_a_grpc_path_is_http_415(server):
    import subprocess

    out = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--http2-prior-knowledge", "-X", "POST",
         "-H", "content-type: text/plain", "--data-binary", "x",
         f"http://{server.target}/manager_workspace.v1.MetricsService/GetMetrics"],
        capture_output=True, text=True, timeout=30)
    assert out.stdout == "415"


def test_rate_limit_is_resource_exhausted_with_retry_after_ms():
    from conftest import Server

    limited = Server(tokens={"tokens": [
        {"token": TOKEN, "userId": "interop", "accounts": ["demo"], "maxConcurrent": 4, "maxPerMinute": 3}]})
    try:
        with grpc.insecure_channel(limited.target) as ch:
            stub = rpc.MetricsServiceStub(ch)
            for _ in range(3):
                stub.GetMetrics(light_request(), metadata=AUTH, timeout=10)
            with pytest.raises(grpc.RpcError) as e:
                stub.GetMetrics(light_request(), metadata=AUTH, timeout=10)
            assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            trailers = dict(e.value.trailing_metadata())
            retry = int(trailers["retry-after-ms"])
            assert 0 < retry <= 60_000
    finally:
        assert limited.stop() == 0
