"""The pure core of the declarations service: the `Declaration` aggregate and the rules it enforces.

No I/O here: time is passed in, events are returned, never stored; only `contracts` and pydantic are used.
"""
