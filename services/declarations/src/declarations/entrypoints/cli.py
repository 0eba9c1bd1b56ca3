"""`declarations serve | replay | verify`."""

from chassis.cli import make_cli
from declarations.bootstrap import build

app = make_cli(build)
