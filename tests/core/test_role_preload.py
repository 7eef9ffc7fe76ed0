"""Roles load their language resources before they join their consumer group.

simplemma reads a language's dictionary on its first lookup (Swedish: about 2 s of CPU) and the
alerter's templates and label tables are read on its first mail; loaded lazily, the first batch
after every (re)start waited for them with its records in hand.
"""
from __future__ import annotations

import pytest

from euradar import runtime as runtime_module
from euradar.core.settings import from_env
from euradar.nlp import morphology
from euradar.runtime import Runtime


def test_preload_reads_the_dictionary_of_every_language_analysed(monkeypatch):
    asked: list[str] = []
    real = morphology.simplemma.is_known

    def is_known(token: str, lang: str) -> bool:
        asked.append(lang)
        return bool(real(token, lang=lang))

    monkeypatch.setattr(morphology.simplemma, "is_known", is_known)
    morphology.preload()
    expected = {"sv", "en"} | ({"fi"} if morphology._voikko() is None else set())
    assert set(asked) == expected


@pytest.mark.parametrize("role, loads", [("tagger", ["morphology"]),
                                         ("indexer", ["morphology"]),
                                         ("alerter", ["morphology", "templates"])])
def test_a_role_loads_before_it_joins_its_group(tmp_path, monkeypatch, role, loads):
    calls: list[str] = []
    monkeypatch.setattr(runtime_module, "preload_morphology", lambda: calls.append("morphology"))
    monkeypatch.setattr(runtime_module, "preload_templates", lambda: calls.append("templates"))
    rt = Runtime.open(from_env({}, data_dir=tmp_path / "data"))
    real_consumer = rt.bus.consumer

    def consumer(topics, group):  # type: ignore[no-untyped-def]
        calls.append(f"join {group}")
        return real_consumer(topics, group=group)

    monkeypatch.setattr(rt.bus, "consumer", consumer)
    try:
        rt.consume(role, until_idle=True)
    finally:
        rt.close()
    assert calls[:len(loads) + 1] == [*loads, f"join {role}"]


def test_template_preload_compiles_every_template():
    from euradar.alerts import render

    render.preload()
    for env in (render._html_env, render._text_env):
        assert env.cache is not None
    names = {key[1] for env in (render._html_env, render._text_env) for key in env.cache}
    on_disk = {p.name for p in render.TEMPLATES.glob("*.j2")}
    assert on_disk <= names


def test_a_role_stopped_while_loading_does_not_join(tmp_path, monkeypatch):
    joined: list[str] = []
    rt = Runtime.open(from_env({}, data_dir=tmp_path / "data"))
    monkeypatch.setattr(runtime_module, "preload_morphology", rt.stop)  # stopped meanwhile
    monkeypatch.setattr(rt.bus, "consumer", lambda topics, group: joined.append(group))
    try:
        assert rt.consume("indexer").records == 0
    finally:
        rt.close()
    assert joined == []
