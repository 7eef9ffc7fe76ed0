"""Items for the web tests: titles and identifiers of real records in ../shared/corpus (F&T
search API, EC press corner RSS, TED), with dates relative to today so countdowns and the
"last N days" preview are stable whatever day the tests run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from euradar.core.models import Item

FT = ("https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/"
      "topic-details/")


def _day(offset: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=offset)).isoformat()


def _seen(offset: int) -> str:
    return f"{_day(offset)}T08:00:00+00:00"


def _evidence(*terms: str) -> list[dict]:
    return [{"text": t, "term": t.lower(), "start": 0, "end": len(t)} for t in terms]


def web_items() -> list[Item]:
    return [
        Item(id="ft:HORIZON-CL6-2026-01-CIRCBIO-07", kind="call", source="ft_grants",
             url=FT + "HORIZON-CL6-2026-01-CIRCBIO-07",
             title="Circular solutions for textile value chains based on extended producer "
                   "responsibility",
             text="Proposals should develop circular business models, recycling and industrial "
                  "symbiosis for textiles; SMEs and local authorities are encouraged to take part.",
             lang="en", programme="HORIZON", call_ids=["HORIZON-CL6-2026-01"],
             opening_date=_day(-20), deadlines=[_day(12)], status="open", budget=8_000_000,
             eligibility=["smes", "local_authorities"], first_seen=_seen(-3),
             fetched_at=_seen(-1), content_hash="a" * 64, version=2,
             themes=[{"id": "T1", "score": 0.9,
                      "evidence": _evidence("circular", "recycling", "industrial symbiosis")}]),
        Item(id="ft:HORIZON-CL5-2027-03-D5-05", kind="call", source="ft_grants",
             url=FT + "HORIZON-CL5-2027-03-D5-05",
             title="Higher Voltage, Megawatt Charging System compatible, modular powertrain for "
                   "Heavy Duty Vehicles (HDV)",
             text="Demonstrate megawatt charging and hydrogen-ready powertrains tested in cold "
                  "climate conditions, including winter testing in the Arctic.",
             lang="en", programme="HORIZON", call_ids=["HORIZON-CL5-2027-03"],
             deadlines=[_day(40), _day(150)], status="forthcoming", budget=15_000_000,
             eligibility=["research_organisations"], first_seen=_seen(-10),
             themes=[{"id": "T3", "score": 0.7, "evidence": _evidence("hydrogen")},
                     {"id": "T4", "score": 0.8, "evidence": _evidence("winter testing")}]),
        Item(id="ft:SMP-COSME-2024-CLUSTER-01", kind="call", source="ft_grants",
             url=FT + "SMP-COSME-2024-CLUSTER-01", title="Euroclusters for Europe's recovery",
             text="Cluster organisations support SMEs with cascade funding for "
                  "internationalisation and the green and digital transition.",
             lang="en", programme="SMP", call_ids=["SMP-COSME-2024-CLUSTER"],
             deadlines=["2024-06-20", "2024-11-20"], status="closed", eligibility=["smes"],
             first_seen=_seen(-200), themes=[{"id": "T8", "score": 0.95, "evidence": []}]),
        Item(id="url:presscorner-egf-finland", kind="news", source="ec_presscorner",
             url="https://ec.europa.eu/commission/presscorner/detail/en/ip_26_1875",
             title="Commission proposes more than €410,000 from the European Globalisation "
                   "Adjustment Fund to support dismissed car industry workers in Finland",
             text="The support would help workers dismissed in Finland to find new jobs.",
             lang="en", published=_day(-5), first_seen=_seen(-5),
             themes=[{"id": "T8", "score": 0.5, "evidence": _evidence("workers")}]),
        Item(id="url:lapinliitto-talvitestaus", kind="news", source="lapinliitto",
             url="https://www.lapinliitto.fi/uutiset/talvitestaus",
             title="Talvitestauksen kehittämisympäristöt vahvistuvat Lapissa",
             text="Rengastestauksen ja ajoneuvojen testauksen ympäristöt saavat rahoitusta.",
             lang="fi", published=_day(-2), first_seen=_seen(-2),
             themes=[{"id": "T4", "score": 0.9, "evidence": _evidence("talvitestaus")}]),
        Item(id="ted:123456-2026", kind="tender", source="ted_fi",
             url="https://ted.europa.eu/en/notice/-/detail/123456-2026",
             title="Snöröjning och vinterväghållning i Rovaniemi",
             text="Upphandling av vinterunderhåll av vägar.", lang="sv",
             deadlines=[_day(2)], status="open", budget=250_000, currency="EUR",
             first_seen=_seen(-1)),
        # Hostile crawled text: markup and a spreadsheet formula must come out inert.
        Item(id="url:hostile-1", kind="news", source="listing_test",
             url="javascript:alert(1)",
             title='=HYPERLINK("http://evil.example","<script>alert(1)</script> grant")',
             text='<img src=x onerror="alert(2)"> hydrogen valleys', lang="en",
             first_seen=_seen(-4)),
    ]

