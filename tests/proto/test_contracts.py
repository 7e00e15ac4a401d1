"""The contracts' guards: buf lint passes, buf breaking passes against the released
snapshot, and a deliberate break of v1 is caught (so the guard can fail)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUF = os.path.join(ROOT, "node_modules", ".bin", "buf")
SNAPSHOT = os.path.join(ROOT, "proto", "released", "codeintel-v1.binpb")


def buf(*args: str, cwd: str) -> subprocess.CompletedProcess:
    assert os.path.exists(BUF), "buf is missing: run `make install` (npm install)"
    return subprocess.run([BUF, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_lint_clean():
    r = buf("lint", cwd=os.path.join(ROOT, "proto"))
    assert r.returncode == 0, r.stdout + r.stderr


def test_no_break_against_the_released_snapshot():
    r = buf("breaking", "--against", SNAPSHOT, cwd=os.path.join(ROOT, "proto"))
    assert r.returncode == 0, r.stdout + r.stderr


BREAKING = 100  # buf's exit code for "breaking changes found"


def _breaks(r: subprocess.CompletedProcess) -> list[tuple[str, str]]:
    """(file, message) of each breaking change buf printed (`file:line:column:message`), in order."""
    out = []
    for line in r.stdout.splitlines():
        m = re.fullmatch(r"(\S+\.proto):\d+:\d+:(.+)", line.strip())
        assert m, f"not a buf annotation: {line!r}"
        out.append((m[1], m[2]))
    return out


def _copy(tmp_path):
    dst = tmp_path / "proto"
    shutil.copytree(os.path.join(ROOT, "proto"), dst, ignore=shutil.ignore_patterns("released"))
    return dst


def test_removing_a_field_is_a_breaking_change(tmp_path):
    proto = _copy(tmp_path)
    path = proto / "codeintel" / "v1" / "parse.proto"
    text = path.read_text()
    broken = re.sub(r"\n  // Whether ast was cut short.*?\n  bool ast_truncated = 7;\n", "\n", text, flags=re.S)
    assert broken != text
    path.write_text(broken)
    r = buf("breaking", "--against", SNAPSHOT, cwd=str(proto))
    # buf exits 100 when it found breaking changes (a crash or a usage error is another code).
    assert r.returncode == BREAKING, r.stdout + r.stderr
    assert _breaks(r) == [
        ("codeintel/v1/parse.proto", f'{field} on message "ParseResult" was deleted without reserving the {what}.')
        for field, what in [
            ('Previously present field "7" with name "ast_truncated"', 'name "ast_truncated"'),
            ('Previously present field "7" with name "ast_truncated"', 'number "7"'),
        ]
    ], r.stdout + r.stderr


def test_renumbering_an_enum_value_is_a_breaking_change(tmp_path):
    proto = _copy(tmp_path)
    path = proto / "codeintel" / "v1" / "scan.proto"
    text = path.read_text()
    assert "SEVERITY_HIGH = 4;" in text
    path.write_text(text.replace("SEVERITY_HIGH = 4;", "SEVERITY_HIGH = 6;"))
    r = buf("breaking", "--against", SNAPSHOT, cwd=str(proto))
    assert r.returncode == BREAKING, r.stdout + r.stderr
    assert _breaks(r) == [
        ("codeintel/v1/scan.proto", f'Previously present enum value "4" on enum "Severity" was deleted {reserving}.')
        for reserving in ('without reserving the name "SEVERITY_HIGH"', 'without reserving the number "4"')
    ], r.stdout + r.stderr


def test_adding_a_field_is_not_breaking(tmp_path):
    proto = _copy(tmp_path)
    path = proto / "codeintel" / "v1" / "parse.proto"
    text = path.read_text()
    path.write_text(
        text.replace(
            "  FileFacts facts = 11;\n",
            "  FileFacts facts = 11;\n  // A new field, added compatibly.\n  uint32 new_field = 1000;\n",
        )
    )
    r = buf("breaking", "--against", SNAPSHOT, cwd=str(proto))
    assert r.returncode == 0, r.stdout + r.stderr
