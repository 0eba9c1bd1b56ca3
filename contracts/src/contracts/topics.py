"""Topic names: one per producing service, plus its dead-letter topic."""

DECLARATIONS = "declarations.events"
TAXCALC = "taxcalc.events"
ESSOC = "essoc.events"
NOTIFIER = "notifier.events"

ALL = (DECLARATIONS, TAXCALC, ESSOC, NOTIFIER)


def dlq(topic: str) -> str:
    return f"{topic}.dlq"
