"""The program: parse the command line, read the settings once, run one command, and turn
what went wrong into an exit status and a line on stderr.

Each command's module is imported only when that command runs (the one place imports are
deferred): ``frontdesk --help`` does not load the language model's libraries, and ``chat``
does not load aiohttp.

Exit statuses: 0 done; 1 a difference or failure found (replay, verify, audit verify, an
unknown conversation); 2 a usage or configuration error; 130 interrupted (Ctrl-C); 141 the
reader of stdout went away (``frontdesk ... | head``), quietly, as a program that SIGPIPE
ended would.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from rules.errors import FrontdeskError

from ..settings import Settings, parse_port, parse_public_url
from .output import EXIT_INTERRUPTED, EXIT_PIPE, EXIT_USAGE
from .parser import build_parser


def load_settings(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> Settings:
    """The settings for one run, read once: defaults < the configuration file < FRONTDESK_*
    variables < command-line flags (see ``adapters.settings``). Raises SettingsError."""
    settings = Settings.load(environ, config=args.config)
    if args.db:
        settings = settings.with_(db=args.db)
    if args.businesses:
        settings = settings.with_(businesses=Path(args.businesses))
    if args.command == "serve":
        if args.host:
            settings = settings.with_(host=args.host)
        if args.port is not None:
            settings = settings.with_(port=parse_port(str(args.port), "--port"))
        if args.public_url is not None:
            settings = settings.with_(public_url=parse_public_url(args.public_url, "--public-url"))
    return settings


def main(argv: Sequence[str] | None = None) -> int:
    try:
        code = _main(argv)
        sys.stdout.flush()  # here, so a closed pipe is seen here and not at exit
        return code
    except BrokenPipeError:
        _stdout_to_devnull()
        return EXIT_PIPE


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(args)
        logging.basicConfig(
            level=settings.log_level.upper(),
            stream=sys.stderr,
            format="%(levelname)s %(name)s %(message)s",
        )
    except (FrontdeskError, ValueError) as e:  # a bad file, variable or flag: say which
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    if args.command == "replay" and not args.all and not args.conversation:
        print("error: replay needs a CONVERSATION_ID or --all", file=sys.stderr)
        return EXIT_USAGE
    try:
        return run(args, settings)
    except FrontdeskError as e:
        problems = str(e).splitlines()  # business files: a problem a line, each self-located
        if len(problems) > 1:
            for problem in problems:
                print(problem, file=sys.stderr)
            print(f"error: {len(problems)} problems (above)", file=sys.stderr)
        else:
            print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the parsed command. Its module is imported now, so that ``--help``, a usage
    error and every other command skip what it loads (named beside each import)."""
    command = args.command
    if command == "chat":
        from .chat import chat  # the desk, its language libraries and the outbox

        return asyncio.run(chat(args, settings))
    if command in ("appointments", "conversations", "escalations", "messages"):
        from .records import listing  # the database driver (piccolo) and the wiring

        return asyncio.run(listing(args, settings))
    if command == "audit":
        from .records import audit  # the database driver (piccolo) and the wiring

        return asyncio.run(audit(args, settings))
    if command == "replay":
        from .records import replay  # the database driver (piccolo) and the wiring

        return asyncio.run(replay(args, settings))
    if command == "cards":
        from .cards import cards  # the card verifier, diagrams and the wiring

        return cards(args, settings)
    if command == "verify":
        from .cards import verify_cards  # the card verifier, diagrams and the wiring

        return verify_cards(args, settings)
    if command == "business":
        from .business import business  # the business files' loader and the wiring

        return business(args, settings)
    if command == "init":
        from .business import init  # the business files' loader and the wiring

        return init(args, settings)
    if command == "db":
        from .operations import db  # the database driver (piccolo) and the wiring

        return asyncio.run(db(args, settings))
    if command == "outbox":
        from .operations import outbox  # the database driver (piccolo) and the wiring

        return asyncio.run(outbox(args, settings))
    if command == "recover":
        from .operations import recover  # the database driver (piccolo) and the wiring

        return asyncio.run(recover(args, settings))
    if command in ("retention", "customer"):
        from . import privacy  # the database driver (piccolo) and the wiring

        handler = privacy.retention if command == "retention" else privacy.customer
        return asyncio.run(handler(args, settings))
    if command == "serve":
        from .serve import serve  # aiohttp, the HTTP app and the supervisor

        return asyncio.run(serve(args, settings))
    raise AssertionError(f"a command without a handler: {command}")  # the parser lists them


def _stdout_to_devnull() -> None:
    """After a closed pipe: point stdout at /dev/null, so the interpreter's own flush at
    exit does not fail again and print a traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout is not a file (a test's capture)
        pass


__all__ = ["build_parser", "load_settings", "main", "run"]
