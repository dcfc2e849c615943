"""Analysis of results folders: summaries (and, later, comparisons and sensitivity)."""
