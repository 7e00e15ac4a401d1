"""Repository work: a directory (or glob) in, a bounded summary plus ordered detail records out.

Three steps, shared by the MCP bridge (repo_scan / repo_analyze / repo_index), the CLI and the
coordinator's RunRepository:

1. `walk` (codeintel.repo.walk) lists the files, honouring .gitignore and default excludes, and
   gives every file it does not send a `Skip` with a reason;
2. `Runner` (codeintel.repo.runner) sends them in batches through a caller-supplied coroutine,
   several in flight, and stops at the deadline;
3. an aggregator per operation (codeintel.repo.aggregate) folds results into summary counts and
   detail records in a stable order, for pagination; `summary` / `summary_text`
   (codeintel.repo.summary) shape what callers read first.

Domain code: no grpc here.
"""

from codeintel.repo.aggregate import AGGREGATORS, Aggregator, AnalyzeAggregator, IndexAggregator, ScanAggregator
from codeintel.repo.crossfile import take as cross_file_options
from codeintel.repo.runner import BatchError, Progress, RunLimits, Runner, RunReport, Send
from codeintel.repo.summary import (
    BENIGN_SKIP_REASONS,
    SKIP_REASONS,
    skip_reason,
    summary,
    summary_message,
    summary_text,
)
from codeintel.repo.walk import (
    BENIGN,
    BINARY,
    EXCLUDED,
    FAILED,
    IGNORED,
    NO_GRAMMAR,
    NOT_PROCESSED,
    NOT_UTF8,
    OUT_OF_SCOPE,
    SKIP_DIRS,
    SYMLINK,
    TIMED_OUT,
    TOO_COMPLEX,
    TOO_LARGE,
    UNREADABLE,
    UNSUPPORTED,
    Entry,
    PathFilter,
    Skip,
    WalkResult,
    batches,
    git_toplevel,
    read_source,
    split_glob,
    walk,
)

OPERATIONS = ("scan", "analyze", "index")

__all__ = [
    "cross_file_options",
    "AGGREGATORS",
    "BENIGN",
    "BINARY",
    "EXCLUDED",
    "FAILED",
    "IGNORED",
    "NOT_PROCESSED",
    "NOT_UTF8",
    "NO_GRAMMAR",
    "OPERATIONS",
    "OUT_OF_SCOPE",
    "SKIP_DIRS",
    "SYMLINK",
    "TIMED_OUT",
    "TOO_COMPLEX",
    "TOO_LARGE",
    "UNREADABLE",
    "UNSUPPORTED",
    "Aggregator",
    "AnalyzeAggregator",
    "BatchError",
    "Entry",
    "PathFilter",
    "IndexAggregator",
    "Progress",
    "RunLimits",
    "RunReport",
    "Runner",
    "ScanAggregator",
    "Send",
    "Skip",
    "WalkResult",
    "batches",
    "git_toplevel",
    "read_source",
    "split_glob",
    "BENIGN_SKIP_REASONS",
    "SKIP_REASONS",
    "skip_reason",
    "summary",
    "summary_message",
    "summary_text",
    "walk",
]
