"""`portal serve`: the portal behind uvicorn, refusing to start on weak settings."""

from __future__ import annotations

import sys

import typer
import uvicorn

from chassis import logging as chassis_logging
from portal.app import create_app
from portal.settings import PortalSettings

app = typer.Typer(add_completion=False, no_args_is_help=True)


@app.callback()
def main() -> None:
    """The portal of DOMINO-NG and OGDE."""


@app.command()
def serve() -> None:
    """Serves the portal on PORTAL_HOST:PORTAL_PORT."""
    settings = PortalSettings()
    problem = settings.startup_problem()
    if problem:
        print(problem, file=sys.stderr)
        raise typer.Exit(2)
    chassis_logging.configure("portal", settings.log_level, settings.log_json)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning", proxy_headers=True)
