// Entry point of the embedded GraphiQL playground.
//
// The page carries no inline script (it is served under a strict CSP), so the
// GraphQL endpoint is read from the root element's data-endpoint attribute.
import React from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import 'graphiql/graphiql.css';
import './page.css';

const root = document.getElementById('graphiql');
const endpoint = root.dataset.endpoint || '/graphql';

const fetcher = createGraphiQLFetcher({
  url: endpoint,
  // Cookie auth modes (cookie/session) need the browser's cookies; never send them cross-origin.
  fetch: (input, init) => fetch(input, { ...init, credentials: 'same-origin' }),
});

createRoot(root).render(
  <GraphiQL fetcher={fetcher} defaultEditorToolsVisibility={false} isHeadersEditorEnabled={true} />,
);
