"""Test doubles and shared builders used by more than one test module; nothing here is a test.

A test module imports what it shares from here, never from another test module:

- ``scripted_language``: :class:`ScriptedLanguage`, a language backend that hands back
  queued understandings (and Hypothesis strategies for what customers mean).
- ``fake_openai``: a local server speaking the OpenAI chat-completions wire format.
- ``twilio``, ``telegram``, ``whatsapp``: local servers speaking Twilio's REST API, the
  Telegram Bot API and the WhatsApp Cloud API, with the accounts the tests configure (as
  fixtures for the channel tests in ``tests/adapters/http/conftest.py``).
- ``tiny_model``: a tiny, randomly initialised transformers model built in memory.
- ``demo``: the demo businesses of ``examples/businesses`` compiled into brains.
- ``conversation``: scripted understandings, inbound events and a booking up to its
  read-back, to talk to a real desk in a few lines.
- ``cli``: the ``frontdesk`` command line as a subprocess, with its environment.
- ``cards``: the corpus of broken cards and the mistake each one's header names.
- ``business_files``: the smallest valid business file, and the line of a text.
- ``catalogs``: the demo businesses' service and staff catalogs.
- ``plans``: a Hypothesis strategy for any reply plan.
"""
