"""What the security tests share: the two seeded tenants (tests/fakes/tenants.py), served
once per fuzz module, and the local provider servers the attacks need (Twilio, to receive
the one-time codes)."""

from tests.fakes.tenants import tenants
from tests.fakes.twilio import fake_twilio

__all__ = ["fake_twilio", "tenants"]
