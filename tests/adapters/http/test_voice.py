"""Phone calls through Twilio Voice, end to end: signed webhooks (as Twilio signs them)
into a real desk (MiniLM, a real database), the TwiML answers parsed and followed the way
Twilio follows them — each ``<Gather>``'s action URL is where the next callback goes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from twilio.request_validator import RequestValidator

from adapters.channels import TwilioChannel
from adapters.http.server import RateLimiter, Server
from adapters.http.voice import routes, voice_for
from adapters.settings import Settings
from adapters.wiring import App, open_app, repo_path
from language.types import LanguageBackend
from tests.dbs import database_url

BLOOM, PRAXIS = "bloom-salon", "praxis-sommer"
SID = "AC0123456789abcdef0123456789abcdef"
TOKEN = "twilio-auth-token-for-tests"
CALLER = "+15035550123"
ENV = {
    "TWILIO_ACCOUNT_SID": SID,
    "TWILIO_AUTH_TOKEN": TOKEN,
    "BLOOM_SALON_TWILIO_NUMBER": "+15035550199",
}
BLOOM_NOW = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("America/Los_Angeles"))  # Tue
PRAXIS_NOW = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # Tue, open
PRAXIS_TWILIO = """
channels:
  twilio:
    account_sid: ${TWILIO_ACCOUNT_SID:-}
    auth_token: ${TWILIO_AUTH_TOKEN:-}
    from_number: "+493012340000"
"""


@dataclass
class Call:
    """One phone call: posts what Twilio would post, where the last TwiML said to."""

    app: App
    server: Server
    client: TestClient[web.Request, web.Application]
    slug: str
    sid: str = "CA" + "0" * 31 + "1"
    caller: str = CALLER
    action: str = ""  # the last <Gather>'s action URL

    async def post(
        self,
        path: str,
        form: Mapping[str, str],
        url: str | None = None,
        token: str = TOKEN,
        sign: bool = True,
        headers: Mapping[str, str] | None = None,
    ) -> aiohttp.ClientResponse:
        url = url or str(self.client.make_url(path))
        all_headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        if sign:
            all_headers["X-Twilio-Signature"] = RequestValidator(token).compute_signature(
                url, dict(form)
            )
        return await self.client.post(path, data=urlencode(form), headers=all_headers)

    def form(self, **extra: str) -> dict[str, str]:
        return {
            "CallSid": self.sid,
            "AccountSid": SID,
            "From": self.caller,
            "To": "+15035550199",
            "CallStatus": "in-progress",
            "Direction": "inbound",
            **extra,
        }

    async def twiml(self, r: aiohttp.ClientResponse) -> ET.Element:
        assert r.status == 200, await r.text()
        assert r.headers["Content-Type"].startswith("text/xml")
        root = ET.fromstring(await r.text())
        assert root.tag == "Response"
        gathers = root.findall("Gather")
        if gathers:
            self.action = gathers[-1].attrib["action"]
        return root

    async def ring(self) -> ET.Element:
        return await self.twiml(
            await self.post(f"/twilio/voice/{self.slug}", self.form(CallStatus="ringing"))
        )

    async def gather_post(self, form: Mapping[str, str]) -> aiohttp.ClientResponse:
        """Post to the last action URL, signed for that URL exactly."""
        parts = urlsplit(self.action)
        return await self.post(f"{parts.path}?{parts.query}", form, url=self.action)

    async def say(self, speech: str | None) -> ET.Element:
        extra = {"SpeechResult": speech, "Confidence": "0.92"} if speech is not None else {}
        return await self.twiml(await self.gather_post(self.form(**extra)))

    def signature_failures(self) -> float:
        value = self.server.metrics.registry.get_sample_value(
            "frontdesk_webhook_signature_failures_total", {"provider": "twilio"}
        )
        return value or 0.0


@asynccontextmanager
async def calling(
    tmp_path: Path,
    language: LanguageBackend,
    slug: str,
    now: datetime,
    businesses: Path | None = None,
) -> AsyncIterator[Call]:
    async with database_url(tmp_path) as db:
        settings = Settings(db=db, businesses=businesses or _businesses(tmp_path), env=ENV)
        app = await open_app(settings, only=slug, language=language)
        server = Server(settings=settings, app=app)
        web_app = web.Application()
        web_app.add_routes(routes(server, now=lambda: now.astimezone(UTC)))
        client = TestClient(TestServer(web_app, host="127.0.0.1"))
        await client.start_server()
        try:
            yield Call(app=app, server=server, client=client, slug=slug)
        finally:
            await client.close()
            await app.close()


def _businesses(tmp_path: Path, **changes: str) -> Path:
    """The demo businesses, praxis-sommer with a Twilio account; ``changes``: YAML lines
    appended to the salon's file (a business that records calls)."""
    folder = tmp_path / "businesses"
    folder.mkdir(exist_ok=True)
    demo = repo_path("examples", "businesses")
    (folder / f"{BLOOM}.yaml").write_text(
        (demo / f"{BLOOM}.yaml").read_text(encoding="utf-8")
        + "".join(f"\n{line}\n" for line in changes.values()),
        encoding="utf-8",
    )
    (folder / f"{PRAXIS}.yaml").write_text(
        (demo / f"{PRAXIS}.yaml").read_text(encoding="utf-8") + PRAXIS_TWILIO, encoding="utf-8"
    )
    return folder


