"""euradar core: the domain model, the seams (ports), settings, errors and the CLI.

Everything that does I/O lives behind a port in ``euradar.ports`` and is implemented in
``infra/``; crawlers, NLP and consumers only see the ports.
"""

__version__ = "0.1.0"
