"""What the terminal shows: scenario tables, batch summaries, replicate stories."""

from sim.views.scenario import compromise_forecast, render_scenario
from sim.views.story import tell
from sim.views.summary import print_summary, progress_bar

__all__ = ["compromise_forecast", "print_summary", "progress_bar", "render_scenario", "tell"]
