"""nbconvert's HTML exporter without a CSS selector engine: 0.4-0.6 s of every process's first report.

nbconvert's ``HTMLExporter.from_notebook_node`` ends by parsing its page with BeautifulSoup and
running three CSS selectors (images without alt text get one; input and output areas become
focusable). BeautifulSoup hands selectors to ``soupsieve``, whose import and first compilation of
its tokenizer's regular expressions (large case-insensitive Unicode classes) cost 0.25 s and
0.3 s of CPU on this project's machine, in every process that writes a report (a one-off run, each
sweep worker). :class:`SelectorFreeHTMLExporter` does the same three edits by walking the tree
(``find_all`` and class lists, the rules soupsieve applies to an HTML document), so the page is
the same, byte for byte (``tests/runner/test_oneoff_speed.py`` compares it with nbconvert's own);
and :func:`html_exporter_class` imports nbconvert with a stand-in for ``soupsieve`` that imports
the real module if anything ever uses it (as ``_papermill`` defers ``requests``). Between its
preprocessors, the exporter checks the notebook against nbformat's strict schema first (compiled
already in a process that has read a notebook) and the relaxed one only if that fails: 0.1 s of
compiling saved, the same verdict.
"""

from __future__ import annotations

import functools
from typing import Any

from sanctions_model.runner._stand_in import deferred_imports

#: ``img:not([alt])``: what nbconvert writes into such an image's ``alt``.
MISSING_ALT = "No description has been provided for this image"


def _classes(tag: Any) -> list[str]:
    value = tag.get("class") or []
    return value.split() if isinstance(value, str) else list(value)


def _in_notebook(tag: Any) -> bool:
    """``.jp-Notebook X``: an ancestor (not the tag itself) has the class ``jp-Notebook``."""
    return any("jp-Notebook" in _classes(parent) for parent in tag.parents)


def make_focusable_and_describe(soup: Any) -> int:
    """nbconvert's post-processing of its HTML page, without CSS selectors; returns the number of
    images that had no alt text.

    - ``img:not([alt])`` gets ``alt`` (:data:`MISSING_ALT`);
    - ``.jp-Notebook div.jp-Cell-inputWrapper`` and ``.jp-Notebook div.jp-OutputArea-output``
      get ``tabindex="0"``.

    html.parser lower-cases tag and attribute names; class names match exactly, as soupsieve
    matches them in an HTML document that is not in quirks mode.
    """
    missing_alt = 0
    for tag in soup.find_all("img"):
        if "alt" not in tag.attrs:
            tag.attrs["alt"] = MISSING_ALT
            missing_alt += 1
    wanted = ("jp-Cell-inputWrapper", "jp-OutputArea-output")
    for tag in soup.find_all("div"):
        classes = _classes(tag)
        if any(c in classes for c in wanted) and _in_notebook(tag):
            tag.attrs["tabindex"] = "0"
    return missing_alt


@functools.cache
def html_exporter_class() -> type:
    """nbconvert's ``HTMLExporter`` with :func:`make_focusable_and_describe` in place of its
    selectors (imported on first call; soupsieve is not imported)."""
    with deferred_imports("soupsieve"):  # nothing to defer once bs4 or soupsieve is imported
        from nbconvert import HTMLExporter
    from bs4 import BeautifulSoup
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class SelectorFreeHTMLExporter(HTMLExporter):
        """``HTMLExporter`` whose last step walks the tree instead of running CSS selectors."""

        def from_notebook_node(  # type: ignore[override]
            self, nb: Any, resources: dict[str, Any] | None = None, **kw: Any
        ) -> tuple[str, dict[str, Any]]:
            # HTMLExporter.from_notebook_node (nbconvert 7), up to its soup.select calls
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight_code = self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)
            )
            resources = self._init_resources(resources)
            filter_data_type = WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources
            )
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", filter_data_type)
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            soup = BeautifulSoup(html, features="html.parser")
            missing_alt = make_focusable_and_describe(soup)
            if missing_alt:
                self.log.warning("Alternative text is missing on %s image(s).", missing_alt)
            return str(soup), resources

        def _validate_preprocessor(self, nbc: Any, preprocessor: Any) -> None:
            # nbconvert checks the notebook against the relaxed schema after each preprocessor.
            # A notebook the strict schema accepts, the relaxed one accepts too, and the strict
            # validator is compiled already (reading or writing a notebook compiles it): the
            # relaxed one (0.1 s to compile) is compiled and asked only about a notebook the
            # strict one rejects, and nbconvert's verdict and message are unchanged.
            import nbformat

            try:
                nbformat.validate(nbc)
            except nbformat.ValidationError:
                super()._validate_preprocessor(nbc, preprocessor)

    return SelectorFreeHTMLExporter


__all__ = ["MISSING_ALT", "html_exporter_class", "make_focusable_and_describe"]
