"""What every email Notifier guarantees: the message arrives whole (text, HTML alternative,
attachments, UTF-8), and a hostile subject cannot add headers. Subclasses provide ``notifier``
and ``delivered`` (a callable returning the parsed messages that arrived)."""

from __future__ import annotations

import pytest

from euradar.core.ports import Attachment, Notification


def _notification(**kw) -> Notification:
    return Notification(**{
        "recipient": "kehitys@rovaniemi.fi",
        "subject": "Määräaika lähestyy: Interreg Aurora",
        "text": "Haku päättyy 12.03.2026. Sápmi ✓",
        "html": "<p>Haku päättyy <b>12.03.2026</b>.</p>",
        "attachments": [Attachment("deadlines.ics", "text/calendar",
                                   b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")],
        **kw})


class NotifierContract:
    @pytest.fixture
    def notifier(self):  # pragma: no cover - overridden
        raise NotImplementedError

    @pytest.fixture
    def delivered(self):  # pragma: no cover - overridden
        raise NotImplementedError

    def test_notifier_delivers_text_html_and_attachments(self, notifier, delivered):
        notifier.send(_notification())
        [msg] = delivered()
        assert msg["To"] == "kehitys@rovaniemi.fi"
        assert msg["Subject"] == "Määräaika lähestyy: Interreg Aurora"
        assert "Sápmi ✓" in msg.get_body(preferencelist=("plain",)).get_content()
        assert "<b>12.03.2026</b>" in msg.get_body(preferencelist=("html",)).get_content()
        [att] = list(msg.iter_attachments())
        assert att.get_filename() == "deadlines.ics"
        assert att.get_content_type() == "text/calendar"
        assert b"BEGIN:VCALENDAR" in att.get_payload(decode=True)

    def test_notifier_subject_cannot_inject_headers(self, notifier, delivered):
        notifier.send(_notification(subject="New call\r\nBcc: victim@example.org\nX-Evil: 1",
                                    attachments=[]))
        [msg] = delivered()
        assert msg["Bcc"] is None and msg["X-Evil"] is None
        assert msg["Subject"].startswith("New call")
