"""The HTTP interface: FastAPI application factory, REST JSON API under ``/api``, OpenAPI at
``/docs``; the web pages (:mod:`tacepath.web`) are served by the same application."""

from tacepath.api.app import create_app
from tacepath.api.settings import Settings

__all__ = ["Settings", "create_app"]
