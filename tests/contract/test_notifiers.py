"""The notifier contract on the real SMTP notifier (aiosmtpd server) and the .eml outbox."""

from __future__ import annotations

import email
import email.policy

import pytest

from euradar.infra.notify.email import OutboxNotifier, SmtpNotifier
from tests.contract.notifier_contract import NotifierContract
from tests.support.smtp import SmtpServer


class TestSmtpNotifier(NotifierContract):
    @pytest.fixture
    def server(self):
        srv = SmtpServer().start()
        yield srv
        srv.stop()

    @pytest.fixture
    def notifier(self, server):
        return SmtpNotifier(server.url, "euradar <euradar@test>", allow_plaintext=True)

    @pytest.fixture
    def delivered(self, server):
        return lambda: server.wait_for(1)


class TestOutboxNotifier(NotifierContract):
    @pytest.fixture
    def notifier(self, tmp_path):
        return OutboxNotifier(f"outbox://{tmp_path}/outbox", "euradar <euradar@test>")

    @pytest.fixture
    def delivered(self, tmp_path):
        def read():
            return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                    for p in sorted((tmp_path / "outbox").glob("*.eml"))]
        return read
