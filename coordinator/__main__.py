"""`python -m coordinator --port 50051 --parse-workers HOST:PORT,...`"""

import sys

from coordinator.server import main

main(sys.argv[1:])
