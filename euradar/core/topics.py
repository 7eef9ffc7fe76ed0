"""Bus topic names. Every topic is keyed by item id so versions of one item stay in order."""

ITEMS_RAW = "euradar.items.raw"  # normalized items from the crawlers (new or changed)
ITEMS_TAGGED = "euradar.items.tagged"  # the same events after theme tagging
DEAD_LETTER = "euradar.dead"  # poison records with the reason and the stage that refused them
OPERATOR = "euradar.operator"  # source-health events for operators (a source failing or silent)

ALL_TOPICS = (ITEMS_RAW, ITEMS_TAGGED, DEAD_LETTER, OPERATOR)
