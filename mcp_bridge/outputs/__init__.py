"""The tools' results: pydantic output models (each tool's outputSchema) and the converters that
build them from the coordinator's protobuf responses.

One module per tool family, like mcp_bridge.tools: ``code`` (code_parse, code_analyze,
vulnerability_scan), ``rules`` (scan_list_rules), ``admin`` (admin_get_metrics), ``repo``
(repo_scan, repo_analyze, repo_index), ``graph`` (index_repository and the repository-graph
queries), ``review`` (review_changes), ``query`` (code_query); ``common`` holds what several share.

Lines and columns in results are 1-based (as editors show them); columns count UTF-8 bytes of
the line, as the backend reports them. Field names and order are the tools' JSON contract.
"""
