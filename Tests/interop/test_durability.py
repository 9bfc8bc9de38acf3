"""SPEC §4 against a real metricsd: acknowledged batches survive SIGKILL exactly once, over
REST and gRPC; torn tails are cut, damage in the middle stops start-up (or is repaired with
--repair), and a full disk answers 503/UNAVAILABLE without losing the producer's place."""
import glob
import os
import subprocess
import tempfile
import time

import grpc
import pytest

import conftest  # noqa: F401  (generates the gRPC stubs durability_load imports)
from durability_load import (DurableServer, GrpcClient, Producer, RestClient, batch_events,
                             check_exactly_once, write_tokens)

TOKEN = "durability-token"
ACCOUNT = "dur"
PER_BATCH = 25


@pytest.fixture
def workdir():
    d = tempfile.mkdtemp(prefix="metricsd-durability-")
    tokens = os.path.join(d, "tokens.json")
    write_tokens(tokens, TOKEN, ACCOUNT)
    yield d, tokens


def new_server(workdir, data_dir=None, **kw):
    d, tokens = workdir
    return DurableServer(conftest.BIN, data_dir or os.path.join(d, "data"), tokens, **kw)


def publish_sequentially(server, batches):
    """`batches` acknowledged batches from one REST and one gRPC producer."""
    t0 = int(time.time() * 1000)
    rest, g = RestClient(server.port, TOKEN, ACCOUNT), GrpcClient(server.port, TOKEN, ACCOUNT)
    producers = [Producer(rest, "rest-1", PER_BATCH, _never(), t0, max_batches=batches),
                 Producer(g, "grpc-1", PER_BATCH, _never(), t0, max_batches=batches)]
    for p in producers:
        p.run()  # in this thread: every batch acknowledged before the next
        assert p.failure is None, p.failure
    return t0, rest, producers


def _never():
    import threading
    return threading.Event()


def test_acknowledged_batches_survive_sigkill_exactly_once(workdir):
    server = new_server(workdir).start()
    t0, rest, producers = publish_sequentially(server, 8)
    assert rest.closed_conversations(t0 - 60_000) == 2 * 8 * PER_BATCH
    server.kill()
    server.start()
    for p in producers:
        p.client = RestClient(server.port, TOKEN, ACCOUNT) if p.name_.startswith("rest") else GrpcClient(
            server.port, TOKEN, ACCOUNT)
    expected, counted = check_exactly_once(RestClient(server.port, TOKEN, ACCOUNT), producers, t0 - 60_000)
    assert counted == 2 * 8 * PER_BATCH
    # Every acknowledged batch again: all duplicates, nothing counted twice.
    for p in producers:
        for seq in range(1, 9):
            assert p.client.publish(p.name_, seq, batch_events(p.name_, seq, PER_BATCH, t0 + seq))["duplicate"]
    # The next sequence is new.
    reply = producers[1].client.publish("grpc-1", 9, batch_events("grpc-1", 9, PER_BATCH, t0 + 9))
    assert reply == {"applied": 2 * PER_BATCH, "rejected": 0, "duplicate": False}
    # A graceful stop and start serves the same.
    assert server.stop() == 0
    server.start()
    assert RestClient(server.port, TOKEN, ACCOUNT).closed_conversations(t0 - 60_000) == 17 * PER_BATCH
    assert "replayed 17 records" in server.log()
    assert server.stop() == 0


def test_concurrent_producers_killed_mid_stream(workdir):
    server = new_server(workdir).start()
    import threading
    stop = threading.Event()
    t0 = int(time.time() * 1000)
    producers = [Producer(RestClient(server.port, TOKEN, ACCOUNT), f"rest-{i}", 10, stop, t0) for i in range(2)]
    producers += [Producer(GrpcClient(server.port, TOKEN, ACCOUNT), f"grpc-{i}", 10, stop, t0) for i in range(2)]
    for p in producers:
        p.start()
    for _ in range(3):
        time.sleep(0.7)
        server.kill()
        server.start()
    time.sleep(0.5)
    stop.set()
    for p in producers:
        p.join(60)
        assert not p.is_alive() and p.failure is None, p.failure
    expected, _ = check_exactly_once(RestClient(server.port, TOKEN, ACCOUNT), producers, t0 - 60_000)
    assert expected > 0 and all(p.acked_batches > 0 for p in producers)
    assert server.stop() == 0


def _segments(data_dir):
    return sorted(glob.glob(os.path.join(data_dir, "*.wal")))


def test_torn_tail_is_truncated_with_a_log_line(workdir):
    server = new_server(workdir).start()
    t0, _, _ = publish_sequentially(server, 3)
    server.kill()
    seg = _segments(server.data_dir)[-1]
    size = os.path.getsize(seg)
    with open(seg, "ab") as f:
        f.write(b"\x40\x00\x00\x00garbage")  # a record header whose payload never made it
    server.start()
    assert "torn tail" in server.log() and seg in server.log()
    assert os.path.getsize(seg) == size
    assert RestClient(server.port, TOKEN, ACCOUNT).closed_conversations(t0 - 60_000) == 6 * PER_BATCH
    assert server.stop() == 0


