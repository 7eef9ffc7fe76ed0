"""Allow ``python -m nlp tag|explain|eval``."""
import sys

from nlp.cli import main

sys.exit(main())
