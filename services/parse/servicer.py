"""gRPC face of the parse service: proto -> services.parse.domain -> proto."""

from __future__ import annotations

from codeintel.kernel import languages, structural
from codeintel.kernel.errors import UnsupportedLanguage
from codeintel.kernel.source import prepare
from codeintel.observability import tracing
from codeintel.rpc.batch import file_budget, run_batch
from codeintel.rpc.convert import range_pb
from codeintel.rpc.status import unary_guard
from codeintel.rpc.worker import WorkerConfig
from codeintel.v1 import parse_pb2, parse_pb2_grpc
from services.parse import domain

_KINDS: dict[str, parse_pb2.SymbolKind] = {
    name.removeprefix("SYMBOL_KIND_").lower(): getattr(parse_pb2, name) for name in parse_pb2.SymbolKind.keys()
}
_ERROR_KINDS = {"error": parse_pb2.SYNTAX_ERROR_KIND_ERROR, "missing": parse_pb2.SYNTAX_ERROR_KIND_MISSING}


def result_pb(o: domain.ParseOutcome) -> parse_pb2.ParseResult:
    result = parse_pb2.ParseResult(
        path=o.path,
        language=o.language,
        has_errors=o.has_errors,
        errors=[
            parse_pb2.SyntaxError(kind=_ERROR_KINDS[e.kind], range=range_pb(e.range), message=e.message)
            for e in o.errors
        ],
        symbols=[
            parse_pb2.Symbol(
                name=s.name,
                kind=_KINDS[s.kind],
                range=range_pb(s.range),
                selection_range=range_pb(s.selection),
                qualified_name=s.qualified_name,
                parent_index=s.parent_index,
                depth=s.depth,
            )
            for s in o.symbols
        ],
        ast=[
            parse_pb2.AstNode(
                type=n.type,
                named=n.named,
                range=range_pb(n.range),
                parent_index=n.parent_index,
                field=n.field,
                depth=n.depth,
                text=n.text,
                is_error=n.is_error,
                is_missing=n.is_missing,
            )
            for n in o.ast
        ],
        ast_truncated=o.ast_truncated,
        line_count=o.line_count,
        byte_count=o.byte_count,
        symbols_supported=o.symbols_supported,
    )
    if o.facts is not None:
        result.facts.CopyFrom(o.facts)
    if o.matches:
        add = result.matches.add
        for m in o.matches:
            add(
                pattern_index=m.pattern_index,
                captures=[
                    parse_pb2.QueryCapture(
                        name=c.name, range=range_pb(c.range), text=c.text, text_truncated=c.text_truncated
                    )
                    for c in m.captures
                ],
            )
    result.matches_truncated = o.matches_truncated
    return result


def _query(options) -> parse_pb2.StructuralQuery | None:
    return options.query if options.HasField("query") else None


def _check_query(files, options) -> None:
    """A bad query fails the whole call (it is the same for every file): it is checked for each
    language the files name or their paths say, before any file is worked on."""
    q = _query(options)
    if q is None:
        return
    langs = {languages.normalize(f.language) if f.language else languages.from_path(f.path) for f in files}
    for lang in sorted(x for x in langs if x in languages.SUPPORTED):
        try:
            structural.check(lang, q.query, q.pattern, "options.query.")
        except UnsupportedLanguage:
            continue  # no patterns for this language: its files fail one by one (UNSUPPORTED_LANGUAGE)


class ParseServicer(parse_pb2_grpc.ParseServiceServicer):
    def __init__(self, limits: WorkerConfig):
        self.limits = limits

    @tracing.file_work("parse")
    def _one(self, f, options, budget) -> parse_pb2.ParseResult:
        src = prepare(f.path, f.language, f.content, self.limits.max_file_bytes)
        return result_pb(
            domain.parse_source(
                src,
                include_ast=options.include_ast,
                ast_max_depth=options.ast_max_depth,
                ast_max_nodes=options.ast_max_nodes,
                ast_named_only=options.ast_named_only,
                include_facts=options.include_facts,
                query=_query(options),
                budget=budget,
            )
        )

    @unary_guard
    def Parse(self, request, context):
        _check_query([request.file], request.options)
        result = self._one(request.file, request.options, file_budget(context, self.limits.max_file_seconds))
        return parse_pb2.ParseResponse(result=result, service_version=domain.VERSION)

    @unary_guard
    def ParseBatch(self, request, context):
        _check_query(request.files, request.options)
        results = run_batch(
            request.files,
            lambda f, budget: self._one(f, request.options, budget),
            parse_pb2.ParseFileResult,
            context,
            self.limits.max_batch_files,
            self.limits.max_file_seconds,
        )
        return parse_pb2.ParseBatchResponse(results=results, service_version=domain.VERSION)
