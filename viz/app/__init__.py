"""The workshop app: a Solara page over `healthgap.viz.workshop.Workshop` (served as `page:Page`).

Pictures are SVG text built in Python (`drawing`): a step sends a few kilobytes and the
browser only swaps them in, with no plotting library to load or re-run.
"""
