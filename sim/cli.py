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

from sim.analysis.thresholds import Thresholds
from sim.batch.executors import DEFAULT_WORKERS
from sim.batch.limits import DEFAULT_RUNS, DEFAULT_SEED
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
WorkersOption = Annotated[
    int | None,
    typer.Option("--workers", "-w", help="Worker processes (default: all cores; 1: none)."),
]
ReportOption = Annotated[
    Path | None,
    typer.Option("--report", help="Also write one self-contained HTML page here."),
]
FiguresOption = Annotated[
    Path | None,
    typer.Option("--figures", help="Also write the report's figures as PNGs into this folder."),
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
    from sim.views.scenario import render_scenario

    render_scenario(load_scenario(scenario, overrides or ()), terminal())


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(metavar="SCENARIO", help="Scenario file.")],
    runs: Annotated[int, typer.Option("--runs", "-n", help="Number of replicates.")] = DEFAULT_RUNS,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the batch.")] = DEFAULT_SEED,
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
    workers: WorkersOption = DEFAULT_WORKERS,
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
    from sim.batch.limits import check_request

    check_request(runs, seed)
    loaded = load_scenario(scenario, overrides or ())
    # the engine after the file: a bad input is told before the model is imported
    from sim.batch.batch import run_batch
    from sim.views.summary import print_summary, progress_bar

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
    source: Annotated[
        Path,
        typer.Argument(
            metavar="SCENARIO_OR_FOLDER",
            help="A scenario file, or a results folder (its batch's scenario and seed).",
        ),
    ],
    replicate: Annotated[int, typer.Option("--replicate", "-j", help="Replicate number.")],
    seed: Annotated[
        int | None, typer.Option("--seed", help="Seed of the batch (a scenario file: default 0).")
    ] = None,
    overrides: SetOption = None,
    plot: Annotated[
        Path | None,
        typer.Option("--plot", help="Also draw the replicate's rounds into this PNG file."),
    ] = None,
) -> None:
    """Tell one replicate of a batch round by round, exactly as the batch ran it; with --plot,
    draw it: the text on the table, each party's demand and aspiration per round."""
    import sim
    from sim.views.html import check_outputs
    from sim.views.story import tell

    check_outputs(plot=plot)
    scenario, rounds = sim.replay(source, replicate, seed, overrides=overrides or ())
    if plot is not None and rounds.empty:
        raise UserError(
            f"--plot: replicate {replicate} played no round (protocol "
            f"{scenario.protocol.kind}): nothing to draw"
        )
    console = terminal()
    tell(scenario, rounds, console)
    if plot is not None:
        from sim.views.html import write_picture
        from sim.views.plots import replicate_path

        picture = write_picture(plot, replicate_path(scenario, rounds))
        console.print(f"Picture: {picture}", markup=False, highlight=False)


@app.command()
def compare(
    folders: Annotated[
        list[Path],
        typer.Argument(
            metavar="FOLDER",
            help="Results folders (or experiment outputs holding them); the first is the "
            "reference the others are compared with.",
        ),
    ],
    report: ReportOption = None,
    figures: FiguresOption = None,
    min_points: Annotated[
        float,
        typer.Option(
            "--min-points",
            help="Smallest difference in percentage points that counts (deal probability, "
            "option shares, yes/no outcomes).",
        ),
    ] = 100 * Thresholds.points,
    min_scale: Annotated[
        float,
        typer.Option(
            "--min-scale", help="Smallest difference on an issue, in % of its scale, that counts."
        ),
    ] = 100 * Thresholds.scale,
    min_payoff: Annotated[
        float,
        typer.Option("--min-payoff", help="Smallest difference of payoff or utility that counts."),
    ] = Thresholds.payoff,
    min_rounds: Annotated[
        float,
        typer.Option(
            "--min-rounds", help="Smallest difference in mean time to deal (rounds) that counts."
        ),
    ] = Thresholds.rounds,
) -> None:
    """Compare batches with the first: deal probability, time to deal, terms, payoffs and
    utilities, each row paired where the batches share their draws, Holm-adjusted, with a
    verdict only where a difference is both significant and large enough to matter."""
    from sim.analysis.compare import compare as run_compare
    from sim.views.compare import render_comparison
    from sim.views.html import check_outputs

    for option, value in (
        ("--min-points", min_points),
        ("--min-scale", min_scale),
        ("--min-payoff", min_payoff),
        ("--min-rounds", min_rounds),
    ):
        if not value >= 0:
            raise UserError(f"{option}: expected a number >= 0, got {value:g}")
    check_outputs(report=report, figures=figures)
    thresholds = Thresholds(min_points / 100, min_scale / 100, min_payoff, min_rounds)
    comparison = run_compare(folders, thresholds=thresholds)
    console = terminal()
    render_comparison(comparison, console)
    if report is not None or figures is not None:
        from sim.analysis.paths import fans
        from sim.views.compare import report_sections
        from sim.views.html import publish

        drawn = {
            b.label: fans(b.batch.rounds_file, b.batch.scenario)
            for b in comparison.batches
            if b.batch.rounds_file is not None
        }
        names = " vs ".join(b.label for b in comparison.batches)
        for line in publish(
            report_sections(comparison, drawn),
            f"negsim compare: {names}",
            report=report,
            figures=figures,
            batches=[b.info for b in comparison.batches],
        ):
            console.print(line, markup=False, highlight=False)


