import pytest

from codeintel.kernel import languages
from codeintel.kernel.errors import UnknownLanguage


@pytest.mark.parametrize(
    "path,lang",
    [
        ("a.py", "python"),
        ("src/App.TSX", "tsx"),
        ("x.ts", "typescript"),
        ("m.mjs", "javascript"),
        ("main.go", "go"),
        ("A.java", "java"),
        ("lib.rs", "rust"),
        ("x.h", "c"),
        ("x.hpp", "cpp"),
        ("Dockerfile", "dockerfile"),
        ("build/Makefile", "make"),
        ("C:\\src\\a.rb", "ruby"),
    ],
)
def test_from_path(path, lang):
    assert languages.detect(path, "", b"") == lang


@pytest.mark.parametrize(
    "first,lang",
    [
        (b"#!/usr/bin/env python3\n", "python"),
        (b"#!/usr/bin/python3.11\n", "python"),
        (b"#!/bin/bash\n", "bash"),
        (b"#! /usr/bin/env node\n", "javascript"),
        (b"#!/usr/bin/perl -w\n", "perl"),
    ],
)
def test_shebang(first, lang):
    assert languages.detect("script", "", first + b"x\n") == lang


def test_explicit_language_wins_and_aliases_fold():
    assert languages.detect("a.py", "JavaScript", b"") == "javascript"
    assert languages.detect("", "golang", b"") == "go"
    assert languages.detect("", "c++", b"") == "cpp"


def test_unknown_language_messages_help():
    with pytest.raises(UnknownLanguage, match="known languages"):
        languages.detect("a.py", "klingon", b"")
    with pytest.raises(UnknownLanguage, match="pass a language id"):
        languages.detect("README", "", b"hello")


def test_at_least_15_languages_parse():
    ok = [lang for lang in sorted(languages.SUPPORTED) if languages.get_parser(lang).parse(b"x").root_node is not None]
    assert len(ok) >= 15
