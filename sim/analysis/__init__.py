"""Analysis: reads results folders (and sweep folders) and computes — summaries, comparisons,
drivers and scenario discovery, the paths of the talks. It never renders (``sim.views`` does)
and never runs a batch (``sim.batch`` and ``sim.experiments`` do)."""
