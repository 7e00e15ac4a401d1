"""`python -m services.scan --port N`: run the scan worker service."""

from codeintel.rpc import worker
from codeintel.v1 import scan_pb2, scan_pb2_grpc
from services.scan import engine
from services.scan.servicer import ScanServicer

SERVICE = scan_pb2.DESCRIPTOR.services_by_name["ScanService"].full_name

if __name__ == "__main__":
    rules = engine.RuleSet.load()  # compile every rule before serving: a bad rule stops start-up
    worker.main(
        prog="scan",
        service_name=SERVICE,
        add_to_server=scan_pb2_grpc.add_ScanServiceServicer_to_server,
        make_servicer=lambda c: ScanServicer(rules, c),
        version=engine.VERSION,
        languages=sorted(rules.languages),
    )
