"""`python -m services.parse --port N`: run the parse worker service."""

from codeintel.kernel import languages
from codeintel.rpc import worker
from codeintel.v1 import parse_pb2, parse_pb2_grpc
from services.parse import domain
from services.parse.servicer import ParseServicer

SERVICE = parse_pb2.DESCRIPTOR.services_by_name["ParseService"].full_name

if __name__ == "__main__":
    worker.main(
        prog="parse",
        service_name=SERVICE,
        add_to_server=parse_pb2_grpc.add_ParseServiceServicer_to_server,
        make_servicer=lambda c: ParseServicer(c),
        version=domain.VERSION,
        languages=languages.SUPPORTED,
    )
