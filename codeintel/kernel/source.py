"""Validation of incoming source files and the one place that runs tree-sitter on them.

Every service checks a file the same way before work: size limit, binary content,
UTF-8, language. The checks raise codeintel.errors exceptions with messages meant for
the caller.
"""

from __future__ import annotations

from dataclasses import dataclass

from codeintel.kernel import languages
from codeintel.kernel.errors import BinaryContent, FileTooLarge, InvalidEncoding

DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024
DEFAULT_MAX_BATCH_FILES = 256
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class Source:
    """A validated source file. Byte offsets count from after a leading BOM, if any."""

    path: str
    language: str
    content: bytes

    @property
    def line_count(self) -> int:
        if not self.content:
            return 0
        return self.content.count(b"\n") + (0 if self.content.endswith(b"\n") else 1)


def prepare(path: str, language: str, content: bytes, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> Source:
    """Check one file and resolve its language; raise an InvalidInput subclass when unusable."""
    if len(content) > max_bytes:
        raise FileTooLarge(f"{path or 'file'} is {len(content):,} bytes; the limit is {max_bytes:,} bytes")
    if b"\x00" in content:
        raise BinaryContent(f"{path or 'file'} looks binary (it contains NUL bytes); send source text")
    if content.startswith(_BOM):
        content = content[3:]
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = content.count(b"\n", 0, exc.start) + 1
        raise InvalidEncoding(
            f"{path or 'file'} is not valid UTF-8 (bad byte at offset {exc.start}, line {line}); re-encode it as UTF-8"
        ) from None
    lang = languages.detect(path, language, content)
    return Source(path=path, language=lang, content=content)


def parse(source: Source):
    """Parse with the bundled grammar; returns a tree_sitter.Tree."""
    return languages.get_parser(source.language).parse(source.content)
