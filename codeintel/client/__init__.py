"""The one client of the coordinator: the MCP bridge, the CLI and the operations tools reach it
only through this package (`make lint` enforces it).

- `CoordinatorClient` (asyncio) and `SyncCoordinatorClient` (blocking): every method carries a
  deadline and the caller's bearer key, and raises `ClientError` on failure;
- `ClientError`: a failed call, with a message a model can act on, the status name and the
  server's RetryInfo delay (`map_rpc_error` is the one translation table);
- `channel`: the channel options and bearer handling both clients share;
- `requests`: request messages from operation names, files, options and priority names.
"""

from codeintel.client.aio import CoordinatorClient
from codeintel.client.channel import CALLER_AUTHORIZATION, bearer
from codeintel.client.errors import ClientError, map_rpc_error
from codeintel.client.sync import SyncCoordinatorClient

__all__ = [
    "CALLER_AUTHORIZATION",
    "ClientError",
    "CoordinatorClient",
    "SyncCoordinatorClient",
    "bearer",
    "map_rpc_error",
]
