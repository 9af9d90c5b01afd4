"""Code generation for job contracts: ``jobs.yaml`` in, typed Python packages out.

This package emits text only; it never imports ``runtime`` or ``generated``.
"""
