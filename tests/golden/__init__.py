"""Golden cases: ``<case>/jobs.yaml`` and the full tree it must generate in ``<case>/expected``."""
