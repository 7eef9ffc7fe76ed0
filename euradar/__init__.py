"""euradar: an event-driven radar of EU funding calls, tenders and EU-network news for Lapland.

Rooms, from the inside out (dependencies point inward; tests/test_architecture.py checks it):

* :mod:`euradar.core`      model, ports (the seams), settings, errors, codec: imports nothing else
* :mod:`euradar.nlp`       the spaCy theme tagger and text normalisation
* :mod:`euradar.infra`     adapters behind the ports: bus, index, store, notifiers
* :mod:`euradar.crawlers`  Scrapy spiders and feeds that publish items to the bus
* :mod:`euradar.alerts`    matching, batching, rendering, digests and reminders
* :mod:`euradar.consumers` the pipeline roles (tagger, indexer, alerter) and their consume loop
* :mod:`euradar.web`       the search API and web UI
* :mod:`euradar.runtime`, :mod:`euradar.cli`  wire everything together from Settings
"""

__version__ = "0.1.0"
