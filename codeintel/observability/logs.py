"""Logging setup shared by every process: plain text or JSON lines, always on stderr
(stdout is reserved for the one-line readiness report and for MCP over stdio). With tracing on,
a line logged inside a span carries its trace and span ids, so a log line leads to its trace."""

from __future__ import annotations

import json
import logging
import os
import sys
import time

from codeintel.observability import tracing


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "pid": record.process,
        }
        ids = tracing.current_ids()
        if ids is not None:
            out["trace_id"], out["span_id"] = ids
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out)


class _TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s[%(process)d] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = tracing.current_ids()
        return line if ids is None else f"{line} trace_id={ids[0]} span_id={ids[1]}"


def setup(level: str | None = None, json_format: bool | None = None) -> None:
    level = (level or os.environ.get("CODEINTEL_LOG_LEVEL", "info")).upper()
    if json_format is None:
        json_format = os.environ.get("CODEINTEL_LOG_FORMAT", "text") == "json"
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_JsonFormatter() if json_format else _TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def announce_ready(**fields) -> None:
    """Print the single readiness line a supervisor waits for, on stdout."""
    print(json.dumps({"event": "ready", **fields}), flush=True)
