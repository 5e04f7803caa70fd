// `tsx test/support/make-pgdata-template.ts DIR`: the empty-database template the test runner shares with every
// test process (see pgdata-template.ts).
import { makePgdataTemplate } from './pgdata-template.js';

const root = process.argv[2];
if (!root) {
  console.error('usage: make-pgdata-template.ts DIR');
  process.exit(2);
}
await makePgdataTemplate(root);
