// JavaScript / TypeScript ground truth from the TypeScript language service (npm `typescript`,
// pinned in package.json). Called by bench/graph/ts_ref.py:
//
//     node bench/graph/tsls.cjs ROOT OUT.json
//
// Every *.ts / *.tsx / *.js / *.mjs / *.cjs file under ROOT (no *.d.ts) is one program (allowJs,
// CommonJS modules with node resolution, the default lib). Writes the shape of
// bench/graph/reference.py's Reference:
//
// - declarations: functions (declarations, and variables initialised with an arrow function or a
//   function expression), classes, methods (class and interface members, accessors, class fields
//   initialised with a function; object-literal methods count as functions, as in our symbols);
//   constructors are not listed: a `new C()` lands on its class. `group` joins the declarations of
//   one symbol (overload signatures and the implementation).
// - usages: every identifier that is not a declaration name, a property-assignment key, a label,
//   inside an import / export statement (`export default x` included), or CommonJS export plumbing
//   (`module.exports`, `exports.x`, the `x` of `exports.x = ...`); with the groups that
//   getDefinitionAtPosition lands on (a constructor maps to its class).
// - references: per group, the findReferences entries that are usages above AND whose symbol is
//   the declaration's own symbol once aliases are followed (an override in a subclass, or a base
//   method reached through a base-typed receiver, is another symbol: TypeScript lists them in
//   separate groups, and Jedi does not list them at all).
// Lines are 1-based, columns are UTF-8 byte offsets in the line (what our ranges use).
"use strict";

const fs = require("fs");
const path = require("path");
const ts = require("typescript");

const EXTS = new Set([".ts", ".tsx", ".js", ".mjs", ".cjs"]);

function listFiles(root) {
  const out = [];
  const walk = (dir) => {
    for (const ent of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, ent.name);
      if (ent.isDirectory()) {
        if (ent.name !== "node_modules") walk(p);
      } else if (EXTS.has(path.extname(ent.name)) && !/\.d\.[cm]?ts$/.test(ent.name)) {
        out.push(p);
      }
    }
  };
  walk(root);
  return out;
}

function languageOf(file) {
  const ext = path.extname(file);
  return ext === ".ts" ? "typescript" : ext === ".tsx" ? "tsx" : "javascript";
}