@pytest.fixture
async def bloom(tmp_path: Path, language: LanguageBackend) -> AsyncIterator[Call]:
    async with calling(
        tmp_path, language, BLOOM, BLOOM_NOW, businesses=repo_path("examples", "businesses")
    ) as call:
        yield call


@pytest.fixture
async def praxis(tmp_path: Path, language: LanguageBackend) -> AsyncIterator[Call]:
    async with calling(tmp_path, language, PRAXIS, PRAXIS_NOW) as call:
        yield call


def _says(element: ET.Element) -> list[str]:
    return [s.text or "" for s in element.iter("Say")]


def _shape(root: ET.Element) -> list[str]:
    return [child.tag for child in root]


def _query(action: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(action).query).items()}


# --------------------------------------------------------------------- answering


async def test_a_call_at_the_salon_is_greeted_in_english_and_listened_to(bloom: Call) -> None:
    assert bloom.app.brains[BLOOM].business.records_calls is False
    root = await bloom.ring()
    assert _shape(root) == ["Gather"]  # no recording notice: the salon does not record
    [gather] = root
    assert gather.attrib["input"] == "speech"
    assert gather.attrib["method"] == "POST"
    assert gather.attrib["speechTimeout"] == "auto"
    assert gather.attrib["language"] == "en-US"
    assert (
        bloom.action
        == str(bloom.client.make_url(f"/twilio/voice/{BLOOM}/gather")) + "?n=1&s=0&lang=en"
    )
    [say] = gather
    assert (say.tag, say.attrib["voice"], say.attrib["language"]) == (
        "Say",
        "Polly.Joanna",
        "en-US",
    )
    assert "Bloom Hair Studio" in (say.text or "")
    assert await bloom.app.store.inbound_events(BLOOM) == []  # a greeting is not a turn


async def test_a_call_at_the_praxis_is_answered_in_german(praxis: Call) -> None:
    # the demo practice does not record calls (records_calls is unset in its YAML)
    assert praxis.app.brains[PRAXIS].business.records_calls is False
    root = await praxis.ring()
    assert _shape(root) == ["Gather"]
    [gather] = root
    assert gather.attrib["language"] == "de-DE"
    assert _query(praxis.action) == {"n": "1", "s": "0", "lang": "de"}
    [say] = gather
    assert (say.attrib["voice"], say.attrib["language"]) == ("Polly.Vicki", "de-DE")
    assert "Zahnarztpraxis Dr. Sommer" in (say.text or "")
    assert "Guten Tag" in (say.text or "")


