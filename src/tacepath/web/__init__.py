"""The web pages (Jinja2 templates, htmx, one stylesheet), served by the API application.

Each page calls the same use cases as the API; forms carry the session's CSRF token, htmx
requests send it as a header. No front-end build: ``static/`` holds the stylesheet and the
vendored htmx.
"""
