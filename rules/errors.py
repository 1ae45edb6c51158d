"""The project's exception tree starts here, because ``rules/`` imports nothing of ours.

``FrontdeskError`` is the root every package subclasses (the engine and the machines import
it from here). Rule errors say *which* condition, rule or round went wrong, in words an
owner editing a card can act on.
"""

from __future__ import annotations


class FrontdeskError(Exception):
    """The root of every error frontdesk raises on purpose."""


class RuleError(FrontdeskError):
    """A rule set cannot be compiled or evaluated (duplicate name, bad fact value, ...)."""


class ConditionError(RuleError):
    """A condition failed to parse or type-check.

    ``position`` is the character offset in ``text`` where the problem starts;
    ``unknown_name`` is set when the problem is a fact name the schema does not declare;
    ``rule`` is set once an engine knows which rule the condition belongs to.
    """

    def __init__(
        self,
        text: str,
        position: int,
        message: str,
        unknown_name: str | None = None,
        rule: str | None = None,
    ) -> None:
        self.text = text
        self.position = position
        self.message = message
        self.unknown_name = unknown_name
        self.rule = rule
        where = f"rule {rule!r}: " if rule is not None else ""
        shown = text if len(text) <= 120 else text[:117] + "..."
        super().__init__(f"{where}{message} (at position {position} in {shown!r})")

    def in_rule(self, rule: str) -> ConditionError:
        """The same error, saying which rule the condition belongs to."""
        return ConditionError(self.text, self.position, self.message, self.unknown_name, rule)


class RuleCycle(RuleError):
    """Forward chaining did not reach a fixpoint within the allowed number of rounds.

    ``rules`` names the rules that were still firing in the last rounds.
    """

    def __init__(self, message: str, rules: tuple[str, ...] = ()) -> None:
        self.rules = rules
        super().__init__(message)


__all__ = ["ConditionError", "FrontdeskError", "RuleCycle", "RuleError"]
