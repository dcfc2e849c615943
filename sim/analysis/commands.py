"""The analysis commands of the CLI (``compare``, ``sensitivity``, ``sweep``).

``register(app)`` adds them to the ``negsim`` Typer app; ``sim/cli.py`` calls it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.errors import UserError

ReportOption = Annotated[
    Path | None,
    typer.Option(
        "--report",
        help="Also write one self-contained HTML page here, with its plots as PNGs beside it.",
    ),
]


def require_matplotlib() -> None:
    """A one-line error unless matplotlib (the ``report`` extra) is installed."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UserError("--report needs matplotlib: pip install 'negsim[report]'") from None


def compare_command(
    folders: Annotated[
        list[Path],
        typer.Argument(
            metavar="FOLDER",
            help="Results folders (or experiment outputs holding them); the first is the "
            "reference the others are compared with.",
        ),
    ],
    report: ReportOption = None,
) -> None:
    """Compare batches: deal probability, time to deal, outcomes and utilities, each batch
    against the first, with intervals, Holm-adjusted tests and a verdict per row."""
    from sim.analysis.compare import compare, render_comparison, report_sections
    from sim.analysis.report import write_report
    from sim.views.console import terminal

    if report is not None:
        require_matplotlib()
    comparison = compare(folders)
    console = terminal()
    render_comparison(comparison, console)
    if report is not None:
        names = " vs ".join(b.label for b in comparison.batches)
        written = write_report(
            report,
            f"negsim compare: {names}",
            report_sections(comparison),
            batches=[b.info for b in comparison.batches],
        )
        console.print(
            f"Report: {written[0]} ({len(written) - 1} plots beside it as {written[0].stem}-N.png)",
            markup=False,
            highlight=False,
        )


# -- sweep and sensitivity ---------------------------------------------------------------


def sweep_command(
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
    workers: Annotated[
        int | None,
        typer.Option("--workers", "-w", help="Worker processes per batch (default: 1, none)."),
    ] = None,
    executor: Annotated[
        str | None, typer.Option("--executor", help="local or dask (as for negsim run).")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Address of a Dask scheduler.")
    ] = None,
    traces: Annotated[
        bool, typer.Option("--traces", help="Also write rounds.parquet for every point.")
    ] = False,
    report: ReportOption = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar and no line per point.")
    ] = False,
) -> None:
    """Run every variant or grid point of an experiment: a results folder per point and a
    summary table across them."""
    from sim.analysis.experiments import (
        default_out,
        load_experiment,
        prepare,
        run_sweep,
        write_sweep_report,
    )
    from sim.scenario.units import issue_units
    from sim.views import progress_bar
    from sim.views.console import terminal
    from sim.views.sweep import point_line, print_sweep

    if report is not None:
        require_matplotlib()
    loaded = load_experiment(experiment)
    prepared = prepare(loaded)
    first = prepared[0][1]
    console = terminal()
    folder = out or default_out(loaded)
    given = {"workers": workers, "executor": executor, "scheduler": scheduler, "traces": traces}
    options = {key: value for key, value in given.items() if value not in (None, False)}
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
            on_point=on_point,
            on_block=advance,
            prepared=prepared,
            **options,
        )
    units = {iid: u.unit for iid, u in issue_units(first.issues).items()}
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
    if report is not None:
        written = write_sweep_report(folder, report, round_label=first.round_label, units=units)
        console.print(f"Report: {written[0]} ({len(written) - 1} figures beside it)")


def sensitivity_command(
    results: Annotated[
        Path,
        typer.Argument(
            metavar="FOLDER",
            help="A results folder (negsim run), or a sweep folder (negsim sweep).",
        ),
    ],
    top: Annotated[
        int, typer.Option("--top", min=1, help="Parameters shown per outcome in the terminal.")
    ] = 8,
    report: ReportOption = None,
) -> None:
    """Which uncertain parameters drive each outcome: partial rank correlations (or Sobol
    indices of a Sobol sweep), ranked, with intervals."""
    from sim.analysis.sensitivity import analyze_folder, write_sensitivity_report
    from sim.views.console import terminal
    from sim.views.sensitivity import print_sensitivity

    if report is not None:
        require_matplotlib()
    if not results.is_dir():
        raise UserError(f"{results}: no such folder")
    result = analyze_folder(results)
    console = terminal()
    print_sensitivity(result, console, top=top)
    if report is not None:
        written = write_sensitivity_report(result, report)
        console.print(f"Report: {written[0]} ({len(written) - 1} figures beside it)")


def register(app: typer.Typer) -> None:
    """Add the analysis commands to ``app``."""
    app.command("compare")(compare_command)
    app.command("sweep")(sweep_command)
    app.command("sensitivity")(sensitivity_command)
