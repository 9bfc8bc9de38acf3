"""The REST contract of SPEC §1 against a real metricsd: response shape, every error row, links,
and the HTTP/1.1 and HTTP/2 transports. Each test names the SPEC rule it pins."""
import http.client
import json
import os
import re
import socket
import subprocess
import uuid

import pytest

from conftest import OTHER_TOKEN, ROOT, TOKEN, Server, now_ms

ACCOUNT = "contract"
AUTH = {"authorization": f"Bearer {TOKEN}", "content-type": "application/json"}
METRICS = f"/manager_workspace/api/account/{ACCOUNT}/metrics"
EVENTS = f"/manager_workspace/api/account/{ACCOUNT}/events"


@pytest.fixture(scope="module")
def rest():
    s = Server(extra_args=["--test-hooks"], tokens={"tokens": [
        {"token": TOKEN, "userId": "interop", "accounts": ["demo", ACCOUNT],
         "maxConcurrent": 1000, "maxPerMinute": 10_000_000},
        {"token": OTHER_TOKEN, "userId": "other", "accounts": ["elsewhere"]},
        {"token": "tight-token", "userId": "tight", "accounts": [ACCOUNT], "maxConcurrent": 1, "maxPerMinute": 2},
    ]})
    seed_contract_account(s)
    yield s
    assert s.stop() == 0, s.read_log()


# A small account whose numbers are known exactly. Two groups: 1641709730 "Sales" (agent a1) and
# 17 "Support" (agent a2, never online). c1, c3 closed by a1's AGENT, c2 by CONSUMER under a2,
# c4 closed by SYSTEM while unassigned, c5 open and assigned to a1. Wait samples of a1: 1000,
# 1001, 1001 ms, so avgWaitTime = 1000.667 (3 decimals, half away from zero).
T0 = now_ms() - 30 * 60_000


def contract_events():
    t = T0
    ev = [
        {"type": "agent_group_upserted", "time": t, "agentGroupId": "1641709730", "name": "Sales"},
        {"type": "agent_group_upserted", "time": t, "agentGroupId": "17", "name": "Support"},
        {"type": "skill_upserted", "time": t, "skillId": "100", "name": "Billing"},
        {"type": "agent_upserted", "time": t, "agentId": "a1", "name": "Ann", "userType": "HUMAN",
         "agentGroupId": "1641709730", "skillIds": ["100"], "maxSlots": 2},
        {"type": "agent_upserted", "time": t, "agentId": "a2", "name": "Bob", "userType": "HUMAN",
         "agentGroupId": "17", "skillIds": ["100"], "maxSlots": 1},
        {"type": "agent_state_changed", "time": t, "agentId": "a1", "state": "ONLINE"},
    ]

    def conv(cid, start, agent, wait_ms, closed_by):
        out = [{"type": "conversation_opened", "time": start, "conversationId": cid, "skillId": "100"}]
        if agent:
            out.append({"type": "conversation_assigned", "time": start + 1, "conversationId": cid, "agentId": agent})
        if wait_ms is not None:
            out.append({"type": "consumer_message", "time": start + 10, "conversationId": cid})
            out.append({"type": "agent_message", "time": start + 10 + wait_ms, "conversationId": cid, "agentId": agent})
        if closed_by:
            out.append({"type": "conversation_closed", "time": start + 5000, "conversationId": cid, "closedBy": closed_by})
        return out

    ev += conv("c1", t + 60_000, "a1", 1000, "AGENT")
    ev += conv("c2", t + 120_000, "a2", None, "CONSUMER")
    ev += conv("c3", t + 180_000, "a1", 1001, "AGENT")
    ev += conv("c4", t + 240_000, None, None, "SYSTEM")
    ev += conv("c5", t + 300_000, "a1", 1001, None)
    return ev


def seed_contract_account(s):
    status, _, raw = s.http("POST", EVENTS, json.dumps({"producerId": "seed", "sequence": 1, "events": contract_events()}), AUTH)
    assert status == 200, raw
    assert json.loads(raw) == {"applied": len(contract_events()), "rejected": 0, "duplicate": False}


