"""Application use cases; the only place that opens a database session.

Every use case takes the :class:`~tacepath.service.auth.Principal` acting, checks its
permission against the table in :mod:`tacepath.service.permissions`, scopes every query to
the principal's organisation, validates input with the engines' own parsers, writes rows and
an audit record in one transaction, and gets every score, decision, grade and summary from
the engines. It adds no clinical logic.
"""
