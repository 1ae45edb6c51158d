"""Conversation signals: yes/no, wanting a human, greetings, goodbyes, thanks, corrections,
urgency and hazards, in English and German.

Phrase lists rather than a classifier, because these signals drive rules that must be
predictable and explainable. Three details matter more than the lists:

* a "no" only denies when it is an answer ("no", "no, Thursday", "no thanks"), not a
  determiner ("no pain", "no preference"); a deny followed by a new value ("no, Thursday",
  "nein, lieber Donnerstag") is also a correction;
* urgency and hazard phrases are ignored right after a negation in the same clause
  ("no pain", "keine starken Schmerzen", "not urgent");
* a smell of gas sets ``hazard="gas"`` and also ``urgency="emergency"``, so a rule set that
  only looks at urgency still escalates it;
* ``earliest`` ("the earliest you can fit me in", "as soon as possible", "first available",
  "so bald wie möglich", "nächstmöglichen Termin") asks for the first free time; "earliest
  5pm" / "frühestens um 5" is a lower bound instead (a time preference, not this signal).
"""

from __future__ import annotations

import re

from ..types import Lang, Signals, Urgency
from ._numbers import ORDINAL_WORD_RE
from ._spans import de, lower_keep, preceding_words, wordlist
from ._vocab import COMMON_WORDS, FILLERS, MONTH_RE, NEGATORS, WEEKDAY_RE


def _re(*parts: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(parts) + r")(?!\w)")


def _d(*words: str) -> str:
    return "|".join(de(w) for w in words)


