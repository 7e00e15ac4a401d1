"""The MCP tools the bridge must list, once for every test that checks the list (the metrics' own
bounded label values, codeintel.observability.metrics.LABEL_VALUES["tool"], are checked against the
server separately)."""

TOOLS = frozenset(
    {
        "code_parse",
        "code_analyze",
        "vulnerability_scan",
        "scan_list_rules",
        "admin_get_metrics",
        "repo_scan",
        "repo_analyze",
        "repo_index",
        # the repository graph (mcp_bridge/tools/graph.py; tested in test_graph_tools.py)
        "index_repository",
        "search_symbols",
        "go_to_definition",
        "find_references",
        "call_hierarchy",
        "import_graph",
        "repo_outline",
        # reviews and structural queries (test_review_tool.py, test_query_tool.py)
        "review_changes",
        "code_query",
    }
)
