// The generic picker, on any page: images are outlined; a click cycles a photo through
// 退款凭证 (refund evidence) → 商品图 (listing) → not chosen. The order number can be typed.
// Words in the seller's language only (RP.t).
(() => {
  const RP = globalThis.RP;
  if (RP.picker) return;
  const ROLES = [null, "evidence", "listing"];
  const LOOK = { evidence: ["#b00020", ["凭证", "evidence"]], listing: ["#1d6fb8", ["商品图", "listing"]] };

  RP.picker = {
    active: false,
    start(prefill = {}, note = "", unreadable = []) {
      if (RP.picker.active) return;
      RP.picker.active = true;
      const chosen = new Map();
      const images = [...document.images].filter((img) => {
        const r = img.getBoundingClientRect();
        return r.width >= 60 && r.height >= 60 && !img.closest("#refundproof-root");
      });
      const marks = [];
      for (const img of images) {
        img.dataset.rpPick = "0";
        img.style.outline = "3px dashed #888";
        img.style.cursor = "pointer";
        const onClick = (e) => {
          e.preventDefault();
          e.stopPropagation();
          const next = (Number(img.dataset.rpPick) + 1) % ROLES.length;
          img.dataset.rpPick = String(next);
          const role = ROLES[next];
          if (role) chosen.set(img, role);
          else chosen.delete(img);
          img.style.outline = role ? `4px solid ${LOOK[role][0]}` : "3px dashed #888";
          img.title = role ? RP.t(...LOOK[role][1]) : "";
        };
        img.addEventListener("click", onClick, true);
        marks.push([img, onClick]);
      }
      const bar = document.createElement("div");
      bar.id = "refundproof-picker";
      bar.style.cssText = "position:fixed;left:50%;top:8px;transform:translateX(-50%);z-index:2147483647;background:#fff;border:2px solid #333;padding:8px 12px;font:13px sans-serif;box-shadow:0 2px 10px rgba(0,0,0,.3)";
      const t = RP.t;
      bar.innerHTML = `<div>${note ? `<div style="color:#b00020">${RP.esc(note)}</div>` : ""}${t("点击图片选择：第一次 = 退款凭证，第二次 = 商品图，第三次 = 取消。", "Click an image: once = refund evidence, twice = listing photo, three times = none.")}</div>
        <label>${t("订单编号", "Order number")} <input name="order_id" size="24"></label>
        <button class="rp-go">${t("核验所选图片", "Verify selected")}</button> <button class="rp-cancel">${t("取消", "Cancel")}</button>`;
      bar.querySelector("input").value = prefill.order_id || "";
      document.body.append(bar);
      const stop = () => {
        for (const [img, fn] of marks) {
          img.removeEventListener("click", fn, true);
          img.style.outline = "";
          img.style.cursor = "";
        }
        bar.remove();
        RP.picker.active = false;
      };
      bar.querySelector(".rp-cancel").onclick = stop;
      bar.querySelector(".rp-go").onclick = () => {
        if (![...chosen.values()].includes("evidence")) {
          alert(RP.t("请至少选择一张退款凭证图片。", "Choose at least one refund-evidence image."));
          return;
        }
        const facts = { ...prefill, order_id: bar.querySelector("input").value.trim() || prefill.order_id };
        const photos = [...chosen].map(([el, role]) => ({ el, role, url: el.currentSrc || el.src }));
        stop();
        RP.verify({ facts, photos, unreadable });
      };
    },
  };
})();
