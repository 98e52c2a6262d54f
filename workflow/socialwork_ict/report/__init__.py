"""The report stage: published-vs-reproduced check, key findings, provenance, HTML.

- ``published``   compares the study's published figures and claims
                  (``config/published.yaml``) with this run
- ``findings``    key-finding sentences generated from the result tables
- ``provenance``  file digests, package versions, the git commit (no clock time)
- ``render``      display-ready tables and figures; Jinja2 rendering
                  (StrictUndefined, autoescape) into one self-contained HTML string
- ``context``     the template's context, assembled from the declared inputs
"""
