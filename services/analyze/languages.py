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

Cognitive complexity (SonarSource) uses its own roles:

- cog_ifs: if nodes (+1 plus nesting; +1 only as the else branch of another if).
- cog_elifs: else-if clauses (`elif`, `elsif`, `elseif`): +1, no nesting increment.
- cog_else_wrappers: named nodes around an `else` token (`else_clause`, Ruby `else`);
  an `else` of an if adds +1 unless an if follows it (then it is an else-if).
- cog_structs: loops, conditional expressions, switch-like statements (once, not
  per case) and catch clauses: +1 plus nesting, and they raise the nesting level.
- lambdas: expression lambdas that are not functions here: raise the nesting level.
- gotos: always +1; label_jumps: +1 when they hold a child of a `jump_labels` type
  (`break outer`, `continue 'a`, PHP `break 2`).
- calls: call nodes, checked for direct recursion (+1 once per function).
- literals: string-like nodes that count as one Halstead operand (their parts do not).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any


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
    cog_ifs: frozenset[str] = frozenset()
    cog_elifs: frozenset[str] = frozenset()
    cog_else_wrappers: frozenset[str] = frozenset()
    cog_structs: frozenset[str] = frozenset()
    lambdas: frozenset[str] = frozenset()
    gotos: frozenset[str] = frozenset()
    label_jumps: frozenset[str] = frozenset()
    jump_labels: frozenset[str] = frozenset()
    calls: frozenset[str] = frozenset()
    literals: frozenset[str] = frozenset()


def _f(*names: str) -> frozenset[str]:
    return frozenset(names)


_JS_FUNCS = _f(
    "function_declaration",
    "generator_function_declaration",
    "function_expression",
    "function",
    "generator_function",
    "arrow_function",
    "method_definition",
)
_JS_ANON = _f("function_expression", "function", "generator_function", "arrow_function")
_JS_DECISIONS = _f(
    "if_statement",
    "for_statement",
    "for_in_statement",
    "for_of_statement",
    "while_statement",
    "do_statement",
    "catch_clause",
    "ternary_expression",
)
_JS_NEST = _f(
    "if_statement",
    "for_statement",
    "for_in_statement",
    "for_of_statement",
    "while_statement",
    "do_statement",
    "try_statement",
    "switch_statement",
    "with_statement",
)
_JS_PARAMS = _f(
    "identifier",
    "assignment_pattern",
    "rest_pattern",
    "object_pattern",
    "array_pattern",
    "required_parameter",
    "optional_parameter",
)

_JS: dict[str, Any] = dict(
    functions=_JS_FUNCS,
    anonymous=_JS_ANON,
    decisions=_JS_DECISIONS,
    tokens=_f("case"),
    bool_tokens=_f("&&", "||", "??"),
    bool_parents=_f("binary_expression"),
    nest=_JS_NEST,
    if_types=_f("if_statement"),
    comments=_f("comment", "html_comment"),
    param_kinds=_JS_PARAMS,
    param_lists=_f("formal_parameters"),
)
_TS_CLASSES = _f(
    "class_declaration", "class", "abstract_class_declaration", "interface_declaration", "enum_declaration"
)

_C_DECISIONS = _f(
    "if_statement",
    "for_statement",
    "for_range_loop",
    "while_statement",
    "do_statement",
    "conditional_expression",
    "catch_clause",
    "seh_except_clause",
)
_C_NEST = _f(
    "if_statement",
    "for_statement",
    "for_range_loop",
    "while_statement",
    "do_statement",
    "switch_statement",
    "try_statement",
    "seh_try_statement",
)
_C_PARAMS = _f(
    "parameter_declaration",
    "optional_parameter_declaration",
    "variadic_parameter_declaration",
    "variadic_parameter",
    "explicit_object_parameter_declaration",
)