def query_body(**overrides):
    body = {"filters": {"time": {"from": T0, "to": now_ms()}},
            "metricsToRetrieveByTime": ["closed_conversations", "avg_wait_time"],
            "metricsToRetrieveCurrentValue": ["agent_load"],
            "groupBy": "agentGroupId"}
    body.update(overrides)
    return body


def post(s, path, body, headers=AUTH):
    raw_body = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return s.http("POST", path, raw_body, headers)


def expect_error(s, status, field, path=METRICS + "?offset=0", body=None, headers=AUTH, method="POST"):
    """SPEC §1 Errors: the status, and a JSON body whose message names the field."""
    code, hdrs, raw = s.http(method, path, body if isinstance(body, (bytes, str, type(None))) else json.dumps(body), headers)
    assert code == status, raw
    assert hdrs.get("content-type", "").startswith("application/json")
    err = json.loads(raw)["error"]
    assert set(err) == {"code", "status", "message"}
    assert err["code"] == status
    assert field.lower() in err["message"].lower(), err["message"]
    return err, hdrs


# --- Response shape (SPEC §1 "Response") -------------------------------------------------------

def test_spec_request_example_answers_with_the_documented_shape(rest):
    """SPEC §1 Response: metadata.count + links, groupBy.groupByField/groups[key,keyDescription,
    metrics], all.metrics; counts integers, doubles ≤ 3 decimals, absent metrics omitted."""
    status, hdrs, raw = post(rest, METRICS + "?offset=0&limit=1&sort=closedConversations:desc", query_body())
    assert status == 200, raw
    assert hdrs["content-type"].startswith("application/json")
    r = json.loads(raw)
    assert list(r) == ["metadata", "groupBy", "all"]
    md = r["metadata"]
    assert md["count"] == 2 and type(md["count"]) is int
    base = f"http://127.0.0.1:{rest.port}{METRICS}"
    assert md["first"] == {"rel": "first", "href": f"{base}?offset=0&limit=1&sort=closedConversations:desc"}
    assert md["self"] == {"rel": "self", "href": f"{base}?offset=0&limit=1&sort=closedConversations:desc"}
    assert md["next"] == {"rel": "next", "href": f"{base}?offset=1&limit=1&sort=closedConversations:desc"}
    assert md["last"] == {"rel": "last", "href": f"{base}?offset=1&limit=1&sort=closedConversations:desc"}
    assert "prev" not in md
    assert r["groupBy"]["groupByField"] == "agentGroupId"
    [sales] = r["groupBy"]["groups"]
    assert sales["key"] == "1641709730" and sales["keyDescription"] == "Sales"
    # a1 holds c5 (weight 1) of 2 slots: 50 %; 3 wait samples 1000, 1001, 1001 ms.
    assert sales["metrics"] == {"closedConversations": 2, "avgWaitTime": 1000.667, "agentLoad": 50.0}
    assert r["all"]["metrics"] == {"closedConversations": 4, "avgWaitTime": 1000.667, "agentLoad": 50.0}
    # Counts are JSON integers, doubles have at most 3 decimals in the text itself.
    assert re.search(rb'"closedConversations":4[,}]', raw)
    for number in re.findall(rb'"avgWaitTime":([-0-9.eE+]+)', raw):
        assert re.fullmatch(rb"-?\d+(\.\d{1,3})?", number), number


def test_second_page_has_prev_and_no_next_and_absent_metrics_are_omitted(rest):
    """SPEC §1 Links: prev only when offset > 0, next only when offset+limit < count; a metric
    without data (average without samples, load without capacity) is absent, a count never."""
    status, _, raw = post(rest, METRICS + "?offset=1&limit=1&sort=closedConversations:desc", query_body())
    assert status == 200, raw
    r = json.loads(raw)
    md = r["metadata"]
    assert md["prev"]["href"].endswith("?offset=0&limit=1&sort=closedConversations:desc")
    assert "next" not in md
    assert md["last"]["href"].endswith("?offset=1&limit=1&sort=closedConversations:desc")
    [support] = r["groupBy"]["groups"]
    assert support["key"] == "17" and support["keyDescription"] == "Support"
    assert support["metrics"] == {"closedConversations": 1}


