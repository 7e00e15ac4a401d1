"""Running a tree-sitter query over a whole tree in time linear in its size.

tree-sitter's query cursor, at every node it visits, walks up through that node's *invisible*
ancestors (`ts_tree_cursor_current_status`). Error recovery builds ERROR nodes whose visible
children hang off one long chain of invisible nodes, so one query over `[` * 100,000 costs the
square of the chain: seconds to minutes, holding the GIL all along. A cursor started *at* a node
keeps no ancestors above it, so each child of a big ERROR node is queried on its own, and the rest
of the tree is queried with byte ranges that leave the big ERROR nodes out. Trees without errors
(almost every real file) take one plain query.

(tree-sitter 0.26.1's `progress_callback` cannot cancel a query instead: the binding passes it a
pointer to a stack variable that has gone out of scope, which crashes once a match is found.)
"""

from __future__ import annotations

from tree_sitter import Node, Query, QueryCursor

from codeintel.kernel.budget import Budget

# An ERROR node with at most this many children is cheap to query whole (the quadratic cost of the
# chains error recovery builds only shows on far longer ones).
BIG_ERROR_CHILDREN = 512


def matches(query: Query, root: Node, budget: Budget, what: str) -> list[tuple[int, dict]]:
    """Every (pattern index, captures) of `query` under `root`. A match may be listed twice when the
    tree has big ERROR nodes (an ancestor seen from two byte ranges); callers dedupe by node."""
    if budget():  # parsing alone may have used it up
        raise budget.error(what)
    if not root.has_error:
        return QueryCursor(query).matches(root)
    out: list[tuple[int, dict]] = []
    todo = [root]
    while todo:
        top = todo.pop()
        bigs = _big_errors(top)
        if not bigs:
            out.extend(QueryCursor(query).matches(top))
            continue
        pos = top.start_byte
        for err in bigs:
            if err.start_byte > pos:
                out.extend(_in_range(query, top, pos, err.start_byte))
            pos = err.end_byte
            todo.extend(reversed(err.children))
        if top.end_byte > pos:
            out.extend(_in_range(query, top, pos, top.end_byte))
        if budget():
            raise budget.error(what)
    return out


def _in_range(query: Query, node: Node, start: int, end: int) -> list[tuple[int, dict]]:
    cursor = QueryCursor(query)
    cursor.set_byte_range(start, end)
    return cursor.matches(node)


def _big_errors(root: Node) -> list[Node]:
    """The outermost ERROR nodes under `root` (itself included) with many children, in document order.
    Only subtrees that contain an error are entered, so this is cheap for ordinary files."""
    found = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error and node.child_count > BIG_ERROR_CHILDREN:
            found.append(node)
            continue
        stack.extend(reversed([c for c in node.children if c.has_error]))
    return found
