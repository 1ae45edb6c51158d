"""The HTTP server (``frontdesk serve``): web chat and the provider webhooks, one aiohttp
application whose every channel turns a message into an ``InboundEvent`` for
``Desk.handle``."""
