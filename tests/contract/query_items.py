"""SYNTHETIC items for the query-language and ranking contracts (hand-written, not captured:
they exist to make OR, NOT, phrases, prefixes, field filters and the open-before-closed order
observable). English only, so they do not depend on Finnish/Swedish morphology."""

from __future__ import annotations

from euradar.core.models import Item


def _item(n: int, title: str, text: str, **kw) -> Item:
    base = {"kind": "call", "source": "synthetic", "lang": "en",
            "first_seen": f"2026-01-{n:02d}T08:00:00+00:00"}
    base.update(kw)
    return Item(id=f"syn:{n}", url=f"https://example.org/syn/{n}", title=title, text=text,
                **base)


def query_items() -> list[Item]:
    return [
        _item(1, "Accelerator for deep-tech start-ups", "Accelerator accelerator grants and "
              "blended finance for accelerator companies.", status="closed",
              programme="EIC", deadlines=["2023-03-15"], call_ids=["EIC-2023-ACCELERATOR-01"],
              themes=[{"id": "T5", "score": 0.5, "evidence": []}]),
        _item(2, "Accelerator challenge on energy storage", "Accelerator support for battery "
              "and energy storage scale-ups.", status="closed", programme="EIC",
              deadlines=["2023-06-07"], themes=[{"id": "T3", "score": 0.5, "evidence": []}]),
        _item(3, "Open call for regional innovation", "An accelerator track is one of several "
              "options for regions.", status="open", programme="HORIZON",
              deadlines=["2099-04-01"], call_ids=["HORIZON-CL6-2099-01"]),
        _item(4, "Green hydrogen valleys", "Renewable hydrogen production and wind power for "
              "industry; offshore wind excluded.", status="open", programme="HORIZON",
              deadlines=["2099-05-20"], themes=[{"id": "T3", "score": 0.9, "evidence": []}]),
        _item(5, "Hydrogen refuelling for heavy transport", "Hydrogen stations and offshore "
              "supply chains.", status="forthcoming", programme="CEF",
              deadlines=["2099-09-01"], themes=[{"id": "T3", "score": 0.7, "evidence": []}]),
        _item(6, "Soil health living labs", "Living labs for soil health in rural areas.",
              status="open", programme="HORIZON", deadlines=["2099-02-10"],
              eligibility=["local_authorities"],
              themes=[{"id": "T2", "score": 0.8, "evidence": []}]),
        _item(7, "Commission backs wind power grids", "The power of wind: grids for wind "
              "power across borders.", kind="news", source="press"),
        _item(8, "Cross-border cooperation in the Arctic", "Interreg cross-border projects on "
              "solar grids and power.", kind="news", source="press",
              themes=[{"id": "T8", "score": 0.6, "evidence": []}]),
        _item(9, "Recycling of batteries", "Recycled materials and recyclers; circular "
              "economy pilots.", status="closed", programme="LIFE",
              deadlines=["2024-01-10"], themes=[{"id": "T1", "score": 0.9, "evidence": []}]),
        _item(10, "Energy efficient buildings", "Energy-efficient renovation and energetic "
              "communities.", kind="tender", status="open", source="ted",
              deadlines=["2099-03-03"], lang="en"),
        _item(11, "Solar parks tender", "Solar power plant maintenance; no wind.",
              kind="tender", status="closed", source="ted", deadlines=["2022-11-11"]),
    ]


# Query strings every backend must answer with the hit set the in-memory matcher gives, and
# the ids that set must hold (so the matcher itself is pinned too).
QUERIES: dict[str, set[str]] = {
    "hydrogen": {"syn:4", "syn:5"},
    "hydrogen OR soil": {"syn:4", "syn:5", "syn:6"},
    "accelerator OR soil": {"syn:1", "syn:2", "syn:3", "syn:6"},
    "hydrogen offshore": {"syn:4", "syn:5"},
    "hydrogen NOT offshore": set(),
    "hydrogen -refuelling": {"syn:4"},
    "NOT hydrogen NOT wind NOT solar NOT accelerator": {"syn:6", "syn:9", "syn:10"},
    '"wind power"': {"syn:4", "syn:7"},
    '"power wind"': set(),
    '"renewable hydrogen production"': {"syn:4"},
    "recycl*": {"syn:9"},
    "energ*": {"syn:2", "syn:10"},
    "accel* AND status:open": {"syn:3"},
    "(solar OR wind) grids": {"syn:7", "syn:8"},
    "theme:T3": {"syn:2", "syn:4", "syn:5"},
    "theme:t3 -hydrogen": {"syn:2"},
    "programme:horizon OR kind:news": {"syn:3", "syn:4", "syn:6", "syn:7", "syn:8"},
    "kind:tender status:open": {"syn:10"},
    "eligibility:local_authorities": {"syn:6"},
    "cross-border": {"syn:8"},
    "HORIZON-CL6-2099-01": {"syn:3"},
    "id:syn:9": {"syn:9"},
    "lang:en living labs": {"syn:6"},
    "Living Labs": {"syn:6"},
}
