"""The ``jobctl`` command line: code generation plus queue operations, in one tool."""
