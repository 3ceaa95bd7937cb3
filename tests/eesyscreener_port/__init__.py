"""A Python port of DfE's eesyscreener (the R package that screens files for explore education
statistics), for the tests: see ``screener``; ``returns`` screens a return's folder.

Licence: eesyscreener is GPL-3 (Crown copyright, Department for Education). This folder translates its
rules into Python, so it is offered under the GPL-3 too; it is test support only and is not part of the
``setting_app`` package or the installers. Nothing of the package itself (code or data files) is kept
in this repository: see ``source`` for where it is read from.

Run it on a folder: ``PYTHONPATH=tests python -m eesyscreener_port RETURN_FOLDER``.
"""
