"""`taxcalc serve | replay | verify`."""

from chassis.cli import make_cli
from taxcalc.bootstrap import build

app = make_cli(build)