_MASK_NOT_AFFIRM = _re(
    r"not\s+(?:sure|quite|exactly|really|so\s+sure|good|great|fine|ok|okay)",
    r"make\s+sure",
    r"good\s+(?:morning|afternoon|evening|night|day)",
    r"right\s+(?:now|away|after|before|there|here)",
    r"on\s+the\s+right",
    _d(
        "nicht sicher",
        "nicht ganz",
        "nicht genau",
        "nicht so gut",
        "nicht gut",
        "nicht gerne",
        "nicht gern",
        "nicht richtig",
        "nicht klar",
        "guten tag",
        "guten morgen",
        "guten abend",
    ),
)
_DENY = _re(
    r"not\s+really",
    r"no\s+thank\s+you",
    r"no\s+thanks",
    r"nope",
    r"nah",
    r"negative",
    r"(?:that's\s+|that\s+is\s+|it's\s+)?(?:not\s+(?:correct|right)|incorrect|wrong)",
    r"(?:that\s+|it\s+)?(?:doesn't|does\s+not|won't|will\s+not)\s+work(?:\s+for\s+me)?",
    r"i\s+don't\s+think\s+so",
    r"no\s+way",
    r"(?:i'd\s+)?rather\s+not",
    r"not\s+at\s+all",
    r"nö",
    r"noe",
    r"nee",
    _d(
        "nein",
        "lieber nicht",
        "stimmt nicht",
        "stimmt so nicht",
        "passt nicht",
        "passt mir nicht",
        "geht nicht",
        "geht leider nicht",
        "nicht richtig",
        "falsch",
        "eher nicht",
        "auf keinen fall",
        "keinesfalls",
        "nicht korrekt",
    ),
)
_NO_NOUN = frozenset(
    wordlist(
        "problem problems worries worry pain water preference idea rush hurry swelling bleeding "
        "one longer more need time gas smell matter way pressure fever"
    )
)
_NO = re.compile(r"\bno\b(?!')")
_AFFIRM = _re(
    r"yes",
    r"yeah",
    r"yea",
    r"yep",
    r"yup",
    r"ya",
    r"sure",
    r"correct",
    r"exactly",
    r"absolutely",
    r"definitely",
    r"certainly",
    r"of\s+course",
    r"that's\s+right",
    r"that\s+is\s+right",
    r"all\s+right",
    r"alright",
    r"sounds\s+(?:good|great|perfect|fine)",
    r"perfect",
    r"ok",
    r"okay",
    r"that's\s+(?:fine|good|great|perfect)",
    r"that\s+works",
    r"works\s+for\s+me",
    r"confirm(?:ed)?",
    r"please\s+do",
    r"go\s+ahead",
    r"book\s+it",
    r"let's\s+do\s+(?:it|that)",
    r"affirmative",
    r"fine\s+by\s+me",
    r"👍",
    _d(
        "ja",
        "jawohl",
        "jep",
        "jo",
        "genau",
        "passt",
        "stimmt",
        "richtig",
        "korrekt",
        "einverstanden",
        "natürlich",
        "selbstverständlich",
        "auf jeden fall",
        "in ordnung",
        "alles klar",
        "perfekt",
        "prima",
        "bestätigt",
        "machen wir",
        "sehr gut",
        "das ist gut",
        "geht klar",
    ),
)
# affirmations that only count at the start of the reply ("Right.", "Great, thanks", "Gerne!"),
# because inside a sentence they mean something else ("ich hätte gern einen Termin")
_AFFIRM_AT_START = re.compile(
    r"^\W*(?:right|great|good|fine|k|super|gut|sicher|cool|lovely|wonderful|excellent|gerne?"
    r"|klar)\b"
)
_HUMAN = _re(
    r"(?:talk|speak|chat)\s+(?:to|with)\s+(?:a\s+|an\s+|the\s+|some\s+|your\s+)?"
    r"(?:real\s+|actual\s+|live\s+)?(?:person|human|someone|somebody|people|receptionist|"
    r"agent|representative|rep|operator|staff|manager|owner|front\s+desk|reception|"
    r"doctor|dentist|plumber|technician)",
    r"real\s+person",
    r"live\s+person",
    r"actual\s+person",
    r"human\s+being",
    r"a\s+human",
    r"transfer\s+me",
    r"connect\s+me",
    r"put\s+me\s+through",
    r"operator",
    r"representative",
    r"receptionist",
    r"human\s+please",
    _d(
        "menschen",
        "mensch sprechen",
        "mitarbeiter",
        "mitarbeiterin",
        "mitarbeitern",
        "rezeption",
        "durchstellen",
        "verbinden sie mich",
        "persönlich sprechen",
        "jemanden sprechen",
        "jemandem sprechen",
        "mit jemandem reden",
        "sekretärin",
        "mit dem arzt sprechen",
        "mit der ärztin sprechen",
    ),
)
# "are you a bot?", "am I talking to a real person?", "Sind Sie ein Computer?": a question
# about who answers, not a request for a person (a "real person" in it is no wish for one)
_MACHINE = (
    r"(?:an?\s+)?(?:real\s+|actual\s+|live\s+)?(?:bot|chat\s*bot|robot|computer|"
    r"machine|ai|a\.i\.|human|human\s+being|person|recording|automated\s+(?:system|"
    r"assistant|service|voice)|virtual\s+assistant|program|answering\s+machine)"
    r"(?=\s*(?:[?.!,]|$|or\b|and\b|right\b))"
)  # the question ends there
_IDENTITY = _re(
    rf"are\s+you\s+{_MACHINE}",
    r"are\s+you\s+(?:real|automated|human)",
    rf"is\s+this\s+{_MACHINE}",
    r"is\s+this\s+(?:automated|a\s+real\s+person|real)",
    rf"am\s+i\s+(?:talking|speaking|chatting|texting|writing)\s+(?:to|with)\s+{_MACHINE}",
    _d(
        "sind sie ein computer",
        "sind sie ein roboter",
        "sind sie eine ki",
        "sind sie ein bot",
        "sind sie eine maschine",
        "sind sie ein mensch",
        "sind sie echt",
        "bist du ein bot",
        "bist du ein roboter",
        "bist du ein computer",
        "bist du eine ki",
        "bist du ein mensch",
        "spreche ich mit einem computer",
        "spreche ich mit einem roboter",
        "spreche ich mit einer maschine",
        "spreche ich mit einer ki",
        "spreche ich mit einem menschen",
        "spreche ich mit einem echten menschen",
        "mit einem roboter verbunden",
        "mit einem computer verbunden",
        "ist das ein computer",
        "ist das ein roboter",
        "ist das eine ki",
        "ist das eine maschine",
        "ist das ein bot",
        "ist das eine bandansage",
        "ist das ein computerprogramm",
        "ist das automatisch",
    ),
)
_GOODBYE = _re(
    r"bye",
    r"goodbye",
    r"good\s+bye",
    r"bye[\s-]bye",
    r"see\s+you",
    r"see\s+ya",
    r"take\s+care",
    r"have\s+a\s+(?:nice|good|great|lovely)\s+(?:day|one|evening|weekend)",
    r"that's\s+all",
    r"that\s+is\s+all",
    r"that's\s+it",
    r"that\s+was\s+all",
    r"that'll\s+be\s+all",
    r"nothing\s+else",
    r"i'm\s+done",
    r"we're\s+done",
    r"talk\s+(?:to\s+you\s+)?later",
    _d(
        "tschüss",
        "tschüs",
        "tschau",
        "ciao",
        "auf wiederhören",
        "auf wiedersehen",
        "wiederhören",
        "schönen tag noch",
        "einen schönen tag",
        "das war's",
        "das wars",
        "das war alles",
        "das wäre alles",
        "das ist alles",
        "das wär's",
        "das wärs",
        "nichts weiter",
        "sonst nichts",
        "bis dann",
        "bis bald",
        "mach's gut",
        "machs gut",
        "schönen abend",
        "einen schönen abend",
        "schönes wochenende",
        "gute nacht",
    ),
)
_GREETING = _re(
    r"hi",
    r"hello",
    r"hey",
    r"hiya",
    r"howdy",
    r"greetings",
    r"good\s+(?:morning|afternoon|evening)",
    _d(
        "hallo",
        "guten tag",
        "guten morgen",
        "guten abend",
        "moin",
        "servus",
        "grüß gott",
        "grüß sie",
        "grüezi",
    ),
)
_THANKS = _re(
    r"thanks",
    r"thank\s+you",
    r"thank\s+u",
    r"thx",
    r"ty",
    r"cheers",
    r"appreciate\s+it",
    r"much\s+appreciated",
    _d(
        "danke",
        "vielen dank",
        "dankeschön",
        "danke schön",
        "besten dank",
        "herzlichen dank",
        "merci",
    ),
)
_CORRECTION = _re(
    r"actually",
    r"i\s+meant",
    r"instead",
    r"rather",
    r"make\s+(?:it|that)",
    r"change\s+(?:it|that)\s+to",
    r"switch\s+(?:it\s+)?to",
    r"not\s+\w+\s*,?\s+but",
    r"i\s+said",
    _d(
        "ich meinte",
        "ich meine",
        "eigentlich",
        "lieber",
        "stattdessen",
        "statt dessen",
        "sondern",
        "korrigiere",
        "korrektur",
        "ich sagte",
        "habe ich gesagt",
    ),
)
_DOCH = re.compile(r"(?:^|[,.;!?]\s*)doch\b")
_VALUE_HINT = re.compile(
    rf"\d|\b(?:{WEEKDAY_RE}|{MONTH_RE}|{ORDINAL_WORD_RE}|tomorrow|today|tonight|next|noon|"
    r"morning|afternoon|evening|morgen|heute|übermorgen|uebermorgen|nächste\w*|naechste\w*|"
    r"vormittags?|nachmittags?|abends?|uhr|halb|it's|it\s+is|es\s+ist|my\s+name|mein\s+name|"
    r"with|bei|the\s+(?:other|one)|den\s+anderen)"
)

