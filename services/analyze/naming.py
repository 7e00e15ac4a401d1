"""Names and parameters of the functions and classes the analyze walk meets.

How a definition is named (a class's name without generics, a function's name from its node, or
from its context for an anonymous one: `x = function () {}` is "x"), and how many parameters it
declares (services.analyze.domain's docstring states what counts). Plain Python over tree-sitter
nodes; the walk itself is services.analyze.domain.
"""

from __future__ import annotations

from services.analyze.languages import Spec

ANONYMOUS = "<anonymous>"


def _text(node) -> str:
    return node.text.decode("utf-8", "replace") if node is not None else ""


# ---------------------------------------------------------------- classes


def class_name(node, lang: str, needs_body: bool) -> str | None:
    """Name of a class-like scope, or None when the node is not one (e.g. `struct S x;`)."""
    if needs_body and node.child_by_field_name("body") is None:
        return None
    if lang == "go":  # type_spec: only struct and interface types are classes
        ty = node.child_by_field_name("type")
        if ty is None or ty.type not in ("struct_type", "interface_type"):
            return None
    if lang == "rust" and node.type == "impl_item":
        ty = node.child_by_field_name("type")
        return _strip_generics(_text(ty)) or ANONYMOUS
    if lang == "ruby" and node.type == "singleton_class":
        return _text(node.child_by_field_name("value")) or "self"
    name = node.child_by_field_name("name")
    if name is None:
        for child in node.named_children:
            if child.type in ("type_identifier", "simple_identifier", "identifier", "constant"):
                name = child
                break
    return _text(name) or ANONYMOUS


def _strip_generics(name: str) -> str:
    for sep in ("<", "["):
        i = name.find(sep)
        if i > 0:
            name = name[:i]
    return name.strip()


# ---------------------------------------------------------------- functions

_C_NAMES = frozenset(
    {
        "identifier",
        "field_identifier",
        "qualified_identifier",
        "destructor_name",
        "operator_name",
        "template_function",
        "template_method",
        "operator_cast",
    }
)


def function_info(node, anc: list, lang: str, spec: Spec, in_class: bool):
    """(name, qualifying prefix, parameter count) of a function node, or None without a body."""
    prefix = ""
    plist = None
    if lang in ("c", "cpp"):
        decl = node.child_by_field_name("declarator")
        fdecl = None
        while decl is not None and decl.type not in _C_NAMES:
            if decl.type == "function_declarator":
                fdecl = decl
            nxt = decl.child_by_field_name("declarator")
            if nxt is None and not decl.named_child_count:
                decl = None  # a broken parse (a lone ERROR): no name to find
                break
            decl = nxt if nxt is not None else decl.named_child(0)
        full = _text(decl)
        if decl is not None and decl.type == "qualified_identifier":
            parts = full.replace(" ", "").split("::")
            name = parts[-1]
            prefix = ".".join(p for p in parts[:-1] if p)
        else:
            name = full
        name = name or ANONYMOUS
        if fdecl is not None:
            plist = fdecl.child_by_field_name("parameters")
        if plist is not None and plist.named_child_count == 1:
            only = plist.named_child(0)
            if only.type == "parameter_declaration" and only.text.strip() == b"void":
                return name, prefix, 0
    elif lang == "kotlin":
        if node.type != "secondary_constructor" and not any(
            c.type in ("function_body", "statements") for c in node.named_children
        ):
            return None
        name = ANONYMOUS
        if node.type == "secondary_constructor":
            name = "constructor"
        elif node.type == "function_declaration":
            for c in node.named_children:
                if c.type == "simple_identifier":
                    name = _text(c)
                    break
        for c in node.named_children:
            if c.type == "function_value_parameters":
                plist = c
                break
    else:
        if spec.needs_body and node.child_by_field_name("body") is None:
            return None
        name_node = node.child_by_field_name("name")
        if name_node is not None:
            name = _text(name_node)
            if lang == "php":
                name = name.lstrip("$")
        elif node.type in spec.anonymous:
            name = _context_name(node, anc)
        else:
            name = ANONYMOUS
        if lang == "go" and node.type == "method_declaration":
            recv = node.child_by_field_name("receiver")
            if recv is not None:
                for p in recv.named_children:
                    if p.type == "parameter_declaration":
                        prefix = _strip_generics(_text(p.child_by_field_name("type")).lstrip("*"))
                        break
        plist = node.child_by_field_name("parameters")
        if plist is None and lang in ("javascript", "typescript", "tsx"):
            if node.child_by_field_name("parameter") is not None:  # x => ...
                return name, prefix, 1
    return name, prefix, _count_params(plist, lang, spec, in_class)


def _count_params(plist, lang: str, spec: Spec, in_class: bool) -> int:
    if plist is None:
        return 0
    kinds = spec.param_kinds
    count = 0
    if lang == "go":
        for p in plist.named_children:
            if p.type in kinds:
                count += max(1, len(p.children_by_field_name("name")))
        return count
    first = True
    cursor = plist.walk()
    if not cursor.goto_first_child():
        return 0
    while True:
        p = cursor.node
        if p.is_named:
            if p.type in kinds:
                if lang == "python" and first and in_class and p.type == "identifier" and p.text in (b"self", b"cls"):
                    pass
                elif lang in ("typescript", "tsx") and p.type == "required_parameter" and _is_this(p):
                    pass
                else:
                    count += 1
                first = False
            elif lang == "csharp" and cursor.field_name == "name":
                count += 1  # `params T[] name` surfaces as bare fields of the list
        if not cursor.goto_next_sibling():
            return count


def _is_this(param) -> bool:
    pat = param.child_by_field_name("pattern")
    return pat is not None and pat.type == "this"


def _context_name(node, anc: list) -> str:
    """Name of an anonymous function from where it is bound (`const f = () => ...`)."""
    if not anc:
        return ANONYMOUS
    parent = anc[-1]
    ptype = parent.type
    if ptype == "variable_declarator":
        return _text(parent.child_by_field_name("name")) or ANONYMOUS
    if ptype == "pair":
        return _text(parent.child_by_field_name("key")).strip("'\"`") or ANONYMOUS
    if ptype in ("field_definition", "public_field_definition"):
        n = parent.child_by_field_name("property") or parent.child_by_field_name("name")
        return _text(n) or ANONYMOUS
    if ptype in ("assignment_expression", "assignment_pattern"):
        left = parent.child_by_field_name("left")
        if left is not None:
            if left.type == "member_expression":
                left = left.child_by_field_name("property")
            return _text(left).lstrip("$") or ANONYMOUS
    if ptype == "expression_list" and len(anc) > 1:  # Go: f := func() {...}
        grand = anc[-2]
        if grand.type in ("short_var_declaration", "assignment_statement"):
            left = grand.child_by_field_name("left")
            right = grand.child_by_field_name("right")
            if left is not None and right is not None and left.named_child_count == right.named_child_count:
                for lhs, rhs in zip(left.named_children, right.named_children, strict=True):
                    if rhs.start_byte <= node.start_byte < rhs.end_byte:
                        return _text(lhs) or ANONYMOUS
        elif grand.type == "var_spec":
            names = grand.children_by_field_name("name")
            if len(names) == 1:
                return _text(names[0]) or ANONYMOUS
    return ANONYMOUS
