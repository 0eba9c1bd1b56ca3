"""Every event of the four services. Importing this package registers them all."""

from contracts.events import assistance, collection, declarations, essoc, notifier, rights, taxcalc

__all__ = ["assistance", "collection", "declarations", "essoc", "notifier", "rights", "taxcalc"]
