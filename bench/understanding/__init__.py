"""How well the desk understands real people's words, measured on public data.

``python -m bench.understanding`` prints, per data set and language: how often a request
opens the right topic, how often an unrelated request enters a side-effecting topic (book,
reschedule, cancel), date and time accuracy (wrong values counted apart from misses), and
the time per message. The data are public evaluation sets vendored under ``data/`` (their
sources, licences and the exact rules of each measure are in ``data/*/README.md``); the
tests hold floors on the same measures, so a regression fails CI.
"""
