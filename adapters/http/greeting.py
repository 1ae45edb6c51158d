"""What the web chat shows when it opens: a greeting, and buttons for what the desk can do.

The suggestions are the titles of the business's own cards, in the visitor's language, for
the tasks a customer starts (book, reschedule, cancel, opening hours, a message): only
cards the business uses and offers on the web chat. A title is what the card is called,
so pressing it — sent as the customer's message — is understood as that card.

The greeting is shown by the page; it is not a turn. Nothing is recorded until the
customer writes, so a visitor who only looks leaves no conversation behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.brain import Brain
from language.types import Lang

# The cards whose titles are offered as suggestions, in the order they are shown. Cards
# the customer does not start from a menu (small talk, out of scope, emergencies, a
# person) are reached by writing, never suggested.
SUGGESTED: tuple[str, ...] = ("book", "reschedule", "cancel", "hours", "message")

DEFAULT_GREETING: dict[str, str] = {
    "en": "Hello! I'm the automated front desk. How can I help you today?",
    "de": "Guten Tag! Hier antwortet der digitale Empfang. Wie kann ich Ihnen helfen?",
}


@dataclass(frozen=True)
class Greeting:
    lang: Lang
    text: str
    suggestions: tuple[str, ...]

    def frame(self) -> dict[str, Any]:
        """As the web chat's ``welcome`` frame carries it."""
        return {"lang": self.lang, "text": self.text, "suggestions": list(self.suggestions)}


def chat_language(brain: Brain, asked: str | None) -> Lang:
    """The language the chat speaks: the one asked for if the business speaks it, else the
    business's first."""
    languages = brain.business.languages
    for lang in languages:
        if lang == asked:
            return lang
    return languages[0]


def greeting(brain: Brain, asked: str | None) -> Greeting:
    """The greeting and suggestions of ``brain``'s business in the language ``asked`` (or
    the business's first): the business's own greeting text if it set one."""
    lang = chat_language(brain, asked)
    text = brain.business.webchat.greeting.get(lang) or DEFAULT_GREETING.get(
        lang, DEFAULT_GREETING["en"]
    )
    suggestions: list[str] = []
    for card_id in SUGGESTED:
        topic = brain.topics.get(card_id)
        if topic is None or "webchat" not in topic.card.channels:
            continue
        title = topic.card.title.get(lang, "").strip()
        if title:
            suggestions.append(title)
    return Greeting(lang=lang, text=text, suggestions=tuple(suggestions))


__all__ = ["DEFAULT_GREETING", "SUGGESTED", "Greeting", "chat_language", "greeting"]
