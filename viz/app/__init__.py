"""The workshop app: a Solara page over `healthgap.viz.workshop.Workshop`, served by `server`
as `web.make_app`: Solara's pages (`routes`: a table's at /, the facilitator's at /facilitator)
and the reports' plain addresses.

Pictures are SVG text built in Python (`drawing`): a step sends a few kilobytes and the
browser only swaps them in, with no plotting library to load or re-run.
"""
