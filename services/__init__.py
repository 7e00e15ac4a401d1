"""Worker services of codeintel (parse, metrics, scan, ...): plain-Python domain code plus gRPC servers."""
