"""Notifications: built from the procedure's distribution lists, written as .eml, and delivered
to a real SMTP server (aiosmtpd) on 127.0.0.1, in plain SMTP and over STARTTLS with login."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import json
import socket
import ssl
from dataclasses import dataclass, field

import pytest

from .helpers import ALLITEMS_AS_OF, ALLITEMS_CASE, copy_fixture, edit

aiosmtpd = pytest.importorskip("aiosmtpd")
from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402

CASE = f"cases/{ALLITEMS_CASE}.yaml"
MEMBERS = {
    "chris@council.example",
    "eli@council.example",
    "hana@council.example",
    "max@council.example",
}


@dataclass
class Inbox:
    messages: list[tuple[list[str], email.message.EmailMessage, bool]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), msg, session.ssl is not None))
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword) and auth_data.password == b"s3cret":
            self.logins.append(auth_data.login.decode())
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _self_signed(tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def plain_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


@pytest.fixture
def tls_server(tmp_path):
    cert, key = _self_signed(tmp_path)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=_free_port(),
        tls_context=ctx,
        require_starttls=True,
        authenticator=inbox.authenticate,
        auth_require_tls=True,
    )
    controller.start()
    try:
        yield inbox, controller.port, cert
    finally:
        controller.stop()


def _env(monkeypatch, **values):
    for key in ("HOST", "PORT", "USER", "PASSWORD", "SECURITY", "CAFILE", "FROM"):
        monkeypatch.delenv(f"CASEBOOK_SMTP_{key}", raising=False)
    for key, value in values.items():
        monkeypatch.setenv(f"CASEBOOK_SMTP_{key.upper()}", str(value))


def test_end_of_monitoring_reaches_the_distribution_list(cli, tmp_path, plain_server, monkeypatch):
    inbox, port = plain_server
    root = copy_fixture("allitems", tmp_path)
    _env(monkeypatch, host="127.0.0.1", port=port, security="none")
    res = cli("--root", root, "notify", "--send", "--as-of", ALLITEMS_AS_OF)
    assert res.code == 0, res.err
    ((rcpts, msg, _),) = inbox.messages
    assert set(rcpts) == MEMBERS  # cllr-nia has no e-mail address: warned, not sent
    assert "cllr-nia" in res.err
    assert msg["Subject"] == f"OFFICIAL-SENSITIVE: {ALLITEMS_CASE}: End monitoring"
    assert "Sam Sample" not in msg["Subject"]
    assert msg["From"] == "Cam Relations <cam@council.example>"
    body = msg.get_content()
    assert "Sam Sample is no longer under the Every-item procedure" in body
    assert "12 October 2026" in body
    assert "sam@example.org" not in body and "Sample Road" not in body  # no contact details
    assert "52 e-mails" not in body  # no behaviour history
    # Recorded in the case (dated --as-of), so the next run sends nothing again.
    assert f"cases/{ALLITEMS_CASE}.yaml: recorded 1 notification(s) as sent on" in res.out
    recorded = (root / CASE).read_text().splitlines()
    assert f"  - date: {ALLITEMS_AS_OF}" in recorded
    at = recorded.index(f"  - date: {ALLITEMS_AS_OF}")
    assert recorded[at + 1 : at + 5] == [
        "    type: notification",
        "    list: members",
        "    by: cro-cam",
        "    about: End monitoring",
    ]
    again = cli("--root", root, "notify", "--send", "--as-of", ALLITEMS_AS_OF)
    assert again.code == 0 and len(inbox.messages) == 1, again.out
    report = json.loads(
        cli("--root", root, "check", "--as-of", ALLITEMS_AS_OF, "--format", "json").out
    )
    assert not [f for f in report["findings"] if f["rule"] == "notify"], report["findings"]
    assert "Sam Sample" not in res.out + res.err  # no personal data on the console


def test_sanction_over_starttls_with_login(cli, tmp_path, tls_server, monkeypatch):
    inbox, port, cert = tls_server
    root = copy_fixture("allitems", tmp_path)
    case = root / CASE
    for name in ("members", "staff"):
        edit(
            case,
            f"  - {{date: 2026-04-14, type: notification, list: {name}, by: cro-cam, "
            "about: Apply a sanction}\n",
            "",
        )
    _env(
        monkeypatch,
        host="localhost",
        port=port,
        user="casebook",
        password="s3cret",
        cafile=cert,
        **{"from": "casebook@council.example"},
    )
    res = cli("--root", root, "notify", ALLITEMS_CASE, "--send", "--as-of", ALLITEMS_AS_OF)
    assert res.code == 0, res.err
    assert inbox.logins == ["casebook"]
    got = {tuple(sorted(r)): (m, tls) for r, m, tls in inbox.messages}
    assert set(got) == {tuple(sorted(MEMBERS)), ("all-staff@council.example",)}
    staff, tls = got[("all-staff@council.example",)]
    assert tls  # the message went over the encrypted session
    assert staff["From"] == "casebook@council.example"
    assert staff["Reply-To"] == "Cam Relations <cam@council.example>"
    assert staff["Subject"] == f"OFFICIAL-SENSITIVE: {ALLITEMS_CASE}: Apply a sanction"
    body = staff.get_content()
    for words in (
        "Name: Sam Sample",
        "Usually telephones from a withheld number",  # to recognise the person
        "WHAT TO DO IF THIS PERSON CONTACTS YOU",
        "Pass the contact to Cam Relations",
        "At most 2 contacts by e-mail per week",
    ):
        assert words in body, words


def test_a_wrong_password_is_a_clear_failure(cli, tmp_path, tls_server, monkeypatch):
    _, port, cert = tls_server
    root = copy_fixture("allitems", tmp_path)
    _env(monkeypatch, host="localhost", port=port, user="casebook", password="nope", cafile=cert)
    res = cli("--root", root, "notify", "--send", "--as-of", ALLITEMS_AS_OF)
    assert res.code == 1 and "refused the login" in res.err and "nope" not in res.err


def test_starttls_is_required_by_default(cli, tmp_path, plain_server, monkeypatch):
    _, port = plain_server
    root = copy_fixture("allitems", tmp_path)
    _env(monkeypatch, host="127.0.0.1", port=port)
    res = cli("--root", root, "notify", "--send", "--as-of", ALLITEMS_AS_OF)
    assert res.code == 1 and "does not offer STARTTLS" in res.err


def test_an_untrusted_certificate_is_refused(cli, tmp_path, tls_server, monkeypatch):
    _, port, _ = tls_server
    root = copy_fixture("allitems", tmp_path)
    _env(monkeypatch, host="localhost", port=port, user="casebook", password="s3cret")
    res = cli("--root", root, "notify", "--send", "--as-of", ALLITEMS_AS_OF)
    assert res.code == 1 and "CERTIFICATE_VERIFY_FAILED" in res.err


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({}, "CASEBOOK_SMTP_HOST"),
        ({"host": "smtp.council.example", "security": "none"}, "only for a server on this machine"),
        ({"host": "localhost", "port": "twenty-five"}, "not a number"),
        ({"host": "localhost", "security": "ssl3"}, "use one of"),
        ({"host": "localhost", "user": "x"}, "PASSWORD"),
    ],
)
def test_bad_smtp_settings_are_configuration_errors(cli, tmp_path, monkeypatch, values, words):
    root = copy_fixture("allitems", tmp_path)
    _env(monkeypatch, **values)
    res = cli("--root", root, "notify", "--send", "--as-of", ALLITEMS_AS_OF)
    assert res.code == 2 and words in res.err


def test_eml_files_are_reproducible_and_complete(cli, tmp_path):
    root = copy_fixture("allitems", tmp_path)
    out = tmp_path / "out"
    res = cli("--root", root, "notify", "--all", "--out", out, "--as-of", ALLITEMS_AS_OF)
    assert res.code == 0, res.err
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.eml"))
    assert files == [
        f"{ALLITEMS_CASE}/2026-01-12-members.eml",
        f"{ALLITEMS_CASE}/2026-04-10-members.eml",
        f"{ALLITEMS_CASE}/2026-04-10-staff.eml",
        f"{ALLITEMS_CASE}/2026-10-12-members.eml",
    ]
    first = {f: (out / f).read_bytes() for f in files}
    cli("--root", root, "notify", "--all", "--out", out, "--as-of", ALLITEMS_AS_OF)
    assert first == {f: (out / f).read_bytes() for f in files}
    msg = email.message_from_bytes(first[files[0]], policy=email.policy.default)
    assert msg["Message-ID"] == f"<{ALLITEMS_CASE}.0.members@council.example>"
    assert msg["Date"] == "Wed, 14 Oct 2026 09:00:00 +0100"
    assert msg["Sensitivity"] == "Company-Confidential"
    # Only the pending one without --all.
    res = cli("--root", root, "notify", "--out", tmp_path / "pending", "--as-of", ALLITEMS_AS_OF)
    assert [p.name for p in (tmp_path / "pending").rglob("*.eml")] == ["2026-10-12-members.eml"]


def test_send_with_all_is_refused(cli, tmp_path, monkeypatch):
    root = copy_fixture("allitems", tmp_path)
    _env(monkeypatch, host="127.0.0.1", security="none")
    res = cli("--root", root, "notify", "--send", "--all", "--as-of", ALLITEMS_AS_OF)
    assert res.code == 2 and "--all cannot be used with --send" in res.err


LABEL = "All staff, Example Council — Cyngor Enghraifft"


def test_address_headers_survive_commas_and_non_ascii(cli, tmp_path, plain_server, monkeypatch):
    """Issue 13 kind 7: a list label with a comma and Welsh text stays one recipient, and the
    officer's name with a comma stays one sender, in To, From and Reply-To after the SMTP
    server's parser has read the message back."""
    inbox, port = plain_server
    root = copy_fixture("allitems", tmp_path)
    people = root / "policy/people.yaml"
    edit(people, "{label: All staff,", f'{{label: "{LABEL}",')
    edit(people, "name: Cam Relations", 'name: "Relations, Cam (Swyddog — Officer)"')
    case = root / CASE
    edit(
        case,
        "  - {date: 2026-04-14, type: notification, list: staff, by: cro-cam, "
        "about: Apply a sanction}\n",
        "",
    )
    _env(
        monkeypatch,
        host="127.0.0.1",
        port=port,
        security="none",
        **{"from": '"Gwasanaeth, Service" <casebook@council.example>'},
    )
    res = cli("--root", root, "notify", ALLITEMS_CASE, "--send", "--as-of", ALLITEMS_AS_OF)
    assert res.code == 0, res.err
    staff = next(m for r, m, _ in inbox.messages if r == ["all-staff@council.example"])
    (to,) = staff["To"].addresses
    assert (to.display_name, to.addr_spec) == (LABEL, "all-staff@council.example")
    (sender,) = staff["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (
        "Gwasanaeth, Service",
        "casebook@council.example",
    )
    (reply,) = staff["Reply-To"].addresses
    assert (reply.display_name, reply.addr_spec) == (
        "Relations, Cam (Swyddog — Officer)",
        "cam@council.example",
    )
    assert staff["Cc"] is None


