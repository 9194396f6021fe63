"""Reports: plots, HTML and PDF renderings of engine results."""
