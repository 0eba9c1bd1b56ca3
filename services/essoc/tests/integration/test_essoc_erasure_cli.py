"""The DPO's command (decision 0031): `essoc erasure subject <id> --why <ref>` erases one person's key on a granted
request, `essoc erasure run` rebuilds the views; the request then reads « [donnée effacée] » and its chain holds."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from contracts.ciphertext import ERASED

from essoc_http_support import essoc_app


def _cli(settings: Any, mongo_uri: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ESSOC_MONGO_URI": mongo_uri,
        "ESSOC_MONGO_DB": settings.mongo_db,
        "ESSOC_KEYSTORE_DB": settings.keystore_db,
        "ESSOC_KEYSTORE_KEK_FILE": settings.keystore_kek_file,
        "ESSOC_COMPANY_DIRECTORY": settings.company_directory,
        "ESSOC_LOG_JSON": "false",
        "COLUMNS": "200",
    }
    command = [sys.executable, "-c", "from essoc.entrypoints.cli import app; app()", "erasure", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)


async def test_the_dpo_erases_one_requester_and_their_request_reads_erased(
    mongo_db: AsyncDatabase[dict[str, Any]], mongo_client: AsyncMongoClient[dict[str, Any]], mongo_uri: str
) -> None:
    keystore = f"t_keystore_{uuid.uuid4().hex[:10]}"
    try:
        async with essoc_app(mongo_db, keystore_db=keystore) as essoc:
            # given Juda's request, filed and readable
            rid = (await essoc.file())["id"]
            assert (await essoc.juda.get(f"/api/v1/requests/{rid}")).json()["requester"]["name"] == "Bricot"

            # when the DPO erases Juda on a granted request, then runs the pass that rebuilds the views
            erased = await asyncio.to_thread(
                _cli, essoc.settings, mongo_uri, "subject", "u-juda", "--why", "DR-2027-000001"
            )
            assert erased.returncode == 0, erased.stdout + erased.stderr
            assert "1 clé(s) effacée(s)" in erased.stderr  # Juda's (no mail was sent here: their address has none)
            rebuilt = await asyncio.to_thread(_cli, essoc.settings, mongo_uri, "run")
            assert rebuilt.returncode == 0 and "vues reconstruites" in rebuilt.stderr, rebuilt.stderr

            # then the request reads « [donnée effacée] », its chain still holds, the tombstone says why
            requester = (await essoc.juda.get(f"/api/v1/requests/{rid}")).json()["requester"]
            assert (requester["name"], requester["email"]) == (ERASED, ERASED)
            assert await essoc.runtime.store.verify_stream(rid) == []
            why = {d["why"] async for d in mongo_client[keystore]["erased_keys"].find({})}
            assert why == {"DR-2027-000001"}
            # and erasing again finds no key
            again = await asyncio.to_thread(
                _cli, essoc.settings, mongo_uri, "subject", "u-juda", "--why", "DR-2027-000001"
            )
            assert again.returncode == 0 and "Aucune clé" in again.stderr
    finally:
        await mongo_client.drop_database(keystore)
