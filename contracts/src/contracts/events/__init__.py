"""Every event of the four services. Importing this package registers them all."""

from contracts.events import collection, declarations, essoc, notifier, taxcalc

__all__ = ["collection", "declarations", "essoc", "notifier", "taxcalc"]
