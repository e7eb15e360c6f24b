// Builds the web console into one directory that vigil serves (consoleDir):
//   index.html            written here, naming the hashed files below
//   assets/main-<hash>.js, main-<hash>.css, chunk-<hash>.js (hls.js, loaded on demand)
// Usage: node web/build.mjs [OUTDIR]   (default build/web, vigil's default consoleDir)
// Everything comes from node_modules (package-lock.json); nothing is fetched.
import * as esbuild from 'esbuild';
import { readFileSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = resolve(process.argv[2] || join(here, '..', 'build', 'web'));

rmSync(outdir, { recursive: true, force: true });
mkdirSync(join(outdir, 'assets'), { recursive: true });

const result = await esbuild.build({
  entryPoints: [join(here, 'src', 'main.jsx')],
  bundle: true,
  splitting: true, // hls.js is a chunk of its own, loaded only when a player falls back to HLS
  format: 'esm',
  minify: true,
  // Source maps (3 MB, four times the bundle) only on request: vigil reads
  // and gzips everything in consoleDir at every start. VIGIL_WEB_SOURCEMAP=1 node web/build.mjs
  sourcemap: process.env.VIGIL_WEB_SOURCEMAP === '1' ? 'linked' : false,
  // The browsers the README promises: current Chromium and Firefox, and phones.
  target: ['chrome109', 'firefox115', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: join(outdir, 'assets'),
  entryNames: '[name]-[hash]',
  chunkNames: 'chunk-[hash]',
  assetNames: '[name]-[hash]',
  loader: { '.svg': 'file' },
  metafile: true,
  logLevel: 'warning',
  legalComments: 'linked',
});

// index.html names the entry's hashed files; they are cached for a year, index.html never.
let js = null, css = null;
for (const [file, meta] of Object.entries(result.metafile.outputs)) {
  // A dynamic import() (hls.js) is an entry point of its own in the metafile: only main.jsx counts.
  if (!meta.entryPoint || !meta.entryPoint.endsWith('src/main.jsx')) continue;
  js = '/' + relative(outdir, resolve(file));
  if (meta.cssBundle) css = '/' + relative(outdir, resolve(meta.cssBundle));
}
if (!js) throw new Error('build: esbuild wrote no entry point');
const template = readFileSync(join(here, 'src', 'index.html'), 'utf8');
const html = template
  .replace('%CSS%', css ? `<link rel="stylesheet" href="${css}">` : '')
  .replace('%JS%', `<script type="module" src="${js}"></script>`);
writeFileSync(join(outdir, 'index.html'), html);
writeFileSync(join(outdir, 'favicon.svg'), readFileSync(join(here, 'src', 'favicon.svg')));

const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`web: ${relative(process.cwd(), outdir) || '.'} (${(bytes / 1024).toFixed(0)} KiB, entry ${js})`);
