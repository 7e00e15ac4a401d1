"""The two scanners, run in-process on the same files: codeintel's scan engine and Bandit."""

from __future__ import annotations

import logging
import os
import sysconfig

from bench.quality.labels import BANDIT_OVERRIDES, CorpusFile
from bench.quality.scoring import Finding, class_of_cwe


class Codeintel:
    name = "codeintel"

    def __init__(self):
        from services.scan import engine

        self.version = engine.VERSION
        self.rules = engine.RuleSet.load()
        self.languages = set(self.rules.languages)

    def supports(self, language: str) -> bool:
        return language in self.languages

    def scan(self, cf: CorpusFile) -> list[Finding]:
        from codeintel.kernel.source import prepare

        if not self.supports(cf.language):
            return []
        out = self.rules.scan(prepare(cf.path, "", cf.data))
        return [
            Finding(
                f.range.start_line + 1, class_of_cwe(f.cwe), f.rule_id, f.cwe, f.severity.lower(), f.confidence.lower()
            )
            for f in out.findings
        ]


class Bandit:
    """Bandit in-process through its manager (the same code path as the CLI, minus argument parsing)."""

    name = "bandit"

    def __init__(self):
        import bandit
        from bandit.core import config, manager

        logging.getLogger("bandit").setLevel(logging.ERROR)
        self.version = getattr(bandit, "__version__", "?")
        self._config = config.BanditConfig()
        self._manager = manager

    def _run(self, paths: list[str]):
        m = self._manager.BanditManager(self._config, "file", quiet=True)
        m.files_list = list(paths)
        m.run_tests()
        return m

    def scan_many(self, files: list[CorpusFile]) -> dict[str, list[Finding]]:
        by_abs = {cf.abspath: cf.path for cf in files}
        m = self._run(sorted(by_abs))
        if m.skipped:
            raise RuntimeError(f"bandit skipped corpus files: {m.skipped}")
        out: dict[str, list[Finding]] = {cf.path: [] for cf in files}
        for issue in m.get_issue_list():
            cwe = f"CWE-{issue.cwe.id}" if issue.cwe.id else ""
            cls = BANDIT_OVERRIDES.get(issue.test_id) or class_of_cwe(cwe)
            out[by_abs[issue.fname]].append(
                Finding(
                    issue.lineno, cls, issue.test_id, cwe or "CWE-?", issue.severity.lower(), issue.confidence.lower()
                )
            )
        return out


def stdlib_paths(limit: int) -> list[str]:
    """`limit` CPython stdlib modules spread evenly over the sorted list (tests and site-packages
    left out), UTF-8 only so both tools read every one."""
    if limit <= 0:
        return []
    root = sysconfig.get_paths()["stdlib"]
    skip = {"site-packages", "test", "tests", "idle_test", "lib2to3"}
    paths: list[str] = []
    for dirpath, dirnames, names in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in skip and d != "__pycache__")
        paths.extend(os.path.join(dirpath, n) for n in names if n.endswith(".py"))
    paths.sort()
    step = max(1, len(paths) // limit)
    chosen = []
    for p in paths[::step]:
        try:
            with open(p, "rb") as fh:
                fh.read().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        chosen.append(p)
    return chosen[:limit]