async def test_no_recording_notice_plays_while_no_recording_is_made(
    tmp_path: Path, language: LanguageBackend
) -> None:
    folder = _businesses(
        tmp_path, records="records_calls: true", name='name: "Bloom & Co <Hair> Studio"'
    )
    text = (folder / f"{BLOOM}.yaml").read_text(encoding="utf-8")
    (folder / f"{BLOOM}.yaml").write_text(
        text.replace("name: Bloom Hair Studio\n", "", 1).replace(
            "    from_number: ${BLOOM_SALON_TWILIO_NUMBER:-}",
            "    from_number: ${BLOOM_SALON_TWILIO_NUMBER:-}\n    voice: Polly.Matthew",
        ),
        encoding="utf-8",
    )
    async with calling(tmp_path, language, BLOOM, BLOOM_NOW, businesses=folder) as call:
        root = await call.ring()
    # records_calls is set, but the desk records nothing yet: saying so would be untrue
    assert _shape(root) == ["Gather"]
    assert "record" not in ET.tostring(root, encoding="unicode").lower()
    [gather] = root
    [greeting] = gather
    assert greeting.attrib["voice"] == "Polly.Matthew"
    # the name went through XML escaping and back unchanged
    assert "Bloom & Co <Hair> Studio" in (greeting.text or "")


def test_the_voice_is_configurable_per_language_or_for_all() -> None:
    account = TwilioChannel(account_sid=SID, auth_token=TOKEN, from_number="+1")
    assert (voice_for(account, "en"), voice_for(account, "de")) == ("Polly.Joanna", "Polly.Vicki")
    per_lang = account.model_copy(update={"voice": {"de": "Polly.Hans"}})
    assert (voice_for(per_lang, "en"), voice_for(per_lang, "de")) == ("Polly.Joanna", "Polly.Hans")
    one = account.model_copy(update={"voice": "Polly.Matthew"})
    assert (voice_for(one, "en"), voice_for(one, "de")) == ("Polly.Matthew", "Polly.Matthew")


# --------------------------------------------------------------------- conversations


async def test_a_whole_booking_by_voice_then_goodbye_hangs_up(bloom: Call) -> None:
    await bloom.ring()
    said: list[str] = []
    for n, speech in enumerate(
        (
            "Hi, I'd like to book a men's haircut",
            "Thursday",
            "the first one",
            "Jamie Rivera",
            "yes",
        ),
        start=1,
    ):
        assert _query(bloom.action)["n"] == str(n)
        root = await bloom.say(speech)
        assert _shape(root) == ["Gather"], ET.tostring(root)
        assert root[0].attrib["language"] == "en-US"
        said.extend(_says(root))
    assert "Thu 26 Nov" in said[1]  # the offered times are read out
    [appointment] = await bloom.app.store.list_appointments(BLOOM)
    assert (appointment.service, appointment.status) == ("mens_cut", "booked")
    assert appointment.customer_name == "Jamie Rivera"
    assert appointment.customer_phone == CALLER  # the caller id, never asked for
    local = appointment.start.astimezone(ZoneInfo("America/Los_Angeles"))
    assert local.date().isoformat() == "2026-11-26"
    assert "booked" in said[-1]

    root = await bloom.say("no thanks, goodbye")
    assert _shape(root) == ["Say", "Hangup"]
    assert "Goodbye" in (root[0].text or "")

    [conv] = await bloom.app.store.list_conversations(BLOOM)
    assert (conv.channel, conv.sender) == ("voice", bloom.sid)
    assert len(await bloom.app.store.turns(conv.id)) == 6
    events = await bloom.app.store.inbound_events(BLOOM)
    assert {e.customer_phone for e in events} == {CALLER}
    assert len({e.provider_msg_id for e in events}) == 6
    assert await bloom.app.store.outbox() == []  # the reply is the TwiML, nothing is sent


async def test_asking_for_a_person_dials_the_front_desk(bloom: Call) -> None:
    await bloom.ring()
    root = await bloom.say("can I talk to a person")
    assert _shape(root) == ["Say", "Dial"]
    assert "+1 503-555-0140" in (root[0].text or "")
    assert root[1].text == "+15035550140"
    assert len(await bloom.app.store.list_escalations(BLOOM)) == 1


