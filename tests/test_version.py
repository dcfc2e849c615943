"""The version: ``negsim --version``, ``sim.__version__`` and a results folder's manifest all
give the installed package's version."""

from __future__ import annotations

import json
from importlib import metadata

from helpers import HARBOUR, cli

import sim
from sim.version import installed_version


def test_negsim_version_prints_the_installed_version():
    code, out, err = cli("--version")
    assert (code, out, err) == (0, f"negsim {metadata.version('negsim')}\n", "")


def test_the_api_and_a_results_folder_name_the_same_version(tmp_path):
    assert sim.__version__ == metadata.version("negsim")
    sim.run(HARBOUR, runs=10, out=tmp_path / "batch")
    manifest = json.loads((tmp_path / "batch" / "manifest.json").read_text())
    assert manifest["negsim_version"] == sim.__version__


def test_a_package_that_is_not_installed_has_an_unknown_version():
    """As negsim itself, run from a source tree without ``pip install``."""
    assert installed_version("negsim-not-installed") == "unknown"
