"""Reviewing a change (ReviewService), without grpc: what an edit broke or made worse.

- ``diff``: unified diffs parsed (git's and `diff -u`; new, deleted, renamed, binary, no newline at
  end) and applied in reverse to get the before side back;
- ``git``: `git -C ROOT ...` as a subprocess: revisions checked and resolved, changed files of a
  range, contents of a revision or the index;
- ``change``: a change as pairs of file versions (diff, revision range, or files sent);
- ``compare``: changed lines, functions before <-> after with complexity, syntax errors, findings
  by fingerprint, duplicated blocks, test-file detection, name positions for graph lookups.

The coordinator (coordinator/review.py) runs parse, analyze and scan on both sides and the graph
queries; this package decides what changed.
"""

from codeintel.review.change import Change, ChangeError, Pair, from_diff, from_files, from_revisions
from codeintel.review.compare import (
    LineChanges,
    compare_findings,
    compare_functions,
    compare_syntax,
    complexity_delta,
    introduced_duplicates,
    is_test_path,
    line_changes,
    name_position,
)
from codeintel.review.diff import DiffError, FilePatch, Hunk, reverse_apply, split_lines

__all__ = [
    "Change",
    "ChangeError",
    "DiffError",
    "FilePatch",
    "Hunk",
    "LineChanges",
    "Pair",
    "compare_findings",
    "compare_functions",
    "compare_syntax",
    "complexity_delta",
    "from_diff",
    "from_files",
    "from_revisions",
    "introduced_duplicates",
    "is_test_path",
    "line_changes",
    "name_position",
    "reverse_apply",
    "split_lines",
]
