import pytest

from codeintel.kernel.errors import BinaryContent, FileTooLarge, InvalidEncoding, UnknownLanguage
from codeintel.kernel.source import prepare


def test_valid_source_and_bom():
    s = prepare("a.py", "", b"\xef\xbb\xbfx = 1\n")
    assert s.language == "python" and s.content == b"x = 1\n" and s.line_count == 1


def test_limits_and_rejections():
    with pytest.raises(FileTooLarge, match="limit is 10 bytes"):
        prepare("a.py", "", b"x" * 11, max_bytes=10)
    prepare("a.py", "", b"x" * 10, max_bytes=10)
    with pytest.raises(BinaryContent):
        prepare("a.py", "", b"ab\x00cd")
    with pytest.raises(InvalidEncoding, match="line 2"):
        prepare("a.py", "", b"ok\n\xc3\x28\n")
    with pytest.raises(UnknownLanguage):
        prepare("noext", "", b"hello")


def test_line_count():
    assert prepare("a.py", "", b"").line_count == 0
    assert prepare("a.py", "", b"a\nb").line_count == 2
    assert prepare("a.py", "", b"a\nb\n").line_count == 2