SPECS: dict[str, Spec] = {
    "python": Spec(
        functions=_f("function_definition"),
        classes=_f("class_definition"),
        decisions=_f(
            "if_statement",
            "elif_clause",
            "for_statement",
            "while_statement",
            "except_clause",
            "except_group_clause",
            "conditional_expression",
            "for_in_clause",
            "if_clause",
        ),
        arms=_f("case_clause"),
        bool_tokens=_f("and", "or"),
        bool_parents=_f("boolean_operator"),
        nest=_f(
            "if_statement", "for_statement", "while_statement", "try_statement", "with_statement", "match_statement"
        ),
        docstring_types=_f("string", "concatenated_string"),
        docstring_parents=_f("module", "block", "expression_statement"),
        param_kinds=_f(
            "identifier",
            "typed_parameter",
            "default_parameter",
            "typed_default_parameter",
            "list_splat_pattern",
            "dictionary_splat_pattern",
            "tuple_pattern",
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
        bool_tokens=_f("&&", "||"),
        bool_parents=_f("binary_expression"),
        nest=_f(
            "if_statement", "for_statement", "expression_switch_statement", "type_switch_statement", "select_statement"
        ),
        if_types=_f("if_statement"),
        needs_body=True,
        param_kinds=_f("parameter_declaration", "variadic_parameter_declaration"),
        param_lists=_f("parameter_list"),
    ),
    "java": Spec(
        functions=_f("method_declaration", "constructor_declaration", "compact_constructor_declaration"),
        classes=_f(
            "class_declaration",
            "interface_declaration",
            "enum_declaration",
            "record_declaration",
            "annotation_type_declaration",
        ),
        decisions=_f(
            "if_statement",
            "for_statement",
            "enhanced_for_statement",
            "while_statement",
            "do_statement",
            "catch_clause",
            "ternary_expression",
        ),
        tokens=_f("case"),
        bool_tokens=_f("&&", "||"),
        bool_parents=_f("binary_expression"),
        nest=_f(
            "if_statement",
            "for_statement",
            "enhanced_for_statement",
            "while_statement",
            "do_statement",
            "try_statement",
            "try_with_resources_statement",
            "switch_expression",
            "switch_statement",
            "synchronized_statement",
        ),
        if_types=_f("if_statement"),
        comments=_f("line_comment", "block_comment"),
        needs_body=True,
        param_kinds=_f("formal_parameter", "spread_parameter"),
        param_lists=_f("formal_parameters"),
    ),
    "c": Spec(
        functions=_f("function_definition"),
        classes=_f("struct_specifier", "union_specifier", "enum_specifier"),
        class_needs_body=True,
        decisions=_C_DECISIONS,
        tokens=_f("case"),
        bool_tokens=_f("&&", "||"),
        bool_parents=_f("binary_expression"),
        nest=_C_NEST,
        if_types=_f("if_statement"),
        param_kinds=_C_PARAMS,
        param_lists=_f("parameter_list"),
    ),
    "cpp": Spec(
        functions=_f("function_definition"),
        classes=_f("class_specifier", "struct_specifier", "union_specifier", "enum_specifier"),
        class_needs_body=True,
        decisions=_C_DECISIONS,
        tokens=_f("case"),
        bool_tokens=_f("&&", "||", "and", "or"),
        bool_parents=_f("binary_expression"),
        nest=_C_NEST,
        if_types=_f("if_statement"),
        param_kinds=_C_PARAMS,
        param_lists=_f("parameter_list"),
    ),
    "rust": Spec(
        functions=_f("function_item"),
        classes=_f("struct_item", "enum_item", "union_item", "trait_item"),
        scopes=_f("impl_item"),
        decisions=_f("if_expression", "for_expression", "while_expression"),
        arms=_f("match_arm"),
        bool_tokens=_f("&&", "||"),
        bool_parents=_f("binary_expression"),
        nest=_f("if_expression", "for_expression", "while_expression", "loop_expression", "match_expression"),
        if_types=_f("if_expression"),
        comments=_f("line_comment", "block_comment"),
        param_kinds=_f("parameter", "variadic_parameter"),
        param_lists=_f("parameters"),
    ),
    "csharp": Spec(
        functions=_f(
            "method_declaration",
            "constructor_declaration",
            "destructor_declaration",
            "local_function_statement",
            "operator_declaration",
            "conversion_operator_declaration",
        ),
        classes=_f(
            "class_declaration",
            "struct_declaration",
            "interface_declaration",
            "enum_declaration",
            "record_declaration",
            "record_struct_declaration",
        ),
        decisions=_f(
            "if_statement",
            "for_statement",
            "foreach_statement",
            "while_statement",
            "do_statement",
            "catch_clause",
            "conditional_expression",
        ),
        arms=_f("switch_expression_arm"),
        tokens=_f("case"),
        bool_tokens=_f("&&", "||", "??"),
        bool_parents=_f("binary_expression"),
        nest=_f(
            "if_statement",
            "for_statement",
            "foreach_statement",
            "while_statement",
            "do_statement",
            "switch_statement",
            "switch_expression",
            "try_statement",
            "using_statement",
            "lock_statement",
            "fixed_statement",
            "checked_statement",
            "unsafe_statement",
        ),
        if_types=_f("if_statement"),
        needs_body=True,
        param_kinds=_f("parameter"),
        param_lists=_f("parameter_list"),
    ),
    "ruby": Spec(
        functions=_f("method", "singleton_method"),
        classes=_f("class", "singleton_class"),
        scopes=_f("module"),
        decisions=_f(
            "if",
            "elsif",
            "unless",
            "while",
            "until",
            "for",
            "when",
            "rescue",
            "conditional",
            "if_modifier",
            "unless_modifier",
            "while_modifier",
            "until_modifier",
            "rescue_modifier",
            "in_clause",
        ),
        bool_tokens=_f("&&", "||", "and", "or"),
        bool_parents=_f("binary"),
        nest=_f("if", "unless", "while", "until", "for", "case", "case_match", "begin"),
        param_kinds=_f(
            "identifier",
            "optional_parameter",
            "splat_parameter",
            "hash_splat_parameter",
            "block_parameter",
            "keyword_parameter",
            "destructured_parameter",
            "forward_parameter",
        ),
        param_lists=_f("method_parameters"),
    ),
    "php": Spec(
        functions=_f("function_definition", "method_declaration", "anonymous_function", "arrow_function"),
        anonymous=_f("anonymous_function", "arrow_function"),
        classes=_f("class_declaration", "interface_declaration", "trait_declaration", "enum_declaration"),
        decisions=_f(
            "if_statement",
            "else_if_clause",
            "for_statement",
            "foreach_statement",
            "while_statement",
            "do_statement",
            "catch_clause",
            "conditional_expression",
            "match_conditional_expression",
        ),
        tokens=_f("case"),
        bool_tokens=_f("&&", "||", "and", "or", "xor", "??"),
        bool_parents=_f("binary_expression"),
        nest=_f(
            "if_statement",
            "for_statement",
            "foreach_statement",
            "while_statement",
            "do_statement",
            "switch_statement",
            "try_statement",
            "match_expression",
        ),
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
        nest=_f(
            "if_expression",
            "for_statement",
            "while_statement",
            "do_while_statement",
            "when_expression",
            "try_expression",
        ),
        if_types=_f("if_expression"),
        else_wrappers=_f("control_structure_body"),
        comments=_f("line_comment", "multiline_comment"),
        needs_body=True,
        param_kinds=_f("parameter", "parameter_with_optional_type"),
        param_lists=_f("function_value_parameters"),
    ),
}


# Cognitive-complexity and Halstead roles, per language (see the module docstring).
_JS_COG = dict(
    cog_ifs=_f("if_statement"),
    cog_else_wrappers=_f("else_clause"),
    cog_structs=_f(
        "for_statement",
        "for_in_statement",
        "for_of_statement",
        "while_statement",
        "do_statement",
        "ternary_expression",
        "switch_statement",
        "catch_clause",
    ),
    label_jumps=_f("break_statement", "continue_statement"),
    jump_labels=_f("statement_identifier"),
    calls=_f("call_expression"),
    literals=_f("string", "template_string", "regex"),
)
_C_COG = dict(
    cog_ifs=_f("if_statement"),
    cog_else_wrappers=_f("else_clause"),
    cog_structs=_f(
        "for_statement",
        "for_range_loop",
        "while_statement",
        "do_statement",
        "conditional_expression",
        "switch_statement",
        "catch_clause",
        "seh_except_clause",
    ),
    lambdas=_f("lambda_expression"),
    gotos=_f("goto_statement"),
    calls=_f("call_expression"),
    literals=_f("string_literal", "char_literal", "raw_string_literal", "system_lib_string"),
)
_COG: dict[str, dict] = {
    "python": dict(
        cog_ifs=_f("if_statement"),
        cog_elifs=_f("elif_clause"),
        cog_else_wrappers=_f("else_clause"),
        cog_structs=_f(
            "for_statement",
            "while_statement",
            "conditional_expression",
            "match_statement",
            "except_clause",
            "except_group_clause",
        ),
        lambdas=_f("lambda"),
        calls=_f("call"),
        literals=_f("string"),
    ),
    "javascript": _JS_COG,
    "typescript": _JS_COG,
    "tsx": _JS_COG,
    "go": dict(
        cog_ifs=_f("if_statement"),
        cog_structs=_f("for_statement", "expression_switch_statement", "type_switch_statement", "select_statement"),
        gotos=_f("goto_statement"),
        label_jumps=_f("break_statement", "continue_statement"),
        jump_labels=_f("label_name"),
        calls=_f("call_expression"),
        literals=_f("interpreted_string_literal", "raw_string_literal", "rune_literal"),
    ),
    "java": dict(
        cog_ifs=_f("if_statement"),
        cog_structs=_f(
            "for_statement",
            "enhanced_for_statement",
            "while_statement",
            "do_statement",
            "ternary_expression",
            "switch_expression",
            "switch_statement",
            "catch_clause",
        ),
        lambdas=_f("lambda_expression"),
        label_jumps=_f("break_statement", "continue_statement"),
        jump_labels=_f("identifier"),
        calls=_f("method_invocation"),
        literals=_f("string_literal", "character_literal", "text_block"),
    ),
    "c": _C_COG,
    "cpp": _C_COG,
    "rust": dict(
        cog_ifs=_f("if_expression"),
        cog_else_wrappers=_f("else_clause"),
        cog_structs=_f("for_expression", "while_expression", "loop_expression", "match_expression"),
        lambdas=_f("closure_expression"),
        label_jumps=_f("break_expression", "continue_expression"),
        jump_labels=_f("label"),
        calls=_f("call_expression"),
        literals=_f("string_literal", "raw_string_literal", "char_literal"),
    ),
    "csharp": dict(
        cog_ifs=_f("if_statement"),
        cog_structs=_f(
            "for_statement",
            "foreach_statement",
            "while_statement",
            "do_statement",
            "conditional_expression",
            "switch_statement",
            "switch_expression",
            "catch_clause",
        ),
        lambdas=_f("lambda_expression", "anonymous_method_expression"),
        gotos=_f("goto_statement"),
        calls=_f("invocation_expression"),
        literals=_f(
            "string_literal",
            "verbatim_string_literal",
            "raw_string_literal",
            "interpolated_string_expression",
            "character_literal",
        ),
    ),
    "ruby": dict(
        cog_ifs=_f("if", "unless"),
        cog_elifs=_f("elsif"),
        cog_else_wrappers=_f("else"),
        cog_structs=_f(
            "while",
            "until",
            "for",
            "while_modifier",
            "until_modifier",
            "if_modifier",
            "unless_modifier",
            "conditional",
            "case",
            "case_match",
            "rescue",
            "rescue_modifier",
        ),
        lambdas=_f("block", "do_block", "lambda"),
        calls=_f("call"),
        literals=_f("string", "symbol", "simple_symbol", "delimited_symbol", "heredoc_body", "regex", "subshell"),
    ),
    "php": dict(
        cog_ifs=_f("if_statement"),
        cog_elifs=_f("else_if_clause"),
        cog_else_wrappers=_f("else_clause"),
        cog_structs=_f(
            "for_statement",
            "foreach_statement",
            "while_statement",
            "do_statement",
            "conditional_expression",
            "switch_statement",
            "match_expression",
            "catch_clause",
        ),
        gotos=_f("goto_statement"),
        label_jumps=_f("break_statement", "continue_statement"),
        jump_labels=_f("integer"),
        calls=_f("function_call_expression", "member_call_expression", "scoped_call_expression"),
        literals=_f("string", "encapsed_string", "heredoc", "nowdoc"),
    ),
    "kotlin": dict(
        cog_ifs=_f("if_expression"),
        cog_structs=_f("for_statement", "while_statement", "do_while_statement", "when_expression", "catch_block"),
        lambdas=_f("lambda_literal"),
        label_jumps=_f("jump_expression"),
        jump_labels=_f("label"),
        calls=_f("call_expression"),
        literals=_f("string_literal", "multiline_string_literal", "character_literal"),
    ),
}
SPECS = {lang: replace(spec, **_COG[lang]) for lang, spec in SPECS.items()}

LANGUAGES: frozenset[str] = frozenset(SPECS)
