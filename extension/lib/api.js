// Talking to the local RefundProof server. Only the background worker and extension pages
// call this: pages cannot reach 127.0.0.1 themselves, and the token never enters a page.

export const DEFAULT_SERVER = "http://127.0.0.1:8765";

export async function settings() {
  const s = await chrome.storage.local.get(["server", "token"]);
  return { server: (s.server || DEFAULT_SERVER).replace(/\/+$/, ""), token: s.token || "" };
}

export class ApiError extends Error {
  constructor(code, zh, en, status = 0) {
    super(en);
    this.code = code;
    this.zh = zh;
    this.en = en;
    this.status = status;
  }
  toJSON() {
    return { code: this.code, zh: this.zh, en: this.en, status: this.status };
  }
}

export const NOT_RUNNING = (server) =>
  new ApiError(
    "server_down",
    `连不上本机的 RefundProof 服务（${server}）。请运行 refundproof serve（refundproof service install 让它开机自动运行；开发者在项目文件夹里运行 make run），再试一次。换了端口请在扩展的设置页改服务地址。`,
    `Cannot reach the RefundProof server on this computer (${server}). Run: refundproof serve (refundproof service install starts it with the computer; developers run make run in the project folder), then try again. On another port, change the server address on the extension's options page.`,
  );

export async function call(path, { method = "GET", json, body, raw = false } = {}) {
  const { server, token } = await settings();
  const headers = {};
  if (token) headers["X-RefundProof-Token"] = token;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  }
  let response;
  try {
    response = await fetch(server + path, { method, headers, body });
  } catch {
    throw NOT_RUNNING(server);
  }
  if (!response.ok) {
    let err = {};
    try {
      err = await response.json();
    } catch {}
    if (response.status === 401 || (response.status === 403 && err.error === "origin")) {
      throw new ApiError(
        "not_paired",
        "扩展还没有与本机服务配对：运行 refundproof pair（开发者：make pair），把显示的 6 位配对码填进扩展的设置页。",
        "The extension is not paired with the server: run refundproof pair (developers: make pair), and type the 6-digit code it shows on the extension's options page.",
        response.status,
      );
    }
    throw new ApiError(
      err.error || "http_" + response.status,
      err.message || `服务器错误（HTTP ${response.status}）。`,
      err.message_en || `Server error (HTTP ${response.status}).`,
      response.status,
    );
  }
  return raw ? response : response.json();
}

export async function health() {
  const { server, token } = await settings();
  try {
    const r = await fetch(server + "/api/health");
    if (!r.ok) return { running: false, paired: false, server };
  } catch {
    return { running: false, paired: false, server };
  }
  let paired = false;
  if (token) {
    try {
      await call("/api/cases");
      paired = true;
    } catch {}
  }
  return { running: true, paired, server };
}

export async function pair(code) {
  const { server } = await settings();
  let r;
  try {
    r = await fetch(server + "/api/pair", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ code }),
    });
  } catch {
    throw NOT_RUNNING(server);
  }
  const data = await r.json();
  if (!r.ok) throw new ApiError(data.error, data.message, data.message_en, r.status);
  await chrome.storage.local.set({ token: data.token });
  return data;
}

// who the reports name (shop, operator, a contact for the police): a report is refused
// (409 shop_unset) until the shop is set
export const identity = () => call("/api/settings");
export const setIdentity = (values) => call("/api/settings", { method: "PATCH", json: values });

// a server started with --port N: the address the options page stores
export const serverForPort = (port) => `http://127.0.0.1:${port}`;
