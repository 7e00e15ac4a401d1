"""gRPC face of the analyze service: proto -> services.analyze.domain -> proto."""

from __future__ import annotations

from codeintel.kernel.source import prepare
from codeintel.observability import tracing
from codeintel.rpc.batch import file_budget, run_batch
from codeintel.rpc.convert import range_pb
from codeintel.rpc.status import unary_guard
from codeintel.rpc.worker import WorkerConfig
from codeintel.v1 import analyze_pb2, analyze_pb2_grpc
from services.analyze import domain


def halstead_pb(h: domain.Halstead) -> analyze_pb2.Halstead:
    return analyze_pb2.Halstead(
        distinct_operators=h.distinct_operators,
        distinct_operands=h.distinct_operands,
        total_operators=h.total_operators,
        total_operands=h.total_operands,
        volume=h.volume,
        difficulty=h.difficulty,
        effort=h.effort,
    )


def duplicate_pb(d: domain.DuplicateBlock) -> analyze_pb2.DuplicateBlock:
    return analyze_pb2.DuplicateBlock(
        occurrences=[range_pb(o) for o in d.occurrences],
        line_count=d.line_count,
        token_count=d.token_count,
    )


def result_pb(o: domain.AnalyzeOutcome) -> analyze_pb2.AnalyzeResult:
    return analyze_pb2.AnalyzeResult(
        path=o.path,
        language=o.language,
        lines=analyze_pb2.LineCounts(
            total=o.lines.total, code=o.lines.code, comment=o.lines.comment, blank=o.lines.blank
        ),
        function_count=o.function_count,
        class_count=o.class_count,
        functions=[
            analyze_pb2.FunctionMetrics(
                name=f.name,
                qualified_name=f.qualified_name,
                range=range_pb(f.range),
                cyclomatic_complexity=f.cyclomatic_complexity,
                max_nesting_depth=f.max_nesting_depth,
                parameter_count=f.parameter_count,
                length_lines=f.length_lines,
                code_lines=f.code_lines,
                cognitive_complexity=f.cognitive_complexity,
                halstead=halstead_pb(f.halstead),
                maintainability_index=f.maintainability_index,
            )
            for f in o.functions
        ],
        max_cyclomatic_complexity=o.max_cyclomatic_complexity,
        average_cyclomatic_complexity=o.average_cyclomatic_complexity,
        has_syntax_errors=o.has_syntax_errors,
        halstead=halstead_pb(o.halstead),
        maintainability_index=o.maintainability_index,
        max_cognitive_complexity=o.max_cognitive_complexity,
        duplicates=[duplicate_pb(d) for d in o.duplicates],
    )


class AnalyzeServicer(analyze_pb2_grpc.AnalyzeServiceServicer):
    def __init__(self, limits: WorkerConfig):
        self.limits = limits

    @tracing.file_work("analyze")
    def _one(self, f, options, budget) -> analyze_pb2.AnalyzeResult:
        src = prepare(f.path, f.language, f.content, self.limits.max_file_bytes)
        return result_pb(domain.analyze_source(src, file_only=options.file_only, budget=budget))

    @unary_guard
    def Analyze(self, request, context):
        result = self._one(request.file, request.options, file_budget(context, self.limits.max_file_seconds))
        return analyze_pb2.AnalyzeResponse(result=result, service_version=domain.VERSION)

    @unary_guard
    def AnalyzeBatch(self, request, context):
        results = run_batch(
            request.files,
            lambda f, budget: self._one(f, request.options, budget),
            analyze_pb2.AnalyzeFileResult,
            context,
            self.limits.max_batch_files,
            self.limits.max_file_seconds,
        )
        return analyze_pb2.AnalyzeBatchResponse(results=results, service_version=domain.VERSION)
