import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diskSourceTree, migratedTables, serviceFiles, stringLiterals, tableAccesses, tablesInSql, type SourceTree } from './sql-table-access';
import { ownershipViolation, SERVICES, TABLE_OWNERSHIP, type OwnershipViolation } from './table-ownership';

const ROOT = resolve(__dirname, '../../..');

/** Every access of every service's SQL that its declared ownership does not allow. */
function violations(tree: SourceTree): OwnershipViolation[] {
  const tables = migratedTables(tree);
  return SERVICES.flatMap((service) =>
    tableAccesses(tree, serviceFiles(tree, service), tables).flatMap((access) => {
      const reason = ownershipViolation(TABLE_OWNERSHIP, service, access);
      return reason ? [{ service, ...access, reason }] : [];
    }),
  );
}

const describeViolation = (v: OwnershipViolation) => `${v.service} ${v.kind}s ${v.table} at ${v.file}:${v.line}: ${v.reason}`;

// Parsing every service's files takes seconds on the shared machine; each planted tree parses them again.
describe('table ownership (issue #11 part 5): each table has one owner', { timeout: 60_000 }, () => {
  const tree = diskSourceTree(ROOT);
  const tables = migratedTables(tree);

  it('declares every table and view the migrations leave, and nothing else', () => {
    expect([...tables].sort()).toEqual(Object.keys(TABLE_OWNERSHIP).sort());
    expect(tables.has('drift_alert_acknowledgements')).toBe(true);
  });

  it('no service touches a table its declaration does not allow', () => {
    expect(violations(tree).map(describeViolation)).toEqual([]);
  });

  it('reads the SQL each service really runs: its own repositories and the library files it imports by name', () => {
    const accesses = (service: (typeof SERVICES)[number]) => tableAccesses(tree, serviceFiles(tree, service), tables);
    const gateway = accesses('gateway');
    expect(gateway).toContainEqual(expect.objectContaining({ table: 'drift_alert_acknowledgements', kind: 'write', file: 'services/gateway/src/persistence/drift-alerts.repository.ts' }));
    expect(gateway).toContainEqual(expect.objectContaining({ table: 'calibrated_lists', kind: 'read' }));
    // The reranker reads the learner's models through the scoring library it imports, and that is followed.
    expect(accesses('reranker')).toContainEqual(expect.objectContaining({ table: 'user_models', kind: 'read' }));
    // A retention policy names its table instead of holding SQL: a write.
    expect(accesses('drift-watch')).toContainEqual(expect.objectContaining({ table: 'drift_user_series', kind: 'write', file: 'services/drift-watch/src/persistence/retention.policy.ts' }));
    // Nothing reaches the learner's tables from the notifier.
    expect(accesses('notifier').map((a) => a.table)).not.toContain('user_models');
  });

  it('fails on a planted violation: the gateway writing drift-watch alerts again', () => {
    const planted = diskSourceTree(ROOT, {
      'services/gateway/src/persistence/planted.repository.ts': `
        export class Planted {
          constructor(private readonly db: { query(sql: string, params: unknown[]): Promise<unknown> }) {}
          acknowledge(id: string) { return this.db.query(\`UPDATE drift_alerts SET last_value = 0 WHERE alert_id = $1\`, [id]); }
        }`,
    });
    expect(violations(planted).map(describeViolation)).toEqual([
      'gateway writes drift_alerts at services/gateway/src/persistence/planted.repository.ts:4: drift_alerts is owned by drift-watch; only its owner writes it',
    ]);
  });

  it('fails on a planted read by a service that is not a declared reader, and on a write to a shared table outside its adapter', () => {
    const planted = diskSourceTree(ROOT, {
      'services/notifier/src/persistence/planted.repository.ts': "export const sql = 'SELECT * FROM calibrated_lists c JOIN items i ON i.item_id = c.user_id';",
      'services/learner/src/persistence/planted-outbox.ts': "export const sql = 'DELETE FROM dead_letter_outbox WHERE group_id = $1';",
    });
    expect(violations(planted).map(describeViolation)).toEqual([
      'learner writes dead_letter_outbox at services/learner/src/persistence/planted-outbox.ts:1: dead_letter_outbox is written only through libs/platform/src/transport/dead-letter.outbox.ts',
      'notifier reads calibrated_lists at services/notifier/src/persistence/planted.repository.ts:1: notifier is not a declared reader of calibrated_lists (owner reranker)',
      'notifier reads items at services/notifier/src/persistence/planted.repository.ts:1: notifier is not a declared reader of items (owner gateway)',
    ]);
  });

  it('fails when a service imports a library class whose SQL writes a table it does not own', () => {
    const planted = diskSourceTree(ROOT, {
      'services/notifier/src/planted-import.ts': "import { DriftAlertsRepositoryPlanted } from '@chorus/platform';\nexport const use = DriftAlertsRepositoryPlanted;",
      'libs/platform/src/planted/drift-alerts.planted.ts': 'export class DriftAlertsRepositoryPlanted { sql = `DELETE FROM drift_alerts WHERE alert_id = $1`; }',
      'libs/platform/src/index.ts': `${tree.read('libs/platform/src/index.ts')}\nexport * from './planted/drift-alerts.planted';\n`,
    });
    expect(violations(planted).map(describeViolation)).toEqual([
      'notifier writes drift_alerts at libs/platform/src/planted/drift-alerts.planted.ts:1: drift_alerts is owned by drift-watch; only its owner writes it',
    ]);
  });

  it('fails when a migration adds a table nobody declared', () => {
    const planted = diskSourceTree(ROOT, {
      'infra/database/migrations/1799999999999-planted.ts': 'export class P { async up(db) { await db.query(`CREATE TABLE orphan_rows (id int)`); }\n async down(db) { await db.query(`DROP TABLE orphan_rows`); } }',
    });
    expect([...migratedTables(planted)]).toContain('orphan_rows');
    expect(Object.keys(TABLE_OWNERSHIP)).not.toContain('orphan_rows');
  });
});

