import sys

from euradar.cli.main import main

sys.exit(main())
