"""Data the offline language backend learns from (read at the edge, see
``adapters.wiring.load_background``); sources and licences in ``README.md`` here."""