describe('reading SQL out of TypeScript', () => {
  const tables = new Set(['items', 'user_models', 'drift_alerts', 'consumer_offsets']);

  it('tells writes from reads, and ignores words that only look like tables', () => {
    expect(tablesInSql('INSERT INTO items (item_id) SELECT item_id FROM user_models', tables)).toEqual([
      { table: 'items', kind: 'write' },
      { table: 'user_models', kind: 'read' },
    ]);
    expect(tablesInSql('delete from drift_alerts where ctid = any(array(select ctid from drift_alerts t for update skip locked))', tables)).toEqual([
      { table: 'drift_alerts', kind: 'write' },
      { table: 'drift_alerts', kind: 'read' },
    ]);
    expect(tablesInSql('UPDATE consumer_offsets c SET next_offset = t.next FROM unnest($1::int[]) t', tables)).toEqual([{ table: 'consumer_offsets', kind: 'write' }]);
    expect(tablesInSql('TRUNCATE items', tables)).toEqual([{ table: 'items', kind: 'write' }]);
    expect(tablesInSql('the items from the log', tables)).toEqual([]);
    expect(tablesInSql('items', tables)).toEqual([]);
    expect(tablesInSql('items', tables, true)).toEqual([{ table: 'items', kind: 'write' }]);
  });

  it('finds strings, templates (holes as placeholders) and table names given as names', () => {
    const literals = stringLiterals("const a = 'SELECT 1';\nconst b = `SELECT * FROM ${t} JOIN items`;\nconst c = { table: 'items' };\n@Entity('user_models') class X {}");
    expect(literals).toEqual([
      { text: 'SELECT 1', line: 1, asTableName: false },
      { text: 'SELECT * FROM  $x  JOIN items', line: 2, asTableName: false },
      { text: 'items', line: 3, asTableName: true },
      { text: 'user_models', line: 4, asTableName: true },
    ]);
  });
});
