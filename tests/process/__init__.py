"""Process-level tests: real jobctl worker subprocesses, signals, Redis restarts."""
