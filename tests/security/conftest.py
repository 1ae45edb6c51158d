"""The two seeded tenants (tests/fakes/tenants.py), served once per fuzz module."""

from tests.fakes.tenants import tenants

__all__ = ["tenants"]
