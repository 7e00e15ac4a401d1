"""The bridge's tools, one module per family, each with ``register(server, bridge)``:

- ``code``: code_parse, code_analyze, vulnerability_scan (one file: inline `code` or a `path`);
- ``rules``: scan_list_rules;
- ``admin``: admin_get_metrics;
- ``repo``: repo_scan, repo_analyze, repo_index (a directory or glob, paginated with cursors);
- ``graph``: index_repository and the repository-graph queries (search_symbols, go_to_definition,
  find_references, call_hierarchy, import_graph, repo_outline), paginated with cursors;
- ``review``: review_changes (a diff, a git revision range or files with both versions).
- ``query``: code_query (a tree-sitter query or an ast-grep pattern over a file, a directory or code).

mcp_bridge.server.build_server registers them in this order, which is the order clients list them.
"""
