"""Regenerate the routing data from the public data sets beside the repository.

    python -m bench.understanding.data.routing.make [SHARED_DATA_DIR]

``SHARED_DATA_DIR`` defaults to ``../shared/data`` (relative to the repository). The rules
are those of that folder's README; see ``README.md`` here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[3]
LANGUAGE_DATA = REPO / "language" / "data"

# CLINC150 intents close to a front desk's work: not counted as unrelated
NEAR = frozenset(
    [
        "accept_reservations",
        "book_flight",
        "book_hotel",
        "cancel",
        "cancel_reservation",
        "confirm_reservation",
        "restaurant_reservation",
        "schedule_maintenance",
        "schedule_meeting",
        "meeting_schedule",
        "calendar",
        "calendar_update",
        "reminder",
        "reminder_update",
        "pto_request",
        "pto_request_status",
        "greeting",
        "goodbye",
        "thank_you",
        "yes",
        "no",
        "maybe",
        "repeat",
        "time",
        "date",
        "directions",
        "insurance",
        "insurance_change",
        "how_busy",
        "make_call",
        "are_you_a_bot",
        "what_is_your_name",
        "who_made_you",
        "what_can_i_ask_you",
        "who_do_you_work_for",
        "todo_list_update",
        "order",
        "order_status",
        "pay_bill",
        "alarm",
        "timer",
        "text",
        "share_location",
        "current_location",
        "user_name",
        "change_user_name",
        "spelling",
        "definition",
        "translate",
        "change_language",
        "oil_change_when",
        "tire_change",
        "jump_start",
        "oil_change_how",
        "last_maintenance",
        "car_rental",
        "uber",
        "pto_used",
        "pto_balance",
    ]
)
XSID_UNRELATED = (
    "weather/find",
    "PlayMusic",
    "AddToPlaylist",
    "SearchCreativeWork",
    "RateBook",
    "SearchScreeningEvent",
    "alarm/show_alarms",
    "reminder/show_reminders",
    "alarm/time_left_on_alarm",
    "alarm/snooze_alarm",
)


def sgd_booking_requests(data: Path) -> list[dict[str, str]]:
    """The user turn at which a Services dialogue's frame becomes BookAppointment, when that
    turn's frame labels an appointment date or time span."""
    rows = []
    for dialogue in json.loads((data / "sgd" / "train_dialogues_services.json").read_text()):
        before: dict[str, str] = {}
        for n, turn in enumerate(dialogue["turns"]):
            if turn["speaker"] != "USER":
                continue
            for frame in turn["frames"]:
                intent = frame["state"]["active_intent"]
                if (
                    intent == "BookAppointment"
                    and before.get(frame["service"]) != intent
                    and any(
                        s["slot"] in ("appointment_date", "appointment_time")
                        for s in frame["slots"]
                    )
                ):
                    rows.append(
                        {
                            "dialogue": dialogue["dialogue_id"],
                            "turn": str(n),
                            "text": turn["utterance"],
                        }
                    )
                before[frame["service"]] = intent
    return rows


def clinc_unrelated(data: Path) -> list[dict[str, str]]:
    """The validation splits only: the train splits give the topic model its background
    (``language/data/background.txt``), so measuring on them would flatter it."""
    sets = json.loads((data / "clinc150" / "train_val.json").read_text())
    return [
        {"split": split, "intent": intent, "text": text}
        for split in ("val", "oos_val")
        for text, intent in sets[split]
        if intent not in NEAR
    ]


def xsid_unrelated(data: Path) -> list[dict[str, str]]:
    rows = []
    for lang in ("de", "en"):
        block: dict[str, str] = {}
        for line in [*(data / "xsid" / f"{lang}.valid.conll").read_text().splitlines(), ""]:
            if line.startswith("# ") and " = " in line:
                key, _, value = line[2:].partition(" = ")
                block[key.strip()] = value.strip()
            elif not line.strip() and block:
                if block.get("intent") in XSID_UNRELATED:
                    rows.append({"lang": lang, "intent": block["intent"], "text": block["text"]})
                block = {}
    return rows


BACKGROUND_PER_INTENT = 20


def background(data: Path) -> list[str]:
    """The offline topic model's background of unrelated requests: from CLINC150's train
    split, the first :data:`BACKGROUND_PER_INTENT` texts of every unrelated intent and every
    out-of-scope text (the validation split stays out: the bench measures on it)."""
    sets = json.loads((data / "clinc150" / "train_val.json").read_text())
    taken: dict[str, int] = {}
    out = []
    for text, intent in sets["train"]:
        if intent not in NEAR and taken.get(intent, 0) < BACKGROUND_PER_INTENT:
            taken[intent] = taken.get(intent, 0) + 1
            out.append(text)
    return out + [text for text, _ in sets["oos_train"]]


def demo_examples(offline: object) -> set[str]:
    """The bundled cards' examples as the demo businesses mask them (their topic models'
    training texts): shipped too, so the demo's first start embeds nothing."""
    from datetime import UTC, datetime

    from adapters.demo import DEMO_BUSINESSES
    from adapters.settings import Settings
    from adapters.wiring import load_brains
    from engine.brain import understand_context
    from engine.state import ConversationState

    texts: set[str] = set()
    now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    for brain in load_brains(Settings(businesses=DEMO_BUSINESSES)).values():
        context = understand_context(brain, ConversationState(), now)
        texts |= {e.masked for e in offline._examples(brain.examples, context)}  # type: ignore[attr-defined]
    return texts


def write(name: str, rows: list[dict[str, str]]) -> None:
    with (HERE / name).open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{name}: {len(rows)} rows")


def main(argv: list[str]) -> None:
    data = Path(argv[0]) if argv else REPO.parent / "shared" / "data"
    write("sgd_booking_requests.jsonl", sgd_booking_requests(data))
    write("clinc150_unrelated.jsonl", clinc_unrelated(data))
    write("xsid_unrelated.jsonl", xsid_unrelated(data))
    lines = background(data)
    (LANGUAGE_DATA / "background.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"language/data/background.txt: {len(lines)} lines")
    background_rows(lines)


def background_rows(lines: list[str]) -> None:
    """The embeddings of the masked background (and of the demo businesses' examples) by
    each packaged embedder, shipped so that a first start does not spend most of its time
    embedding 1,920 unrelated requests. Rows are kept by text: a text the masking now
    writes differently is embedded afresh."""
    import numpy as np

    from adapters.cache import default_cache_dir
    from adapters.wiring import background_rows_file
    from language.embedding import E5Embedder, MiniLMEmbedder
    from language.offline import OfflineBackend

    offline = OfflineBackend(embedder=MiniLMEmbedder(cache_size=0), background=lines)
    masked = {e.masked for e in offline.masked_background()}
    masked |= demo_examples(offline)
    texts = sorted(masked)
    onnx = default_cache_dir() / "onnx"
    for embedder in (MiniLMEmbedder(cache_size=0, onnx_dir=onnx), E5Embedder(cache_size=0)):
        rows = embedder.embed(texts)
        path = background_rows_file(embedder.model_id)
        np.savez_compressed(path, texts=np.array(texts), rows=rows.astype(np.float16))
        print(f"{path.relative_to(REPO)}: {len(texts)} rows of {embedder.model_id}")


if __name__ == "__main__":
    main(sys.argv[1:])
