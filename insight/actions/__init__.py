"""Every write of insight, and the reads its pages share, one module per concern (docs/architecture.md, "Writes"):

- ``store``: the active routing model and the keyword rules as each process holds them; switching versions,
  editing keywords;
- ``suggestions``: category suggestions for new cases, auto-dispatch, accepting a suggestion, how they fared;
- ``training``: a new model version from the deployment's own dispatched cases;
- ``similar``: "possibly the same issue" and merging duplicates (``insight.similarity`` decides what is alike);
- ``hotspots``: clusters of similar needs in one place, their heat and the hourly snapshot.

Callers import the module they mean (``from insight.actions import suggestions``).
"""
