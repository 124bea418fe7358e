import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** How a statement uses a table: `write` for INSERT, UPDATE, DELETE, TRUNCATE and DDL; `read` for FROM and JOIN. */
export type AccessKind = 'read' | 'write';

export interface TableAccess {
  table: string;
  kind: AccessKind;
  /** Repository-relative path and 1-based line of the string literal the SQL is in. */
  file: string;
  line: number;
}

const WRITE = /\b(?:insert\s+into|update|delete\s+from|truncate(?:\s+table)?|alter\s+table|drop\s+table(?:\s+if\s+exists)?|lock\s+table|copy)\s+(?:only\s+)?([a-z_][a-z0-9_]*)/gi;
const READ = /\b(?:from|join)\s+(?:only\s+)?([a-z_][a-z0-9_]*)/gi;

/**
 * The known tables one piece of SQL text touches, and how. Only names in `tables` count, so English in the text
 * ("from the log") and SQL words after FROM (`FOR UPDATE SKIP LOCKED`, `DELETE FROM`) are not tables. A table name
 * given as a name (`asTableName`: a retention policy's `table: 'drift_alerts'`, an entity's `@Entity('items')`) is
 * spliced into SQL as a whole table, so it counts as a write.
 */
export function tablesInSql(text: string, tables: ReadonlySet<string>, asTableName = false): { table: string; kind: AccessKind }[] {
  const found: { table: string; kind: AccessKind }[] = [];
  const name = text.trim().toLowerCase();
  if (asTableName) return tables.has(name) ? [{ table: name, kind: 'write' }] : [];
  const writeStarts = new Set<number>();
  for (const match of text.matchAll(WRITE)) {
    const table = match[1]!.toLowerCase();
    if (!tables.has(table)) continue;
    found.push({ table, kind: 'write' });
    // The FROM of "DELETE FROM t" is the write's, not a read of its own.
    writeStarts.add(match.index! + match[0].length - match[1]!.length);
  }
  for (const match of text.matchAll(READ)) {
    const table = match[1]!.toLowerCase();
    const start = match.index! + match[0].length - match[1]!.length;
    if (tables.has(table) && !writeStarts.has(start)) found.push({ table, kind: 'read' });
  }
  return found;
}

/**
 * The text of every string and template literal of a TypeScript source (a template's holes become `$x`), with its
 * line; `asTableName` when the literal names a table rather than holding SQL (`table: '…'`, `@Entity('…')`).
 */
export function stringLiterals(source: string, fileName = 'source.ts'): { text: string; line: number; asTableName: boolean }[] {
  return literalsOf(ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS));
}

function literalsOf(file: ts.SourceFile | undefined): { text: string; line: number; asTableName: boolean }[] {
  if (!file) return [];
  const out: { text: string; line: number; asTableName: boolean }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      out.push({ text: node.text, line: file.getLineAndCharacterOfPosition(node.getStart()).line + 1, asTableName: namesTable(node) });
    } else if (ts.isTemplateExpression(node)) {
      const text = node.head.text + node.templateSpans.map((span) => ` $x ${span.literal.text}`).join('');
      out.push({ text, line: file.getLineAndCharacterOfPosition(node.getStart()).line + 1, asTableName: namesTable(node) });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out;
}

function namesTable(node: ts.Node): boolean {
  const parent = node.parent;
  if (ts.isPropertyAssignment(parent)) return parent.initializer === node && /^(table|tableName)$/.test(parent.name.getText());
  return ts.isCallExpression(parent) && /^(Entity|ViewEntity)$/.test(parent.expression.getText()) && parent.arguments[0] === node;
}

/** Reads sources from disk; a test lays planted files over it. */
export interface SourceTree {
  root: string;
  read(path: string): string | undefined;
  list(dir: string): string[];
}

export function diskSourceTree(root: string, overlay: Record<string, string> = {}): SourceTree {
  const abs = (path: string) => resolve(root, path);
  const reads = new Map<string, string | undefined>();
  const readDisk = (path: string) => (existsSync(abs(path)) && statSync(abs(path)).isFile() ? readFileSync(abs(path), 'utf8') : undefined);
  return {
    root,
    read: (path) => {
      const key = relative(root, abs(path));
      if (!reads.has(key)) reads.set(key, overlay[key] ?? readDisk(key));
      return reads.get(key);
    },
    list: (dir) => {
      const walk = (d: string): string[] =>
        existsSync(abs(d))
          ? readdirSync(abs(d)).flatMap((name) => {
              const path = join(d, name);
              return statSync(abs(path)).isDirectory() ? walk(path) : [path];
            })
          : [];
      const planted = Object.keys(overlay).filter((path) => path.startsWith(`${dir}/`));
      return [...new Set([...walk(dir), ...planted])];
    },
  };
}

const TEST_FILE = /(\.spec|\.pg-spec|\.e2e-spec)\.ts$|\/testing\//;

/**
 * The production files a service runs: every non-test file of `services/<name>/src`, and the library files they reach.
 * A library is entered through its barrel by the names imported (`import { RewardModelsRepository } from
 * '@chorus/scoring'` reaches reward-models.repository.ts, not the whole library), then followed file by file;
 * type-only imports reach nothing, since they carry no SQL at run time.
 */
export function serviceFiles(tree: SourceTree, service: string): string[] {
  const start = tree.list(`services/${service}/src`).filter((path) => path.endsWith('.ts') && !TEST_FILE.test(path));
  const seen = new Set<string>();
  const queue = [...start];
  while (queue.length) {
    const path = queue.pop()!;
    if (seen.has(path)) continue;
    seen.add(path);
    for (const next of importedFiles(tree, path)) if (!seen.has(next)) queue.push(next);
  }
  return [...seen].sort();
}

