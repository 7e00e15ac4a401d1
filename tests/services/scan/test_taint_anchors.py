"""The taint pass's fast anchor search (taint/analysis.py) finds exactly what the anchors regex finds."""

from services.scan import taint
from services.scan.engine import RuleSet
from services.scan.taint.analysis import _anchor_starts

SPECS = list(RuleSet.load()._taint.values())

TEXTS = [
    b"",
    b"request",
    b"x = request.args['a']\nrequests.get(url)\n_request = 1\nrequest_x = 2\nprequest = 3",
    b"import sys\nsys.argv[1]; argv2 = 1; input(); raw_input(); readline()\n",
    "é request ж stdin\u00a0argv".encode(),
    b"9request request9 (request) request.request",
    b"os.environ['X'] + getenv('Y') + params + query + body + headers",
]


def test_anchor_starts_equal_the_regex_over_texts_and_sources():
    assert SPECS
    for spec in SPECS:
        assert spec.anchor_words
        every = spec.anchor_words + spec.own_anchor_words  # the regex holds every source's word
        words = b" ".join(every)
        for text in TEXTS + [words, words + b"_", b"_" + words.replace(b" ", b"x ")]:
            assert _anchor_starts(text, spec, every) == [m.start() for m in spec.anchors.finditer(text)]


def test_anchor_starts_falls_back_to_the_regex_for_non_ascii_words():
    spec = SPECS[0]
    odd = taint.TaintSpec(
        **{**{f: getattr(spec, f) for f in spec.__dataclass_fields__}, "anchor_words": ("café".encode(),)}
    )
    odd.anchors = spec.anchors
    text = b"x = request.args"
    assert _anchor_starts(text, odd, odd.anchor_words) == [m.start() for m in spec.anchors.finditer(text)]
