"""The local provider servers (tests/fakes) as fixtures for the channel tests."""

from tests.fakes.telegram import fake_telegram
from tests.fakes.twilio import fake_twilio
from tests.fakes.whatsapp import fake_graph

__all__ = ["fake_graph", "fake_telegram", "fake_twilio"]
