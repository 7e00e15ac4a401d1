"""Scanner quality: codeintel's scan rules vs Bandit on a labelled corpus, in one run.

    python -m bench.quality [--reps 3] [--stdlib 200] [--json PATH] [--list-misses]

Corpus: bench/quality/corpus/<language>/ -- small application-style files (Flask/Django/
FastAPI, Express/Koa, Go net/http, servlets/Spring) written for this benchmark. A line
that a scanner should report carries a label comment at its end, on the statement's first line:

    cursor.execute("SELECT * FROM t WHERE id = " + uid)  # expect: sql-injection

Several classes are comma-separated (`# expect: xss, open-redirect`: each must be found);
`a|b` names alternatives for one weakness that honest tools file either way (either class
counts, once). The safe twin of a case carries `# safe: <class>`; that and every other
unlabelled line is expected clean. When request data flows through variables, the label goes
on the sink; a line on the way that builds the dangerous value may carry `# flow: <class>`,
and a finding of that class there counts for the next `expect` of that class below it (pattern
rules report where the string is built, taint engines at the sink: both are right).

Scoring, identical for both tools: a labelled line stands for its statement -- from the
labelled line to the end of the largest syntax node that starts at that line's first token
and is not a compound statement/definition (tree-sitter, so a call spread over several
lines is one statement). A finding counts at its first line (codeintel: range.start_line+1,
Bandit: line_number); its CWE maps to a class through CLASSES (a few Bandit tests are
re-classed by test id, see BANDIT_OVERRIDES). Per (file, label, class): TP when a finding
of that class starts inside the labelled statement, else FN. Every other (file, line,
class) reported is one FP (duplicates on a line count once). Findings whose CWE maps to
no class are "other": counted and listed, never FPs. Nothing here asserts: it reports.

Speed: both tools are timed exactly as in bench.scan_speed (`time_pair`; its docstring lists
what a pass includes and excludes): in-process, rule / plugin loading excluded, one untimed
warm-up pass, then --reps timed passes that read every file from disk, the tools alternating;
the median pass, in CPU time of this process. The Python corpus is small, so a pass takes it
several times over (--repeat); codeintel's content caches are emptied whenever a file comes
round again, so a copy costs what a new file would.
"""

from bench.quality.labels import (
    BANDIT_OVERRIDES,
    CLASSES,
    CORPUS,
    LANGUAGES,
    NOT_APPLICABLE,
    CorpusError,
    CorpusFile,
    Label,
    corpus_paths,
    label_counts,
    load_corpus,
    load_file,
    parse_label,
)
from bench.quality.report import TARGET_PRECISION, TARGET_SPEEDUP, main, run
from bench.quality.scoring import Counts, FileScore, Finding, class_of_cwe, score
from bench.quality.tools import Bandit, Codeintel, stdlib_paths

__all__ = [
    "BANDIT_OVERRIDES",
    "CLASSES",
    "CORPUS",
    "LANGUAGES",
    "NOT_APPLICABLE",
    "TARGET_PRECISION",
    "TARGET_SPEEDUP",
    "Bandit",
    "Codeintel",
    "CorpusError",
    "CorpusFile",
    "Counts",
    "FileScore",
    "Finding",
    "Label",
    "class_of_cwe",
    "corpus_paths",
    "label_counts",
    "load_corpus",
    "load_file",
    "main",
    "parse_label",
    "run",
    "score",
    "stdlib_paths",
]
