import sys

from euradar.cli import main

sys.exit(main())
