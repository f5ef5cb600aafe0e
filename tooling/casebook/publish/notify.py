"""Internal notifications: the e-mails a procedure says must go out when a decision is taken.

A transition's ``notify`` names a distribution list; the list names roles (everyone holding them
in ``policy/people.yaml`` who has an e-mail address) and mailing lists. Each notification is an
RFC 5322 message built with the standard library's ``email`` package, written as ``.eml`` or
delivered over SMTP (``casebook notify --send``).

What a message carries is decided in docs/decisions/0010-notification-privacy.md: the subject
holds the case id and what happened, never the person's name (subjects show in previews, on
lock screens and in mail logs); the body holds what staff need to recognise the person and to
handle contact (the handling card), and nothing about their behaviour or circumstances.
"""

from __future__ import annotations

import email.policy
import ipaddress
import os
import re
import smtplib
import ssl
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from casebook.engine.replay import Step
from casebook.engine.timeline import Timeline, timeline
from casebook.errors import ConfigError, NotifyError, UsageError
from casebook.model import Case, Procedure
from casebook.model.case import Notification
from casebook.model.procedure import Notify
from casebook.publish.handling import handling_card
from casebook.publish.letters.phrases import long_date
from casebook.publish.templating import sandboxed_env, template_problem
from casebook.store.cases import Casebook
from casebook.store.paths import PathMissing, PathRefused, confined

NOTIFICATIONS_DIR = "policy/notifications"
SUBJECT_TEMPLATE = "subject.txt.j2"
DEFAULT_TEMPLATE = "message.txt.j2"


@dataclass(frozen=True, slots=True)
class Notice:
    """One notification e-mail."""

    case_id: str
    list_id: str
    list_label: str
    about: str  # what happened: the transition's label
    decision_date: date
    step_index: int
    sender_id: str
    recipients: tuple[str, ...]
    message: EmailMessage
    filename: str  # "2026-03-09-members.eml", unique within the case
    recorded: bool  # already recorded in the case as sent
    # Role holders the list names who have no e-mail address (ids only).
    unreachable: tuple[str, ...]

    def as_bytes(self) -> bytes:
        return self.message.as_bytes(policy=SMTP_POLICY)


def _env(root: Path) -> SandboxedEnvironment:
    env = sandboxed_env(root, NOTIFICATIONS_DIR, autoescape=False)
    env.filters["longdate"] = long_date
    return env


def _window_recorded(case: Case, steps: tuple[Step, ...], n: int, list_id: str) -> bool:
    step = steps[n]
    end = steps[n + 1].index if n + 1 < len(steps) else len(case.events)
    return any(
        isinstance(ev, Notification) and ev.list_id == list_id
        for ev in case.events[step.index + 1 : end]
    )


