"""The coordinator: the public front door in front of the worker pools.

Modules: config (settings), cache (L1 LRU), dispatch (priority queue + worker choice),
pool (workers and their health), core (caching, merging, batching, retries),
servicer (gRPC faces), server (process entry point).
"""
