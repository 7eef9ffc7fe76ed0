import faulthandler
import signal
import sys

from euradar.core import early_stop

early_stop.catch()  # before the imports below: they take seconds
# `kill -USR1 <pid>` prints every thread's stack to stderr: what a stuck role is waiting on.
faulthandler.register(signal.SIGUSR1, all_threads=True)

from euradar.cli.main import main  # noqa: E402

sys.exit(main())
