"""Every event of the four services. Importing this package registers them all."""

from contracts.events import declarations, essoc, notifier, taxcalc

__all__ = ["declarations", "essoc", "notifier", "taxcalc"]
