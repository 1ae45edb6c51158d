"""A business's compiled brain: its cards as machines, their rules, its policies.

Built once per business (pure: cards and configuration in, compiled objects out) and
shared by every turn. Replay builds a second brain from changed cards or policies and runs
the recorded turns through it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from language.types import CatalogItem, FaqEntry, Slot, TopicExamples, UnderstandContext
from machines.card import Card
from machines.compile import CompiledMachine, compile_card
from machines.facts import BASE_FACTS, card_facts
from machines.loader import apply_override
from machines.registry import offer_states
from machines.rulegen import card_rules
from rules.condition import parse_condition
from rules.engine import RuleEngine, compile_rules
from rules.ir import Rule, RuleSet
from rules.policies import (
    DEFAULT_POLICY,
    PolicySettings,
    after_policy,
    conversation_policy,
    guardrails_policy,
)

from .business import Business
from .state import ConversationState

# actions that book, move or cancel appointments: a card that runs one is entered only on
# clear evidence (see rules.policies.clear_evidence)
APPOINTMENT_CHANGES = frozenset({"book", "reschedule", "cancel"})


@dataclass(frozen=True)
class Topic:
    card: Card
    machine: CompiledMachine
    rules: RuleEngine  # the card's generated rules plus the guardrail policy
    rulesets: tuple[RuleSet, ...]
    # the fields some step of the card asks for (others are only picked up when said)
    collected: frozenset[str] = field(init=False)
    commits: bool = field(init=False)  # the card books, moves or cancels appointments

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "collected",
            frozenset(s.field for s in self.card.steps if s.kind == "collect" and s.field),
        )
        object.__setattr__(
            self, "commits", bool(APPOINTMENT_CHANGES & set(self.card.allowed_actions))
        )


@dataclass(frozen=True)
class Brain:
    business: Business
    topics: Mapping[str, Topic]
    conversation: RuleEngine
    after: RuleEngine
    settings: PolicySettings
    examples: tuple[TopicExamples, ...]
    services: tuple[CatalogItem, ...]
    staff: tuple[CatalogItem, ...]
    faq: tuple[FaqEntry, ...]
    rules_by_name: Mapping[str, Rule] = field(default_factory=dict)
    rule_names: Mapping[str, frozenset[str]] = field(default_factory=dict)  # facts each reads

    @classmethod
    def build(
        cls,
        business: Business,
        templates: Mapping[str, Card],
        settings: PolicySettings = DEFAULT_POLICY,
        backend: str = "durable",
        source: str = "",
    ) -> Brain:
        """Compile every card the business uses. Raises InvalidCard / RuleError early."""
        guards: dict[tuple[str, ...], RuleSet] = {}
        topics: dict[str, Topic] = {}
        by_name: dict[str, Rule] = {}
        names: dict[str, frozenset[str]] = {}
        for use in business.topics:
            if use.card not in templates:
                from machines.errors import InvalidCard, Problem

                raise InvalidCard(
                    (
                        Problem(
                            source or business.slug, 0, f"business uses unknown card '{use.card}'"
                        ),
                    )
                )
            card = templates[use.card]
            if use.override or use.extra_examples:
                card = apply_override(
                    card, use.override, use.extra_examples, source=source or business.slug
                )
            generated = card_rules(card)
            states = offer_states(card)
            guard = guards.setdefault(states, guardrails_policy(settings, states))
            schema = card_facts([f.name for f in card.required_fields], card.allowed_actions)
            engine = compile_rules((generated, guard), schema, backend=backend)
            topics[card.id] = Topic(card, compile_card(card), engine, (generated, guard))
            for r in generated.rules + guard.rules:
                by_name[r.name] = r
                names[r.name] = parse_condition(r.when, schema).names
        conv, after = conversation_policy(settings), after_policy(settings)
        for r in conv.rules + after.rules:
            by_name[r.name] = r
            names[r.name] = parse_condition(r.when, BASE_FACTS).names
        examples = tuple(
            TopicExamples(
                id=t.card.id,
                description=dict(t.card.classifier.description),
                examples={k: tuple(v) for k, v in t.card.classifier.examples.items()},
                keywords={k: tuple(v) for k, v in t.card.classifier.keywords.items()},
            )
            for t in topics.values()
        )
        services = tuple(
            CatalogItem(
                id=s.id,
                names=tuple(
                    dict.fromkeys(
                        list(s.name.values()) + [a for al in s.aliases.values() for a in al]
                    )
                ),
            )
            for s in business.services
        )
        staff = tuple(CatalogItem(id=m.id, names=(m.name, *m.aliases)) for m in business.staff)
        faq = tuple(
            FaqEntry(id=f.id, question=dict(f.question), answer=dict(f.answer), keywords=f.keywords)
            for f in business.faq
        )
        return cls(
            business=business,
            topics=topics,
            conversation=compile_rules((conv,), BASE_FACTS, backend=backend),
            after=compile_rules((after,), BASE_FACTS, backend=backend),
            settings=settings,
            examples=examples,
            services=services,
            staff=staff,
            faq=faq,
            rules_by_name=by_name,
            rule_names=names,
        )


def understand_context(
    brain: Brain, state: ConversationState, now: datetime, lang_hint: str | None = None
) -> UnderstandContext:
    """What the language layer may use to understand the next message of a conversation in
    ``state``: the business's catalog and FAQ, the question the active topic asked (and its
    type), the slots or appointments on the table. Pure; the desk and the benchmarks build
    the context the same way."""
    b = brain.business
    active = state.active
    asked = active.asked if active else ""
    expected_type = None
    # an offer is on the table only while its topic is open: after a finished booking, a
    # "yes" is a yes, not the pick of the slot just booked
    offered: tuple[Slot, ...] = (
        state.last_offered if active is not None and not active.finished else ()
    )
    if active is not None and asked:
        spec = brain.topics[active.card].card.field(asked)
        expected_type = spec.type
        if spec.type == "choice":
            offered = tuple(a.slot() for a in state.found)
    return UnderstandContext(
        now=now,
        timezone=b.timezone,
        languages=b.languages,
        conversation_lang=state.lang or (lang_hint if lang_hint in b.languages else None),
        phone_region=b.phone_region,
        services=brain.services,
        staff=brain.staff,
        faq=brain.faq,
        expected_field=asked or None,
        expected_type=expected_type,
        offered=offered,
        emergency_keywords=tuple(k for words in b.emergency.keywords.values() for k in words),
        active_topic=active.card if active is not None else None,
        expects_confirm=bool(active is not None and active.asked_confirm),
    )


__all__ = ["APPOINTMENT_CHANGES", "Brain", "Topic", "understand_context"]