/** Every table access in the SQL of the given files. */
export function tableAccesses(tree: SourceTree, files: readonly string[], tables: ReadonlySet<string>): TableAccess[] {
  return files.flatMap((file) =>
    literalsOf(parse(tree, file)).flatMap(({ text, line, asTableName }) => tablesInSql(text, tables, asTableName).map((access) => ({ ...access, file, line }))),
  );
}

const parsed = new WeakMap<SourceTree, Map<string, ts.SourceFile | undefined>>();

/** One parse per file and tree: barrels are consulted once per imported name. */
function parse(tree: SourceTree, path: string): ts.SourceFile | undefined {
  let files = parsed.get(tree);
  if (!files) parsed.set(tree, (files = new Map()));
  if (!files.has(path)) {
    const source = tree.read(path);
    files.set(path, source === undefined ? undefined : ts.createSourceFile(path, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS));
  }
  return files.get(path);
}

function resolveFile(tree: SourceTree, from: string, specifier: string): string | undefined {
  const base = join(dirname(from), specifier);
  return [`${base}.ts`, join(base, 'index.ts'), base].find((candidate) => candidate.endsWith('.ts') && tree.read(candidate) !== undefined);
}

function importedFiles(tree: SourceTree, path: string): string[] {
  const file = parse(tree, path);
  if (!file) return [];
  const out: string[] = [];
  for (const statement of file.statements) {
    if (!(ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) || !statement.moduleSpecifier) continue;
    if (!ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const specifier = statement.moduleSpecifier.text;
    const names = runtimeNames(statement);
    if (names?.length === 0) continue;
    if (specifier.startsWith('.')) {
      const target = resolveFile(tree, path, specifier);
      if (target) out.push(target);
    } else if (specifier.startsWith('@chorus/')) {
      const barrel = `libs/${specifier.slice('@chorus/'.length)}/src/index.ts`;
      out.push(...(names === undefined ? [barrel] : names.flatMap((name) => definingFiles(tree, barrel, name))));
    }
  }
  return out;
}

/** The value names a statement imports or re-exports; [] if type-only; undefined if all of the module (side effect, namespace, `export *`). */
function runtimeNames(statement: ts.ImportDeclaration | ts.ExportDeclaration): string[] | undefined {
  if (ts.isImportDeclaration(statement)) {
    const clause = statement.importClause;
    if (!clause) return undefined;
    if (clause.isTypeOnly) return [];
    const bindings = clause.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) return undefined;
    const names = bindings ? bindings.elements.filter((e) => !e.isTypeOnly).map((e) => (e.propertyName ?? e.name).text) : [];
    return clause.name ? [...names, 'default'] : names;
  }
  if (statement.isTypeOnly) return [];
  const clause = statement.exportClause;
  if (!clause || !ts.isNamedExports(clause)) return undefined;
  return clause.elements.filter((e) => !e.isTypeOnly).map((e) => (e.propertyName ?? e.name).text);
}

/** The file(s) of a library barrel that define `name`, following `export *` and `export { … } from`. */
function definingFiles(tree: SourceTree, barrel: string, name: string): string[] {
  const file = parse(tree, barrel);
  if (!file) return [];
  for (const statement of file.statements) {
    if (!ts.isExportDeclaration(statement) || !statement.moduleSpecifier || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const target = resolveFile(tree, barrel, statement.moduleSpecifier.text);
    if (!target) continue;
    const clause = statement.exportClause;
    if (clause && ts.isNamedExports(clause)) {
      if (clause.elements.some((e) => e.name.text === name)) return [target];
    } else if (declares(tree, target, name)) {
      return [target];
    } else if (target !== barrel && tree.read(target)?.includes('export *')) {
      const nested = definingFiles(tree, target, name);
      if (nested.length) return nested;
    }
  }
  return [];
}

function declares(tree: SourceTree, path: string, name: string): boolean {
  const file = parse(tree, path);
  return !!file && file.statements.some((statement) => {
    const exported = ts.canHaveModifiers(statement) && ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (!exported) return false;
    if (ts.isVariableStatement(statement)) return statement.declarationList.declarations.some((d) => ts.isIdentifier(d.name) && d.name.text === name);
    const named = statement as ts.Node & { name?: ts.Identifier };
    return named.name?.text === name;
  });
}

/** Tables and views the migrations create and do not drop again, in order: the schema whose ownership is declared. */
export function migratedTables(tree: SourceTree, dir = 'infra/database/migrations'): Set<string> {
  const tables = new Set<string>();
  const files = tree.list(dir).filter((path) => /\/\d+-[^/]+\.ts$/.test(path)).sort();
  for (const path of files) {
    const source = tree.read(path) ?? '';
    const up = source.slice(source.indexOf('async up('), source.indexOf('async down('));
    for (const match of up.matchAll(/\bcreate\s+(?:table|view|materialized\s+view)\s+(?:if\s+not\s+exists\s+)?([a-z_][a-z0-9_]*)/gi)) tables.add(match[1]!.toLowerCase());
    for (const match of up.matchAll(/\balter\s+table\s+([a-z_][a-z0-9_]*)\s+rename\s+to\s+([a-z_][a-z0-9_]*)/gi)) {
      tables.delete(match[1]!.toLowerCase());
      tables.add(match[2]!.toLowerCase());
    }
    for (const match of up.matchAll(/\bdrop\s+(?:table|view)\s+(?:if\s+exists\s+)?([a-z_][a-z0-9_]*)/gi)) tables.delete(match[1]!.toLowerCase());
  }
  return tables;
}
