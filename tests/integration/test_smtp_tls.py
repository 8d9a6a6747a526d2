"""The mailer speaks TLS as EXCHANGE_SMTP_URL says: STARTTLS (required) on smtp://, implicit TLS
on smtps://, each against a real aiosmtpd server with a certificate the test makes and trusts."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl

import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from exchange.services.outbox import Mailer, Outgoing
from tests.integration.mail import _Keep, free_port


@pytest.fixture
def certificate(tmp_path, monkeypatch) -> ssl.SSLContext:
    """A certificate for 127.0.0.1, trusted by this test's default TLS contexts only."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=1))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "cert.pem"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    return context


NOTICE = Outgoing(1, "m1", "anna@example.se", "Nya bostadsförslag", "Du har 2 nya ... {base}")


@pytest.mark.parametrize("scheme", ["smtp", "smtps"])
def test_starttls_and_implicit_tls_deliver(certificate, scheme) -> None:
    keep, port = _Keep(), free_port()
    tls = ({"tls_context": certificate, "require_starttls": True} if scheme == "smtp"
           else {"ssl_context": certificate})
    server = Controller(keep, hostname="127.0.0.1", port=port, **tls)
    server.start()
    try:
        delivered: list[Outgoing] = []
        Mailer(f"{scheme}://127.0.0.1:{port}", "bostadsbyte@kommun.se",
               "https://x.se").send([NOTICE], delivered.append)
        assert delivered == [NOTICE] and keep.messages[0]["Message-ID"] == "<m1@kommun.se>"
    finally:
        server.stop()


def test_a_server_whose_certificate_is_not_trusted_gets_nothing(certificate, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE")
    keep, port = _Keep(), free_port()
    server = Controller(keep, hostname="127.0.0.1", port=port, tls_context=certificate,
                        require_starttls=True)
    server.start()
    try:
        with pytest.raises(ssl.SSLError):
            Mailer(f"smtp://127.0.0.1:{port}", "a@b.se", "x").send([NOTICE], lambda _: None)
        assert keep.messages == []
    finally:
        server.stop()