_EMERGENCY = _re(
    r"(?:severe|terrible|extreme|unbearable|excruciating|awful|horrible|really\s+bad|very\s+bad"
    r"|intense|a\s+lot\s+of|so\s+much)\s+(?:tooth\s*)?(?:pain|toothache|ache)",
    r"excruciating",
    r"in\s+agony",
    r"unbearable",
    r"swollen",
    r"swelling",
    r"bleed(?:ing)?\s+(?:that\s+|which\s+)?(?:won't|will\s+not|doesn't|does\s+not|can't|"
    r"cannot|isn't\s+going\s+to)\s+stop",
    r"(?:won't|doesn't|will\s+not|does\s+not|can't)\s+stop\s+bleeding",
    r"heavy\s+bleeding",
    r"bleeding\s+(?:a\s+lot|heavily|badly|profusely)",
    r"accident",
    r"broken\s+(?:front\s+)?(?:tooth|teeth|jaw)",
    r"broke\s+(?:my\s+|a\s+)?(?:front\s+)?(?:tooth|teeth|jaw)",
    r"(?:tooth|teeth)\s+(?:is\s+|are\s+|got\s+|was\s+|has\s+been\s+)?(?:broken|knocked\s+out|"
    r"fell\s+out|came\s+out)",
    r"knocked\s+out",
    r"flood(?:ing|ed|s)?",
    r"burst\s+pipes?",
    r"pipes?\s+(?:has\s+|have\s+|just\s+)?burst",
    r"sewage\s+(?:is\s+)?(?:backing|coming|backed)\s+up",
    r"sewer\s+(?:is\s+)?(?:backing|"
    r"backed)\s+up",
    r"sewage\s+(?:backup|everywhere)",
    r"sewer\s+backup",
    r"no\s+(?:running\s+)?water(?!\s+(?:damage|heater|bill))",
    r"(?:don't|do\s+not|doesn't|does\s+not)\s+have\s+any\s+water",
    r"water\s+everywhere",
    r"water\s+(?:is\s+)?(?:pouring|gushing|spraying)",
    r"emergenc(?:y|ies)",
    _d(
        "starke schmerzen",
        "starken schmerzen",
        "starke zahnschmerzen",
        "starken zahnschmerzen",
        "heftige schmerzen",
        "heftigen schmerzen",
        "unerträgliche schmerzen",
        "unerträglichen schmerzen",
        "höllische schmerzen",
        "höllischen schmerzen",
        "große schmerzen",
        "großen schmerzen",
        "extreme schmerzen",
        "schlimme schmerzen",
        "schlimmen schmerzen",
        "wahnsinnige schmerzen",
        "unerträglich",
        "geschwollen",
        "angeschwollen",
        "schwellung",
        "dicke backe",
        "blutung hört nicht auf",
        "hört nicht auf zu bluten",
        "blutet stark",
        "blutet sehr",
        "blutet immer noch",
        "starke blutung",
        "unfall",
        "abgebrochen",
        "ausgeschlagen",
        "zahn ist raus",
        "wasserrohrbruch",
        "rohrbruch",
        "rohr ist geplatzt",
        "rohr geplatzt",
        "überschwemmt",
        "überschwemmung",
        "überflutet",
        "wasser überall",
        "abwasser kommt hoch",
        "abwasser drückt hoch",
        "rückstau",
        "kein wasser mehr",
        "gar kein wasser",
        "überhaupt kein wasser",
        "notfall",
    ),
)
_URGENT = _re(
    r"asap",
    r"a\.s\.a\.p",
    r"as\s+soon\s+as\s+possible",
    r"urgent(?:ly)?",
    r"right\s+away",
    r"immediately",
    r"today\s+if\s+possible",
    r"if\s+possible\s+today",
    r"as\s+early\s+as\s+possible",
    r"soonest",
    r"earliest\s+possible",
    r"(?:tooth)?ache",
    r"pain",
    r"hurts",
    r"toothache",
    _d(
        "dringend",
        "so schnell wie möglich",
        "so bald wie möglich",
        "schnellstmöglich",
        "möglichst schnell",
        "sofort",
        "eilig",
        "es eilt",
        "heute noch",
        "noch heute",
        "möglichst heute",
        "heute wenn möglich",
        "wenn möglich heute",
        "schmerzen",
        "zahnschmerzen",
        "tut weh",
    ),
)
_EARLIEST = _re(
    r"(?:the\s+|your\s+)?earliest(?!\s+(?:one|option|slot\s+you\s+offered|of\s+(?:the|those|them)"
    r"|(?:at\s+|by\s+)?\d|(?:at\s+|by\s+)?(?:one|two|three|four|five|six|seven|eight|nine|ten"
    r"|eleven|twelve|noon)\b))",
    r"as\s+soon\s+as\s+(?:possible|you\s+can|you've\s+got|there's)",
    r"asap",
    r"a\.s\.a\.p",
    r"soonest",
    r"as\s+early\s+as\s+(?:possible|you\s+can)",
    r"(?:first|next)\s+(?:available|free|open)(?:\s+(?:slot|appointment|time|spot|opening|day))?",
    r"(?:first|next)\s+opening",
    _d(
        "so bald wie möglich",
        "so bald als möglich",
        "so früh wie möglich",
        "so schnell wie möglich",
        "möglichst bald",
        "möglichst früh",
        "möglichst schnell",
        "schnellstmöglich",
        "schnellstmöglichen",
        "frühestmöglich",
        "frühestmöglichen",
        "nächstmöglich",
        "nächstmöglichen",
        "ehestmöglich",
        "baldmöglichst",
        "baldigst",
        "nächsten freien termin",
        "ersten freien termin",
        "frühesten termin",
        "nächste freie termin",
        "erste freie termin",
        "nächster freier termin",
    ),
)
_GAS = _re(
    r"smell(?:s|ing)?\s+(?:of\s+|like\s+)?gas",
    r"gas\s+(?:smell|leak|odou?r)",
    r"leaking\s+gas",
    r"gas\s+(?:is\s+)?leaking",
    _d(
        "riecht nach gas",
        "riecht es nach gas",
        "riecht stark nach gas",
        "gasgeruch",
        "gas riechen",
        "gasleck",
        "gas tritt aus",
        "gas strömt aus",
        "nach gas riechen",
        "nach gas riecht",
    ),
)