def test_damage_in_the_middle_stops_startup_unless_repair(workdir):
    server = new_server(workdir).start()
    t0, _, _ = publish_sequentially(server, 3)
    assert server.stop() == 0
    seg = _segments(server.data_dir)[-1]
    with open(seg, "r+b") as f:
        f.seek(40)  # inside the first record's payload
        b = f.read(1)
        f.seek(40)
        f.write(bytes([b[0] ^ 0x01]))
    server.start(wait=False)
    assert server.proc.wait(timeout=30) != 0
    log = server.log()
    assert f"write-ahead log damaged in {seg} at offset 0" in log and "--repair" in log
    server.start(extra_args=["--repair"])
    assert RestClient(server.port, TOKEN, ACCOUNT).closed_conversations(t0 - 60_000) == 0
    assert server.stop() == 0


def test_full_disk_is_unavailable_then_recovers(workdir):
    d, _ = workdir
    mnt = os.path.join(d, "small")
    os.makedirs(mnt)
    if subprocess.call(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mnt], stderr=subprocess.DEVNULL) != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        server = new_server(workdir, data_dir=os.path.join(mnt, "data")).start()
        rest = RestClient(server.port, TOKEN, ACCOUNT)
        g = GrpcClient(server.port, TOKEN, ACCOUNT)
        t0 = int(time.time() * 1000)
        seq, acked = 0, 0
        error = None
        while error is None and seq < 1000:
            seq += 1
            try:
                rest.publish("p", seq, batch_events("p", seq, PER_BATCH, t0))
                acked += 1
            except RuntimeError as e:
                error = str(e)
        assert error and "HTTP 503" in error and "errno 28" in error and server.data_dir in error, error
        with pytest.raises(grpc.RpcError) as info:
            g.publish("p", seq, batch_events("p", seq, PER_BATCH, t0))
        assert info.value.code() == grpc.StatusCode.UNAVAILABLE
        assert rest.closed_conversations(t0 - 60_000) == acked * PER_BATCH  # queries still work
        subprocess.check_call(["mount", "-o", "remount,size=4m", mnt])
        reply = rest.publish("p", seq, batch_events("p", seq, PER_BATCH, t0))
        assert reply["duplicate"] is False and reply["applied"] == 2 * PER_BATCH
        server.kill()
        server.start()
        assert RestClient(server.port, TOKEN, ACCOUNT).closed_conversations(t0 - 60_000) == (acked + 1) * PER_BATCH
        assert server.stop() == 0
    finally:
        subprocess.call(["umount", "-l", mnt])


def _snapshots(data_dir):
    return sorted(glob.glob(os.path.join(data_dir, "*.snapshot")))


def _wait_for(predicate, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_snapshots_bound_recovery_and_delete_covered_segments(workdir):
    """Tiny snapshot and segment sizes: snapshots are written in the background while
    producers send, covered segments are deleted, and after SIGKILL the restart loads the
    newest snapshot, replays only the tail and counts every acknowledged batch exactly once."""
    args = ["--snapshot-bytes", "20000", "--wal-segment-bytes", "8192"]
    server = new_server(workdir, extra_args=args).start()
    t0, _, producers = publish_sequentially(server, 30)
    assert _wait_for(lambda: len(_snapshots(server.data_dir)) == 2), server.log()[-3000:]
    assert "snapshot: wrote " in server.log()
    assert _wait_for(lambda: "covered segments" in server.log()), server.log()[-3000:]
    segments = _segments(server.data_dir)
    assert segments and not segments[0].endswith("00000000000000000001.wal"), segments
    server.kill()
    server.start()
    log = server.log()
    newest = _snapshots(server.data_dir)[-1]
    assert f"snapshot: loaded {newest}" in log, log[-3000:]
    last_recovery = [line for line in log.splitlines() if "recovery: snapshot " in line][-1]
    replayed = int(last_recovery.split("replayed ")[1].split(" ")[0])
    assert replayed < 60, last_recovery  # only the tail after the snapshot, not all 60 records
    rest = RestClient(server.port, TOKEN, ACCOUNT)
    assert rest.closed_conversations(t0 - 60_000) == 2 * 30 * PER_BATCH
    for p in producers:
        p.client = RestClient(server.port, TOKEN, ACCOUNT) if p.name_.startswith("rest") else GrpcClient(
            server.port, TOKEN, ACCOUNT)
        # A batch long covered by the snapshot (its record deleted with its segment) is a duplicate.
        assert p.client.publish(p.name_, 1, batch_events(p.name_, 1, PER_BATCH, t0 + 1))["duplicate"]
        assert p.client.publish(p.name_, 30, batch_events(p.name_, 30, PER_BATCH, t0 + 30))["duplicate"]
    assert server.stop() == 0


def test_damaged_newest_snapshot_falls_back_to_the_older(workdir):
    args = ["--snapshot-bytes", "20000", "--wal-segment-bytes", "8192"]
    server = new_server(workdir, extra_args=args).start()
    t0, _, _ = publish_sequentially(server, 30)
    assert _wait_for(lambda: len(_snapshots(server.data_dir)) == 2), server.log()[-3000:]
    assert server.stop() == 0
    newest = _snapshots(server.data_dir)[-1]
    with open(newest, "r+b") as f:
        f.seek(os.path.getsize(newest) // 2)
        b = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([b[0] ^ 0x10]))
    server.start()
    log = server.log()
    assert f"snapshot: {newest} is unusable" in log and "CRC mismatch" in log and "trying the older" in log, log[-3000:]
    assert RestClient(server.port, TOKEN, ACCOUNT).closed_conversations(t0 - 60_000) == 2 * 30 * PER_BATCH
    assert server.stop() == 0