async def test_an_emergency_in_opening_hours_is_put_through_to_reception(praxis: Call) -> None:
    await praxis.ring()
    root = await praxis.say("Ich habe starke Zahnschmerzen und eine geschwollene Wange")
    assert _shape(root) == ["Say", "Dial"]
    assert root[0].attrib["language"] == "de-DE"
    assert root[0].attrib["voice"] == "Polly.Vicki"
    assert root[1].text == "+49301234567"  # Rezeption (DEMO.md)
    [escalation] = await praxis.app.store.list_escalations(PRAXIS)
    assert escalation.reason == "emergency"


async def test_an_english_caller_at_the_praxis_is_answered_in_english(praxis: Call) -> None:
    await praxis.ring()
    root = await praxis.say("Hello, do you have parking?")
    assert _shape(root) == ["Gather"]
    assert root[0].attrib["language"] == "en-US"
    assert root[0][0].attrib["voice"] == "Polly.Joanna"
    assert _query(praxis.action)["lang"] == "en"


# --------------------------------------------------------------------- silence


async def test_two_silent_gathers_in_a_row_end_in_a_callback_promise(bloom: Call) -> None:
    await bloom.ring()
    first = await bloom.say(None)
    assert _shape(first) == ["Gather"]
    assert "didn't hear anything" in _says(first)[0]
    assert _query(bloom.action) == {"n": "2", "s": "1", "lang": "en"}
    last_action = bloom.action
    second = await bloom.say(None)
    assert _shape(second) == ["Say", "Hangup"]
    assert "call you back" in (second[0].text or "")
    assert await bloom.app.store.inbound_events(BLOOM) == []  # silence is not a turn
    [escalation] = await bloom.app.store.list_escalations(BLOOM)
    assert CALLER in escalation.reason
    # Twilio retrying the last callback: the same goodbye, still one escalation
    bloom.action = last_action
    again = await bloom.say(None)
    assert _shape(again) == ["Say", "Hangup"]
    assert len(await bloom.app.store.list_escalations(BLOOM)) == 1


async def test_speech_between_silences_starts_the_count_again(bloom: Call) -> None:
    await bloom.ring()
    assert _shape(await bloom.say(None)) == ["Gather"]
    assert _shape(await bloom.say("Do you have parking?")) == ["Gather"]
    assert _query(bloom.action)["s"] == "0"
    root = await bloom.say(None)
    assert _shape(root) == ["Gather"]
    assert "didn't hear anything" in _says(root)[0]
    assert await bloom.app.store.list_escalations(BLOOM) == []


# --------------------------------------------------------------------- delivery


async def test_a_retried_callback_is_one_turn_with_the_same_answer(bloom: Call) -> None:
    await bloom.ring()
    action = bloom.action
    answers = []
    for _ in range(3):
        bloom.action = action
        answers.append(ET.tostring(await bloom.say("What are your opening hours?")))
    assert answers[0] == answers[1] == answers[2]
    [conv] = await bloom.app.store.list_conversations(BLOOM)
    assert len(await bloom.app.store.turns(conv.id)) == 1
    assert len(await bloom.app.store.inbound_events(BLOOM)) == 1
    duplicates = bloom.server.metrics.registry.get_sample_value(
        "frontdesk_turns_total", {"channel": "voice", "outcome": "duplicate"}
    )
    assert duplicates == 2
    # the same words at the next gather are a new turn
    await bloom.say("What are your opening hours?")
    assert len(await bloom.app.store.turns(conv.id)) == 2


