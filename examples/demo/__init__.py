"""The demo service: the Python counterpart of the seed's ``apps/api`` and ``apps/worker``."""
