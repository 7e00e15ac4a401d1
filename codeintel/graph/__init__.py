"""The repository graph: a persistent, incremental cross-file index of definitions, references,
calls and imports, built from the facts the parse workers extract (ParseOptions.include_facts).

- store (codeintel.graph.store): SQLite files by default, PostgreSQL for shared deployments;
- modules: the module and scope keys of a file;
- resolve: file-local resolution of references to symbolic targets, at index time;
- indexer: walk -> compare -> send changed files -> write per batch;
- links / queries: query-time resolution and the answers (graph_pb2 in, graph_pb2 out);
- watch: file-system events -> paths to re-index.

Domain code: no grpc here; the coordinator (coordinator/graph.py) serves it.
"""

from codeintel.graph.indexer import DATA_LANGUAGES, DEFAULT_MAX_FILES, GraphAggregator, Indexer, IndexLimits
from codeintel.graph.modules import module_key
from codeintel.graph.queries import Queries
from codeintel.graph.store import (
    SCHEMA_VERSION,
    Counts,
    FileState,
    FileWrite,
    PostgresStore,
    RepoHandle,
    RepoRow,
    RunLock,
    SqliteStore,
    Store,
    open_store,
)
from codeintel.graph.watch import watch

__all__ = [
    "DATA_LANGUAGES",
    "DEFAULT_MAX_FILES",
    "SCHEMA_VERSION",
    "Counts",
    "FileState",
    "FileWrite",
    "GraphAggregator",
    "IndexLimits",
    "Indexer",
    "PostgresStore",
    "Queries",
    "RepoHandle",
    "RepoRow",
    "RunLock",
    "SqliteStore",
    "Store",
    "module_key",
    "open_store",
    "watch",
]
