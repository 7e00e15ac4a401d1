"""Redis fixtures: redis-server processes of our own on free loopback ports (never a shared one)."""

from __future__ import annotations

import pytest
import redis
from pytest_redis import factories

# Shared by tests that only read and write; flushed before each test.
redis_server = factories.redis_proc(port=None)  # type: ignore[arg-type]  # None (a free port) is documented, not in PortType
# Tests may SIGKILL and restart this one; redis_restartable puts it back up afterwards.
redis_killable = factories.redis_proc(port=None)  # type: ignore[arg-type]  # None (a free port) is documented, not in PortType


def _url(proc) -> str:
    return f"redis://{proc.host}:{proc.port}/0"


@pytest.fixture
def redis_url(redis_server) -> str:
    """URL of a running, empty Redis."""
    with redis.Redis(host=redis_server.host, port=redis_server.port) as r:
        r.flushall()
    return _url(redis_server)


@pytest.fixture
def redis_restartable(redis_killable):
    """The executor of a running, empty Redis that the test may kill (.kill(sig=SIGKILL)) and .start()."""
    if not redis_killable.running():
        redis_killable.start()
    with redis.Redis(host=redis_killable.host, port=redis_killable.port) as r:
        r.flushall()
        r.script_flush()
    yield redis_killable
    if not redis_killable.running():
        redis_killable.start()
