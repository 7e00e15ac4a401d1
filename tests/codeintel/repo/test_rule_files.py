"""codeintel.repo.rules: a repository's .codeintel/rules/ and --rules paths read as RuleFiles, with
clear errors for what cannot be sent (not UTF-8, over the size or count limits, a link out of the
repository, an unknown suffix); with_rules appends after the rules already sent."""

from __future__ import annotations

import os

import pytest

from codeintel.kernel import vocab
from codeintel.repo import rules
from codeintel.v1 import scan_pb2


def _rules_dir(root):
    d = root / ".codeintel" / "rules"
    d.mkdir(parents=True)
    return d


def test_reads_the_rule_files_by_name_and_nothing_else(tmp_path):
    assert rules.read_rule_files(str(tmp_path)) == []  # no directory: no rules
    d = _rules_dir(tmp_path)
    (d / "b.yml").write_text("rules: []\n")
    (d / "a.toml").write_text("")
    (d / "notes.md").write_text("not a rule file")
    (d / "sub").mkdir()
    (d / "sub" / "c.yaml").write_text("rules: []\n")
    got = rules.read_rule_files(str(tmp_path))
    assert [(f.path, f.content) for f in got] == [
        (".codeintel/rules/a.toml", ""),
        (".codeintel/rules/b.yml", "rules: []\n"),
    ]


def test_what_cannot_be_sent_is_a_clear_error(tmp_path):
    d = _rules_dir(tmp_path)
    (d / "latin.yaml").write_bytes(b"rules: []\n# caf\xe9\n")
    with pytest.raises(rules.RuleFileError, match=r"\.codeintel/rules/latin\.yaml: not UTF-8 \(byte 15\)") as exc:
        rules.read_rule_files(str(tmp_path))
    assert exc.value.field == "custom_rules"
    (d / "latin.yaml").unlink()
    (d / "big.yaml").write_text("#" * (vocab.CUSTOM_RULE_BYTES + 1))
    with pytest.raises(rules.RuleFileError, match="big.yaml: custom rule files may hold 256 KiB together"):
        rules.read_rule_files(str(tmp_path))
    (d / "big.yaml").unlink()
    outside = tmp_path.parent / f"{tmp_path.name}-outside.yaml"
    outside.write_text("rules: []\n")
    os.symlink(outside, d / "link.yaml")
    with pytest.raises(rules.RuleFileError, match="link.yaml: a symbolic link out of the repository"):
        rules.read_rule_files(str(tmp_path))
    (d / "link.yaml").unlink()
    for i in range(vocab.CUSTOM_RULE_FILES + 1):
        (d / f"r{i:02d}.yaml").write_text("rules: []\n")
    with pytest.raises(rules.RuleFileError, match=f"the limit is {vocab.CUSTOM_RULE_FILES}"):
        rules.read_rule_files(str(tmp_path))


def test_paths_named_on_a_command_line(tmp_path):
    (tmp_path / "one.toml").write_text("")
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "two.yaml").write_text("rules: []\n")
    got = rules.read_rule_paths([str(tmp_path / "one.toml"), str(tmp_path / "dir")])
    assert [f.path for f in got] == [str(tmp_path / "one.toml"), str(tmp_path / "dir" / "two.yaml")]
    (tmp_path / "empty").mkdir()
    with pytest.raises(rules.RuleFileError, match="no rule files"):
        rules.read_rule_paths([str(tmp_path / "empty")])
    (tmp_path / "r.json").write_text("{}")
    with pytest.raises(rules.RuleFileError, match="not a rule file"):
        rules.read_rule_paths([str(tmp_path / "r.json")])
    with pytest.raises(rules.RuleFileError, match="no such rule file"):
        rules.read_rule_paths([str(tmp_path / "missing.yaml")])


def test_with_rules_appends_after_the_rules_sent():
    sent = scan_pb2.ScanOptions(min_severity=scan_pb2.SEVERITY_HIGH, custom_rules=[scan_pb2.RuleFile(path="a.toml")])
    assert rules.with_rules(sent, []) is sent
    out = rules.with_rules(sent, [scan_pb2.RuleFile(path=".codeintel/rules/b.yaml")])
    assert [f.path for f in out.custom_rules] == ["a.toml", ".codeintel/rules/b.yaml"]
    assert out.min_severity == scan_pb2.SEVERITY_HIGH and len(sent.custom_rules) == 1  # a copy
    many = [scan_pb2.RuleFile(path=f"{i}.yaml") for i in range(vocab.CUSTOM_RULE_FILES)]
    with pytest.raises(rules.RuleFileError, match="the limit is"):
        rules.with_rules(sent, many)
