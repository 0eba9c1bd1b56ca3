"""The auditors' space: the streams of each service's log, one stream as it stood at a date or a version (its
events, whether its chain of digests holds, the seal that covers it, the state the service folds from it), the
trace of a correlation id across the four services, and the seals with the keys that sign them.

Everything here is read through the services' `/api/v1/audit` endpoints with the auditor's token: each service
decides what the auditor may read (their territories) and refuses the rest, shown as the portal's French page.
Nothing is computed here but the merging of the four services' answers and the French dates typed.

Each screen is a module; the space's routes are registered here, in the order they are matched (a route with a
path parameter registered before a fixed path would take its URLs).
"""

from __future__ import annotations

from fastapi import APIRouter

from portal.routes.audit import seals, stream, streams, trace

router = APIRouter(prefix="/audit")
router.get("")(streams.streams)
router.get("/{service}/flux/{stream_id}")(stream.stream)
router.get("/trace")(trace.trace_search)
router.get("/trace/{correlation_id}")(trace.trace)
router.get("/sceaux")(seals.seals)
