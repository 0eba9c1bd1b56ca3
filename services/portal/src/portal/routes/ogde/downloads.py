"""A file from essoc (a request's PDF, an attachment, a document), streamed through the portal."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask

from portal.backends import backends_of
from portal.session import Session

SAFE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/gif", "text/plain"}


async def stream(request: Request, session: Session, path: str) -> Response:
    """A file from essoc, streamed through: always as a download (never shown in the portal's origin), its
    type kept only when harmless, the connection to essoc closed whether or not the person reads it all."""
    backend = backends_of(request).essoc
    context = backend.download(path, session.token or "", if_none_match=request.headers.get("if-none-match"))
    got = await context.__aenter__()
    if got.status_code == 304:  # the browser's copy is current (a document's ETag)
        await context.__aexit__(None, None, None)
        kept = {k: got.headers[k] for k in ("etag", "cache-control") if k in got.headers}
        return Response(status_code=304, headers=kept)
    kind = got.headers.get("content-type", "").split(";")[0].strip().lower()
    headers = {
        "Content-Type": kind if kind in SAFE_TYPES else "application/octet-stream",
        "Content-Disposition": _as_attachment(got.headers.get("content-disposition", "")),
        "X-Content-Type-Options": "nosniff",
    }
    if got.headers.get("content-length", "").isdigit():
        headers["Content-Length"] = got.headers["content-length"]
    for name in ("ETag", "Cache-Control"):  # a document's: cached by the browser, revalidated by its ETag
        if name.lower() in got.headers:
            headers[name] = got.headers[name.lower()]

    async def close() -> None:
        await context.__aexit__(None, None, None)

    return StreamingResponse(got.aiter_bytes(), headers=headers, background=BackgroundTask(close))


def _as_attachment(disposition: str) -> str:
    """The service's file name, always as an attachment."""
    _, _, parameters = disposition.partition(";")
    return "attachment;" + parameters if parameters.strip() else "attachment"
