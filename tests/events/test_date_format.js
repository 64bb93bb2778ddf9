/* test_date_format.js: the web page formats event dates by the very cases the C rule is tested with. */
'use strict';
const assert = require('assert');
const fs = require('fs');
const path = require('path');

const root = path.resolve(process.argv[2] || '.');
const caveats = require(path.join(root, 'static', 'caveats.js'));
const cases = JSON.parse(fs.readFileSync(path.join(root, 'tests', 'events', 'date_format_cases.json'), 'utf8')).cases;
assert.ok(cases.length >= 8, 'too few cases');
let failed = 0;
const tables = {};
for (const c of cases) {
	const lang = c.lang || 'en';
	if (!tables[lang])
		tables[lang] = JSON.parse(fs.readFileSync(path.join(root, 'static', 'i18n', lang + '.json'), 'utf8')).dates;
	const got = caveats.formatDate(c.date, c.date_precision, c.date_text, tables[lang]);
	if (got !== c.text) {
		console.error(`FAIL ${lang} ${JSON.stringify(c.date)}: "${got}", expected "${c.text}"`);
		failed++;
	} else {
		console.log(`ok   ${lang} ${JSON.stringify(c.date)} -> ${got}`);
	}
}
/* The short line names each kind of caveat once. */
const line = caveats.shortLine([{ kind: 'contradiction', text: 'a' }, { kind: 'inaccuracy', text: 'b' },
	{ kind: 'inaccuracy', text: 'c' }, { kind: 'undated', text: 'd' }]);
assert.strictEqual(line, 'Caveats about the article: contradiction; inaccuracy (2); undated');
process.exit(failed ? 1 : 0);
