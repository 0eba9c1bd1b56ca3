"""OGDE for the customs agents: the board of their directorates' requests and the instruction of one."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/instruction")
