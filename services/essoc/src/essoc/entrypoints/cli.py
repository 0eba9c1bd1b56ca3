"""`essoc serve | replay | verify`."""

from chassis.cli import make_cli
from essoc.bootstrap import build

app = make_cli(build)
