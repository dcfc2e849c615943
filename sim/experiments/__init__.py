"""Experiments: an experiment file's points (variants, a grid, a sampled design) run as batches,
one results folder per point, with a summary across them. Downstream of ``sim.batch``, upstream
of ``sim.analysis`` (which reads the folders a sweep writes)."""
