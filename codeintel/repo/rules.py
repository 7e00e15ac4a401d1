"""Reading custom scan rule files from disk: a repository's own `.codeintel/rules/` and the paths a
user names (`codeintel scan --rules PATH`), as RuleFile messages for ScanOptions.custom_rules.

Only reading and the limits a reader can check (count, size, UTF-8, the format by suffix) are here;
what the rules say is the scan service's to validate (services/scan/custom.py). Domain code: no grpc.

Holds: RuleFileError, read_rule_files (a repository root -> its rule files), read_rule_paths (files
and directories -> rule files), with_rules (options + rule files).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from codeintel.kernel import errors, vocab
from codeintel.v1 import scan_pb2

__all__ = ["RuleFileError", "read_rule_files", "read_rule_paths", "with_rules"]


class RuleFileError(errors.InvalidInput):
    """A rule file cannot be read or is over the limits; the message names it."""

    def __init__(self, message: str):
        super().__init__(message, field="custom_rules")


def _read(path: str, display: str, budget: list[int]) -> scan_pb2.RuleFile:
    if not display.endswith(vocab.RULE_FILE_SUFFIXES):
        raise RuleFileError(f"{display}: not a rule file: name it *.toml, *.yaml or *.yml")
    try:
        size = os.path.getsize(path)
        if size > budget[0]:
            raise RuleFileError(
                f"{display}: custom rule files may hold {vocab.CUSTOM_RULE_BYTES // 1024} KiB together; "
                f"this one ({size:,} bytes) goes over"
            )
        with open(path, "rb") as fh:
            data = fh.read(budget[0] + 1)
    except OSError as exc:
        raise RuleFileError(f"{display}: cannot read: {exc.strerror}") from None
    if len(data) > budget[0]:  # grew since the size was read
        raise RuleFileError(f"{display}: over the {vocab.CUSTOM_RULE_BYTES // 1024} KiB limit of custom rule files")
    budget[0] -= len(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RuleFileError(f"{display}: not UTF-8 (byte {exc.start})") from None
    return scan_pb2.RuleFile(path=display, content=text)


def _dir_files(directory: str) -> list[str]:
    """The rule files of a directory (not its subdirectories), by name."""
    return sorted(
        name
        for name in os.listdir(directory)
        if name.endswith(vocab.RULE_FILE_SUFFIXES) and os.path.isfile(os.path.join(directory, name))
    )


def read_rule_files(root: str, *, budget: list[int] | None = None) -> list[scan_pb2.RuleFile]:
    """The rule files of `<root>/.codeintel/rules/` (*.toml, *.yaml, *.yml, by name), each named
    `.codeintel/rules/<name>`; none when the directory does not exist. A file that resolves outside
    `root` (a symbolic link), cannot be read, is not UTF-8 or goes over the limits is RuleFileError."""
    directory = os.path.join(root, *vocab.REPO_RULES_DIR.split("/"))
    if not os.path.isdir(directory):
        return []
    budget = budget if budget is not None else [vocab.CUSTOM_RULE_BYTES]
    real_root = os.path.realpath(root)
    names = _dir_files(directory)
    if len(names) > vocab.CUSTOM_RULE_FILES:
        raise RuleFileError(
            f"{vocab.REPO_RULES_DIR}: {len(names)} rule files; the limit is {vocab.CUSTOM_RULE_FILES} (merge some)"
        )
    out = []
    for name in names:
        path = os.path.join(directory, name)
        display = f"{vocab.REPO_RULES_DIR}/{name}"
        real = os.path.realpath(path)
        if not real.startswith(real_root.rstrip(os.sep) + os.sep):
            raise RuleFileError(f"{display}: a symbolic link out of the repository; rule files must live in it")
        out.append(_read(path, display, budget))
    return out


def read_rule_paths(paths: Iterable[str]) -> list[scan_pb2.RuleFile]:
    """Rule files named on a command line: each a file, or a directory whose *.toml, *.yaml and *.yml
    files are read (by name). Each is named as given (joined with the file's name for a directory)."""
    budget = [vocab.CUSTOM_RULE_BYTES]
    out: list[scan_pb2.RuleFile] = []
    for p in paths:
        if os.path.isdir(p):
            names = _dir_files(p)
            if not names:
                raise RuleFileError(f"{p}: no rule files (*.toml, *.yaml, *.yml) in this directory")
            out += [_read(os.path.join(p, n), os.path.join(p, n), budget) for n in names]
        elif os.path.exists(p):
            out.append(_read(p, p, budget))
        else:
            raise RuleFileError(f"{p}: no such rule file or directory")
        if len(out) > vocab.CUSTOM_RULE_FILES:
            raise RuleFileError(f"{len(out)} rule files; the limit is {vocab.CUSTOM_RULE_FILES} (merge some)")
    return out


def with_rules(options: scan_pb2.ScanOptions, files: Sequence[scan_pb2.RuleFile]) -> scan_pb2.ScanOptions:
    """A copy of `options` with `files` added after the custom rules it already has. Too many files
    in all is RuleFileError (the scan service would refuse them)."""
    if not files:
        return options
    out = scan_pb2.ScanOptions()
    out.CopyFrom(options)
    out.custom_rules.extend(files)
    if len(out.custom_rules) > vocab.CUSTOM_RULE_FILES:
        raise RuleFileError(
            f"{len(out.custom_rules)} custom rule files with the repository's {vocab.REPO_RULES_DIR}; "
            f"the limit is {vocab.CUSTOM_RULE_FILES}"
        )
    return out