function main() {
  const [root0, outPath] = process.argv.slice(2);
  if (!root0 || !outPath) {
    process.stderr.write("usage: node tsls.cjs ROOT OUT.json\n");
    process.exit(2);
  }
  const t0 = Date.now();
  const root = fs.realpathSync(root0);
  const files = listFiles(root);
  const rel = (f) => path.relative(root, f).split(path.sep).join("/");
  const options = {
    allowJs: true,
    checkJs: false,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    types: [],
  };
  const texts = new Map(files.map((f) => [f, fs.readFileSync(f, "utf8")]));
  const host = {
    getScriptFileNames: () => files,
    getScriptVersion: () => "1",
    getScriptSnapshot: (f) => {
      const t = texts.has(f) ? texts.get(f) : fs.existsSync(f) ? fs.readFileSync(f, "utf8") : undefined;
      return t === undefined ? undefined : ts.ScriptSnapshot.fromString(t);
    },
    getCurrentDirectory: () => root,
    getCompilationSettings: () => options,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: ts.sys.fileExists,
    readFile: ts.sys.readFile,
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  };
  const ls = ts.createLanguageService(host, ts.createDocumentRegistry());
  const program = ls.getProgram();
  const checker = program.getTypeChecker();
  const inRoot = new Set(files);

  // (file, pos) -> {line, col} with byte columns.
  const where = (sf, pos) => {
    const lc = sf.getLineAndCharacterOfPosition(pos);
    const start = sf.getLineStarts()[lc.line];
    const col = Buffer.byteLength(sf.text.slice(start, start + lc.character), "utf8");
    return [lc.line + 1, col];
  };

  const S = ts.SyntaxKind;
  const classLike = new Set([S.ClassDeclaration, S.ClassExpression, S.InterfaceDeclaration]);
  const isFn = (n) => n && (n.kind === S.ArrowFunction || n.kind === S.FunctionExpression);
  const unparen = (n) => {
    while (n && n.kind === S.ParenthesizedExpression) n = n.expression;
    return n;
  };
  function declKind(node) {
    const nameOk = node.name && node.name.kind === S.Identifier;
    switch (node.kind) {
      case S.FunctionDeclaration:
        return nameOk ? "function" : null;
      case S.ClassDeclaration:
        return nameOk ? "class" : null;
      case S.MethodDeclaration:
      case S.MethodSignature:
      case S.GetAccessor:
      case S.SetAccessor:
        if (!nameOk) return null;
        return classLike.has(node.parent.kind) ? "method" : "function";
      case S.PropertyDeclaration:
        return nameOk && isFn(unparen(node.initializer)) ? "method" : null;
      case S.VariableDeclaration:
        return nameOk && isFn(unparen(node.initializer)) ? "function" : null;
      default:
        return null;
    }
  }

  const declNameParents = new Set([
    S.VariableDeclaration,
    S.FunctionDeclaration,
    S.FunctionExpression,
    S.ClassDeclaration,
    S.ClassExpression,
    S.MethodDeclaration,
    S.MethodSignature,
    S.PropertyDeclaration,
    S.PropertySignature,
    S.GetAccessor,
    S.SetAccessor,
    S.Parameter,
    S.InterfaceDeclaration,
    S.TypeAliasDeclaration,
    S.EnumDeclaration,
    S.EnumMember,
    S.ModuleDeclaration,
    S.TypeParameter,
    S.BindingElement,
    S.PropertyAssignment,
    S.ImportEqualsDeclaration,
    S.NamespaceExportDeclaration,
    S.LabeledStatement,
    S.BreakStatement,
    S.ContinueStatement,
  ]);
  const importish = new Set([S.ImportDeclaration, S.ImportEqualsDeclaration, S.ExportDeclaration, S.ExportAssignment]);

  // `module.exports` / `exports.x`: CommonJS export plumbing, not a use of anything; and the `x` of
  // `exports.x = ...` / `module.exports.x = ...`: the declaration of an export, not a use.
  const isExportsObject = (e) =>
    (e.kind === S.Identifier && e.text === "exports") ||
    (e.kind === S.PropertyAccessExpression &&
      e.expression.kind === S.Identifier &&
      e.expression.text === "module" &&
      e.name.text === "exports");
  const isExportsPlumbing = (id) => {
    const p = id.parent;
    if (p.kind !== S.PropertyAccessExpression) return false;
    if (id.text === "module" && p.expression === id && p.name.text === "exports") return true;
    if (id.text === "exports" && p.name === id && p.expression.kind === S.Identifier && p.expression.text === "module") return true;
    if (id.text === "exports" && p.expression === id) return true;
    const assigned =
      p.parent.kind === S.BinaryExpression && p.parent.left === p && p.parent.operatorToken.kind === S.EqualsToken;
    return p.name === id && assigned && isExportsObject(p.expression);
  };

  function isUsage(id) {
    const p = id.parent;
    if (!p) return false;
    if (isExportsPlumbing(id)) return false;
    if (declNameParents.has(p.kind) && (p.name === id || p.label === id || p.propertyName === id)) return false;
    for (let a = p; a; a = a.parent) {
      if (importish.has(a.kind)) return false;
      if (a.kind === S.SourceFile) break;
    }
    return true;
  }

  // The symbol a name stands for once aliases (imports, require bindings) and CommonJS export
  // objects (`module.exports = { Thing }`, `{ Thing: Thing }`) are followed.
  function resolve(sym) {
    for (let i = 0; sym && i < 8; i++) {
      let next;
      if (sym.flags & ts.SymbolFlags.Alias) {
        try {
          next = checker.getAliasedSymbol(sym);
        } catch (e) {
          next = undefined;
        }
      } else {
        const d = sym.valueDeclaration;
        if (d && d.kind === S.ShorthandPropertyAssignment) next = checker.getShorthandAssignmentValueSymbol(d);
        else if (d && d.kind === S.PropertyAssignment && d.initializer.kind === S.Identifier)
          next = checker.getSymbolAtLocation(d.initializer);
      }
      if (!next || next === sym) break;
      sym = next;
    }
    return sym;
  }
  function symbolAt(id) {
    if (id.parent && id.parent.kind === S.ShorthandPropertyAssignment && id.parent.name === id) {
      return resolve(checker.getShorthandAssignmentValueSymbol(id.parent));
    }
    return resolve(checker.getSymbolAtLocation(id));
  }
  const sameSymbol = (a, t) =>
    !!a && (a === t || (!!a.declarations && !!t.declarations && a.declarations.some((d) => t.declarations.includes(d))));

  const declarations = [];
  const groupOfSymbol = new Map();
  const groupSymbol = [];
  const groupAt = new Map(); // "file:pos" of a declaration name (or a constructor) -> group
  const ctorAt = new Set(); // the constructor positions among them
  const usageNodes = [];
  const usageAt = new Map(); // "file:pos" -> usage index

  for (const f of files) {
    const sf = program.getSourceFile(f);
    if (!sf) continue;
    const visit = (node) => {
      const kind = declKind(node);
      if (kind) {
        const sym = checker.getSymbolAtLocation(node.name);
        let group;
        if (sym && groupOfSymbol.has(sym)) {
          group = groupOfSymbol.get(sym);
        } else {
          group = groupSymbol.length;
          groupSymbol.push({ sym, file: f, pos: node.name.getStart(sf) });
          if (sym) groupOfSymbol.set(sym, group);
        }
        const [line, col] = where(sf, node.name.getStart(sf));
        declarations.push([rel(f), line, col, node.name.text, kind, group]);
        groupAt.set(`${f}:${node.name.getStart(sf)}`, group);
        if (node.kind === S.ClassDeclaration) {
          for (const m of node.members) {
            if (m.kind === S.Constructor) {
              for (const at of [m.getStart(sf), ...m.getChildren(sf).filter((c) => c.kind === S.ConstructorKeyword).map((c) => c.getStart(sf))]) {
                groupAt.set(`${f}:${at}`, group);
                ctorAt.add(`${f}:${at}`);
              }
            }
          }
        }
      }
      if (node.kind === S.Identifier && isUsage(node)) {
        usageAt.set(`${f}:${node.getStart(sf)}`, usageNodes.length);
        usageNodes.push([f, sf, node]);
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }

  const usages = [];
  for (const [f, sf, node] of usageNodes) {
    const pos = node.getStart(sf);
    const groups = new Set();
    let defs = [];
    try {
      defs = ls.getDefinitionAtPosition(f, pos) || [];
    } catch (e) {
      defs = [];
    }
    // A constructor counts as its class, unless a class is among the answers already (`new
    // Child()` without a constructor of its own lands on Child and on Base's constructor).
    const ctorGroups = new Set();
    for (const d of defs) {
      const file = path.resolve(root, d.fileName);
      if (!inRoot.has(file)) continue;
      const key = `${file}:${d.textSpan.start}`;
      const g = groupAt.get(key);
      if (g === undefined) continue;
      if (ctorAt.has(key)) ctorGroups.add(g);
      else groups.add(g);
    }
    if (!defs.some((d) => d.kind === "class")) for (const g of ctorGroups) groups.add(g);
    const [line, col] = where(sf, pos);
    usages.push([rel(f), line, col, node.text, [...groups].sort((a, b) => a - b)]);
  }

  const references = {};
  groupSymbol.forEach((g, gid) => {
    const keep = new Set();
    if (g.sym) {
      let found = [];
      try {
        found = ls.findReferences(g.file, g.pos) || [];
      } catch (e) {
        found = [];
      }
      for (const rs of found) {
        for (const r of rs.references) {
          const file = path.resolve(root, r.fileName);
          if (!inRoot.has(file)) continue;
          const ui = usageAt.get(`${file}:${r.textSpan.start}`);
          if (ui === undefined) continue;
          const [, , node] = usageNodes[ui];
          if (!sameSymbol(symbolAt(node), g.sym)) continue;
          const u = usages[ui];
          keep.add(`${u[0]}\u0000${u[1]}\u0000${u[2]}`);
        }
      }
    }
    references[gid] = [...keep].sort().map((k) => {
      const [p, l, c] = k.split("\u0000");
      return [p, Number(l), Number(c)];
    });
  });

  const out = {
    tool: `typescript ${ts.version}`,
    files: Object.fromEntries(files.map((f) => [rel(f), languageOf(f)])),
    declarations,
    usages,
    references,
    seconds: (Date.now() - t0) / 1000,
  };
  fs.writeFileSync(outPath, JSON.stringify(out));
}

main();
