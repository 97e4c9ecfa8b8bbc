import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';

/** The pages: application/web (not compiled; the same folder from src/ and dist/src/). */
const here = path.dirname(fileURLToPath(import.meta.url));
export const WEB_ROOT = path.resolve(
  here,
  here.includes(`${path.sep}dist${path.sep}`) ? '../../../web' : '../../web',
);

/** Everything comes from this app: no CDN, no inline script (the policy forbids both). */
const POLICY = [
  "default-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self'",
  "script-src 'self'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/** Serves the web app at / and the chart library from node_modules at /vendor/. */
export function staticFiles(): Router {
  const router = express.Router();
  const require = createRequire(import.meta.url);
  // The package exports only its modules; the browser build sits beside them in dist/.
  const chartJs = path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js');
  router.use((req, res, next) => {
    if (!req.path.startsWith('/api/') && !req.path.startsWith('/peer/')) {
      res.setHeader('content-security-policy', POLICY);
      res.setHeader('x-content-type-options', 'nosniff');
      res.setHeader('referrer-policy', 'no-referrer');
    }
    next();
  });
  router.get('/vendor/chart.umd.min.js', (_req, res) => {
    res.sendFile(chartJs);
  });
  router.use(express.static(WEB_ROOT, { index: 'index.html', fallthrough: true, maxAge: 0 }));
  return router;
}
