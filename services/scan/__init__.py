"""Scan service: a rule engine over tree-sitter syntax trees (rules are TOML data files in rules/)."""
