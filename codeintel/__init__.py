"""codeintel: shared code of the CLI, the worker services and the coordinator.

`codeintel.v1` holds the generated protobuf/gRPC stubs (``make proto``); never edit it.
"""

__version__ = "0.1.0"
