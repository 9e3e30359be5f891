"""Write each <script> of a page once.

Sphinx 7.4 writes a body-only script that an extension adds after builder-init
(sphinx-thebe's ``const THEBE_JS_URL = ...``) twice: once with filename None and
again, re-added by StandaloneHTMLBuilder.prepare_writing, with filename ''. The
second copy throws "Identifier 'THEBE_JS_URL' has already been declared" in every
browser. Remove when jupyter-book moves to a Sphinx without the bug.
"""


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        key = (
            getattr(script, "filename", script) or "",
            getattr(script, "priority", None),
            tuple(sorted(getattr(script, "attributes", {}).items())),
        )
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique  # the builder restores its own list after each page


def setup(app):
    app.connect("html-page-context", _dedupe_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