def test_links_without_sort_leave_it_out_and_count_zero_has_last_at_zero(rest):
    """SPEC §3 Links: sort only when the request had one; count 0 → last at offset 0;
    metadata.count is 0 when the groupBy section is not returned."""
    status, _, raw = post(rest, METRICS + "?offset=5&limit=2", query_body(groupBy=None))
    assert status == 200, raw
    r = json.loads(raw)
    assert "groupBy" not in r and r["metadata"]["count"] == 0
    md = r["metadata"]
    assert md["self"]["href"].endswith(f"{METRICS}?offset=5&limit=2")
    assert md["last"]["href"].endswith("?offset=0&limit=2")
    assert md["prev"]["href"].endswith("?offset=3&limit=2")
    assert "next" not in md


def test_links_are_built_from_the_request_host(rest):
    """SPEC §1 Links: href = scheme + Host + path + query."""
    status, _, raw = post(rest, METRICS, query_body(), dict(AUTH, host="dash.example:8443"))
    assert status == 200, raw
    assert json.loads(raw)["metadata"]["self"]["href"] == \
        f"http://dash.example:8443{METRICS}?offset=0&limit=50"


def test_sections_all_only_and_groupby_only(rest):
    """SPEC §3 Sections: responseSections picks the sections returned."""
    r = json.loads(post(rest, METRICS, query_body(responseSections=["all"]))[2])
    assert "groupBy" not in r and "all" in r
    r = json.loads(post(rest, METRICS, query_body(responseSections=["groupBy"]))[2])
    assert "all" not in r and [g["key"] for g in r["groupBy"]["groups"]] == ["17", "1641709730"]


# --- Errors (SPEC §1 "Errors") --------------------------------------------------------------

