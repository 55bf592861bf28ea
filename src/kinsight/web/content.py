"""Markdown content pages (the accessibility statement) rendered with GOV.UK typography."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from markdown_it import MarkdownIt

#: GOV.UK Frontend class for each HTML element markdown produces.
_CLASSES = {
    "h1": "govuk-heading-xl",
    "h2": "govuk-heading-l",
    "h3": "govuk-heading-m",
    "h4": "govuk-heading-s",
    "p": "govuk-body",
    "ul": "govuk-list govuk-list--bullet",
    "ol": "govuk-list govuk-list--number",
    "a": "govuk-link",
    "table": "govuk-table",
    "tr": "govuk-table__row",
    "th": "govuk-table__header",
    "td": "govuk-table__cell",
    "thead": "govuk-table__head",
    "tbody": "govuk-table__body",
}


def _govuk_classes(state) -> None:
    for token in state.tokens:
        if token.nesting == 1 and token.tag in _CLASSES:
            token.attrSet("class", _CLASSES[token.tag])
        for child in token.children or ():
            if child.nesting == 1 and child.tag in _CLASSES:
                child.attrSet("class", _CLASSES[child.tag])


@cache
def page(name: str) -> str:
    """The HTML of ``content/<name>.md``; raw HTML in the source is escaped, not passed through."""
    source = files("kinsight.web").joinpath("content", f"{name}.md").read_text("utf-8")
    renderer = MarkdownIt("commonmark", {"html": False}).enable("table")
    renderer.core.ruler.push("govuk_classes", _govuk_classes)
    return renderer.render(source)
