"""Typed background jobs: jobs.yaml contracts, generated clients and handlers, a Redis runtime.

Everything installed lives under this one name, so nothing generic reaches the top of
site-packages. ``jobcontracts.runtime`` is what API and worker processes import (and what
generated code imports); ``jobcontracts.codegen`` turns jobs.yaml into code and needs the
``codegen`` extra; ``jobcontracts.cli`` is the ``jobctl`` command.

In the repository these are the top-level folders ``runtime/``, ``codegen/`` and ``cli/``,
which this package links in; the wheel maps them here at build time.
"""