@dataclass
class Notifier:
    """Builds the notifications of one casebook."""

    book: Casebook

    def __post_init__(self) -> None:
        self.env = _env(self.book.root)

    def case(self, case_id: str) -> Case:
        f = self.book.file_for(case_id)  # an index, not a scan of every file per case
        if f is not None:
            if f.case is None:
                raise NotifyError(f"{f.rel} is not a valid case record; run `casebook check`")
            return f.case
        raise UsageError(f"no case {case_id!r} in {self.book.root / 'cases'}")

    def notices(self, case_id: str, as_of: date, include_recorded: bool = False) -> list[Notice]:
        """The notifications the case's decisions (up to ``as_of``) require.

        By default only those not yet recorded as sent (``type: notification``), so that
        ``--send`` does not tell sixty councillors the same thing twice.
        """
        case = self.case(case_id)
        proc = self.book.policy.procedures.get(case.procedure)
        if proc is None:
            raise NotifyError(f"{case.id}: unknown procedure {case.procedure!r}")
        derived = timeline(case, proc, as_of)
        out: list[Notice] = []
        used: dict[str, int] = {}
        for n, step in enumerate(derived.steps):
            if step.transition is None:
                continue
            for rule in step.transition.notify:
                recorded = _window_recorded(case, derived.steps, n, rule.list_id)
                if recorded and not include_recorded:
                    continue
                notice = self._build(case, proc, derived, step, rule, as_of, recorded)
                stem = f"{step.decision.date.isoformat()}-{rule.list_id}"
                used[stem] = used.get(stem, 0) + 1
                if used[stem] > 1:
                    stem += f"-{used[stem]}"
                out.append(_replace_filename(notice, f"{stem}.eml"))
        return out

    def _build(
        self,
        case: Case,
        proc: Procedure,
        derived: Timeline,
        step: Step,
        rule: Notify,
        as_of: date,
        recorded: bool,
    ) -> Notice:
        policy = self.book.policy
        people = policy.people
        dl = proc.distribution_lists.get(rule.list_id)
        if dl is None:
            raise NotifyError(f"{case.id}: distribution list {rule.list_id!r} is not defined")
        recipients: list[Address] = []
        unreachable: list[str] = []
        for role in dl.roles:
            for p in people.holders(role):
                if p.email:
                    recipients.append(address(p.name, str(p.email)))
                else:
                    unreachable.append(p.id)
        for m in dl.mailing_lists:
            ml = people.mailing_lists.get(m)
            if ml is not None:
                recipients.append(address(ml.label, str(ml.email)))
        # Address objects are not hashable: one per distinct formatted mailbox.
        recipients = list({str(r): r for r in recipients}.values())
        if not recipients:
            raise NotifyError(
                f"{case.id}: distribution list {rule.list_id!r} ({dl.label}) has no e-mail "
                "address: give its role holders an email in policy/people.yaml or add a "
                "mailing list"
            )
        by_id = people.by_id()
        candidates = [p for role in rule.by_roles for p in people.holders(role)]
        candidates += [by_id[d] for d in step.decision.decided_by if d in by_id]
        sender = next((p for p in candidates if p.email), None)
        if sender is None:
            roles = " or ".join(rule.by_roles) or "the deciders"
            raise NotifyError(
                f"{case.id}: no one to send the {rule.list_id!r} notification from: nobody "
                f"holding {roles} has an e-mail address in policy/people.yaml"
            )
        assert step.transition is not None
        state = proc.states.get(step.to_state)
        on = step.decision.date
        card = handling_card(derived.on(on), by_id)
        end = derived.period_end(step)
        ctx: dict[str, Any] = {
            "case": {"id": case.id, "service": case.service},
            "procedure": {"id": proc.id, "title": proc.title},
            "council": policy.settings.council,
            "list": {"id": rule.list_id, "label": dl.label},
            "about": step.transition.label,
            "decision": {
                "date": on,
                "state": state.label if state else step.to_state,
                "active": card is not None,
                "until": end,
            },
        }
        subject = self._render(SUBJECT_TEMPLATE, ctx).strip()
        if "\n" in subject or not subject:
            raise ConfigError(f"{NOTIFICATIONS_DIR}/{SUBJECT_TEMPLATE} must render one line")
        body_ctx = {
            **ctx,
            "card": card,
            "person": {"name": case.person.name},
            "sender": {"name": sender.name, "job_title": sender.job_title, "email": sender.email},
        }
        specific = f"{proc.id}/{rule.list_id}.txt.j2"
        template = specific if self._exists(specific) else DEFAULT_TEMPLATE
        body = wrap(self._render(template, body_ctx))
        msg = EmailMessage(policy=SMTP_POLICY)
        # Address objects, never joined strings: a label such as "All staff, Example Council"
        # must stay one recipient (the policy quotes and encodes each display name).
        msg["From"] = address(sender.name, str(sender.email))
        msg["To"] = tuple(recipients)
        msg["Subject"] = subject
        msg["Date"] = format_datetime(_nine_am(as_of))
        domain = str(sender.email).rsplit("@", 1)[-1]
        msg["Message-ID"] = f"<{case.id}.{step.index}.{rule.list_id}@{domain}>"
        # Outlook and Exchange show this as "Please treat this as Confidential".
        msg["Sensitivity"] = "Company-Confidential"
        msg.set_content(body)
        return Notice(
            case.id,
            rule.list_id,
            dl.label,
            step.transition.label,
            on,
            step.index,
            sender.id,
            tuple(str(r) for r in recipients),
            msg,
            "",
            recorded,
            tuple(unreachable),
        )

    def check_templates(self) -> None:
        """Compile the subject and default message templates once, before any case is built.

        Raises ConfigError (file:line: message) for a syntax error or a missing template: the
        same for every case, so a run stops once (exit 2) rather than failing each case.
        """
        for name in (SUBJECT_TEMPLATE, DEFAULT_TEMPLATE):
            self._template(name)

    def _exists(self, name: str) -> bool:
        # A refused path counts as present: the loader then stops with the reason.
        try:
            confined(self.book.root, NOTIFICATIONS_DIR, name)
        except PathMissing:
            return False
        except PathRefused:
            return True
        return True

    def _template(self, name: str) -> jinja2.Template:
        """The compiled template; ConfigError naming the file (and line) when it cannot be."""
        try:
            return self.env.get_template(name)
        except jinja2.TemplateError as exc:
            raise template_problem(NOTIFICATIONS_DIR, name, exc) from None

    def _render(self, name: str, ctx: Mapping[str, Any]) -> str:
        try:  # a template it includes is read (and may be refused) only now
            return self._template(name).render(ctx)
        except jinja2.TemplateError as exc:
            raise template_problem(NOTIFICATIONS_DIR, name, exc) from None


