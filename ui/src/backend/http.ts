import type { AppInfo } from "../bindings/AppInfo";
import { type Backend, BackendError, isCommandError } from "./types";

/**
 * The browser's backend: `GET {base}/api/<command>` on the same origin that served the page
 * (`trailview serve`). Responses are JSON; a non-2xx answer carries `{code, message}`.
 */
export class HttpBackend implements Backend {
  readonly kind = "http";

  constructor(
    private readonly base = "",
    private readonly fetchFn: typeof fetch = (input, init) => fetch(input, init),
  ) {}

  appInfo(): Promise<AppInfo> {
    return this.get<AppInfo>("app_info");
  }

  private async get<T>(command: string, params?: Record<string, string>): Promise<T> {
    const query = params ? `?${new URLSearchParams(params).toString()}` : "";
    const url = `${this.base}/api/${command}${query}`;
    let response: Response;
    try {
      response = await this.fetchFn(url, { headers: { Accept: "application/json" } });
    } catch (err: unknown) {
      throw new BackendError("unreachable", `Could not reach ${url}: ${String(err)}`);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new BackendError(
        "bad_response",
        `${url} answered ${response.status} without JSON; is this page served by \`trailview serve\`?`,
      );
    }
    if (!response.ok) {
      if (isCommandError(body)) throw new BackendError(body.code, body.message);
      throw new BackendError("bad_response", `${url} answered ${response.status}`);
    }
    return body as T;
  }
}
