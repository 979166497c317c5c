// Usage: node audit.mjs URL
//
// Runs the server audit of graphql-http (GraphQL over HTTP conformance)
// against URL, prints every audit with its result and exits non-zero when a
// MUST audit fails. SHOULD and MAY audits that fail are printed (WARN and
// NOTICE) but do not fail the run; api/README.md explains each of them.
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs URL');
  process.exit(2);
}

const label = { ok: 'PASS  ', warn: 'WARN  ', notice: 'NOTICE', error: 'FAIL  ' };
const results = [];
// One at a time, so the output is ordered and the server's worker pool is
// not the thing under test.
for (const { fn } of serverAudits({ url })) {
  results.push(await fn());
}

const counts = {};
for (const r of results) {
  const level = r.name.split(' ')[0];
  const key = `${level} ${r.status === 'ok' ? 'passed' : 'failed'}`;
  counts[key] = (counts[key] || 0) + 1;
  let line = `${label[r.status]} ${r.id} ${r.name}`;
  if (r.status !== 'ok') {
    let body = '';
    try {
      body = await r.response.text();
    } catch {}
    line += `\n         ${r.reason}: got ${r.response.status} ${body.slice(0, 200)}`;
  }
  console.log(line);
}
console.log('\nsummary:', Object.entries(counts).sort().map(([k, v]) => `${v} ${k}`).join(', '));

const failedMust = results.filter((r) => r.status === 'error');
if (failedMust.length > 0) {
  console.error(`${failedMust.length} MUST audit(s) failed`);
  process.exit(1);
}
