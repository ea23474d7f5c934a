// graphql-http's GraphQL-over-HTTP server audits against one endpoint.
//
//   node audit.mjs http://127.0.0.1:8055/graphql
//
// Prints one JSON array: every audit's id, name, status (ok, notice, warn,
// error) and, for a failure, the reason with the response's status,
// content type and body. compat/graphqlhttp_test.go judges the results.
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs URL');
  process.exit(2);
}

const results = [];
for (const audit of serverAudits({ url })) {
  const r = await audit.fn();
  const out = { id: r.id, name: r.name, status: r.status };
  if (r.status !== 'ok') {
    out.reason = r.reason;
    const res = r.response;
    out.response = {
      status: res.status,
      contentType: res.headers.get('content-type'),
      body: res.bodyUsed ? '(read by the audit)' : await res.text(),
    };
  }
  results.push(out);
}
console.log(JSON.stringify(results));
