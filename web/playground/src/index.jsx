// Entry point of the embedded GraphiQL playground.
//
// The page carries no inline script (it is served under a strict CSP), so the
// GraphQL endpoint and the example to open on are read from the root element's
// data-endpoint and data-example attributes. The endpoint is relative to the
// page (Gatehouse may be served under a proxy's path prefix).
import React, { useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import 'graphiql/graphiql.css';
import './page.css';
import { examples, tokenOf } from './examples.js';

const root = document.getElementById('graphiql');
const endpoint = root.dataset.endpoint || './graphql';
const example = examples[root.dataset.example];

// A login's access token goes to the headers pane: tokenListener is set by
// the App below, lastHeaders are the headers the last request was sent with.
let tokenListener = null;
let lastHeaders = {};

const base = createGraphiQLFetcher({
  url: endpoint,
  // Cookie auth modes (cookie/session) need the browser's cookies; never send them cross-origin.
  fetch: async (input, init) => {
    const res = await fetch(input, { ...init, credentials: 'same-origin' });
    if (tokenListener && (res.headers.get('content-type') || '').includes('json')) {
      res.clone().json().then((body) => {
        const token = tokenOf(body);
        if (token) tokenListener(token);
      }, () => {});
    }
    return res;
  },
});

const fetcher = (params, opts) => {
  if (params.operationName !== 'IntrospectionQuery') lastHeaders = (opts && opts.headers) || {};
  return base(params, opts);
};

// Each endpoint keeps its own tabs: /graphql and /graphql/system share an
// origin, hence localStorage, but not a schema.
const namespace = 'gatehouse:' + new URL(endpoint, document.baseURI).pathname + ':';
const storage = {
  getItem: (k) => localStorage.getItem(namespace + k),
  setItem: (k, v) => localStorage.setItem(namespace + k, v),
  removeItem: (k) => localStorage.removeItem(namespace + k),
  clear: () => {
    for (const k of Object.keys(localStorage)) if (k.startsWith(namespace)) localStorage.removeItem(k);
  },
  get length() {
    return Object.keys(localStorage).filter((k) => k.startsWith(namespace)).length;
  },
};

function App() {
  const [headers, setHeaders] = useState(undefined);
  useEffect(() => {
    tokenListener = (token) => {
      const next = { ...lastHeaders, Authorization: 'Bearer ' + token };
      setHeaders(JSON.stringify(next, null, 2));
    };
    return () => {
      tokenListener = null;
    };
  }, []);
  return (
    <GraphiQL
      fetcher={fetcher}
      storage={storage}
      defaultQuery={example ? example.query : undefined}
      headers={headers}
      defaultEditorToolsVisibility={example ? 'headers' : false}
      isHeadersEditorEnabled={true}
    />
  );
}

createRoot(root).render(<App />);