def wrap(text: str, width: int = 76) -> str:
    """Hard-wrap plain text for e-mail, keeping list markers' hanging indent."""
    out = []
    for line in text.splitlines():
        if len(line) <= width:
            out.append(line)
            continue
        marker = re.match(r"^(\s*(?:[-*]|\d+\.)\s+|\s*)", line)
        hang = " " * len(marker.group(1)) if marker else ""
        out.append(textwrap.fill(line, width, subsequent_indent=hang, break_on_hyphens=False))
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


def address(name: str, email: str) -> Address:
    """One mailbox for an address header; NotifyError when ``email`` is not one address."""
    local, at, domain = email.rpartition("@")
    if not at or not local or not domain:
        raise NotifyError(f"{email!r} is not an e-mail address")
    try:
        return Address(display_name=name, username=local, domain=domain)
    except (ValueError, IndexError) as exc:
        raise NotifyError(f"{email!r} is not an e-mail address ({exc})") from None


def sender_address(text: str) -> Address:
    """CASEBOOK_SMTP_FROM (``"Service, Council" <box@example.org>`` or ``box@example.org``)
    as one mailbox, parsed by the ``email`` package's own header parser; ConfigError when it
    is not exactly one address (an unquoted comma makes two)."""
    try:
        header = email.policy.default.header_factory("From", text)
        found = list(getattr(header, "addresses", ()))
    except (ValueError, IndexError, TypeError):
        found = []
    if len(found) != 1 or not found[0].username or not found[0].domain or header.defects:
        raise ConfigError(
            f"CASEBOOK_SMTP_FROM={text!r} is not one e-mail address; quote a display name "
            'that has a comma: "Service, Council" <box@example.org>'
        )
    return Address(display_name=found[0].display_name, addr_spec=found[0].addr_spec)


def _replace_filename(n: Notice, filename: str) -> Notice:
    from dataclasses import replace

    return replace(n, filename=filename)


def _nine_am(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 9, 0, tzinfo=ZoneInfo("Europe/London"))


# --- Delivery --------------------------------------------------------------------------------

