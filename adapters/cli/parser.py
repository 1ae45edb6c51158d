"""Every command, option and its help text: the command line's contract in one place.

Command names, flags and the shapes of their JSON output are a contract: tests outside the
repository drive ``frontdesk chat`` over pipes and read the JSON listings. Building the
parser imports nothing heavy, so ``frontdesk --help`` and ``--version`` answer at once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from .output import MIN_PREFIX

LISTINGS = {
    "appointments": "list a business's appointments (booked and cancelled)",
    "conversations": "list a business's conversations",
    "escalations": "list the conversations a business's desk handed to a person",
    "messages": "list the messages a business's desk took",
}
ID_HELP = f"(a unique prefix of at least {MIN_PREFIX} characters will do)"


def version() -> str:
    """``frontdesk 0.1.0``: the installed distribution's version."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as distribution_version

    try:
        return f"frontdesk {distribution_version('frontdesk')}"
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "frontdesk (not installed: no version)"


class _Version(argparse.Action):
    """``--version``, read from the distribution's metadata only when asked for."""

    def __init__(
        self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: Any
    ) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        print(version(), file=sys.stdout)
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="frontdesk",
        description="An AI front desk for appointment businesses.",
        epilog="Run 'frontdesk COMMAND --help' for a command's options. Without a business "
        "folder configured, the three demo businesses are used (bloom-salon, "
        "praxis-sommer, rapid-rooter).",
    )
    p.add_argument("--version", action=_Version, help="print frontdesk's version and exit")
    p.add_argument(
        "--config",
        metavar="PATH",
        help="TOML configuration file (default: $FRONTDESK_CONFIG, else "
        "./frontdesk.toml when it exists); FRONTDESK_* variables and flags "
        "override it",
    )
    p.add_argument(
        "--db",
        metavar="URL",
        help="database URL (default: $FRONTDESK_DB or sqlite:///frontdesk.db)",
    )
    p.add_argument(
        "--businesses",
        metavar="DIR",
        help="folder of business YAML files (default: $FRONTDESK_BUSINESSES, else "
        "the packaged demo businesses)",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    chat = sub.add_parser(
        "chat",
        help="talk to a business in the terminal (or over pipes)",
        description="Talk to a business. Over pipes: one line in, one "
        "'desk: ' line out, nothing else.",
    )
    chat.add_argument(
        "--business",
        required=True,
        metavar="SLUG",
        help="the business to talk to (only its file is read)",
    )
    chat.add_argument(
        "--lang", choices=("de", "en"), help="the customer's language (default: detected)"
    )
    chat.add_argument(
        "--channel",
        choices=("sms", "webchat", "voice", "cli"),
        default="webchat",
        help="the channel to act as (default: webchat)",
    )
    chat.add_argument("--customer", metavar="PHONE", help="caller id (phone number)")
    chat.add_argument(
        "--now", metavar="ISO-8601", help="fix the clock (business timezone if no offset)"
    )

    for name, what in LISTINGS.items():
        sp = sub.add_parser(
            name,
            help=what,
            description=what.capitalize() + ": one line "
            "per row, its id first; --json for every field.",
        )
        sp.add_argument("--business", required=True, metavar="SLUG", help="the business")
        sp.add_argument("--json", action="store_true", help="print JSON (a list of rows)")

    audit = sub.add_parser(
        "audit", help="a conversation's audit trail in plain words, or 'verify' every hash chain"
    )
    audit.add_argument(
        "target",
        metavar="CONVERSATION_ID|verify",
        help=f"a conversation id {ID_HELP}, or 'verify' to check the hash "
        "chain of every conversation",
    )
    audit.add_argument("--json", action="store_true", help="print the recorded turns as JSON")

    rp = sub.add_parser(
        "replay",
        help="re-run recorded turns and compare decisions; with "
        "changed cards or business files, a what-if",
    )
    rp.add_argument(
        "conversation",
        nargs="?",
        metavar="CONVERSATION_ID",
        help=f"the conversation to replay {ID_HELP}",
    )
    rp.add_argument("--all", action="store_true", help="replay every conversation")
    rp.add_argument(
        "--cards",
        action="append",
        metavar="DIR",
        help="replay against changed card templates (a directory or a file; repeatable)",
    )
    rp.add_argument(
        "--business-file",
        action="append",
        metavar="PATH",
        help="replay against a changed business file (policies, hours, card "
        "overrides) in place of the configured one of its slug; repeatable",
    )
    rp.add_argument("--business", metavar="SLUG", help="only this business's conversations")
    rp.add_argument("--json", action="store_true", help="print the differences as JSON")

    cards = sub.add_parser("cards", help="check, describe and draw topic cards")
    csub = cards.add_subparsers(dest="cards_command", required=True, metavar="SUBCOMMAND")
    check = csub.add_parser(
        "check", help="validate card files; one 'file:line: message' per problem"
    )
    check.add_argument("paths", nargs="+", metavar="PATH", help="card files or directories")
    csub.add_parser("schema", help="print the JSON Schema of a topic card")
    show = csub.add_parser(
        "show", help="a business's compiled card: steps, transitions and the rules that fire them"
    )
    show.add_argument("id", metavar="CARD", help="the card's id, e.g. book")
    show.add_argument(
        "--business",
        required=True,
        metavar="SLUG",
        help="the business whose version of the card to show",
    )
    drawing = show.add_mutually_exclusive_group()
    drawing.add_argument("--mermaid", action="store_true", help="draw it as a Mermaid flowchart")
    drawing.add_argument("--svg", action="store_true", help="draw it as SVG (graphviz's dot)")
    show.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout")

    biz = sub.add_parser(
        "business", help="business files: their schema and field reference, and checking them"
    )
    bsub = biz.add_subparsers(dest="business_command", required=True, metavar="SUBCOMMAND")
    schema = bsub.add_parser("schema", help="print the JSON Schema of a business file")
    schema.add_argument(
        "--markdown",
        action="store_true",
        help="print the field reference (docs/business-file.md) instead",
    )
    bcheck = bsub.add_parser(
        "check", help="every problem of every business file at once, as 'file:line: field: reason'"
    )
    bcheck.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="business files or folders (default: the business folder)",
    )

    init = sub.add_parser(
        "init",
        help="write a starter business and a frontdesk.toml",
        description="Write DIR/businesses/my-business.yaml (a small "
        "business, every section explained) and "
        "DIR/frontdesk.toml naming that folder. Existing files "
        "are never overwritten.",
    )
    init.add_argument(
        "dir",
        nargs="?",
        default=".",
        metavar="DIR",
        help="where to write them (default: the current directory)",
    )

    vf = sub.add_parser(
        "verify",
        help="model-check cards and their rules: a proof, or the "
        "shortest conversation that breaks a check",
    )
    which = vf.add_mutually_exclusive_group()
    which.add_argument(
        "--business",
        metavar="SLUG",
        help="one business's cards and rules (default: every business; a "
        "business file that does not load is a failure)",
    )
    which.add_argument("--cards", metavar="DIR", help="card files, with the default policies")
    vf.add_argument("--json", action="store_true", help="print the results as JSON")
    vf.add_argument(
        "--max-states",
        type=int,
        default=50_000,
        metavar="N",
        help="give up on a card after this many states (default: 50000)",
    )

    db = sub.add_parser("db", help="the database schema")
    dsub = db.add_subparsers(dest="db_command", required=True, metavar="SUBCOMMAND")
    dsub.add_parser("migrate", help="apply the migrations; print the schema version")
    dsub.add_parser("check", help="print the schema version")

    ob = sub.add_parser("outbox", help="pending and dead outbound deliveries; retry; drain")
    ob.add_argument("--json", action="store_true", help="print the rows as JSON")
    osub = ob.add_subparsers(dest="outbox_command", metavar="SUBCOMMAND")
    retry = osub.add_parser("retry", help="re-queue a row by ID, or every dead row")
    retry.add_argument("id", nargs="?", metavar="ID", help=f"the row's id {ID_HELP}")
    retry.add_argument("--dead", action="store_true", help="re-queue every dead row")
    drain = osub.add_parser("drain", help="send due rows (until interrupted, or --once)")
    drain.add_argument("--once", action="store_true", help="one pass, then exit")
    drain.add_argument(
        "--interval",
        type=float,
        default=1.0,
        metavar="S",
        help="seconds between polls (default: 1)",
    )

    rc = sub.add_parser("recover", help="answer inbound events whose turn never committed")
    rc.add_argument(
        "--older-than",
        type=float,
        default=60.0,
        metavar="S",
        help="only events received at least this many seconds ago (default: 60)",
    )
    rc.add_argument(
        "--limit",
        type=int,
        default=100,
        metavar="N",
        help="answer at most this many events (default: 100)",
    )

    ret = sub.add_parser("retention", help="erase what is past each business's retention periods")
    rsub = ret.add_subparsers(dest="retention_command", required=True, metavar="SUBCOMMAND")
    rsw = rsub.add_parser(
        "sweep",
        help="erase (turns: tombstoned, hashes kept) what is older than the business "
        "file's retention periods",
    )
    rsw.add_argument("--business", metavar="SLUG", help="only this business (default: all)")
    rsw.add_argument("--dry-run", action="store_true", help="count what would go; change nothing")
    rsw.add_argument("--now", metavar="ISO-8601", help="sweep as of this time (default: now)")
    rsw.add_argument("--json", action="store_true", help="print the counts as JSON")

    cu = sub.add_parser("customer", help="what is held about a customer: export it, or erase it")
    cusub = cu.add_subparsers(dest="customer_command", required=True, metavar="SUBCOMMAND")
    for name, what in (
        ("export", "print everything held about the phone number as JSON"),
        ("erase", "erase everything held about the phone number (future bookings cancelled)"),
    ):
        cp = cusub.add_parser(name, help=what)
        cp.add_argument("phone", metavar="PHONE", help="the phone number as stored (+15035550171)")
        cp.add_argument("--business", required=True, metavar="SLUG", help="the business")
        cp.add_argument("--json", action="store_true", help="print the counts as JSON (erase)")

    sv = sub.add_parser("serve", help="the HTTP server: web chat and channel webhooks")
    sv.add_argument("--host", help="address to listen on (default: $FRONTDESK_HOST or 127.0.0.1)")
    sv.add_argument("--port", type=int, help="port (default: $FRONTDESK_PORT or 8080)")
    sv.add_argument(
        "--public-url", metavar="URL", help="the URL providers see (default: $FRONTDESK_PUBLIC_URL)"
    )
    sv.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="worker processes sharing the port (default: 1); the database is "
        "shared, so use PostgreSQL for more than one",
    )
    sv.add_argument(
        "--shutdown-timeout",
        type=float,
        default=30.0,
        metavar="S",
        help="seconds in-flight requests get to finish on shutdown (default: 30)",
    )
    sv.add_argument(
        "--skip-invalid",
        action="store_true",
        help="serve the valid businesses when some business files have problems "
        "(each skipped one is logged); without it, any problem stops the "
        "start",
    )
    return p


__all__ = ["build_parser", "version"]
