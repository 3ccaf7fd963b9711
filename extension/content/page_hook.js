// Runs in the console page's own world (manifest: "world": "MAIN"), before its scripts: the
// JSON answers of the page's requests about a refund (千牛 asks mtop …disputedetail, 拼多多
// /mercury/…afterSales…) are handed to the extension's content script by postMessage. It
// reads answers only (fetch, XHR and JSONP); it never sends a request or changes one.
(() => {
  if (window.__refundproofHook) return;
  window.__refundproofHook = true;
  const WANTED = /refund|dispute|after_?sales?|afs/i;
  const MAX = 2_000_000;
  // kept, so a content script that starts after the answers came (document_idle) can ask
  // for them again
  const kept = [];
  const post = (m) => window.postMessage(m, "/");
  const pass = (url, text) => {
    if (typeof text !== "string" || !text || text.length > MAX) return;
    const m = { refundproof: "page-data", url: String(url), href: location.href, text };
    kept.push(m);
    if (kept.length > 20) kept.shift();
    post(m);
  };
  window.addEventListener("message", (e) => {
    if (e.source === window && e.data?.refundproof === "page-data-replay") kept.forEach(post);
  });

  const originalFetch = window.fetch;
  if (originalFetch) {
    window.fetch = function (input, init) {
      const promise = originalFetch.apply(this, arguments);
      const url = typeof input === "string" ? input : input?.url || String(input);
      if (WANTED.test(url)) {
        promise
          .then((r) => (/json|javascript|text/i.test(r.headers.get("content-type") || "") ? r.clone().text() : null))
          .then((text) => text && pass(url, text))
          .catch(() => {});
      }
      return promise;
    };
  }

  // lib-mtop often asks by JSONP: a <script src="…&callback=mtopjsonp3"> and a global
  // function of that name, defined before the script is added. The function is wrapped
  // when the script is added, which is before the answer arrives and calls it.
  const watch = (script) => {
    const src = script.src || "";
    if (!WANTED.test(src)) return;
    let name = null;
    try {
      name = new URL(src, location.href).searchParams.get("callback");
    } catch {}
    const original = name && /^[\w$]+$/.test(name) ? window[name] : null;
    if (typeof original !== "function" || original.__refundproof) return;
    const wrapped = function (data) {
      try {
        pass(src, JSON.stringify(data));
      } catch {}
      return original.apply(this, arguments);
    };
    wrapped.__refundproof = true;
    window[name] = wrapped;
  };
  new MutationObserver((records) => {
    for (const r of records) for (const node of r.addedNodes) if (node.nodeName === "SCRIPT") watch(node);
  }).observe(document, { childList: true, subtree: true });

  const open = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (method, url) {
    if (WANTED.test(String(url))) {
      this.addEventListener("load", () => {
        if (this.responseType === "" || this.responseType === "text") pass(url, this.responseText);
        else if (this.responseType === "json" && this.response) pass(url, JSON.stringify(this.response));
      });
    }
    return open.apply(this, arguments);
  };
})();