@pytest.mark.parametrize("body,field", [
    (b'{"filters": {', "filters: unexpected end"),
    (b"[1,2]", "byte 0"),
    ("unknown-user-type", "filters.userTypes[0]"),
    ({"metricsToRetrieveByTime": ["closed_conversations"]}, "filters"),
    ({"filters": {}}, "filters.time"),
    ({"filters": {"time": {"to": 5}}}, "filters.time.from"),
    ({"filters": {"time": {"from": 5}}}, "filters.time.to"),
    ({"filters": {"time": {"from": "now", "to": 5}}}, "filters.time.from"),
    ("groupBy-unknown", "groupBy"),
    ("section-unknown", "responseSections"),
    ("groupBy-section-without-groupBy", "groupBy"),
    ("unknown-metric", "metricsToRetrieveByTime[0]"),
    ("wrong-list", "metricsToRetrieveCurrentValue[0]"),
    ("from-after-to", "filters.time.from"),
    ("too-old", "filters.time.from"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_invalid_body_is_400_naming_the_field(rest, body, field):
    """SPEC §1 Errors row 1 and 2: malformed JSON, unknown enum string, missing filters/time,
    from > to, groupBy section without groupBy, unknown metric, from older than 24 h + 5 min."""
    now = now_ms()
    named = {
        "unknown-user-type": query_body(filters={"time": {"from": now - 60_000, "to": now}, "userTypes": ["ROBOT"]}),
        "groupBy-unknown": query_body(groupBy="teamId"),
        "section-unknown": query_body(responseSections=["everything"]),
        "groupBy-section-without-groupBy": query_body(groupBy=None, responseSections=["groupBy"]),
        "unknown-metric": query_body(metricsToRetrieveByTime=["closed_chats"]),
        "wrong-list": query_body(metricsToRetrieveCurrentValue=["closed_conversations"]),
        "from-after-to": query_body(filters={"time": {"from": now, "to": now - 1}}),
        "too-old": query_body(filters={"time": {"from": now - 24 * 3_600_000 - 6 * 60_000, "to": now}}),
    }
    err, _ = expect_error(rest, 400, field, body=named[body] if isinstance(body, str) else body)
    assert err["status"] == "INVALID_ARGUMENT"


def test_from_just_inside_24h_plus_5min_is_accepted(rest):
    """SPEC §1 Errors row 2: only `from` older than now − 24 h − 5 min is a 400."""
    now = now_ms()
    status, _, raw = post(rest, METRICS, query_body(filters={"time": {"from": now - 24 * 3_600_000 - 4 * 60_000, "to": now}}))
    assert status == 200, raw


@pytest.mark.parametrize("query,field", [
    ("limit=0", "limit"), ("limit=51", "limit"), ("limit=-1", "limit"), ("limit=ten", "limit"),
    ("offset=-1", "offset"), ("offset=1.5", "offset"), ("offset=0&offset=1", "offset"),
    ("sort=closedConversations", "sort"), ("sort=closed_conversations:desc", "sort"),
    ("sort=closedConversations:up", "sort"), ("sort=%ZZ", "sort"),
])
def test_bad_limit_offset_sort_is_400_naming_the_parameter(rest, query, field):
    """SPEC §1 Errors row 1 (bad limit/offset/sort) and §3 (REST limit=0 is a 400; sort uses
    camelCase names)."""
    expect_error(rest, 400, field, path=f"{METRICS}?{query}", body=query_body())


@pytest.mark.parametrize("account", ["has%20space", "x" * 65, "semi;colon"])
def test_invalid_account_id_is_400(rest, account):
    """SPEC §3: an invalid accountId is a 400."""
    expect_error(rest, 400, "accountId", path=f"/manager_workspace/api/account/{account}/metrics", body=query_body())


def test_missing_or_invalid_token_is_401_and_other_account_is_403(rest):
    """SPEC §1 Errors: missing/invalid bearer token → 401; token not allowed for the account → 403."""
    err, _ = expect_error(rest, 401, "authorization", body=query_body(), headers={"content-type": "application/json"})
    assert err["status"] == "UNAUTHENTICATED"
    err, _ = expect_error(rest, 401, "token", body=query_body(), headers=dict(AUTH, authorization="Bearer nope"))
    assert err["status"] == "UNAUTHENTICATED"
    err, _ = expect_error(rest, 401, "Bearer", body=query_body(), headers=dict(AUTH, authorization="Basic abc"))
    err, _ = expect_error(rest, 403, ACCOUNT, body=query_body(),
                          headers=dict(AUTH, authorization=f"Bearer {OTHER_TOKEN}"))
    assert err["status"] == "PERMISSION_DENIED"


def test_unknown_path_is_404_and_wrong_method_is_405_with_allow(rest):
    """SPEC §1 Errors: every REST error has the JSON body, including 404 and 405."""
    err, _ = expect_error(rest, 404, "/nope", path="/nope", method="GET")
    assert err["status"] == "NOT_FOUND"
    expect_error(rest, 404, "path", path=f"/manager_workspace/api/account/{ACCOUNT}/other", body="{}")
    err, hdrs = expect_error(rest, 405, "GET", path=METRICS, method="GET")
    assert hdrs["allow"] == "POST"
    _, hdrs = expect_error(rest, 405, "DELETE", path=EVENTS, method="DELETE")
    assert hdrs["allow"] == "POST"
    _, hdrs = expect_error(rest, 405, "POST", path="/healthz", body="")
    assert hdrs["allow"] == "GET, HEAD"
    _, hdrs = expect_error(rest, 405, "PUT", path="/openapi.yaml", method="PUT", body="")
    assert hdrs["allow"] == "GET, HEAD"
    _, hdrs = expect_error(rest, 405, "DELETE", path="/metrics", method="DELETE")
    assert hdrs["allow"] == "GET"


def test_body_over_4_mib_is_413_resource_exhausted(rest):
    """SPEC §1 Errors: body over 4 MiB → 413 with status RESOURCE_EXHAUSTED."""
    big = json.dumps(query_body(filters={"time": {"from": 1, "to": 2}, "agentIds": ["a" * 1000] * 4200}))
    assert len(big) > 4 * 1024 * 1024
    err, _ = expect_error(rest, 413, "4194304 bytes", body=big)
    assert err["status"] == "RESOURCE_EXHAUSTED"
    near = query_body(filters={"time": {"from": T0, "to": now_ms()}, "agentIds": ["a" * 1000] * 4100})
    assert len(json.dumps(near)) < 4 * 1024 * 1024
    assert post(rest, METRICS, near)[0] == 200


def test_wrong_content_type_is_415_and_absent_or_charset_json_is_accepted(rest):
    """SPEC §1 Errors: wrong content-type → 415. Decision (docs/api.md): no content-type is JSON."""
    err, _ = expect_error(rest, 415, "content-type", body=query_body(), headers=dict(AUTH, **{"content-type": "text/plain"}))
    assert err["status"] == "INVALID_ARGUMENT"
    no_type = {"authorization": AUTH["authorization"]}
    assert post(rest, METRICS, query_body(), no_type)[0] == 200
    assert post(rest, METRICS, query_body(), dict(AUTH, **{"content-type": "application/json; charset=utf-8"}))[0] == 200


def test_rate_limit_is_429_with_retry_after_and_json_body(rest):
    """SPEC §5: over the limit → 429 with Retry-After (seconds) and the JSON error body."""
    tight = dict(AUTH, authorization="Bearer tight-token")
    assert post(rest, METRICS, query_body(), tight)[0] == 200
    assert post(rest, METRICS, query_body(), tight)[0] == 200
    err, hdrs = expect_error(rest, 429, "60 s", body=query_body(), headers=tight)
    assert err["status"] == "RESOURCE_EXHAUSTED"
    assert 1 <= int(hdrs["retry-after"]) <= 60


def test_openapi_document_is_served_without_a_token(rest):
    """SPEC §5: GET /openapi.yaml needs no token; it is docs/openapi.yaml byte for byte."""
    status, hdrs, raw = rest.http("GET", "/openapi.yaml")
    assert status == 200 and hdrs["content-type"] == "application/yaml"
    with open(os.path.join(ROOT, "docs", "openapi.yaml"), "rb") as f:
        assert raw == f.read()
    status, hdrs, raw = rest.http("HEAD", "/openapi.yaml")
    assert status == 200 and raw == b"" and hdrs["content-type"] == "application/yaml"


# --- Ingest (SPEC §4) -----------------------------------------------------------------------

def closed_count(s, skill):
    body = {"filters": {"time": {"from": now_ms() - 3_600_000, "to": now_ms()}, "skillIds": [skill]},
            "metricsToRetrieveByTime": ["closed_conversations"], "responseSections": ["all"]}
    status, _, raw = post(s, METRICS, body)
    assert status == 200, raw
    return json.loads(raw)["all"]["metrics"]["closedConversations"]


def test_events_reply_and_duplicate_batch_is_acknowledged_not_applied_twice(rest):
    """SPEC §4: the reply is {applied, rejected, duplicate}; a batch whose (producerId, sequence)
    is not above the last applied one is acknowledged again and never applied twice."""
    skill = "dup-" + uuid.uuid4().hex[:8]
    t = now_ms() - 60_000
    batch = {"producerId": "dup-producer-" + skill, "sequence": 7, "events": [
        {"type": "skill_upserted", "time": t, "skillId": skill, "name": "Dup"},
        {"type": "conversation_opened", "time": t + 1, "conversationId": skill + "-c", "skillId": skill},
        {"type": "conversation_closed", "time": t + 2, "conversationId": skill + "-c", "closedBy": "CONSUMER"},
        {"type": "consumer_message", "time": t + 3, "conversationId": "no-such-conversation"},
    ]}
    status, _, raw = post(rest, EVENTS, batch)
    assert status == 200, raw
    first = json.loads(raw)
    assert (first["applied"], first["rejected"], first["duplicate"]) == (3, 1, False)
    assert [r["index"] for r in first["rejections"]] == [3]
    assert closed_count(rest, skill) == 1
    for seq in (7, 6):
        status, _, raw = post(rest, EVENTS, dict(batch, sequence=seq))
        assert status == 200, raw
        again = json.loads(raw)
        assert again["duplicate"] is True and again["applied"] == 0
    assert closed_count(rest, skill) == 1


@pytest.mark.parametrize("body,field", [
    ({"sequence": 1, "events": []}, "producerId"),
    ({"producerId": "p", "sequence": 0, "events": []}, "sequence"),
    (b"{", "expected a key at byte 1"),
])
def test_invalid_batch_is_400_naming_the_field(rest, body, field):
    """SPEC §1 Errors row 1 for ingest: a malformed batch is a 400 naming the field."""
    expect_error(rest, 400, field, path=EVENTS, body=body)


# --- Transports (SPEC §1: HTTP/1.1 and HTTP/2 on the same port) -------------------------------

def raw_exchange(s, data: bytes, expect_responses: int, timeout=20):
    """Sends raw bytes on one connection and reads until `expect_responses` whole answers came."""
    with socket.create_connection(("127.0.0.1", s.port), timeout=timeout) as sock:
        sock.sendall(data)
        buf = b""
        while len(split_responses(buf)) < expect_responses:
            chunk = sock.recv(65536)
            if not chunk:
                break
            buf += chunk
        return split_responses(buf)


def split_responses(buf: bytes):
    """The whole content-length-framed responses at the start of buf, as (status, body)."""
    out, pos = [], 0
    while (end := buf.find(b"\r\n\r\n", pos)) >= 0:
        head = buf[pos:end].decode()
        length = int(re.search(r"(?i)content-length: *(\d+)", head).group(1))
        if end + 4 + length > len(buf):
            break
        out.append((int(head.split(" ")[1]), buf[end + 4:end + 4 + length]))
        pos = end + 4 + length
    return out


def request_bytes(method, path, body=b"", extra=""):
    head = f"{method} {path} HTTP/1.1\r\nhost: pipeline.test\r\nauthorization: Bearer {TOKEN}\r\n" \
           f"content-type: application/json\r\ncontent-length: {len(body)}\r\n{extra}\r\n"
    return head.encode() + body


def test_pipelined_http1_requests_are_answered_in_order(rest):
    """SPEC §1 (HTTP/1.1): pipelined requests are answered in request order, even when the first
    one is slow (held 300 ms by the test hook) and the later ones are instant."""
    slow = request_bytes("POST", METRICS + "?limit=1", json.dumps(query_body()).encode(), "x-metricsd-test-delay-ms: 300\r\n")
    bad = request_bytes("POST", METRICS + "?limit=0", json.dumps(query_body()).encode())
    health = request_bytes("GET", "/healthz")
    answers = raw_exchange(rest, slow + bad + health + slow, 4)
    assert [a[0] for a in answers] == [200, 400, 200, 200]
    assert json.loads(answers[0][1])["metadata"]["self"]["href"].startswith("http://pipeline.test/")
    assert "limit" in json.loads(answers[1][1])["error"]["message"]
    assert json.loads(answers[2][1]) == {"status": "SERVING"}


def test_chunked_request_body_is_read_whole(rest):
    """SPEC §1 (HTTP/1.1): a chunked request body is the same request as a sized one."""
    body = json.dumps(query_body()).encode()
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 7]), body[i:i + 7]) for i in range(0, len(body), 7)) + b"0\r\n\r\n"
    head = (f"POST {METRICS}?limit=1 HTTP/1.1\r\nhost: chunked.test\r\nauthorization: Bearer {TOKEN}\r\n"
            f"content-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n").encode()
    [(status, answer)] = raw_exchange(rest, head + chunks, 1)
    assert status == 200, answer
    assert json.loads(answer)["metadata"]["count"] == 2


