"""`python -m services.analyze --port N`: run the analyze worker service."""

from codeintel.rpc import worker
from codeintel.v1 import analyze_pb2, analyze_pb2_grpc
from services.analyze import domain
from services.analyze.servicer import AnalyzeServicer

SERVICE = analyze_pb2.DESCRIPTOR.services_by_name["AnalyzeService"].full_name

if __name__ == "__main__":
    worker.main(
        prog="analyze",
        service_name=SERVICE,
        add_to_server=analyze_pb2_grpc.add_AnalyzeServiceServicer_to_server,
        make_servicer=lambda c: AnalyzeServicer(c),
        version=domain.VERSION,
        languages=domain.LANGUAGES,
    )
