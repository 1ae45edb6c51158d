"""Facts, the rule IR, the safe condition language and forward chaining.

Rules are plain data (``rules.ir``); conditions are strings parsed and type-checked against
a fact schema (``rules.condition``); an engine reports which rules hold
(``rules.engine``: durable-rules in production, a pure-Python reference beside it); the
one round loop chains them to a fixpoint (``rules.fixpoint``), driven by the engine's turn
and the model checker alike. What a consequence *does*, and what is traced, is the
caller's business. This package imports nothing of ours.
"""

from .condition import Condition, parse_condition
from .engine import DurableRuleEngine, PythonRuleEngine, RuleEngine, compile_rules
from .errors import ConditionError, FrontdeskError, RuleCycle, RuleError
from .fixpoint import MAX_ROUNDS, Step, resolve_ref, run_rounds
from .ir import (
    Consequence,
    Emit,
    Escalate,
    Facts,
    FactSchema,
    FactType,
    Plan,
    Ref,
    Rule,
    RuleSet,
    Say,
    Scalar,
    Set,
)

__all__ = [
    "MAX_ROUNDS",
    "Condition",
    "ConditionError",
    "Consequence",
    "DurableRuleEngine",
    "Emit",
    "Escalate",
    "FactSchema",
    "FactType",
    "Facts",
    "FrontdeskError",
    "Plan",
    "PythonRuleEngine",
    "Ref",
    "Rule",
    "RuleCycle",
    "RuleEngine",
    "RuleError",
    "RuleSet",
    "Say",
    "Scalar",
    "Set",
    "Step",
    "compile_rules",
    "parse_condition",
    "resolve_ref",
    "run_rounds",
]
