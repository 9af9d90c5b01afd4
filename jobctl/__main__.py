"""``python -m jobctl``: the same command line as the ``jobctl`` script."""

from jobctl.app import main

main()
