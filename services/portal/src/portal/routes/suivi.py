"""DOMINO-NG for the customs agents of the offices: the declarations of their territories by quarter."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/suivi")
