import sys

from codeintel.cli.main import main

sys.exit(main())
