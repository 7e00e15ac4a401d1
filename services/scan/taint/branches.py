"""Branches that cannot run, for the taint pass: an `if`, a Java `switch` or a Python `match` whose
condition folds to a constant queues only the code that runs, as unconditional code.

Holds: the Branches mixin of Analysis. No grpc here.
"""

from __future__ import annotations

from services.scan.taint.fold import NOT_CONSTANT, fold, literal
from services.scan.taint.grammar import node_text


class Branches:
    """Dead branches: the part of Analysis that folds conditions and picks what runs."""

    consts: dict[str, object]
    language: str

    def _live_branch(self, n, depth: int, stack: list) -> bool:
        """`if` with a constant condition: queue only the branch that runs (as unconditional code)."""
        cond = n.child_by_field_name("condition")
        if cond is None:
            return False
        value = fold(cond, self.consts, self.language)
        if value is NOT_CONSTANT:
            return False
        if value:
            body = n.child_by_field_name("consequence")
            if body is not None:
                stack.append(("node", body, depth))
            return True
        for i, c in enumerate(n.children):
            if n.field_name_for_child(i) != "alternative":
                continue
            if c.type == "else_clause":  # Python / JS: else's body runs
                body = c.child_by_field_name("body") or (c.named_children[-1] if c.named_children else None)
                if body is not None:
                    stack.append(("node", body, depth))
            elif c.type == "elif_clause":
                stack.append(("node", c, depth + 1))
            else:
                stack.append(("node", c, depth))
        return True

    def _constant_subject(self, n, field: str):
        """(the constant value of a switch / match subject or NOT_CONSTANT, the body node or None)."""
        subject, body = n.child_by_field_name(field), n.child_by_field_name("body")
        if subject is None or body is None:
            return NOT_CONSTANT, None
        return fold(subject, self.consts, self.language), body

    def _live_cases(self, n, depth: int, stack: list) -> bool:
        """Java `switch` on a constant: queue the statements that run, from the matching case to the
        first break (falling through), as unconditional code."""
        value, body = self._constant_subject(n, "condition")
        if value is NOT_CONSTANT or body is None:
            return False
        groups = [g for g in body.named_children if g.type == "switch_block_statement_group"]
        if not groups or len(groups) != len([g for g in body.named_children if g.type != "comment"]):
            return False
        start = None
        for i, g in enumerate(groups):
            for label in (c for c in g.named_children if c.type == "switch_label"):
                kids = label.named_children
                if not kids and start is None and node_text(label).startswith("default"):
                    start = ("default", i)
                for k in kids:
                    got = fold(k, self.consts, self.language)
                    if got is NOT_CONSTANT:
                        return False
                    if got == value:
                        start = ("case", i)
                        break
                if start is not None and start[0] == "case":
                    break
            if start is not None and start[0] == "case":
                break
        if start is None:
            return True
        run: list = []
        for g in groups[start[1] :]:
            for c in g.named_children:
                if c.type == "switch_label":
                    continue
                if c.type == "break_statement":
                    break
                run.append(c)
            else:
                continue
            break
        for c in reversed(run):
            stack.append(("node", c, depth))
        return True

    def _live_match(self, n, depth: int, stack: list) -> bool:
        """Python `match` on a constant with literal cases: queue the body of the case that matches."""
        value, body = self._constant_subject(n, "subject")
        if value is NOT_CONSTANT or body is None:
            return False
        for clause in body.named_children:
            if clause.type != "case_clause":
                continue
            if clause.child_by_field_name("guard") is not None:
                return False
            patterns = [c for c in clause.named_children if c.type == "case_pattern"]
            matched = False
            for p in patterns:
                alts = p.named_children
                if len(alts) == 1 and alts[0].type == "union_pattern":
                    alts = alts[0].named_children
                if not alts and node_text(p) == "_":
                    matched = True
                for a in alts:
                    got = literal(a)
                    if got is NOT_CONSTANT:
                        return False
                    matched = matched or got == value
            if matched:
                cons = clause.child_by_field_name("consequence")
                if cons is not None:
                    stack.append(("node", cons, depth))
                return True
        return True
