"""One turn of the front desk: the pure ``decide`` core and the ``Desk`` shell around it.

``decide`` (with ``turn``, ``fields``, ``replyplan``, ``slots``, ``hours``) is pure: values in,
a ``Decision`` out. ``desk`` and ``actions`` are the shell: they talk to the ports in
``ports`` and never decide anything themselves; ``locks`` queues them per conversation.
"""

from .brain import Brain
from .decide import decide
from .desk import Desk, Reply
from .ports import InboundEvent, Store, Tx
from .state import Decision, Snapshot

__all__ = [
    "Brain",
    "Decision",
    "Desk",
    "InboundEvent",
    "Reply",
    "Snapshot",
    "Store",
    "Tx",
    "decide",
]
