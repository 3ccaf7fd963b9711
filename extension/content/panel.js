// The results on the page: a badge on each photo and a side panel (in the page, in a
// shadow root so the console's CSS cannot touch it) with findings, limits and reports.
(() => {
  const RP = globalThis.RP;
  if (RP.panel) return;

  const esc = RP.esc;
  const LEVEL_COLOURS = RP.LEVEL_COLOURS;

  const host = document.createElement("div");
  host.id = "refundproof-root";
  const root = host.attachShadow({ mode: "open" });
  root.innerHTML = `<style>${RP.CASE_CSS}</style><div class="panel" hidden><button class="close" title="关闭 / Close">×</button><div class="body"></div></div>`;
  const panel = root.querySelector(".panel");
  const body = root.querySelector(".body");
  root.querySelector(".close").onclick = () => (panel.hidden = true);
  const badgeLayer = document.createElement("div");
  badgeLayer.id = "refundproof-badges";
  badgeLayer.style.cssText = "position:absolute;left:0;top:0;width:0;height:0;z-index:2147483645;";

  const attach = () => {
    if (!host.isConnected) document.documentElement.append(host);
    if (!badgeLayer.isConnected) document.body.append(badgeLayer);
  };

  RP.panel = {
    message(html, kind = "") {
      attach();
      panel.hidden = false;
      body.innerHTML = `<h1>RefundProof 退款鉴证</h1><div class="${kind}">${html}</div>`;
    },
    error(err) {
      RP.panel.message(`${esc(err.zh)}<br><span class="note">${esc(err.en)}</span>`, "error status");
    },
    show(state) {
      attach();
      panel.hidden = false;
      body.innerHTML = RP.caseHtml(state);
      RP.wireCase(body, state.caseId);
    },
    hide() {
      panel.hidden = true;  // a new route is another refund: its answer is not this one
    },
    focus(sha) {
      const el = body.querySelector(`.photo[data-sha="${sha}"]`);
      panel.hidden = false;
      el?.scrollIntoView({ block: "start" });
    },
  };

  RP.badges = {
    clear() {
      badgeLayer.replaceChildren();
    },
    draw(items) {
      attach();
      for (const { el, photo, error } of items) {
        const r = el.getBoundingClientRect();
        const badge = document.createElement("div");
        badge.className = "refundproof-badge";
        const level = photo ? photo.verdict.level : "error";
        badge.dataset.level = level;
        if (photo) badge.dataset.sha = photo.sha256;
        badge.textContent = photo ? RP.badgeText(photo) : "未能核验";
        badge.title = photo ? photo.verdict.summary : `${error?.zh || ""} / ${error?.en || ""}`;
        badge.style.cssText = `position:absolute;left:${r.left + scrollX + 4}px;top:${r.top + scrollY + 4}px;` +
          `background:${LEVEL_COLOURS[level]};color:#fff;font:bold 12px/1.6 sans-serif;padding:1px 8px;border-radius:3px;` +
          `cursor:pointer;box-shadow:0 1px 4px rgba(0,0,0,.4);white-space:nowrap;`;
        el.style.outline = `3px solid ${LEVEL_COLOURS[level]}`;
        badge.onclick = () => photo && RP.panel.focus(photo.sha256);
        badgeLayer.append(badge);
      }
    },
  };

})();
