// A tiny same-origin server that fails on purpose, for the browser tests of the UI's error
// states (the real backend, tests/support/serve.mjs, serves everything else): it serves ui/dist
// and answers /api/app_info with a fixed, clearly labelled test answer, or every /api route with
// the error it is given.
import { readFile, stat } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, normalize, sep } from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
};

/** What this server says at /api/app_info; the browser test checks the UI shows exactly this. */
export const STATIC_APP_INFO = {
  version: "0.0.0-static-test-server",
  db_path: "/nonexistent/static-test-server/trailview.db",
  store_error: null,
};

function json(res, status, body) {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

/**
 * Starts the server on a free loopback port; resolves to `{url, close()}`.
 * `appInfo` replaces the /api/app_info answer; `apiError` ({status, code, message}) makes every
 * /api route fail with it, to show the UI's error states.
 */
export async function startStaticServer(root, { appInfo = STATIC_APP_INFO, apiError } = {}) {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (apiError && url.pathname.startsWith("/api/")) {
      return json(res, apiError.status, { code: apiError.code, message: apiError.message });
    }
    if (url.pathname === "/api/app_info") return json(res, 200, appInfo);
    if (url.pathname.startsWith("/api/")) {
      return json(res, 404, { code: "not_found", message: `no such command: ${url.pathname}` });
    }
    // Resolve inside root only; anything else, or a path without a file, gets index.html.
    const relative = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, "");
    let file = join(root, relative);
    if (!file.startsWith(root + sep) || !(await stat(file).catch(() => null))?.isFile()) {
      file = join(root, "index.html");
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(500).end();
    }
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((ok) => server.close(ok)),
  };
}
