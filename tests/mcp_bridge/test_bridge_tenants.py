"""The MCP bridge over streamable HTTP passes each caller's bearer token on: real SDK client ->
`python -m mcp_bridge --transport http` -> a LocalStack whose coordinator has tenants."""

from __future__ import annotations

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from coordinator.tenants import hash_key

pytestmark = pytest.mark.anyio

ACME, SLOW = "ci_acme-mcp-key-0123456789", "ci_slow-mcp-key-0123456789"
CODE = "def f(x):\n    return x\n"


@pytest.fixture(scope="module")
def tenant_stack(tmp_path_factory):
    from codeintel.ops.stack import LocalStack

    path = tmp_path_factory.mktemp("tenants") / "tenants.toml"
    path.write_text(f"""
[tiers.standard]
rate = 1000
burst = 1000
[tiers.trickle]
rate = 0.2
burst = 2
[[tenants]]
id = "acme"
tier = "standard"
keys = ["{hash_key(ACME)}"]
[[tenants]]
id = "slow"
tier = "trickle"
keys = ["{hash_key(SLOW)}"]
""")
    stack = LocalStack(
        workers=1,
        extra_args=["--analyze-workers", "0", "--scan-workers", "0", f"--coordinator-arg=--tenants-file={path}"],
    )
    stack.start(timeout=120)
    yield stack.address
    stack.stop()


def _client(url: str, key: str | None) -> Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return Client(streamable_http_client(url, http_client=httpx2.AsyncClient(headers=headers, timeout=30)))


def _text(result) -> str:
    return " ".join(getattr(c, "text", "") for c in result.content)


async def test_bearer_token_reaches_the_coordinator(tenant_stack, tmp_path, http_bridge):
    url = http_bridge(tenant_stack, tmp_path)
    async with _client(url, None) as anonymous:
        r = await anonymous.call_tool("code_parse", {"code": CODE, "language": "python"})
        assert r.is_error and "API key was refused" in _text(r) and "missing authorization" in _text(r)
    async with _client(url, "ci_wrong-key") as wrong:
        r = await wrong.call_tool("code_parse", {"code": CODE, "language": "python"})
        assert r.is_error and "unknown API key" in _text(r)
    async with _client(url, ACME) as acme:
        r = await acme.call_tool("code_parse", {"code": CODE, "language": "python"})
        assert not r.is_error, _text(r)
        assert [s["name"] for s in r.structured_content["symbols"]] == ["f"]


async def test_rate_limited_tenant_gets_a_retry_hint(tenant_stack, tmp_path, http_bridge):
    url = http_bridge(tenant_stack, tmp_path)
    async with _client(url, SLOW) as slow, _client(url, ACME) as acme:
        results = [await slow.call_tool("code_parse", {"code": CODE, "language": "python"}) for _ in range(4)]
        assert [r.is_error for r in results] == [False, False, True, True]
        text = _text(results[2])
        assert "request rate is used up" in text and "retry the parse in" in text
        # Another tenant through the same bridge is unaffected.
        assert not (await acme.call_tool("code_parse", {"code": CODE, "language": "python"})).is_error
