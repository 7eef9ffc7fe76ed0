"""SMTP secrets: the login goes only over TLS. A real aiosmtpd server with STARTTLS (a
self-signed certificate made here) takes the login; one without STARTTLS is refused unless
plain text is explicitly allowed for a local relay."""

from __future__ import annotations

import datetime as dt
import ssl

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from euradar.core.errors import NotifyError
from euradar.core.ports import Notification
from euradar.infra.notify.email import SmtpNotifier
from tests.support.smtp import free_port


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(days=1))
                   .not_valid_after(now + dt.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]),
                                  critical=False)
                   .sign(key, hashes.SHA256()))
    d = tmp_path_factory.mktemp("cert")
    (d / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (d / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                  serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()))
    return d / "cert.pem", d / "key.pem"


class _Sink:
    def __init__(self):
        self.messages: list[bytes] = []
        self.logins: list[tuple[str, str, bool]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(envelope.content)
        return "250 OK"


def _server(sink: _Sink, tls: ssl.SSLContext | None):
    def authenticate(server, session, envelope, mechanism, auth_data):
        sink.logins.append((auth_data.login.decode(), auth_data.password.decode(),
                            session.ssl is not None))
        return AuthResult(success=auth_data.password == b"pw-from-env")

    port = free_port()
    kwargs = {"tls_context": tls, "require_starttls": True} if tls else {}
    controller = Controller(sink, hostname="localhost", port=port, authenticator=authenticate,
                            auth_require_tls=bool(tls), **kwargs)
    controller.start()
    return controller, port


def note() -> Notification:
    return Notification(recipient="eu@kunta.fi", subject="Hydrogen", text="A call")


def test_login_and_mail_go_over_starttls(cert):
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(*map(str, cert))
    client_ctx = ssl.create_default_context(cafile=str(cert[0]))
    sink = _Sink()
    controller, port = _server(sink, server_ctx)
    try:
        notifier = SmtpNotifier(f"smtp://bot@localhost:{port}", "euradar@test", "pw-from-env",
                                tls_context=client_ctx)
        notifier.send(note())
        notifier.ping()
    finally:
        controller.stop()
    assert sink.logins == [("bot", "pw-from-env", True)]  # the login came over TLS
    assert len(sink.messages) == 1


def test_server_without_starttls_gets_neither_login_nor_mail():
    sink = _Sink()
    controller, port = _server(sink, None)
    try:
        notifier = SmtpNotifier(f"smtp://bot@localhost:{port}", "euradar@test", "pw-from-env")
        with pytest.raises(NotifyError, match="does not offer STARTTLS") as refused:
            notifier.send(note())
        assert refused.value.transient  # parked and retried, not dropped, until fixed
        with pytest.raises(NotifyError, match="STARTTLS"):
            notifier.ping()
        assert sink.logins == [] and sink.messages == []

        relay = SmtpNotifier(f"smtp://localhost:{port}", "euradar@test", allow_plaintext=True)
        relay.send(note())  # explicitly allowed: a local relay
        assert len(sink.messages) == 1 and sink.logins == []
    finally:
        controller.stop()
