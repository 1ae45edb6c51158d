"""The demo businesses' catalogs (services and staff) as ``CatalogItem`` tuples, for the
catalog-matching tests.

``SALON``, ``DENTAL`` and ``DENTAL_STAFF`` are small hand-picked versions. ``CATALOGS`` are
the full catalogs of examples/businesses/*.yaml, built as ``engine.brain.Brain`` builds them,
frozen here so a later edit of a demo file does not move the golden catalog results.
"""

from __future__ import annotations

from typing import Literal

from language.types import CatalogItem

# names and aliases as in examples/businesses/*.yaml
SALON = (
    CatalogItem(
        id="womens_cut",
        names=(
            "women's haircut",
            "womens haircut",
            "women's cut",
            "womens cut",
            "ladies cut",
            "haircut",
            "cut",
            "trim",
        ),
    ),
    CatalogItem(
        id="mens_cut",
        names=(
            "men's haircut",
            "mens haircut",
            "men's cut",
            "mens cut",
            "gents cut",
            "haircut",
            "cut",
            "trim",
        ),
    ),
    CatalogItem(
        id="kids_cut",
        names=(
            "kids cut (under 12)",
            "kids cut",
            "kids haircut",
            "children's haircut",
            "haircut for my son",
        ),
    ),
    CatalogItem(id="blowout", names=("blowout", "blow dry", "blow-dry", "styling")),
    CatalogItem(id="root_color", names=("root color", "root colour", "roots", "hair color")),
    CatalogItem(id="full_highlights", names=("full highlights", "highlights", "foils")),
    CatalogItem(id="balayage", names=("balayage", "ombre")),
)
DENTAL = (
    CatalogItem(
        id="checkup",
        names=(
            "Kontrolluntersuchung",
            "check-up",
            "Kontrolle",
            "Vorsorgeuntersuchung",
            "checkup",
            "exam",
        ),
    ),
    CatalogItem(
        id="cleaning",
        names=(
            "Professionelle Zahnreinigung",
            "professional cleaning",
            "PZR",
            "Prophylaxe",
            "cleaning",
            "teeth cleaning",
        ),
    ),
    CatalogItem(id="filling", names=("Füllung", "filling", "Plombe", "Karies", "cavity")),
    CatalogItem(
        id="root_canal",
        names=("Wurzelbehandlung", "root canal treatment", "root canal", "Wurzelkanal"),
    ),
    CatalogItem(id="emergency", names=("Notfallbehandlung", "emergency treatment", "Notfall")),
)
DENTAL_STAFF = (
    CatalogItem(id="lena_sommer", names=("Dr. Lena Sommer", "Dr. Sommer", "Frau Sommer", "Lena")),
    CatalogItem(id="jonas_weber", names=("Dr. Jonas Weber", "Dr. Weber", "Herr Weber", "Jonas")),
    CatalogItem(id="mia_keller", names=("Mia Keller", "Mia", "Frau Keller")),
)

Kind = Literal["service", "staff"]

