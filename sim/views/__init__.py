"""What negsim shows, and the only place that renders: terminal tables and stories, HTML reports
and figures. Views read what ``sim.analysis`` computes; nothing upstream imports a view."""

from sim.views.scenario import compromise_forecast, render_scenario
from sim.views.story import tell
from sim.views.summary import print_summary, progress_bar

__all__ = ["compromise_forecast", "print_summary", "progress_bar", "render_scenario", "tell"]
