"""``python -m jobcontracts.cli``: the same command line as the ``jobctl`` script."""

from .app import main

main()
