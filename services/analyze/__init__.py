"""The analyze service: code metrics (line counts, cyclomatic complexity, nesting, parameters) from the syntax tree."""
