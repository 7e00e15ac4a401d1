"""The analyze servicer over a real gRPC server on loopback: the new metrics reach the wire."""

from __future__ import annotations

import math
from concurrent import futures

import grpc
import pytest

from codeintel.rpc.worker import WorkerConfig
from codeintel.v1 import analyze_pb2, analyze_pb2_grpc, common_pb2
from services.analyze import domain
from services.analyze.servicer import AnalyzeServicer

CODE = b"""\
def first(items, limit):
    total = 0
    for item in items:
        if item.value > limit:
            total += item.value * 2
        else:
            total -= item.value
    result = compute(total, items, limit)
    return result + len(items)


def second(things, bound):
    acc = 0
    for thing in things:
        if thing.value > bound:
            acc += thing.value * 2
        else:
            acc -= thing.value
    result = compute(acc, things, bound)
    return result + len(things)
"""


@pytest.fixture(scope="module")
def stub():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    analyze_pb2_grpc.add_AnalyzeServiceServicer_to_server(AnalyzeServicer(WorkerConfig()), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield analyze_pb2_grpc.AnalyzeServiceStub(channel)
    finally:
        channel.close()
        server.stop(None)


def test_analyze_carries_cognitive_halstead_mi_and_duplicates(stub):
    resp = stub.Analyze(analyze_pb2.AnalyzeRequest(file=common_pb2.SourceFile(path="a.py", content=CODE)), timeout=30)
    r = resp.result
    assert resp.service_version == domain.VERSION
    assert [f.name for f in r.functions] == ["first", "second"]
    f = r.functions[0]
    assert f.cognitive_complexity == 4  # for +1, if +2, else +1
    assert f.halstead.total_operands > 0 and f.halstead.volume > 0
    assert f.halstead.effort == pytest.approx(f.halstead.difficulty * f.halstead.volume)
    expected = (171 - 5.2 * math.log(f.halstead.volume) - 0.23 * 3 - 16.2 * math.log(9)) * 100 / 171
    assert f.maintainability_index == pytest.approx(expected)
    assert r.max_cognitive_complexity == 4
    assert r.halstead.total_operators == 2 * f.halstead.total_operators
    assert 0 < r.maintainability_index < 100
    (dup,) = r.duplicates
    assert (dup.line_count, dup.token_count) == (9, 54)
    assert [(o.start.line, o.end.line) for o in dup.occurrences] == [(0, 8), (11, 19)]


def test_file_only_keeps_file_metrics(stub):
    req = analyze_pb2.AnalyzeRequest(
        file=common_pb2.SourceFile(path="a.py", content=CODE),
        options=analyze_pb2.AnalyzeOptions(file_only=True),
    )
    r = stub.Analyze(req, timeout=30).result
    assert not r.functions
    assert r.max_cognitive_complexity == 4 and len(r.duplicates) == 1 and r.halstead.volume > 0
