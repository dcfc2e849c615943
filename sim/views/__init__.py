"""What negsim shows, and the only place that renders: terminal tables and stories, HTML reports
and figures. Views read what ``sim.analysis`` computes; nothing upstream imports a view.

Import the module you need (``sim.views.summary``, ``sim.views.story``, ...): the package itself
imports nothing, so a command that only validates a file does not pay for the model and plots."""
