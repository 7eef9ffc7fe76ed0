"""Secrets out of logs and dead-letter keys: URL credentials, query strings, webhook paths."""

from __future__ import annotations

from euradar.core.redact import redact_service_url, redact_url


def test_webhook_url_loses_credentials_path_secrets_and_query():
    url = "https://bot:hunter2@hooks.example.org/services/T000/B000/XyZsecret?token=abc#frag"
    shown = redact_url(url)
    for secret in ("hunter2", "bot", "XyZsecret", "token", "abc", "T000", "frag"):
        assert secret not in shown
    assert shown.startswith("https://***@hooks.example.org/services/...?***#")
    assert redact_url(url) == shown  # stable: the same URL is recognisable in every log line
    assert redact_url(url.replace("XyZ", "Abc")) != shown  # and two URLs are told apart


def test_service_urls_keep_their_path_but_not_their_secrets():
    assert redact_service_url("sqlite:////data/bus.db") == "sqlite:////data/bus.db"
    shown = redact_service_url("https://elastic:pw@es.internal:9243/?prefix=euradar")
    assert "pw" not in shown and "elastic" not in shown and "prefix" not in shown
    assert shown.startswith("https://***@es.internal:9243/")
    assert redact_service_url("http://127.0.0.1:9200") == "http://127.0.0.1:9200"
