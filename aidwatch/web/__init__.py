"""The web face: ``create_app()`` builds the FastAPI app, ``serve()`` runs it on loopback.

Pages (``pages.py``) and the versioned JSON API (``api.py``, under ``/api/v1``) call the
same library as the CLI; the store is opened read-only and locked out of the file system.
"""

from .app import create_app, serve

__all__ = ["create_app", "serve"]
