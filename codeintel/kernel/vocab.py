"""The names codeintel speaks in, in one place: severities, confidences, priorities, cache statuses.

Contracts carry enums (`scan_pb2.Severity`, `coordinator_pb2.Priority`, ...); people, models,
flags, TOML rules and summaries use lower-case names. Every conversion between the two goes
through here, so a new enum value or a renamed one changes one module.
"""

from __future__ import annotations

from typing import Any

from codeintel.v1 import coordinator_pb2, scan_pb2

# Ascending. A name's position + 1 is its enum value (SEVERITY_INFO = 1 ... SEVERITY_CRITICAL = 5).
SEVERITIES: tuple[str, ...] = ("info", "low", "medium", "high", "critical")
CONFIDENCES: tuple[str, ...] = ("low", "medium", "high")
PRIORITIES: tuple[str, ...] = ("low", "normal", "high")

SEVERITY_VALUES: dict[str, scan_pb2.Severity] = {
    name: getattr(scan_pb2, f"SEVERITY_{name.upper()}") for name in SEVERITIES
}
CONFIDENCE_VALUES: dict[str, scan_pb2.Confidence] = {
    name: getattr(scan_pb2, f"CONFIDENCE_{name.upper()}") for name in CONFIDENCES
}
PRIORITY_VALUES: dict[str, coordinator_pb2.Priority] = {
    name: getattr(coordinator_pb2, f"PRIORITY_{name.upper()}") for name in PRIORITIES
}

# How the coordinator served a call (ResponseInfo.cache), as results and reports name it.
CACHE_STATUS_NAMES: dict[int, str] = {
    coordinator_pb2.CACHE_STATUS_UNSPECIFIED: "unknown",
    coordinator_pb2.CACHE_STATUS_MISS: "miss",
    coordinator_pb2.CACHE_STATUS_HIT_L1: "hit_l1",
    coordinator_pb2.CACHE_STATUS_HIT_L2: "hit_l2",
    coordinator_pb2.CACHE_STATUS_MERGED: "merged",
}
# Answers no worker computed for this call: a cache hit, or merged onto an identical call in flight.
REUSED_CACHE_STATUSES: frozenset[int] = frozenset(
    {coordinator_pb2.CACHE_STATUS_HIT_L1, coordinator_pb2.CACHE_STATUS_HIT_L2, coordinator_pb2.CACHE_STATUS_MERGED}
)


def enum_name(enum_type: Any, value: int, prefix: str | None = None) -> str:
    """`SEVERITY_HIGH` -> "high": the value's name without the enum's prefix, lower case;
    "unspecified" for a value the enum does not know (a newer peer's)."""
    try:
        name: str = enum_type.Name(value)
    except ValueError:
        return "unspecified"
    if prefix is None:
        prefix = enum_type.DESCRIPTOR.values[0].name.removesuffix("UNSPECIFIED")
    return name.removeprefix(prefix).lower()


def severity_name(value: int) -> str:
    return enum_name(scan_pb2.Severity, value, "SEVERITY_")


def confidence_name(value: int) -> str:
    return enum_name(scan_pb2.Confidence, value, "CONFIDENCE_")


def cache_status_name(value: int) -> str:
    return CACHE_STATUS_NAMES.get(value, "unknown")


def severity_rank(name: str) -> int:
    """0 for "info" ... 4 for "critical"; -1 for anything else (sorts below every severity)."""
    return SEVERITIES.index(name) if name in SEVERITIES else -1


def at_least(severity: int, floor_name: str) -> bool:
    """Whether an enum severity is `floor_name` or above (e.g. --fail-on high)."""
    return severity >= SEVERITY_VALUES[floor_name]


# Custom scan rules (ScanOptions.custom_rules; a repository's .codeintel/rules/): what the scan service
# accepts in one request, and what readers of rule directories (codeintel.repo.rules) check first.
CUSTOM_RULE_FILES = 64
CUSTOM_RULE_BYTES = 256 * 1024  # UTF-8 bytes of all files' content together
CUSTOM_RULES = 500
RULE_FILE_SUFFIXES = (".toml", ".yaml", ".yml")
REPO_RULES_DIR = ".codeintel/rules"  # a repository's own rules, relative to its root