def test_keep_alive_serves_several_requests_on_one_connection(rest):
    """SPEC §1 (HTTP/1.1): persistent connections; errors do not close them."""
    c = http.client.HTTPConnection("127.0.0.1", rest.port, timeout=10)
    c.connect()
    sock = c.sock
    for path, expected in [(METRICS, 200), (METRICS + "?limit=0", 400), (METRICS, 200)]:
        c.request("POST", path, body=json.dumps(query_body()), headers=AUTH)
        r = c.getresponse()
        r.read()
        assert r.status == expected
        assert c.sock is sock, "the server closed the connection"
    c.close()


def test_rest_over_http2_gives_the_same_body_as_http1(rest):
    """SPEC §1: REST over HTTP/1.1 and HTTP/2 on the same port run the same handler; with the
    same Host (:authority) the bodies are byte-identical."""
    body = json.dumps(query_body(filters={"time": {"from": T0, "to": T0 + 20 * 60_000}},
                                 metricsToRetrieveCurrentValue=[]))
    url = f"http://127.0.0.1:{rest.port}{METRICS}?limit=1&sort=closedConversations:desc"
    h1 = post(rest, METRICS + "?limit=1&sort=closedConversations:desc", body)[2]
    out = subprocess.run(["curl", "-sS", "--http2-prior-knowledge", "-X", "POST", "-H", f"authorization: Bearer {TOKEN}",
                          "-H", "content-type: application/json", "--data-binary", body, "-w", "\n%{http_version}", url],
                         capture_output=True, timeout=30)
    assert out.returncode == 0, out.stderr
    h2, version = out.stdout.rsplit(b"\n", 1)
    assert version == b"2"
    assert h2 == h1
    assert json.loads(h2)["groupBy"]["groups"][0]["metrics"]["closedConversations"] == 2


