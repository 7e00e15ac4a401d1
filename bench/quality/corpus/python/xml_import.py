"""Import of supplier catalogues (XML) uploaded through the partner portal."""

import xml.sax
from xml.dom import pulldom

import defusedxml.ElementTree as SafeET
from flask import Flask, request
from lxml import etree

app = Flask(__name__)


class CatalogHandler(xml.sax.ContentHandler):
    def __init__(self):
        super().__init__()
        self.items = []

    def startElement(self, name, attrs):
        if name == "item":
            self.items.append(dict(attrs))


@app.post("/catalog/lxml")
def catalog_lxml():
    root = etree.fromstring(request.data)  # expect: xxe
    return {"items": len(root.findall("item"))}


@app.post("/catalog/lxml-parser")
def catalog_lxml_parser():
    root = etree.fromstring(request.data, etree.XMLParser(resolve_entities=True, no_network=False))  # expect: xxe
    return {"items": len(root.findall("item"))}


@app.post("/catalog/lxml-safe")
def catalog_lxml_safe():
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(request.data, parser)  # safe: xxe
    return {"items": len(root.findall("item"))}


@app.post("/catalog/sax")
def catalog_sax():
    handler = CatalogHandler()
    reader = xml.sax.make_parser(["xml.sax.expatreader"])  # flow: xxe
    reader.setFeature(xml.sax.handler.feature_external_ges, True)  # expect: xxe
    reader.setContentHandler(handler)
    reader.parse(request.files["catalog"])
    return {"items": len(handler.items)}


@app.post("/catalog/pulldom")
def catalog_pulldom():
    sax = xml.sax.make_parser()
    sax.setFeature(xml.sax.handler.feature_external_ges, 1)  # expect: xxe
    events = pulldom.parseString(request.data.decode(), parser=sax)
    return {"n": sum(1 for ev, node in events if ev == pulldom.START_ELEMENT)}


@app.post("/catalog/defused")
def catalog_defused():
    root = SafeET.fromstring(request.data)  # safe: xxe
    return {"items": len(root.findall("item"))}


@app.post("/catalog/file")
def catalog_file():
    tree = etree.parse(request.files["catalog"])  # expect: xxe
    return {"items": len(tree.getroot().findall("item"))}


@app.post("/catalog/xslt")
def catalog_xslt():
    xslt = etree.XSLT(etree.XML(request.form["stylesheet"].encode()))  # expect: xxe | code-injection
    doc = SafeET.fromstring(request.data)  # safe: xxe
    return str(xslt(etree.XML(SafeET.tostring(doc))))
