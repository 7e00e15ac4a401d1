package com.example.shop;

import java.beans.XMLDecoder;
import java.io.BufferedInputStream;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.SAXParserFactory;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamReader;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.stream.StreamSource;
import org.w3c.dom.Document;
import org.xml.sax.InputSource;
import org.xml.sax.helpers.DefaultHandler;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** Imports supplier catalogues (XML, YAML, serialized snapshots, zip bundles). */
public class ImportService {

    Document parseCatalog(InputStream in) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance(); // flow: xxe
        factory.setNamespaceAware(true);
        return factory.newDocumentBuilder().parse(new InputSource(in)); // expect: xxe
    }

    Document parseCatalogSafe(InputStream in) throws Exception {
        DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
        dbf.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        dbf.setXIncludeAware(false);
        dbf.setExpandEntityReferences(false);
        DocumentBuilder db = dbf.newDocumentBuilder();
        return db.parse(in); // safe: xxe
    }

    void parseSax(InputStream in) throws Exception {
        SAXParserFactory.newInstance().newSAXParser().parse(in, new DefaultHandler()); // expect: xxe
    }

    void parseSaxSafe(InputStream in) throws Exception {
        SAXParserFactory spf = SAXParserFactory.newInstance();
        spf.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        spf.setFeature("http://xml.org/sax/features/external-general-entities", false);
        spf.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        spf.newSAXParser().parse(in, new DefaultHandler()); // safe: xxe
    }

    XMLStreamReader parseStax(String xml) throws Exception {
        XMLInputFactory xif = XMLInputFactory.newInstance(); // flow: xxe
        return xif.createXMLStreamReader(new StringReader(xml)); // expect: xxe
    }

    XMLStreamReader parseStaxSafe(String xml) throws Exception {
        XMLInputFactory xif = XMLInputFactory.newInstance();
        xif.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        xif.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        return xif.createXMLStreamReader(new StringReader(xml)); // safe: xxe
    }

    Object transform(InputStream xslt) throws Exception {
        return TransformerFactory.newInstance().newTransformer(new StreamSource(xslt)); // expect: xxe | code-injection
    }

    Snapshot restoreSnapshot(InputStream in) throws IOException, ClassNotFoundException {
        ObjectInputStream snapshotIn = new ObjectInputStream(new BufferedInputStream(in)); // flow: deserialization
        Snapshot restored = (Snapshot) snapshotIn.readObject(); // expect: deserialization
        return restored;
    }

    Snapshot restoreSnapshotSafe(InputStream in) throws IOException, ClassNotFoundException {
        ObjectInputStream snapshotIn = new ObjectInputStream(in);
        snapshotIn.setObjectInputFilter(ObjectInputFilter.Config.createFilter("maxdepth=8;com.example.shop.Snapshot;!*"));
        Snapshot restored = (Snapshot) snapshotIn.readObject(); // safe: deserialization
        return restored;
    }

    Object restoreBean(InputStream in) {
        return new XMLDecoder(in).readObject(); // expect: deserialization
    }

    Object loadYaml(String text) {
        return new Yaml().load(text); // expect: deserialization
    }

    Object loadYamlSafe(String text) {
        return new Yaml(new SafeConstructor(new LoaderOptions())).load(text); // safe: deserialization
    }

    void unzip(InputStream in, File dest) throws IOException {
        try (ZipInputStream zis = new ZipInputStream(in)) {
            ZipEntry e;
            while ((e = zis.getNextEntry()) != null) {
                File out = new File(dest, e.getName()); // expect: path-traversal
                try (FileOutputStream fos = new FileOutputStream(out)) {
                    zis.transferTo(fos);
                }
            }
        }
    }

    void unzipSafe(InputStream in, File dest) throws IOException {
        Path destDir = dest.toPath().toAbsolutePath().normalize();
        try (ZipInputStream zis = new ZipInputStream(in)) {
            for (ZipEntry entry = zis.getNextEntry(); entry != null; entry = zis.getNextEntry()) {
                Path target = destDir.resolve(entry.getName()).normalize();
                if (!target.startsWith(destDir) || entry.isDirectory()) {
                    continue;
                }
                Files.createDirectories(target.getParent());
                Files.copy(zis, target, StandardCopyOption.REPLACE_EXISTING); // safe: path-traversal
            }
        }
    }

    File scratch() throws IOException {
        File tmp = File.createTempFile("catalog", ".xml"); // expect: file-permissions
        Path tmp2 = Files.createTempFile("catalog", ".xml"); // safe: file-permissions
        return tmp2.toFile().exists() ? tmp : tmp2.toFile();
    }

    void share(Path p) throws IOException {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxrwxrwx")); // expect: file-permissions
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r-----")); // safe: file-permissions
        p.toFile().setWritable(true, false); // expect: file-permissions
        new File("/tmp/catalog-import.lock").createNewFile(); // expect: file-permissions
    }
}
