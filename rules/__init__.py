"""Facts, the rule IR, the safe condition language and forward chaining.

Rules are plain data (``rules.ir``); conditions are strings parsed and type-checked against
a fact schema (``rules.condition``); an engine reports which rules hold
(``rules.engine``: durable-rules in production, a pure-Python reference beside it); the
fixpoint loop chains them and keeps the trace an owner reads (``rules.fixpoint``). What a
consequence *does* is the caller's business. This package imports nothing of ours.
"""

from .condition import Condition, parse_condition
from .engine import DurableRuleEngine, PythonRuleEngine, RuleEngine, compile_rules
from .errors import ConditionError, FrontdeskError, RuleCycle, RuleError
from .fixpoint import Round, resolve_ref, run_rounds, run_to_fixpoint
from .ir import (
    Consequence,
    Emit,
    Escalate,
    Facts,
    FactSchema,
    FactType,
    Firing,
    Plan,
    Ref,
    Rule,
    RuleSet,
    Say,
    Scalar,
    Set,
)

__all__ = [
    "Condition",
    "ConditionError",
    "Consequence",
    "DurableRuleEngine",
    "Emit",
    "Escalate",
    "FactSchema",
    "FactType",
    "Facts",
    "Firing",
    "FrontdeskError",
    "Plan",
    "PythonRuleEngine",
    "Ref",
    "Round",
    "Rule",
    "RuleCycle",
    "RuleEngine",
    "RuleError",
    "RuleSet",
    "Say",
    "Scalar",
    "Set",
    "compile_rules",
    "parse_condition",
    "resolve_ref",
    "run_rounds",
    "run_to_fixpoint",
]
