"""Logs (text or JSON, with trace ids), Prometheus metrics and OpenTelemetry tracing."""