def test_eml_address_headers_round_trip(cli, tmp_path):
    """The written .eml, parsed by the standard library, has one To and one From each."""
    import email as email_pkg

    root = copy_fixture("allitems", tmp_path)
    edit(root / "policy/people.yaml", "{label: All staff,", f'{{label: "{LABEL}",')
    edit(
        root / CASE,
        "  - {date: 2026-04-14, type: notification, list: staff, by: cro-cam, "
        "about: Apply a sanction}\n",
        "",
    )
    out = tmp_path / "out"
    res = cli("--root", root, "notify", ALLITEMS_CASE, "--out", out, "--as-of", ALLITEMS_AS_OF)
    assert res.code == 0, res.err
    found = False
    for path in out.rglob("*.eml"):
        msg = email_pkg.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for header in ("To", "From", "Cc", "Reply-To"):
            if msg[header] is None:
                continue
            for a in msg[header].addresses:
                assert "@" in a.addr_spec, (header, a)
        names = [a.display_name for a in msg["To"].addresses]
        if LABEL in names:
            found = True
            assert len(msg["To"].addresses) == 1
    assert found


def test_a_template_syntax_error_stops_the_run_once_with_its_line(cli, tmp_path):
    # Found by the sweep: each case failed on its own with the same message, and the run
    # ended with exit 1 (a finding) rather than 2 (configuration).
    root = copy_fixture("allitems", tmp_path)
    case = root / f"cases/{ALLITEMS_CASE}.yaml"
    (root / "cases/AI-2026-0002.yaml").write_text(
        case.read_text().replace(ALLITEMS_CASE, "AI-2026-0002")
    )
    message = root / "policy/notifications/message.txt.j2"
    lines = message.read_text().count("\n")
    with message.open("a") as f:
        f.write("{% for %}\n")
    out = tmp_path / "out"
    res = cli("--root", root, "notify", "--all", "--out", out, "--as-of", ALLITEMS_AS_OF)
    assert res.code == 2, res.err
    assert res.err.count("message.txt.j2") == 1, res.err
    assert f"policy/notifications/message.txt.j2:{lines + 1}:" in res.err
    assert not out.exists()