@app.command()
def sweep(
    experiment: Annotated[
        Path, typer.Argument(metavar="EXPERIMENT", help="Experiment file (experiments/*.yaml).")
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Sweep folder (default results/NAME): a results folder "
            "per point, summary.parquet, sweep.json.",
        ),
    ] = None,
    runs: Annotated[
        int | None, typer.Option("--runs", "-n", help="Replicates per point (default: the file's).")
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Seed of every point (default: the file's).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the results of an earlier sweep in --out.")
    ] = False,
    resume: Annotated[
        bool,
        typer.Option("--resume", help="Keep the points already done; finish the others."),
    ] = False,
    workers: WorkersOption = DEFAULT_WORKERS,
    executor: Annotated[
        str, typer.Option("--executor", help="local or dask (as for negsim run).")
    ] = "local",
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Address of a Dask scheduler.")
    ] = None,
    traces: Annotated[
        bool, typer.Option("--traces", help="Also write rounds.parquet for every point.")
    ] = False,
    report: ReportOption = None,
    figures: FiguresOption = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar and no line per point.")
    ] = False,
) -> None:
    """Run every variant or grid point of an experiment: a results folder per point and a
    summary table across them."""
    from sim.experiments.language import load_experiment, prepare
    from sim.experiments.sweep import default_out, run_sweep
    from sim.scenario.units import issue_units
    from sim.views.html import check_outputs
    from sim.views.summary import progress_bar
    from sim.views.sweep import point_line, print_sweep

    check_outputs(report=report, figures=figures)
    loaded = load_experiment(experiment)
    prepared = prepare(loaded)
    first = prepared[0][1]
    console = terminal()
    folder = out or default_out(loaded)
    count = runs if runs is not None else loaded.spec.runs
    if not quiet:
        console.print(
            f"[bold]{loaded.spec.title or loaded.name}[/bold]: {len(loaded.points)} points of "
            f"{first.name}, {count:,} replicates each → {folder}"
        )

    def on_point(point, row):
        if not quiet:
            console.print(point_line(point.name, point.overrides, row, first.round_label))

    with progress_bar(count * len(loaded.points), enabled=not quiet) as advance:
        summary = run_sweep(
            loaded,
            folder,
            runs=runs,
            seed=seed,
            force=force,
            resume=resume,
            traces=traces,
            workers=workers,
            executor=executor,
            scheduler=scheduler,
            on_point=on_point,
            on_block=advance,
            prepared=prepared,
        )
    units = {iid: u.unit_label for iid, u in issue_units(first.issues).items()}
    print_sweep(
        summary,
        console,
        title=f"{loaded.spec.title or loaded.name} → {folder}",
        round_label=first.round_label,
        units=units,
        kind=loaded.kind,
        overrides=[(p.name, p.overrides) for p in loaded.points],
        max_rows=40 if loaded.kind == "design" else None,
    )
    if loaded.kind == "design":
        console.print(f"Which parameters matter: negsim sensitivity {folder}")
    if report is not None or figures is not None:
        from sim.analysis.sweep import load_sweep
        from sim.views.html import publish
        from sim.views.sweep import report_sections

        title = f"Sweep: {loaded.spec.title or loaded.name}"
        sections = report_sections(load_sweep(folder), units)
        for line in publish(sections, title, report=report, figures=figures):
            console.print(line, markup=False, highlight=False)


@app.command()
def sensitivity(
    results: Annotated[
        Path,
        typer.Argument(
            metavar="FOLDER",
            help="A results folder (negsim run), or a sweep folder (negsim sweep).",
        ),
    ],
    top: Annotated[
        int, typer.Option("--top", min=1, help="Drivers shown per outcome in the terminal.")
    ] = 8,
    target: Annotated[
        str,
        typer.Option(
            "--target",
            help="What scenario discovery looks for: deal (default), a yes/no column, "
            "COLUMN=OPTION (an issue's id stands for its outcome) or COLUMN>NUMBER.",
        ),
    ] = "deal",
    report: ReportOption = None,
    figures: FiguresOption = None,
) -> None:
    """What drives each outcome: drawn parameters and events, ranked by permutation
    importance and partial rank correlation (Sobol indices for a Sobol sweep); the deal rate
    by event; where a deal is likely (PRIM)."""
    from sim.analysis.folders import batch_info
    from sim.analysis.sensitivity import analyze_folder
    from sim.views.html import check_outputs
    from sim.views.sensitivity import print_sensitivity

    check_outputs(report=report, figures=figures)
    if not results.is_dir():
        raise UserError(f"{results}: no such folder")
    result = analyze_folder(results, target=target)
    label = _round_label(results)
    console = terminal()
    print_sensitivity(result, console, top=top, round_label=label)
    if report is not None or figures is not None:
        from sim.views.html import publish
        from sim.views.sensitivity import report_sections

        batches = [batch_info(results)] if result.unit == "replicates" else []
        title = f"Sensitivity: {results.name or results}"
        sections = report_sections(result, label)
        for line in publish(sections, title, report=report, figures=figures, batches=batches):
            console.print(line, markup=False, highlight=False)


def _round_label(folder: Path) -> str:
    """The round label of a results folder's scenario ("round" when it cannot be read)."""
    try:
        return load_scenario(folder / "scenario.yaml").round_label
    except (UserError, OSError):
        return "round"


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
