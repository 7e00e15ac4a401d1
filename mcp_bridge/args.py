"""Argument types shared by the bridge's tools.

Jobs:
- the input of the single-file tools: ``CodeArg`` / ``PathArg`` (exactly one of them), ``LanguageArg``,
  ``FilenameArg``;
- the vocabulary arguments every tool family takes: ``PriorityArg`` (queue priority), ``SeverityName``
  and ``ConfidenceName`` (result floors), mirroring codeintel.kernel.vocab;
- ``severity_value`` / ``confidence_value``: a floor name as the ScanOptions enum value.

Each is an ``Annotated`` type whose ``Field`` description becomes the tool's JSON Schema, so these
texts are what a model reads.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import Field

from codeintel.kernel import vocab
from codeintel.v1 import scan_pb2

# Literals, not the vocab tuples: the SDK builds each tool's input schema (an enum) from the
# annotation, which must be a type. The check below keeps them equal to the shared vocabulary.
Priority = Literal["low", "normal", "high"]
SeverityName = Literal["info", "low", "medium", "high", "critical"]
ConfidenceName = Literal["low", "medium", "high"]

for _literal, _names in (
    (Priority, vocab.PRIORITIES),
    (SeverityName, vocab.SEVERITIES),
    (ConfidenceName, vocab.CONFIDENCES),
):
    if get_args(_literal) != _names:  # pragma: no cover - a vocabulary change must be made here too
        raise ImportError(f"mcp_bridge.args: {get_args(_literal)} differs from codeintel.kernel.vocab's {_names}")

CodeArg = Annotated[
    str | None,
    Field(description="Source text to process. Give either `code` or `path`, not both."),
]
PathArg = Annotated[
    str | None,
    Field(
        description="A file to read, relative to an allowed root (default: the server's working directory) "
        "or absolute inside one. Give either `code` or `path`."
    ),
]
LanguageArg = Annotated[
    str | None,
    Field(
        description="Language id, e.g. 'python', 'javascript', 'typescript', 'go', 'java', 'rust', 'cpp'. "
        "Optional: detected from `filename`/`path` extension or a shebang line."
    ),
]
FilenameArg = Annotated[
    str | None,
    Field(description="With `code`: a file name used for language detection and echoed in results, e.g. 'app.py'."),
]
PriorityArg = Annotated[
    Priority,
    Field(description="Queue priority: 'high' for work a user waits on, 'low' for background work."),
]


def severity_value(name: SeverityName | None) -> scan_pb2.Severity:
    """ScanOptions.min_severity for a floor name; unspecified (no floor) for None."""
    return vocab.SEVERITY_VALUES.get(name or "", scan_pb2.SEVERITY_UNSPECIFIED)


def confidence_value(name: ConfidenceName | None) -> scan_pb2.Confidence:
    """ScanOptions.min_confidence for a floor name; unspecified (no floor) for None."""
    return vocab.CONFIDENCE_VALUES.get(name or "", scan_pb2.CONFIDENCE_UNSPECIFIED)
