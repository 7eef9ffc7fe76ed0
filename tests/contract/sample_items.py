"""Items for the contract suites, modelled on real records of ../shared/corpus (titles and
identifiers from the F&T API captures and the EC press corner feed)."""

from __future__ import annotations

from euradar.core.models import Item


def sample_items() -> list[Item]:
    return [
        Item(id="ft:HORIZON-CL6-2026-01-CIRCBIO-07", kind="call", source="ft_grants",
             url="https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/topic-details/HORIZON-CL6-2026-01-CIRCBIO-07",
             title="Circular solutions for textile value chains based on extended producer responsibility",
             text="Proposals should develop circular business models, recycling and industrial symbiosis "
                  "for textiles; SMEs and local authorities are encouraged to take part.",
             lang="en", programme="HORIZON", call_ids=["HORIZON-CL6-2026-01"],
             opening_date="2026-05-06", deadlines=["2026-09-17"], status="open", budget=8_000_000,
             eligibility=["smes", "local_authorities"], first_seen="2026-05-07T08:00:00+00:00",
             themes=[{"id": "T1", "score": 0.9, "evidence": []}]),
        Item(id="ft:SMP-COSME-2024-CLUSTER-01", kind="call", source="ft_grants",
             url="https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/topic-details/SMP-COSME-2024-CLUSTER-01",
             title="Euroclusters for Europe's recovery",
             text="Cluster organisations support SMEs with cascade funding for internationalisation "
                  "and the green and digital transition.",
             lang="en", programme="SMP", call_ids=["SMP-COSME-2024-CLUSTER"],
             opening_date="2024-03-01", deadlines=["2024-06-20", "2024-11-20"], status="closed",
             eligibility=["smes"], first_seen="2026-04-01T08:00:00+00:00",
             themes=[{"id": "T8", "score": 0.95, "evidence": []}]),
        Item(id="url:presscorner-1", kind="news", source="ec_presscorner",
             url="https://ec.europa.eu/commission/presscorner/detail/en/ip_26_1",
             title="Commission invests in hydrogen valleys and wind power grids",
             text="The Commission announced funding for renewable hydrogen and offshore wind grids.",
             lang="en", published="2026-07-20", first_seen="2026-07-27T08:00:00+00:00",
             themes=[{"id": "T3", "score": 0.8, "evidence": []}]),
        Item(id="url:lapinliitto-1", kind="news", source="lapinliitto",
             url="https://www.lapinliitto.fi/uutiset/talvitestaus",
             title="Talvitestauksen kehittämisympäristöt vahvistuvat Lapissa",
             text="Rengastestauksen ja ajoneuvojen testauksen ympäristöt saavat rahoitusta.",
             lang="fi", published="2026-08-01", first_seen="2026-08-02T08:00:00+00:00",
             themes=[{"id": "T4", "score": 0.9, "evidence": []}]),
        Item(id="ted:123456-2026", kind="tender", source="ted_fi",
             url="https://ted.europa.eu/en/notice/-/detail/123456-2026",
             title="Snöröjning och vinterväghållning i Rovaniemi",
             text="Upphandling av vinterunderhåll av vägar.", lang="sv",
             deadlines=["2026-12-15"], status="open", budget=250_000, currency="EUR",
             first_seen="2026-10-08T08:00:00+00:00"),
    ]


def nordic_items() -> list[Item]:
    """Finnish and Swedish items for the single-word search tests. The sentences are written
    for these tests (not taken from any labelled or captured text)."""
    return [
        Item(id="local:fi-vety", kind="news", source="file_local", url="https://example.org/fi-vety",
             title="Vedyn tuotanto ja kiertotalous etenevät Rovaniemellä",
             text="Metsien käyttöä suunnitellaan yhdessä matkailun kanssa. Vetytalouden hankkeet "
                  "saavat rahoitusta, ja kaivosteollisuuden sivuvirrat hyödynnetään.",
             lang="fi", first_seen="2026-09-01T08:00:00+00:00"),
        Item(id="local:sv-vatgas", kind="news", source="file_local", url="https://example.org/sv-vatgas",
             title="Vätgasen lagras i norra Sverige",
             text="Beredskapsövningen i Norrbotten samlade kommunerna och räddningstjänsten. "
                  "Nya järnvägar planeras.",
             lang="sv", first_seen="2026-09-02T08:00:00+00:00"),
    ]


def american_item() -> Item:
    """An English item in American spelling, for the British/American search tests (the
    sentences are written for these tests)."""
    return Item(id="local:en-us", kind="news", source="file_local", url="https://example.org/en-us",
                title="A winter test center for the decarbonization of steel mills",
                text="Modeling fiber sensors: the program is run by a regional defense cluster.",
                lang="en", first_seen="2026-09-03T08:00:00+00:00")
