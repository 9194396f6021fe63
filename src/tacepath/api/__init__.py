"""The REST JSON API under ``/api`` (OpenAPI at ``/docs``): the routers and their schemas.

The application that serves it together with the pages is :func:`tacepath.app.create_app`;
what the API shares with the pages (dependencies, errors, cookies) is :mod:`tacepath.http`.
"""
