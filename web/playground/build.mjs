// Builds internal/playground/assets/graphiql.{js,css}: one minified script and one
// stylesheet, no CDN, no workers, no chunks, so the page works offline under
// "default-src 'none'; script-src 'self'; style-src 'self'".
import * as esbuild from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { mkdir, readFile, writeFile } from 'node:fs/promises';

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = path.resolve(here, '../../internal/playground/assets');

const stubGraphQLWS = {
  name: 'stub-graphql-ws',
  setup(build) {
    build.onResolve({ filter: /^graphql-ws$/ }, () => ({
      path: path.join(here, 'src/graphql-ws-stub.js'),
    }));
  },
};

// react-style-singleton appends <style> elements, which "style-src 'self'" blocks;
// swap its singleton for one that adopts a constructed stylesheet instead.
const cspSafeStyles = {
  name: 'csp-safe-style-singleton',
  setup(build) {
    build.onLoad({ filter: /[\\/]react-style-singleton[\\/]dist[\\/][^\\/]+[\\/]singleton\.js$/ }, async () => ({
      contents: await readFile(path.join(here, 'src/style-singleton-csp.js'), 'utf8'),
      loader: 'js',
    }));
  },
};

const result = await esbuild.build({
  entryPoints: { graphiql: path.join(here, 'src/index.jsx') },
  outdir,
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  legalComments: 'none',
  sourcemap: false,
  metafile: true,
  write: false,
  define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
  loader: { '.woff2': 'dataurl', '.woff': 'dataurl', '.svg': 'dataurl', '.png': 'dataurl' },
  plugins: [stubGraphQLWS, cspSafeStyles],
  logLevel: 'info',
});

// Refuse to write a bundle that would break under the CSP or load from elsewhere.
for (const out of result.outputFiles) {
  if (out.text.includes('createElement("style")')) {
    throw new Error(`${out.path} creates <style> elements (blocked by style-src 'self')`);
  }
  if (/importScripts|new (Shared)?Worker\(/.test(out.text)) {
    throw new Error(`${out.path} starts web workers`);
  }
}
await mkdir(outdir, { recursive: true });
for (const out of result.outputFiles) {
  await writeFile(out.path, out.contents);
}

for (const [file, info] of Object.entries(result.metafile.outputs)) {
  console.log(`${path.relative(here, file)}: ${info.bytes} bytes`);
}