def _mask(text: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def _live(low: str, pattern: re.Pattern[str]) -> list[re.Match[str]]:
    """Matches not negated within their clause ("no pain", "nicht dringend")."""
    return [
        m
        for m in pattern.finditer(low)
        if not NEGATORS.intersection(preceding_words(low, m.start(), 3))
    ]


def _standalone_no(low: str) -> list[re.Match[str]]:
    hits = []
    for m in _NO.finditer(low):
        rest = low[m.end() :]
        after = re.match(r"\s*([^\W\d_]+)", rest)
        window_start = max(0, m.start() - 20)
        before = low[window_start : m.start()]
        at_start = (window_start == 0 and not before.strip(" \t\n\"'(-")) or re.search(
            r"(?:[,.;:!?]|\boh|\bwell|\bum|\bah)\s*$", before
        )
        answer = re.match(r"\s*(?:$|[,.;:!?\-])", rest) is not None
        if answer or at_start and (after is None or after.group(1) not in _NO_NOUN):
            hits.append(m)
    return hits


def _correction_after(original: str, masked: str, end: int) -> bool:
    rest = masked[end:]
    if _VALUE_HINT.search(rest):
        return True
    for m in re.finditer(r"[^\W\d_]+", original[end:]):
        word, low = m.group(0), m.group(0).lower()
        if (
            word[0].isupper()
            and word != "I"
            and low not in COMMON_WORDS | FILLERS
            and not _THANKS.match(low)
            and not _GOODBYE.match(low)
        ):
            return True
    return False


def _urgency(low: str, extra: tuple[str, ...]) -> tuple[Urgency, bool]:
    gas = bool(_live(low, _GAS))
    emergency = gas or bool(_live(low, _EMERGENCY))
    if not emergency and extra:
        words = [k.strip().lower() for k in extra if k.strip()]
        if words:
            emergency = bool(
                _live(
                    low,
                    re.compile(
                        r"(?<!\w)(?:"
                        + "|".join(de(w) for w in sorted(words, key=len, reverse=True))
                        + r")(?!\w)"
                    ),
                )
            )
    if emergency:
        return "emergency", gas
    return ("urgent" if _live(low, _URGENT) else "none"), gas


def extract_signals(text: str, lang: Lang, emergency_keywords: tuple[str, ...] = ()) -> Signals:
    """What the text signals beyond its typed values (see the module docstring)."""
    low = lower_keep(text)
    deny_hits = list(_DENY.finditer(low)) + _standalone_no(low)
    masked = low
    for m in deny_hits:
        masked = masked[: m.start()] + " " * (m.end() - m.start()) + masked[m.end() :]
    affirm_text = _mask(masked, _MASK_NOT_AFFIRM)
    affirm = any(
        not NEGATORS.intersection(preceding_words(affirm_text, m.start(), 1))
        for m in _AFFIRM.finditer(affirm_text)
    ) or bool(_AFFIRM_AT_START.match(affirm_text))
    deny = bool(deny_hits)
    correction = bool(_CORRECTION.search(masked)) or bool(_DOCH.search(low))
    if not correction and deny_hits:
        last = max(m.end() for m in deny_hits)
        correction = _correction_after(text[: len(low)], masked, last)
    urgency, gas = _urgency(low, emergency_keywords)
    earliest = bool(_live(low, _EARLIEST))
    identity = list(_IDENTITY.finditer(low))
    asked = low
    for m in identity:  # "am I talking to a real person?" asks; it does not ask for one
        asked = asked[: m.start()] + " " * (m.end() - m.start()) + asked[m.end() :]
    return Signals(
        affirm=affirm,
        deny=deny,
        wants_human=bool(_HUMAN.search(asked)),
        goodbye=bool(_GOODBYE.search(low)),
        greeting=bool(_GREETING.search(low)),
        thanks=bool(_THANKS.search(low)),
        correction=correction,
        urgency=urgency,
        hazard="gas" if gas else "none",
        earliest=earliest,
        asks_identity=bool(identity),
    )
