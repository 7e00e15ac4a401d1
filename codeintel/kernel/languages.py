"""Language ids, detection from path or shebang, and cached tree-sitter parsers.

Language ids are the tree-sitter-language-pack names (lower case). Detection order:
an explicit id, then the file name / extension, then a shebang line.
"""

from __future__ import annotations

import os
import re
import threading
from functools import cache
from typing import cast

from codeintel.kernel.errors import UnknownLanguage

# Extension (lower case, with dot) -> language id.
EXTENSIONS: dict[str, str] = {
    ".py": "python",
    ".pyi": "python",
    ".pyw": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
    ".go": "go",
    ".java": "java",
    ".rs": "rust",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".cxx": "cpp",
    ".c++": "cpp",
    ".hpp": "cpp",
    ".hh": "cpp",
    ".hxx": "cpp",
    ".cs": "csharp",
    ".rb": "ruby",
    ".php": "php",
    ".kt": "kotlin",
    ".kts": "kotlin",
    ".swift": "swift",
    ".scala": "scala",
    ".sc": "scala",
    ".sh": "bash",
    ".bash": "bash",
    ".zsh": "bash",
    ".lua": "lua",
    ".html": "html",
    ".htm": "html",
    ".css": "css",
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".toml": "toml",
    ".sql": "sql",
    ".hs": "haskell",
    ".ex": "elixir",
    ".exs": "elixir",
    ".dart": "dart",
    ".r": "r",
    ".jl": "julia",
    ".pl": "perl",
    ".pm": "perl",
    ".ml": "ocaml",
    ".zig": "zig",
    ".tf": "hcl",
    ".hcl": "hcl",
    ".md": "markdown",
    ".xml": "xml",
    ".m": "objc",
    ".erl": "erlang",
    ".clj": "clojure",
    ".groovy": "groovy",
    ".ps1": "powershell",
    ".vue": "vue",
    ".svelte": "svelte",
    ".sol": "solidity",
    ".proto": "proto",
    ".graphql": "graphql",
    ".gql": "graphql",
}

# Whole file names that say the language.
FILENAMES: dict[str, str] = {
    "dockerfile": "dockerfile",
    "makefile": "make",
    "gnumakefile": "make",
    "cmakelists.txt": "cmake",
    "gemfile": "ruby",
    "rakefile": "ruby",
}

# Interpreter named on a shebang line -> language id.
INTERPRETERS: dict[str, str] = {
    "python": "python",
    "python2": "python",
    "python3": "python",
    "node": "javascript",
    "nodejs": "javascript",
    "deno": "typescript",
    "bun": "javascript",
    "sh": "bash",
    "bash": "bash",
    "zsh": "bash",
    "dash": "bash",
    "ksh": "bash",
    "ruby": "ruby",
    "perl": "perl",
    "php": "php",
    "lua": "lua",
    "Rscript": "r",
}

# Other spellings callers use for an id.
ALIASES: dict[str, str] = {
    "py": "python",
    "python3": "python",
    "js": "javascript",
    "node": "javascript",
    "ts": "typescript",
    "golang": "go",
    "rs": "rust",
    "c++": "cpp",
    "cxx": "cpp",
    "c#": "csharp",
    "cs": "csharp",
    "rb": "ruby",
    "sh": "bash",
    "shell": "bash",
    "kt": "kotlin",
    "yml": "yaml",
    "jsx": "javascript",
    "objective-c": "objc",
    "dockerfile": "dockerfile",
    "makefile": "make",
    "terraform": "hcl",
}

# Languages whose bundled grammar parses (checked against tree-sitter-language-pack 0.13.0).
SUPPORTED: frozenset[str] = frozenset(EXTENSIONS.values()) | frozenset(FILENAMES.values())

_SHEBANG = re.compile(rb"^#![ \t]*(\S+)(?:[ \t]+(\S+))?")


def normalize(language: str) -> str:
    """Canonical id for a caller-given language name (case and alias folded)."""
    lang = language.strip().lower()
    return ALIASES.get(lang, lang)


def from_path(path: str) -> str | None:
    """Language id for a file name, or None when the name does not say."""
    if not path:
        return None
    base = os.path.basename(path.replace("\\", "/")).lower()
    if base in FILENAMES:
        return FILENAMES[base]
    if base.startswith("dockerfile."):
        return "dockerfile"
    _, ext = os.path.splitext(base)
    return EXTENSIONS.get(ext)


def from_shebang(content: bytes) -> str | None:
    """Language id named by a `#!` first line, or None."""
    m = _SHEBANG.match(content[:256])
    if not m:
        return None
    prog = os.path.basename(m.group(1).decode("latin-1"))
    if prog == "env" and m.group(2):
        prog = m.group(2).decode("latin-1")
    prog = re.sub(r"[\d.]+$", "", prog) or prog
    return INTERPRETERS.get(prog) or INTERPRETERS.get(prog + "3")


def detect(path: str, language: str, content: bytes) -> str:
    """Resolve the language of one file, or raise UnknownLanguage with a helpful message."""
    if language:
        lang = normalize(language)
        if lang not in SUPPORTED:
            raise UnknownLanguage(f"unknown language {language!r}; known languages: {', '.join(sorted(SUPPORTED))}")
        return lang
    detected = from_path(path) or from_shebang(content)
    if detected is None:
        where = f"file {path!r}" if path else "content without a path"
        raise UnknownLanguage(
            f"cannot detect the language of {where}: pass a language id "
            f"(e.g. 'python') or a path with a known extension"
        )
    return detected


_local = threading.local()


@cache
def get_language(lang: str):
    """The tree-sitter Language object for an id (loaded once per process)."""
    from tree_sitter_language_pack import SupportedLanguage
    from tree_sitter_language_pack import get_language as _get

    # `lang` is one of SUPPORTED (detect() checked it); the package types its ids as a Literal.
    return _get(cast(SupportedLanguage, lang))


def get_parser(lang: str):
    """A tree-sitter Parser for `lang`, one per thread (parsers are not thread-safe)."""
    parsers = getattr(_local, "parsers", None)
    if parsers is None:
        parsers = _local.parsers = {}
    parser = parsers.get(lang)
    if parser is None:
        from tree_sitter import Parser

        parser = parsers[lang] = Parser(get_language(lang))
    return parser