def test_body_over_4_mib_over_http2_is_the_same_json_413(rest, tmp_path):
    """SPEC §1 Errors: 413 with the JSON body on HTTP/2 too (no transport cap there)."""
    big = tmp_path / "big.json"
    big.write_text(json.dumps(query_body(filters={"time": {"from": 1, "to": 2}, "agentIds": ["a" * 1000] * 4300})))
    out = subprocess.run(["curl", "-sS", "--http2-prior-knowledge", "-X", "POST", "-H", f"authorization: Bearer {TOKEN}",
                          "-H", "content-type: application/json", "--data-binary", f"@{big}", "-w", "\n%{http_code}",
                          f"http://127.0.0.1:{rest.port}{METRICS}"], capture_output=True, timeout=60)
    body, code = out.stdout.rsplit(b"\n", 1)
    assert code == b"413", (out.stderr, body[:200])
    err = json.loads(body)["error"]
    assert err["code"] == 413 and err["status"] == "RESOURCE_EXHAUSTED" and "4194304 bytes" in err["message"]


def test_every_rest_answer_is_counted_once_before_it_is_sent(rest):
    """SPEC §5 (rejections counted) and the in-flight gauge: each REST answer, including
    /openapi.yaml, /healthz and every error, ends its request in the server's counts, and is
    counted before the client can read it (no scrape race)."""
    def in_flight():
        raw = rest.http("GET", "/metrics")[2].decode()
        return float(re.search(r"^metricsd_requests_in_flight (\S+)$", raw, re.M).group(1))

    def rest_ok_other():
        raw = rest.http("GET", "/metrics")[2].decode()
        m = re.search(r'^metricsd_requests_total\{front="rest",method="other",code="OK"\} (\S+)$', raw, re.M)
        return float(m.group(1)) if m else 0.0

    assert in_flight() == 0
    before = rest_ok_other()
    for method, path in [("GET", "/openapi.yaml"), ("HEAD", "/openapi.yaml"), ("GET", "/healthz"),
                         ("GET", "/nope"), ("PUT", "/openapi.yaml"), ("DELETE", "/metrics")]:
        rest.http(method, path)
    post(rest, METRICS + "?limit=0", query_body())
    post(rest, METRICS, query_body())
    assert in_flight() == 0
    assert rest_ok_other() - before == 2
