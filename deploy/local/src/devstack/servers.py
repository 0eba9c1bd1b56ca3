"""The three embedded servers (Tansu, SecantusDB, aiosmtpd), each in its own subprocess.

The names importers have always used, gathered from the modules that hold them:
:mod:`devstack.process` (the :class:`ManagedServer` base and its lifecycle),
:mod:`devstack.kafka`, :mod:`devstack.mongo` and :mod:`devstack.smtp`.
"""

from __future__ import annotations

from devstack.kafka import KafkaServer, kafka_metadata, tansu_path
from devstack.mongo import MongoServer, secantusd_path
from devstack.process import (
    DEFAULT_START_TIMEOUT,
    DEFAULT_STOP_TIMEOUT,
    ManagedServer,
    ServerOptions,
    ServerStartError,
    die_with_parent,
)
from devstack.smtp import SmtpServer

__all__ = [
    "DEFAULT_START_TIMEOUT",
    "DEFAULT_STOP_TIMEOUT",
    "KafkaServer",
    "ManagedServer",
    "MongoServer",
    "ServerOptions",
    "ServerStartError",
    "SmtpServer",
    "die_with_parent",
    "kafka_metadata",
    "secantusd_path",
    "tansu_path",
]
