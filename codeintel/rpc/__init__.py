"""gRPC plumbing shared by the servers: errors to statuses in one table, interceptors (drain,
undecodable requests, metrics), batch helpers, protobuf conversion, server reflection and the
worker-process scaffolding (health, reflection, drain on SIGTERM)."""
