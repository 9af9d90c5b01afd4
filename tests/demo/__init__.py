"""Tests of the demo service: the end-to-end runner and its HTTP API."""
