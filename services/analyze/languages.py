"""Per-language node-type tables for the metrics walk (services.analyze.domain).

Each `Spec` names tree-sitter node types (as in tree-sitter-language-pack 0.13.0) by
the role they play:

- functions: definitions measured as functions. Only those with a body count
  (`needs_body`); interface / abstract / prototype declarations are skipped.
  Anonymous function *expressions* count where they are the usual way to write a
  function (JS/TS arrow functions and function expressions, Go func literals, PHP
  closures, Kotlin anonymous functions). Expression lambdas (Python `lambda`,
  Java/C#/Kotlin/C++ lambdas, Rust closures, Ruby blocks) are not functions: their
  decision points count for the enclosing function.
- classes: class-like definitions counted in class_count and used as scopes in
  qualified names (classes, structs, interfaces, enums, traits, records, objects).
- scopes: named scopes that appear in qualified names but are not counted as
  classes (Rust `impl`, Ruby `module`, Kotlin companion objects).
- decisions: named nodes adding 1 to cyclomatic complexity (if/elif, loops,
  catch clauses, conditional expressions, case clauses).
- arms: case-like nodes adding 1 unless they are the default arm (`_`, `else`,
  `default`).
- tokens: anonymous tokens adding 1 (e.g. `case` in a switch).
- bool_tokens + bool_parents: short-circuit operators (`&&`, `||`, `and`, `or`,
  `??`, Kotlin `?:`) add 1 each when their parent is a binary-expression node.
- nest: control-flow blocks that raise the nesting depth. `if_types` are the
  subset that do not add a level when they are the `else` branch of another if
  (so an else-if chain stays at one level).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Spec:
    functions: frozenset[str]
    anonymous: frozenset[str] = frozenset()  # function kinds named from context
    classes: frozenset[str] = frozenset()
    class_needs_body: bool = False
    scopes: frozenset[str] = frozenset()
    decisions: frozenset[str] = frozenset()
    arms: frozenset[str] = frozenset()
    tokens: frozenset[str] = frozenset()
    bool_tokens: frozenset[str] = frozenset()
    bool_parents: frozenset[str] = frozenset()
    nest: frozenset[str] = frozenset()
    if_types: frozenset[str] = frozenset()
    else_wrappers: frozenset[str] = frozenset()  # Kotlin: if inside the else body wrapper
    comments: frozenset[str] = frozenset({"comment"})
    docstring_types: frozenset[str] = frozenset()
    docstring_parents: frozenset[str] = frozenset()
    needs_body: bool = False
    param_kinds: frozenset[str] = frozenset()
    param_lists: frozenset[str] = frozenset()
    receivers: frozenset[str] = field(default_factory=frozenset)


def _f(*names: str) -> frozenset[str]:
    return frozenset(names)


_JS_FUNCS = _f(
    "function_declaration", "generator_function_declaration", "function_expression", "function",
    "generator_function", "arrow_function", "method_definition",
)
_JS_ANON = _f("function_expression", "function", "generator_function", "arrow_function")
_JS_DECISIONS = _f(
    "if_statement", "for_statement", "for_in_statement", "for_of_statement", "while_statement",
    "do_statement", "catch_clause", "ternary_expression",
)
_JS_NEST = _f(
    "if_statement", "for_statement", "for_in_statement", "for_of_statement", "while_statement",
    "do_statement", "try_statement", "switch_statement", "with_statement",
)
_JS_PARAMS = _f(
    "identifier", "assignment_pattern", "rest_pattern", "object_pattern", "array_pattern",
    "required_parameter", "optional_parameter",
)

_JS = dict(
    functions=_JS_FUNCS, anonymous=_JS_ANON,
    decisions=_JS_DECISIONS, tokens=_f("case"),
    bool_tokens=_f("&&", "||", "??"), bool_parents=_f("binary_expression"),
    nest=_JS_NEST, if_types=_f("if_statement"),
    comments=_f("comment", "html_comment"),
    param_kinds=_JS_PARAMS, param_lists=_f("formal_parameters"),
)
_TS_CLASSES = _f("class_declaration", "class", "abstract_class_declaration", "interface_declaration", "enum_declaration")

_C_DECISIONS = _f(
    "if_statement", "for_statement", "for_range_loop", "while_statement", "do_statement",
    "conditional_expression", "catch_clause", "seh_except_clause",
)
_C_NEST = _f(
    "if_statement", "for_statement", "for_range_loop", "while_statement", "do_statement",
    "switch_statement", "try_statement", "seh_try_statement",
)
_C_PARAMS = _f(
    "parameter_declaration", "optional_parameter_declaration", "variadic_parameter_declaration",
    "variadic_parameter", "explicit_object_parameter_declaration",
)

SPECS: dict[str, Spec] = {
    "python": Spec(
        functions=_f("function_definition"),
        classes=_f("class_definition"),
        decisions=_f(
            "if_statement", "elif_clause", "for_statement", "while_statement", "except_clause",
            "except_group_clause", "conditional_expression", "for_in_clause", "if_clause",
        ),
        arms=_f("case_clause"),
        bool_tokens=_f("and", "or"), bool_parents=_f("boolean_operator"),
        nest=_f("if_statement", "for_statement", "while_statement", "try_statement", "with_statement",
                "match_statement"),
        docstring_types=_f("string", "concatenated_string"),
        docstring_parents=_f("module", "block", "expression_statement"),
        param_kinds=_f(
            "identifier", "typed_parameter", "default_parameter", "typed_default_parameter",
            "list_splat_pattern", "dictionary_splat_pattern", "tuple_pattern",
        ),
        param_lists=_f("parameters"),
    ),
    "javascript": Spec(classes=_f("class_declaration", "class"), **_JS),
    "typescript": Spec(classes=_TS_CLASSES, **_JS),
    "tsx": Spec(classes=_TS_CLASSES, **_JS),
    "go": Spec(
        functions=_f("function_declaration", "method_declaration", "func_literal"),
        anonymous=_f("func_literal"),
        classes=_f("type_spec"),  # only struct / interface types (checked in the walk)
        decisions=_f("if_statement", "for_statement", "expression_case", "type_case", "communication_case"),
        bool_tokens=_f("&&", "||"), bool_parents=_f("binary_expression"),
        nest=_f("if_statement", "for_statement", "expression_switch_statement", "type_switch_statement",
                "select_statement"),
        if_types=_f("if_statement"),
        needs_body=True,
        param_kinds=_f("parameter_declaration", "variadic_parameter_declaration"),
        param_lists=_f("parameter_list"),
    ),
    "java": Spec(
        functions=_f("method_declaration", "constructor_declaration", "compact_constructor_declaration"),
        classes=_f("class_declaration", "interface_declaration", "enum_declaration", "record_declaration",
                   "annotation_type_declaration"),
        decisions=_f("if_statement", "for_statement", "enhanced_for_statement", "while_statement",
                     "do_statement", "catch_clause", "ternary_expression"),
        tokens=_f("case"),
        bool_tokens=_f("&&", "||"), bool_parents=_f("binary_expression"),
        nest=_f("if_statement", "for_statement", "enhanced_for_statement", "while_statement", "do_statement",
                "try_statement", "try_with_resources_statement", "switch_expression", "switch_statement",
                "synchronized_statement"),
        if_types=_f("if_statement"),
        comments=_f("line_comment", "block_comment"),
        needs_body=True,
        param_kinds=_f("formal_parameter", "spread_parameter"),
        param_lists=_f("formal_parameters"),
    ),
    "c": Spec(
        functions=_f("function_definition"),
        classes=_f("struct_specifier", "union_specifier", "enum_specifier"), class_needs_body=True,
        decisions=_C_DECISIONS, tokens=_f("case"),
        bool_tokens=_f("&&", "||"), bool_parents=_f("binary_expression"),
        nest=_C_NEST, if_types=_f("if_statement"),
        param_kinds=_C_PARAMS, param_lists=_f("parameter_list"),
    ),
    "cpp": Spec(
        functions=_f("function_definition"),
        classes=_f("class_specifier", "struct_specifier", "union_specifier", "enum_specifier"),
        class_needs_body=True,
        decisions=_C_DECISIONS, tokens=_f("case"),
        bool_tokens=_f("&&", "||", "and", "or"), bool_parents=_f("binary_expression"),
        nest=_C_NEST, if_types=_f("if_statement"),
        param_kinds=_C_PARAMS, param_lists=_f("parameter_list"),
    ),
    "rust": Spec(
        functions=_f("function_item"),
        classes=_f("struct_item", "enum_item", "union_item", "trait_item"),
        scopes=_f("impl_item"),
        decisions=_f("if_expression", "for_expression", "while_expression"),
        arms=_f("match_arm"),
        bool_tokens=_f("&&", "||"), bool_parents=_f("binary_expression"),
        nest=_f("if_expression", "for_expression", "while_expression", "loop_expression", "match_expression"),
        if_types=_f("if_expression"),
        comments=_f("line_comment", "block_comment"),
        param_kinds=_f("parameter", "variadic_parameter"),
        param_lists=_f("parameters"),
    ),
    "csharp": Spec(
        functions=_f("method_declaration", "constructor_declaration", "destructor_declaration",
                     "local_function_statement", "operator_declaration", "conversion_operator_declaration"),
        classes=_f("class_declaration", "struct_declaration", "interface_declaration", "enum_declaration",
                   "record_declaration", "record_struct_declaration"),
        decisions=_f("if_statement", "for_statement", "foreach_statement", "while_statement", "do_statement",
                     "catch_clause", "conditional_expression"),
        arms=_f("switch_expression_arm"),
        tokens=_f("case"),
        bool_tokens=_f("&&", "||", "??"), bool_parents=_f("binary_expression"),
        nest=_f("if_statement", "for_statement", "foreach_statement", "while_statement", "do_statement",
                "switch_statement", "switch_expression", "try_statement", "using_statement", "lock_statement",
                "fixed_statement", "checked_statement", "unsafe_statement"),
        if_types=_f("if_statement"),
        needs_body=True,
        param_kinds=_f("parameter"),
        param_lists=_f("parameter_list"),
    ),
    "ruby": Spec(
        functions=_f("method", "singleton_method"),
        classes=_f("class", "singleton_class"),
        scopes=_f("module"),
        decisions=_f("if", "elsif", "unless", "while", "until", "for", "when", "rescue", "conditional",
                     "if_modifier", "unless_modifier", "while_modifier", "until_modifier", "rescue_modifier",
                     "in_clause"),
        bool_tokens=_f("&&", "||", "and", "or"), bool_parents=_f("binary"),
        nest=_f("if", "unless", "while", "until", "for", "case", "case_match", "begin"),
        param_kinds=_f(
            "identifier", "optional_parameter", "splat_parameter", "hash_splat_parameter", "block_parameter",
            "keyword_parameter", "destructured_parameter", "forward_parameter",
        ),
        param_lists=_f("method_parameters"),
    ),
    "php": Spec(
        functions=_f("function_definition", "method_declaration", "anonymous_function", "arrow_function"),
        anonymous=_f("anonymous_function", "arrow_function"),
        classes=_f("class_declaration", "interface_declaration", "trait_declaration", "enum_declaration"),
        decisions=_f("if_statement", "else_if_clause", "for_statement", "foreach_statement", "while_statement",
                     "do_statement", "catch_clause", "conditional_expression", "match_conditional_expression"),
        tokens=_f("case"),
        bool_tokens=_f("&&", "||", "and", "or", "xor", "??"), bool_parents=_f("binary_expression"),
        nest=_f("if_statement", "for_statement", "foreach_statement", "while_statement", "do_statement",
                "switch_statement", "try_statement", "match_expression"),
        if_types=_f("if_statement"),
        needs_body=True,
        param_kinds=_f("simple_parameter", "variadic_parameter", "property_promotion_parameter"),
        param_lists=_f("formal_parameters"),
    ),
    "kotlin": Spec(
        functions=_f("function_declaration", "anonymous_function", "secondary_constructor"),
        anonymous=_f("anonymous_function"),
        classes=_f("class_declaration", "object_declaration"),
        scopes=_f("companion_object"),
        decisions=_f("if_expression", "for_statement", "while_statement", "do_while_statement", "catch_block"),
        arms=_f("when_entry"),
        bool_tokens=_f("&&", "||", "?:"),
        bool_parents=_f("conjunction_expression", "disjunction_expression", "elvis_expression"),
        nest=_f("if_expression", "for_statement", "while_statement", "do_while_statement", "when_expression",
                "try_expression"),
        if_types=_f("if_expression"),
        else_wrappers=_f("control_structure_body"),
        comments=_f("line_comment", "multiline_comment"),
        needs_body=True,
        param_kinds=_f("parameter", "parameter_with_optional_type"),
        param_lists=_f("function_value_parameters"),
    ),
}

LANGUAGES: frozenset[str] = frozenset(SPECS)
