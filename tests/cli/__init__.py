"""Tests of the jobctl command line (in-process, through typer's CliRunner)."""
