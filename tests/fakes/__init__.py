"""Test doubles and shared builders used by more than one test module; nothing here is a test.

A test module imports what it shares from here, never from another test module:

- ``scripted_language``: :class:`ScriptedLanguage`, a language backend that hands back
  queued understandings (and Hypothesis strategies for what customers mean).
- ``fake_openai``: a local server speaking the OpenAI chat-completions wire format.
- ``tiny_model``: a tiny, randomly initialised transformers model built in memory.
- ``demo``: the demo businesses of ``examples/businesses`` compiled into brains.
"""
