"""The collection of octroi de mer (recouvrement): SEPA B2B mandates, the debits scheduled at filing, the bank
files that present them, and the bank statements that settle or return them.

It sits in the declarations service because a debit is decided when a declaration is filed, in the same
transaction (decision record 0023); it holds its own streams and rules so that it can move to a service of its
own, as the separation of the ordonnateur and the comptable would have it, without changing a rule.
"""
