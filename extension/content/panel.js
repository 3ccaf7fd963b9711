// The results on the page: a badge on each photo and a side panel (in the page, in a
// shadow root so the console's CSS cannot touch it) with findings, limits and reports.
(() => {
  const RP = globalThis.RP;
  if (RP.panel) return;

  const LEVEL_COLOURS = RP.LEVEL_COLOURS;

  // In a frame inside the console (京麦's iframe), the panel is the top frame's: every call
  // goes there through the background worker; badges stay on this frame's pictures.
  if (!RP.isTop) {
    const forward = (call) => (...args) => RP.send({ type: "rp:top", call, args }).catch(() => {});
    RP.panel = { message: forward("message"), error: forward("error"), show: forward("show"), hide: forward("hide"), focus: forward("focus") };
  }

  const host = document.createElement("div");
  host.id = "refundproof-root";
  const root = host.attachShadow({ mode: "open" });
  root.innerHTML = `<style>${RP.CASE_CSS}</style><div class="panel" hidden><div class="bar">` +
    `<button class="dock"></button><button class="fold"></button><button class="close">×</button></div><div class="body"></div></div>`;
  const panel = root.querySelector(".panel");
  const body = root.querySelector(".body");
  const [dock, fold, close] = ["dock", "fold", "close"].map((c) => root.querySelector(`.${c}`));
  // The panel must never hide the console's own buttons: it folds to a narrow tab and docks
  // on either side; the seller's choice is kept for the next refund.
  const layout = { side: "right", folded: false };
  const applyLayout = () => {
    panel.classList.toggle("left", layout.side === "left");
    panel.classList.toggle("collapsed", layout.folded);
    dock.textContent = layout.side === "left" ? RP.t("靠右", "Right") : RP.t("靠左", "Left");
    fold.textContent = layout.folded ? RP.t("展开", "Open") : RP.t("收起", "Fold");
    close.title = RP.t("关闭", "Close");
  };
  chrome.storage.local.get("panelLayout").then((s) => {
    Object.assign(layout, s.panelLayout || {});
    applyLayout();
  }).catch(() => {});
  const setLayout = (change) => {
    Object.assign(layout, change);
    applyLayout();
    chrome.storage.local.set({ panelLayout: layout }).catch(() => {});
  };
  dock.onclick = () => setLayout({ side: layout.side === "left" ? "right" : "left" });
  fold.onclick = () => setLayout({ folded: !layout.folded });
  close.onclick = () => (panel.hidden = true);
  const badgeLayer = document.createElement("div");
  badgeLayer.id = "refundproof-badges";
  badgeLayer.style.cssText = "position:absolute;left:0;top:0;width:0;height:0;z-index:2147483645;";

  const attach = () => {
    if (RP.isTop && !host.isConnected) document.documentElement.append(host);
    if (!badgeLayer.isConnected) document.body.append(badgeLayer);
  };

  const open = () => {
    attach();
    applyLayout();
    panel.hidden = false;
  };

  if (RP.isTop) {
    RP.panel = {
      message(html, kind = "") {
        open();
        body.innerHTML = `<h1>RefundProof ${RP.t("退款鉴证", "")}</h1><div class="${kind}">${html}</div>`;
      },
      error(err) {
        RP.panel.message(`${RP.esc(RP.say(err))}<br><button class="retry">${RP.t("重试", "Try again")}</button>`, "error status");
        body.querySelector("button.retry").onclick = () => RP.retry?.();
      },
      show(state) {
        open();
        body.innerHTML = RP.caseHtml(state);
        RP.wireCase(body, state.caseId);
      },
      hide() {
        panel.hidden = true;  // a new route is another refund: its answer is not this one
      },
      focus(sha) {
        open();
        if (layout.folded) setLayout({ folded: false });
        body.querySelector(`.photo[data-sha="${sha}"]`)?.scrollIntoView({ block: "start" });
      },
    };
  }

  // A badge stays inside its photo, whole: on a thumbnail of about 80 px (the consoles'
  // size) the full words get smaller, then shorter, then wrap; where nothing fits, a dot in
  // the verdict's colour, its words in the title. Inside its own photo it never covers a
  // neighbour's badge.
  const INSET = 4;
  const FITS = [ // words, px, padding, one line
    ["full", 12, 8, true], ["full", 11, 4, true], ["short", 11, 4, true],
    ["full", 11, 4, false], ["short", 10, 3, false],
  ];
  const fit = (badge, words, r) => {
    const room = [r.width - 2 * INSET, r.height - 2 * INSET];
    for (const [which, size, pad, oneLine] of FITS) {
      badge.textContent = RP.t(...(which === "short" ? RP.shortWords(words) : words));
      badge.style.font = `bold ${size}px/1.3 sans-serif`;
      badge.style.padding = `1px ${pad}px`;
      badge.style.whiteSpace = oneLine ? "nowrap" : "normal";
      badge.style.maxWidth = `${Math.max(room[0], 0)}px`;
      const box = badge.getBoundingClientRect();
      if (box.width <= room[0] + 0.5 && box.height <= room[1] + 0.5 && badge.scrollWidth <= badge.clientWidth) return;
    }
    badge.textContent = "";
    Object.assign(badge.style, { width: "10px", height: "10px", padding: "0", borderRadius: "50%", maxWidth: "" });
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
        const words = photo ? RP.badgeWords(photo) : ["未能核验", "Not verified"];
        badge.title = `${RP.t(...words)}${RP.t("：", ": ")}${photo ? photo.verdict.summary : RP.say(error)}`;
        badge.style.cssText = `position:absolute;left:${r.left + scrollX + INSET}px;top:${r.top + scrollY + INSET}px;` +
          `background:${LEVEL_COLOURS[level]};color:#fff;border-radius:3px;box-sizing:border-box;` +
          `cursor:pointer;box-shadow:0 1px 4px rgba(0,0,0,.4);white-space:normal;width:max-content;`;
        badgeLayer.append(badge);
        fit(badge, words, r);
        el.style.outline = `3px solid ${LEVEL_COLOURS[level]}`;
        badge.onclick = () => photo && RP.panel.focus(photo.sha256);
      }
    },
  };

})();
