"""``jobctl worker`` and ``stats`` read an argv alike with and without typer.

``cli/fast_path.py`` parses a plain argv itself (``argv.parse_plain``) and
leaves everything else to the typer command. Three things must hold: both are
built from the same declarations; whatever the plain parser accepts, typer
accepts with the same values, and whatever typer refuses the plain parser
leaves to typer; and through the real entry point, a refused argv or a failing
command ends with the same output and exit code as typer alone gives.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
import typer.main
from hypothesis import given, settings
from hypothesis import strategies as st
from typer._click.exceptions import UsageError
from typer.core import TyperCommand, TyperGroup
from typer.exceptions import Exit

from jobcontracts.cli.app import app
from jobcontracts.cli.argv import Arg, Opt, parse_plain
from jobcontracts.cli.queue_stats import STATS_DOMAIN, STATS_OPTIONS
from jobcontracts.cli.worker_run import TARGETS, WORKER_OPTIONS
from tests.cli.cli_support import ROOT, WIDE

_DECLARED: dict[str, tuple[Arg, tuple[Opt[object], ...]]] = {
    "worker": (TARGETS, WORKER_OPTIONS),
    "stats": (STATS_DOMAIN, STATS_OPTIONS),
}


def _command(name: str) -> TyperCommand:
    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    command = root.commands[name]
    assert isinstance(command, TyperCommand)
    return command


def _typer_reads(name: str, argv: list[str]) -> tuple[str, Any]:
    """What typer makes of ``argv``: the command's parameters, or its refusal."""
    try:
        with _command(name).make_context(name, list(argv)) as ctx:
            return "accepted", ctx.params
    except UsageError as error:
        return "refused", error.format_message()
    except Exit as error:  # --help
        return "exit", error.exit_code


def _plain_reads(name: str, argv: list[str]) -> dict[str, Any] | None:
    arg, options = _DECLARED[name]
    return parse_plain(argv, arg, options)


@pytest.mark.parametrize("name", sorted(_DECLARED))
def test_the_typer_command_is_built_from_the_declarations(name: str) -> None:
    arg, options = _DECLARED[name]
    params = {p.name: p for p in _command(name).params}
    assert set(params) == {arg.name, *(o.name for o in options)}
    assert params[arg.name].help == arg.help  # type: ignore[attr-defined]
    assert (params[arg.name].nargs == -1) is arg.many
    for option in options:
        param: Any = params[option.name]
        on, _, off = option.flags.partition("/")
        info = param.type_descriptor.parameter_info
        assert (param.opts, param.secondary_opts) == ([on], [off] if off else []), option
        assert (param.default, param.envvar, param.help) == (
            option.default,
            option.envvar,
            option.help,
        ), option
        assert (info.min, info.max, param.is_flag) == (option.min, option.max, option.kind is bool)


_WORKER_PLAIN = [
    ["t:w"],
    ["t:w", "u:v"],
    ["--concurrency", "3", "t:w"],
    ["t:w", "--concurrency=3"],
    ["t:w", "--threads", "2", "--processes", "4"],
    ["t:w", "--redis-url", "redis://h:1/0", "--prefix", "p"],
    ["t:w", "--log-level", "warning", "--json-logs"],
    ["t:w", "--human-logs", "--log-level", "DEBUG"],
    ["t:w", "--json-logs", "--human-logs"],
    ["t:w", "--concurrency", "2", "--concurrency", "5"],
    ["t:w", "--metrics-port", "0", "--metrics-host", "::1"],
    ["t:w", "--metrics-port", "65535", "--traces"],
    ["--burst", "t:w", "--prefix=a=b"],
]
_WORKER_LEFT_TO_TYPER = [
    [],
    ["--help"],
    ["t:w", "--help"],
    ["t:w", "--concurrency", "0"],
    ["t:w", "--concurrency", "-1"],
    ["t:w", "--concurrency", "abc"],
    ["t:w", "--concurrency", "007"],
    ["t:w", "--concurrency", "+5"],
    ["t:w", "--concurrency", "1.5"],
    ["t:w", "--concurrency", "99999999999999999999"],
    ["t:w", "--concurrency"],
    ["t:w", "--concurrency="],
    ["t:w", "--metrics-port", "65536"],
    ["t:w", "--bogus"],
    ["t:w", "--burst=1"],
    ["t:w", "--conc", "3"],
    ["t:w", "-x"],
    ["t:w", "--version"],
    ["t:w", "--", "--burst"],
    ["-"],
    ["t:w", "--prefix", ""],
    ["t:w", "--prefix", "--burst"],
    ["t:w", "--log-level", "-v"],
]
_STATS_PLAIN = [
    [],
    ["email"],
    ["--prefix", "p", "email"],
    ["email", "--out", "generated", "--redis-url=redis://h:1"],
    ["--out", "gen/x", "--prefix", "a", "--prefix", "b"],
]
_STATS_LEFT_TO_TYPER = [
    ["email", "github"],
    ["--help"],
    ["--out"],
    ["--out", ""],
    ["email", "--traceback"],
    ["email", "--redis-url", ""],
]


@pytest.mark.parametrize(
    ("name", "argv"),
    [("worker", a) for a in _WORKER_PLAIN] + [("stats", a) for a in _STATS_PLAIN],
    ids=str,
)
def test_a_plain_argv_reads_as_typer_reads_it(name: str, argv: list[str]) -> None:
    plain = _plain_reads(name, argv)
    assert plain is not None
    assert _typer_reads(name, argv) == ("accepted", plain)


@pytest.mark.parametrize(
    ("name", "argv"),
    [("worker", a) for a in _WORKER_LEFT_TO_TYPER] + [("stats", a) for a in _STATS_LEFT_TO_TYPER],
    ids=str,
)
def test_an_argv_typer_must_judge_is_left_to_typer(name: str, argv: list[str]) -> None:
    assert _plain_reads(name, argv) is None


