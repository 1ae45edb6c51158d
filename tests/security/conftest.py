"""The local provider servers (tests/fakes) the attacks need: Twilio, to receive the codes."""

from tests.fakes.twilio import fake_twilio

__all__ = ["fake_twilio"]
