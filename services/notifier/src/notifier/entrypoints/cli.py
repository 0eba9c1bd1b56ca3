"""`notifier serve | replay | verify`."""

from chassis.cli import make_cli
from notifier.bootstrap import build

app = make_cli(build)
