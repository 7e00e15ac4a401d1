"""The parse service domain: tree-sitter parsing, syntax errors, symbols and a flattened AST."""
