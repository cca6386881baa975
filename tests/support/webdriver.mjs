// A minimal W3C WebDriver client over fetch: enough to drive tauri-driver without downloading
// anything (no webdriverio, no selenium). https://www.w3.org/TR/webdriver2/
import { setTimeout as sleep } from "node:timers/promises";

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

async function call(base, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let value;
  try {
    ({ value } = JSON.parse(text));
  } catch {
    throw new Error(`${method} ${path}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  }
  if (!res.ok || (value && typeof value === "object" && "error" in value)) {
    throw new Error(`${method} ${path}: ${value?.error ?? res.status}: ${value?.message ?? text}`);
  }
  return value;
}

/** Polls the driver's /status until it reports ready, or throws after `timeoutMs`. */
export async function waitForDriver(base, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${base}/status`);
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err.cause?.code ?? String(err);
    }
    await sleep(200);
  }
  throw new Error(`WebDriver at ${base} not ready after ${timeoutMs} ms (${last})`);
}

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  /** Starts a session with the given capabilities (W3C `alwaysMatch`). */
  static async start(base, capabilities) {
    const value = await call(base, "POST", "/session", {
      capabilities: { alwaysMatch: capabilities },
    });
    return new Session(base, value.sessionId);
  }

  cmd(method, path, body) {
    return call(this.base, method, `/session/${this.id}${path}`, body);
  }

  /** Finds the first element matching a CSS selector, waiting up to `timeoutMs` for it. */
  async find(css, timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const value = await this.cmd("POST", "/element", { using: "css selector", value: css });
        return value[ELEMENT];
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`no element matches ${css}: ${err.message}`);
        await sleep(200);
      }
    }
  }

  async findAll(css) {
    const values = await this.cmd("POST", "/elements", { using: "css selector", value: css });
    return values.map((v) => v[ELEMENT]);
  }

  text(element) {
    return this.cmd("GET", `/element/${element}/text`);
  }

  attribute(element, name) {
    return this.cmd("GET", `/element/${element}/attribute/${encodeURIComponent(name)}`);
  }

  click(element) {
    return this.cmd("POST", `/element/${element}/click`, {});
  }

  /** Clears a text field and types `text` into it, as a person would. */
  async type(element, text) {
    await this.cmd("POST", `/element/${element}/clear`, {});
    return this.cmd("POST", `/element/${element}/value`, { text });
  }

  /** Waits until `fn` (polled) returns a truthy value; returns it. */
  async until(what, fn, timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    let last;
    for (;;) {
      try {
        const value = await fn();
        if (value) return value;
        last = value;
      } catch (err) {
        last = err.message;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${last})`);
      await sleep(200);
    }
  }

  /** Runs `script` (a function body) in the page and returns its result. */
  execute(script, args = []) {
    return this.cmd("POST", "/execute/sync", { script, args });
  }

  /** A PNG of the page, as a Buffer. */
  async screenshot() {
    return Buffer.from(await this.cmd("GET", "/screenshot"), "base64");
  }

  async quit() {
    await call(this.base, "DELETE", `/session/${this.id}`);
  }
}