CATALOGS: dict[str, dict[Kind, tuple[CatalogItem, ...]]] = {
    "bloom-salon": {
        "service": (
            CatalogItem(
                id="womens_cut",
                names=(
                    "women's haircut",
                    "womens haircut",
                    "women's cut",
                    "womens cut",
                    "ladies cut",
                    "ladies haircut",
                    "haircut",
                    "cut",
                    "trim",
                ),
            ),
            CatalogItem(
                id="mens_cut",
                names=(
                    "men's haircut",
                    "mens haircut",
                    "men's cut",
                    "mens cut",
                    "gents cut",
                    "guys haircut",
                    "haircut",
                    "cut",
                    "trim",
                ),
            ),
            CatalogItem(
                id="kids_cut",
                names=(
                    "kids cut (under 12)",
                    "kids cut",
                    "kids haircut",
                    "kid's haircut",
                    "children's haircut",
                    "child's haircut",
                    "haircut for my son",
                    "haircut for my daughter",
                ),
            ),
            CatalogItem(
                id="blowout",
                names=("blowout", "blow out", "blow-dry", "blow dry", "blowdry", "styling"),
            ),
            CatalogItem(
                id="root_color",
                names=(
                    "root color",
                    "root colour",
                    "roots",
                    "root touch-up",
                    "root touch up",
                    "touch up my roots",
                    "color",
                    "colour",
                    "hair color",
                ),
            ),
            CatalogItem(
                id="full_highlights",
                names=(
                    "full highlights",
                    "highlights",
                    "foils",
                    "full foils",
                    "full head highlights",
                ),
            ),
            CatalogItem(
                id="balayage",
                names=(
                    "balayage",
                    "balayge",
                    "bayalage",
                    "hand-painted highlights",
                    "ombre",
                    "ombré",
                ),
            ),
        ),
        "staff": (
            CatalogItem(id="alex", names=("Alex",)),
            CatalogItem(id="sam", names=("Sam",)),
            CatalogItem(id="jordan", names=("Jordan",)),
        ),
    },
    "praxis-sommer": {
        "service": (
            CatalogItem(
                id="checkup",
                names=(
                    "Kontrolluntersuchung",
                    "check-up",
                    "Kontrolle",
                    "Kontrolltermin",
                    "Vorsorge",
                    "Vorsorgeuntersuchung",
                    "Untersuchung",
                    "Routineuntersuchung",
                    "Check-up",
                    "checkup",
                    "check up",
                    "exam",
                    "dental exam",
                    "routine exam",
                    "examination",
                ),
            ),
            CatalogItem(
                id="cleaning",
                names=(
                    "Professionelle Zahnreinigung",
                    "professional cleaning",
                    "Zahnreinigung",
                    "PZR",
                    "Prophylaxe",
                    "professionelle Zahnreinigung",
                    "Zahnsteinentfernung",
                    "cleaning",
                    "teeth cleaning",
                    "dental cleaning",
                    "hygiene appointment",
                    "prophylaxis",
                ),
            ),
            CatalogItem(
                id="filling",
                names=(
                    "Füllung",
                    "filling",
                    "Plombe",
                    "Loch im Zahn",
                    "Karies",
                    "tooth filling",
                    "cavity",
                ),
            ),
            CatalogItem(
                id="root_canal",
                names=(
                    "Wurzelbehandlung",
                    "root canal treatment",
                    "Wurzelkanalbehandlung",
                    "Wurzelkanal",
                    "root canal",
                    "root treatment",
                ),
            ),
            CatalogItem(
                id="emergency",
                names=(
                    "Notfallbehandlung",
                    "emergency treatment",
                    "Notfall",
                    "Notfalltermin",
                    "Schmerztermin",
                    "Zahnschmerzen",
                    "emergency",
                    "emergency appointment",
                    "dental emergency",
                    "toothache",
                ),
            ),
        ),
        "staff": (
            CatalogItem(
                id="lena_sommer",
                names=(
                    "Dr. Lena Sommer",
                    "Dr. Sommer",
                    "Frau Dr. Sommer",
                    "Frau Sommer",
                    "Doktor Sommer",
                    "Lena",
                    "Lena Sommer",
                ),
            ),
            CatalogItem(
                id="jonas_weber",
                names=(
                    "Dr. Jonas Weber",
                    "Dr. Weber",
                    "Herr Dr. Weber",
                    "Herr Weber",
                    "Doktor Weber",
                    "Jonas",
                    "Jonas Weber",
                ),
            ),
            CatalogItem(
                id="mia_keller",
                names=("Mia Keller", "Mia", "Frau Keller", "Ms. Keller", "Mia Keller"),
            ),
        ),
    },
    "rapid-rooter": {
        "service": (
            CatalogItem(
                id="diagnostic",
                names=(
                    "diagnostic visit",
                    "diagnostic",
                    "diagnosis",
                    "inspection",
                    "plumbing inspection",
                    "take a look",
                    "check it out",
                    "find the problem",
                ),
            ),
            CatalogItem(
                id="drain_cleaning",
                names=(
                    "drain cleaning",
                    "drain",
                    "clogged drain",
                    "blocked drain",
                    "slow drain",
                    "backed up drain",
                    "clogged sink",
                    "clogged toilet",
                    "clogged shower",
                    "clogged tub",
                    "clog",
                    "snake the drain",
                    "rooter",
                ),
            ),
            CatalogItem(
                id="water_heater",
                names=(
                    "water heater service",
                    "water heater",
                    "hot water heater",
                    "water heater repair",
                    "no hot water",
                    "tankless",
                    "tank flush",
                    "boiler",
                ),
            ),
            CatalogItem(
                id="leak_repair",
                names=(
                    "leak repair",
                    "leak",
                    "leaking pipe",
                    "leaky pipe",
                    "pipe leak",
                    "leaking faucet",
                    "leaky faucet",
                    "dripping faucet",
                    "leaking toilet",
                    "drip",
                ),
            ),
            CatalogItem(
                id="emergency_callout",
                names=(
                    "emergency call-out",
                    "emergency",
                    "emergency callout",
                    "emergency visit",
                    "burst pipe",
                    "flooding",
                    "urgent plumber",
                ),
            ),
        ),
        "staff": (
            CatalogItem(id="mike", names=("Mike",)),
            CatalogItem(id="priya", names=("Priya",)),
            CatalogItem(id="dan", names=("Dan",)),
        ),
    },
}
