"""Scan service: a rule engine over tree-sitter syntax trees (rules are TOML data files in rules/,
taint specs in taint/specs/).

Modules: engine (RuleSet: load, select, scan; VERSION), loader (rule files and taint specs -> rules),
rules (Rule, Example, one rule table's validation), matching (queries and the anchor prefilter),
anchors (anchor words of patterns), predicates (checks queries cannot express), syntax (what nodes
mean across grammars), redos (the ReDoS analyser), suppression (nosec / codeintel-ignore / baseline),
owasp (CWE -> OWASP category), taint (the taint analysis package); servicer and __main__ are the
gRPC face, the only modules here that import grpc.
"""
