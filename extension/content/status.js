// The case's status (待处理 → 已申诉 → 申诉成功/失败 → 已报警 → 结案) as a small control in the
// panel and the side panel, drawn after the case by render.js; the full form is on the desk.
(() => {
  const RP = globalThis.RP;
  if (RP.statusHtml) return;
  const STATUSES = [
    ["pending", "待处理", "To do"], ["appealed", "已申诉", "Appealed"], ["appeal_won", "申诉成功", "Appeal won"],
    ["appeal_lost", "申诉失败", "Appeal lost"], ["police", "已报警", "Reported to the police"], ["closed", "结案", "Closed"],
  ];
  // the number a status carries: the platform's appeal id, the police receipt
  const NUMBER = { appealed: ["appeal_id", "申诉单号", "Appeal id"], police: ["police_receipt", "回执号", "Receipt no."] };

  RP.statusHtml = () => `<div class="case-status-box"><b>${RP.t("处理状态", "Status")}</b>
    <select class="case-status">${STATUSES.map(([k, zh, en]) => `<option value="${k}">${RP.esc(RP.t(zh, en))}</option>`).join("")}</select>
    <input class="case-status-number" size="12"> <input class="case-status-note" size="16" placeholder="${RP.t("备注", "Note")}">
    <button class="case-status-save">${RP.t("保存", "Save")}</button> <span class="case-status-said note"></span></div>`;

  RP.wireStatus = async (body, caseId) => {
    const box = body.querySelector(".case-status-box");
    if (!box) return;
    const [select, number, note, save, said] = [".case-status", ".case-status-number", ".case-status-note", ".case-status-save", ".case-status-said"].map((s) => box.querySelector(s));
    const showNumber = () => {
      const field = NUMBER[select.value];
      number.hidden = !field;
      number.placeholder = field ? RP.t(field[1], field[2]) : "";
    };
    select.onchange = showNumber;
    const fill = (theCase) => {
      const status = theCase.status || {};
      select.value = status.value || "pending";
      note.value = status.note || "";
      showNumber();
      const field = NUMBER[select.value];
      number.value = field ? status[field[0]] || "" : "";
    };
    try {
      fill(await RP.send({ type: "rp:case-status", caseId }));
    } catch {
      box.hidden = true;  // an older server without statuses: nothing to show
      return;
    }
    save.onclick = async () => {
      const change = { status: select.value, status_note: note.value };
      const field = NUMBER[select.value];
      if (field && number.value) change[field[0]] = number.value;
      try {
        fill(await RP.send({ type: "rp:case-status", caseId, change }));
        said.textContent = RP.t("已保存", "Saved");
        said.className = "case-status-said note";
      } catch (err) {
        said.textContent = RP.say(err);
        said.className = "case-status-said error";
      }
    };
  };
})();
