"""Understanding measured on public data (``python -m bench.understanding``).

Each module here measures one part of understanding and exposes ``measure() -> list[dict]``;
the data it reads is vendored under ``data/`` with its source and licence beside it.
"""