SECURITY = ("starttls", "tls", "none")
_DEFAULT_PORT = {"starttls": 587, "tls": 465, "none": 25}


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    """Where and how to deliver, from CASEBOOK_SMTP_* (docs/commands/notify.md)."""

    host: str
    port: int
    security: str
    user: str | None
    password: str | None
    cafile: str | None
    sender: str | None  # From: a service mailbox; the officer becomes Reply-To
    timeout: float = 30.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SmtpConfig:
        env = os.environ if environ is None else environ
        host = env.get("CASEBOOK_SMTP_HOST", "").strip()
        if not host:
            raise ConfigError("--send needs CASEBOOK_SMTP_HOST (and usually _USER, _PASSWORD)")
        security = env.get("CASEBOOK_SMTP_SECURITY", "starttls").strip().lower()
        if security not in SECURITY:
            raise ConfigError(
                f"CASEBOOK_SMTP_SECURITY={security!r}: use one of {', '.join(SECURITY)}"
            )
        raw_port = env.get("CASEBOOK_SMTP_PORT", "").strip()
        try:
            port = int(raw_port) if raw_port else _DEFAULT_PORT[security]
        except ValueError:
            raise ConfigError(f"CASEBOOK_SMTP_PORT={raw_port!r} is not a number") from None
        if security == "none" and not _loopback(host):
            raise ConfigError(
                "CASEBOOK_SMTP_SECURITY=none is allowed only for a server on this machine "
                f"(localhost, 127.0.0.1); {host} needs starttls or tls"
            )
        user = env.get("CASEBOOK_SMTP_USER") or None
        password = env.get("CASEBOOK_SMTP_PASSWORD") or None
        if user and password is None:
            raise ConfigError("CASEBOOK_SMTP_USER is set but CASEBOOK_SMTP_PASSWORD is not")
        return cls(
            host,
            port,
            security,
            user,
            password,
            env.get("CASEBOOK_SMTP_CAFILE") or None,
            env.get("CASEBOOK_SMTP_FROM") or None,
        )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _tls_context(config: SmtpConfig) -> ssl.SSLContext:
    try:
        return ssl.create_default_context(cafile=config.cafile)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"CASEBOOK_SMTP_CAFILE={config.cafile}: {exc}") from None


def outgoing(notice: Notice, config: SmtpConfig, now: datetime) -> EmailMessage:
    """The message as sent: dated now; From the service mailbox when one is configured."""
    msg = EmailMessage(policy=SMTP_POLICY)
    for key, value in notice.message.items():
        if key.lower() in ("date", "from"):
            continue
        msg[key] = value
    if config.sender:
        msg["From"] = sender_address(config.sender)
        msg["Reply-To"] = notice.message["From"].addresses
    else:
        msg["From"] = notice.message["From"]
    msg["Date"] = format_datetime(now)
    body = notice.message.get_content()
    msg.set_content(body)
    return msg


def send(
    notices: list[Notice],
    config: SmtpConfig,
    now: datetime,
    on_sent: Callable[[Notice], None] | None = None,
) -> int:
    """Deliver every notice over one SMTP session; returns how many were accepted.

    ``on_sent`` is called with each notice the server accepted, as it is accepted, so that a
    failure part way through still leaves a record of what went (NotifyError on a failure).
    """
    if not notices:
        return 0
    sent = 0
    try:
        smtp: smtplib.SMTP
        if config.security == "tls":
            smtp = smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout, context=_tls_context(config)
            )
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        with smtp:
            smtp.ehlo()
            if config.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise NotifyError(
                        f"{config.host}:{config.port} does not offer STARTTLS; refusing to "
                        "send personal data unencrypted"
                    )
                smtp.starttls(context=_tls_context(config))
                smtp.ehlo()
            if config.user and config.password is not None:
                smtp.login(config.user, config.password)
            for notice in notices:
                msg = outgoing(notice, config, now)
                refused = smtp.send_message(msg)
                if refused:
                    raise NotifyError(
                        f"{notice.case_id} {notice.list_id!r}: the server refused "
                        f"{len(refused)} of {len(notice.recipients)} recipient(s)"
                    )
                sent += 1
                if on_sent is not None:
                    on_sent(notice)
    except smtplib.SMTPAuthenticationError:
        raise NotifyError(
            f"{config.host}:{config.port} refused the login for CASEBOOK_SMTP_USER; "
            f"{sent} message(s) sent before that"
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise NotifyError(
            f"sending to {config.host}:{config.port} failed ({type(exc).__name__}: "
            f"{_short(exc)}); {sent} message(s) sent before that"
        ) from None
    return sent


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return text[:200]
