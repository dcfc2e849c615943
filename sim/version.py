"""negsim's version, and that of the packages a results folder records, from the installed
package metadata."""

from __future__ import annotations

from importlib import metadata


def installed_version(package: str) -> str:
    """The installed version of ``package``, or ``unknown`` (say, a source tree run without
    ``pip install``)."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


__version__ = installed_version("negsim")