@pytest.mark.parametrize("endpoint", ["call", "gather"])
@pytest.mark.parametrize("how", ["wrong", "missing", "other-token", "tampered"])
async def test_a_bad_signature_is_refused_and_reaches_nothing(
    bloom: Call, endpoint: str, how: str
) -> None:
    path = f"/twilio/voice/{BLOOM}" + ("/gather?n=1&s=0&lang=en" if endpoint == "gather" else "")
    form = bloom.form(SpeechResult="book me a blowout")
    if how == "wrong":
        r = await bloom.post(
            path, form, sign=False, headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}
        )
    elif how == "missing":
        r = await bloom.post(path, form, sign=False)
    elif how == "other-token":
        r = await bloom.post(path, form, token="somebody-elses-token")
    else:  # signed for other words than those sent
        url = str(bloom.client.make_url(path))
        signature = RequestValidator(TOKEN).compute_signature(url, form)
        r = await bloom.post(
            path,
            {**form, "SpeechResult": "cancel everything"},
            sign=False,
            headers={"X-Twilio-Signature": signature},
        )
    assert r.status == 403
    assert await bloom.app.store.inbound_events(BLOOM) == []
    assert bloom.signature_failures() == 1


async def test_a_gather_signed_for_another_turn_number_is_refused(bloom: Call) -> None:
    form = bloom.form(SpeechResult="book me a blowout")
    url = str(bloom.client.make_url(f"/twilio/voice/{BLOOM}/gather?n=1&s=0&lang=en"))
    signature = RequestValidator(TOKEN).compute_signature(url, form)
    r = await bloom.post(
        f"/twilio/voice/{BLOOM}/gather?n=2&s=0&lang=en",
        form,
        sign=False,
        headers={"X-Twilio-Signature": signature},
    )
    assert r.status == 403


@pytest.mark.parametrize(
    "path", ["/twilio/voice/no-such-salon", "/twilio/voice/no-such-salon/gather?n=1"]
)
async def test_an_unknown_business_is_a_404(bloom: Call, path: str) -> None:
    r = await bloom.post(path, bloom.form(SpeechResult="hello"))
    assert r.status == 404
    assert bloom.signature_failures() == 0


async def test_malformed_and_oversized_requests(bloom: Call) -> None:
    path = f"/twilio/voice/{BLOOM}/gather?n=1"
    r = await bloom.client.post(
        path,
        data=b"CallSid=CA1&Speech%ff=%fe",
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "x"},
    )
    assert r.status == 400
    r = await bloom.post(path, bloom.form(SpeechResult="x" * 70_000))
    assert r.status == 413
    form = bloom.form(SpeechResult="hello")
    del form["CallSid"]
    r = await bloom.post(path, form)
    assert r.status == 400
    assert await bloom.app.store.inbound_events(BLOOM) == []


async def test_a_business_without_twilio_takes_no_calls(
    tmp_path: Path, language: LanguageBackend
) -> None:
    async with calling(
        tmp_path,
        language,
        "rapid-rooter",
        BLOOM_NOW,
        businesses=repo_path("examples", "businesses"),
    ) as call:
        r = await call.post("/twilio/voice/rapid-rooter", call.form())
        assert r.status == 404
        assert call.signature_failures() == 0


async def test_a_flooding_call_gets_one_warning_and_is_hung_up(bloom: Call) -> None:
    bloom.server.limiter = RateLimiter(per_sender=1)
    await bloom.ring()
    assert _shape(await bloom.say("Do you have parking?")) == ["Gather"]
    warned = await bloom.say("hello?")
    assert _shape(warned) == ["Say", "Hangup"]
    assert "faster than we can answer" in (warned[0].text or "")
    assert _shape(await bloom.say("hello??")) == ["Hangup"]
    assert len(await bloom.app.store.inbound_events(BLOOM)) == 2  # up to the warning
    await bloom.server.flush_drops()  # the dropped ones: counted, one row for the burst
    [burst] = await bloom.app.store.list_dropped(BLOOM)
    assert (burst.count, burst.budget) == (1, "sender")
    [conv] = await bloom.app.store.list_conversations(BLOOM)
    problems = [t.record["understanding"]["problem"] for t in await bloom.app.store.turns(conv.id)]
    assert problems == ["", "rate_limited"]
    assert await bloom.app.store.outbox() == []  # a call answers in its TwiML
