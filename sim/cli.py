"""The ``negsim`` command line: a thin layer over the Python API.

Exit status: 0 done, 2 bad input or usage (one line per problem, no traceback), 1 an internal
fault (one line; the traceback only with ``--debug``), 130 interrupted by Ctrl-C, 143 by SIGTERM.
"""

from __future__ import annotations

import json
import sys
import traceback
import warnings
from pathlib import Path
from typing import Annotated

import typer

from sim.analysis.commands import register as register_analysis
from sim.errors import BatchInterrupted, BlockFailed, ScenarioWarning, Terminated, UserError
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario
from sim.version import __version__
from sim.views.console import terminal

app = typer.Typer(
    name="negsim",
    help="Negotiation scenario simulator: run a scenario thousands of times, compare outcomes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a parameter: dotted.path=value (YAML-typed); repeatable."),
]


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


def _print_version(asked: bool) -> None:
    if asked:
        print(f"negsim {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_print_version, is_eager=True
        ),
    ] = False,
) -> None:
    """Negotiation scenario simulator."""


@app.command()
def validate(
    scenarios: Annotated[
        list[Path], typer.Argument(metavar="SCENARIO", help="Scenario files to check.")
    ],
    overrides: SetOption = None,
) -> None:
    """Check scenario files: an OK line per valid file, or every problem with its place."""
    problems = []
    for path in scenarios:
        try:
            scenario = load_scenario(path, overrides or ())
        except UserError as exc:
            problems.extend(exc.problems)
            continue
        print(
            f"{path}: OK ({scenario.name}: {_count(len(scenario.parties), 'party', 'parties')}, "
            f"{_count(len(scenario.issues), 'issue')}, "
            f"{_count(scenario.rounds, scenario.round_label)})"
        )
    if problems:
        raise UserError(problems)


@app.command()
def show(
    scenario: Annotated[Path, typer.Argument(metavar="SCENARIO", help="Scenario file.")],
    overrides: SetOption = None,
) -> None:
    """Show a scenario as tables: who wants what, how much they care, the compromise forecast."""
    from sim.views import render_scenario

    render_scenario(load_scenario(scenario, overrides or ()), terminal())


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(metavar="SCENARIO", help="Scenario file.")],
    runs: Annotated[int, typer.Option("--runs", "-n", help="Number of replicates.")] = 4096,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the batch.")] = 0,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Results folder (default results/NAME-sSEED-nRUNS)."),
    ] = None,
    overrides: SetOption = None,
    traces: Annotated[
        bool, typer.Option("--traces", help="Also write rounds.parquet (per-round traces).")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing results folder.")
    ] = False,
    resume: Annotated[
        bool, typer.Option("--resume", help="Finish an interrupted batch in --out.")
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option("--workers", "-w", help="Worker processes (default: all cores; 1: none)."),
    ] = None,
    executor: Annotated[
        str, typer.Option("--executor", help="local (processes on this machine) or dask.")
    ] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Address of a Dask scheduler, e.g. tcp://host:8786."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Run a batch of replicates and write its results folder; print a summary."""
    from sim.batch.batch import check_request, run_batch
    from sim.views import print_summary, progress_bar

    check_request(runs, seed)
    loaded = load_scenario(scenario, overrides or ())
    folder = out or Path("results") / f"{loaded.name}-s{seed}-n{runs}"
    with progress_bar(runs, enabled=not quiet) as advance:
        run_batch(
            loaded,
            runs=runs,
            seed=seed,
            out=folder,
            traces=traces,
            force=force,
            resume=resume,
            collect=False,
            workers=workers,
            executor=executor,
            scheduler=scheduler,
            source=str(scenario),
            overrides=overrides or (),
            on_block=advance,
        )
    print_summary(loaded, folder, seed, terminal())


@app.command()
def trace(
    scenario: Annotated[Path, typer.Argument(metavar="SCENARIO", help="Scenario file.")],
    replicate: Annotated[int, typer.Option("--replicate", "-j", help="Replicate number.")],
    seed: Annotated[int, typer.Option("--seed", help="Seed of the batch.")] = 0,
    overrides: SetOption = None,
) -> None:
    """Tell one replicate of a batch round by round, exactly as the batch ran it."""
    from sim.batch.trace import trace_replicate
    from sim.views import tell

    tell(trace_replicate(load_scenario(scenario, overrides or ()), replicate, seed), terminal())


@app.command()
def schema() -> None:
    """Print the JSON Schema of the scenario language (for editors' YAML language servers)."""
    document = Scenario.model_json_schema()
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = "negsim scenario"
    print(json.dumps(document, indent=2))


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="An actor table.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The scenario file to write.")],
    format: Annotated[
        str | None,
        typer.Option("--format", help="csv, ktab or decide; guessed from the content if left out."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing --out.")] = False,
) -> None:
    """Turn an actor table (plain CSV, KTAB or Decide) into a commented scenario."""
    from sim.scenario.importers import import_table

    if out.exists() and not force:
        raise UserError(f"{out}: exists; add --force to overwrite it")
    text = import_table(file, format)
    out.write_text(text, encoding="utf-8")
    scenario = load_scenario(out)
    print(
        f"{out}: {_count(len(scenario.parties), 'party', 'parties')}, "
        f"{_count(len(scenario.issues), 'issue')}, imported from {file}"
    )


register_analysis(app)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A scenario's warning is its one line on standard error; others as Python shows them."""
    if issubclass(category, ScenarioWarning):
        print(message, file=sys.stderr)
    else:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def main(argv: list[str] | None = None) -> int:
    """Console entry point: run the CLI and turn every failure into an exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    if debug:  # accepted anywhere on the line, not only before the command
        args = ["--debug", *(a for a in args if a != "--debug")]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", ScenarioWarning)
            warnings.showwarning = _show_warning
            app(args=args, prog_name="negsim")
    except SystemExit as exc:  # the CLI library's own exits: --help, usage errors (2)
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    except UserError as exc:
        if debug:
            traceback.print_exc()
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM outside a batch's own handling
        print("negsim: interrupted", file=sys.stderr)
        return 143 if isinstance(exc, Terminated) else 130
    except BatchInterrupted as exc:
        print(f"negsim: {exc}", file=sys.stderr)
        return exc.exit_status
    except BlockFailed as exc:
        if debug:
            traceback.print_exc()
        print(f"negsim: a block failed: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except Exception as exc:  # an internal fault: one line, the traceback only on request
        if debug:
            traceback.print_exc()
        print(f"negsim: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
