"""The HTTP layer shared by the REST API (:mod:`tacepath.api`) and the web pages
(:mod:`tacepath.web`): settings, request dependencies (database, permissions, record ids,
client address), the CSRF check, the session cookie, JSON responses and the one mapping of
errors to responses (JSON under ``/api``, a page elsewhere).

It imports neither ``api`` nor ``web``; both import it. The application that mounts both is
:mod:`tacepath.app`.
"""
