"""`python -m bench.quality`: the scanner-quality benchmark (see bench.quality)."""

import sys

from bench.quality.report import main

sys.exit(main())