@pytest.mark.parametrize("env", [None, "", "redis://from-env:1", "-odd"])
def test_stats_reads_redis_url_from_the_environment_as_typer_does(
    env: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if env is None:
        monkeypatch.delenv("REDIS_URL", raising=False)
    else:
        monkeypatch.setenv("REDIS_URL", env)
    for argv in (["email"], ["email", "--redis-url", "redis://given:2"]):
        plain = _plain_reads("stats", argv)
        if plain is not None:
            assert _typer_reads("stats", argv) == ("accepted", plain)
    assert (_plain_reads("stats", ["email"]) is None) is (env == "-odd")


_TOKENS = [
    "t:w", "u:v", "-", "--", "", "=", "--help", "--burst", "--burst=", "--traces", "--json-logs",
    "--human-logs", "--concurrency", "--concurrency=4", "--threads", "--metrics-port",
    "--metrics-port=-1", "--prefix", "--prefix=", "--redis-url", "--log-level", "--out",
    "--nope", "0", "1", "65536", "007", "-3", "x", "a b", "info", "--out=generated",
]  # fmt: skip


@given(
    name=st.sampled_from(sorted(_DECLARED)),
    argv=st.lists(st.sampled_from(_TOKENS), max_size=7),
)
@settings(max_examples=400, deadline=None)
def test_any_argv_the_plain_parser_reads_typer_reads_alike(name: str, argv: list[str]) -> None:
    """So whatever typer refuses (or answers, like --help), the plain parser leaves to it."""
    plain = _plain_reads(name, argv)
    if plain is not None:
        assert _typer_reads(name, argv) == ("accepted", plain)


def _jobctl(argv: list[str], *, typer_only: bool, env: dict[str, str]) -> tuple[int, str, str]:
    """Run ``jobctl ARGV`` through the console script's ``main``, or through typer alone."""
    run = "from jobcontracts.cli.commands import app; app()" if typer_only else "main()"
    code = f"import sys; sys.argv[0] = 'jobctl'; from jobcontracts.cli.app import main; {run}"
    done = subprocess.run(
        [sys.executable, "-c", code, *argv],
        cwd=ROOT,
        env={**os.environ, **WIDE, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


_GOOD = "tests.cli.worker_targets:complete_github_worker"


@pytest.mark.parametrize(
    "argv",
    [
        ["worker"],
        ["worker", _GOOD, "--concurrency", "0"],
        ["worker", _GOOD, "--metrics-port", "70000"],
        ["worker", _GOOD, "--bogus"],
        ["worker", _GOOD, "--burst=yes"],
        ["worker", _GOOD, "--threads"],
        ["worker", "no_such_module_xyz:make_worker"],
        ["worker", "tests.cli.worker_targets:NOT_A_WORKER", "--human-logs"],
        ["worker", _GOOD, "--prefix", "my jobs"],
        ["stats", "email", "github"],
        ["stats", "no_such_domain"],
        ["stats", "email", "--out", "no/such/folder"],
        ["stats", "email", "--redis-url", "redis://127.0.0.1:1"],
        ["stats", "email", "--redis-url", "redis://127.0.0.1:1", "--prefix", "a b"],
    ],
    ids=str,
)
def test_refusals_read_the_same_through_the_entry_point(argv: list[str]) -> None:
    entry = _jobctl(argv, typer_only=False, env={})
    assert entry[0] in (1, 2), entry
    assert entry == _jobctl(argv, typer_only=True, env={})


def test_stats_prints_the_same_table_through_the_entry_point(
    redis_url: str, key_prefix: str
) -> None:
    argv = ["stats", "--prefix", key_prefix]
    entry = _jobctl(argv, typer_only=False, env={"REDIS_URL": redis_url})
    assert entry[0] == 0, entry
    assert "email" in entry[1]
    assert entry == _jobctl(argv, typer_only=True, env={"REDIS_URL": redis_url})


def test_a_burst_worker_runs_and_exits_0_through_the_entry_point(
    redis_url: str, key_prefix: str
) -> None:
    argv = ["worker", _GOOD, "--prefix", key_prefix, "--burst", "--human-logs"]
    code, _, stderr = _jobctl(argv, typer_only=False, env={"REDIS_URL": redis_url})
    assert code == 0, stderr
    assert "github: nothing waiting; burst run done" in stderr


def test_a_worker_started_plainly_collects_garbage_while_it_runs(
    redis_url: str, key_prefix: str
) -> None:
    """Start-up runs without garbage collection (``fast_path.start_up_done``); the run must not."""
    argv = ["worker", _GOOD, "--prefix", key_prefix, "--burst", "--log-level", "error"]
    code = (
        "import gc, sys; sys.argv = ['jobctl', *sys.argv[1:]];"
        " from jobcontracts.cli.app import main; main();"
        " print('collecting', gc.isenabled(), 'frozen', gc.get_freeze_count() > 1000)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *argv],
        cwd=ROOT,
        env={**os.environ, "REDIS_URL": redis_url},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["collecting", "True", "frozen", "True"]


def test_a_typer_command_collects_garbage_while_it_runs() -> None:
    """The typer tree is built without garbage collection (``app.main``); commands run with it."""
    code = (
        "import gc, sys; sys.argv = ['jobctl', 'schema'];"
        " from jobcontracts.cli.app import main\n"
        "try:\n    main()\nexcept SystemExit as end:\n    assert not end.code, end.code\n"
        "print('\\ncollecting', gc.isenabled(), 'frozen', gc.get_freeze_count() > 1000)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].split() == ["collecting", "True", "frozen", "True"]
