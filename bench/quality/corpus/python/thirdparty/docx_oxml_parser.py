# Third-party code (not written by this team), used as benchmark input only.
# Package: python-docx 1.1.2 (PyPI wheel python_docx-1.1.2-py3-none-any.whl)
# Original path: docx/oxml/parser.py
# License: MIT, Copyright (c) 2013 Steve Canny, https://github.com/scanny
# Trimmed to the parser set-up and parse_xml(); the code is otherwise unchanged, only the
# end-of-line label comments are ours. The document XML comes from the .docx being opened; the
# parser resolves no entities (and lxml loads no DTD and fetches nothing from the network by default).
# pyright: reportImportCycles=false

"""XML parser for python-docx."""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, Type, cast

from lxml import etree

from docx.oxml.ns import NamespacePrefixedTag, nsmap

if TYPE_CHECKING:
    from docx.oxml.xmlchemy import BaseOxmlElement


# -- configure XML parser --
element_class_lookup = etree.ElementNamespaceClassLookup()
oxml_parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False)  # safe: xxe
oxml_parser.set_element_class_lookup(element_class_lookup)


def parse_xml(xml: str | bytes) -> "BaseOxmlElement":
    """Root lxml element obtained by parsing XML character string `xml`.

    The custom parser is used, so custom element classes are produced for elements in
    `xml` that have them.
    """
    return cast("BaseOxmlElement", etree.fromstring(xml, oxml_parser))  # safe: xxe

