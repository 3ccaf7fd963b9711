import { DEFAULT_SERVER, health, pair } from "./lib/api.js";

const $ = (id) => document.getElementById(id);

async function refresh() {
  const { server } = await chrome.storage.local.get("server");
  $("server").value = server || DEFAULT_SERVER;
  const h = await health();
  $("status").className = h.running && h.paired ? "ok" : "bad";
  $("status").textContent = !h.running
    ? "本机服务没有运行：请运行 make run 或 refundproof serve。/ The server is not running."
    : h.paired
      ? "已配对，可以使用。/ Paired and ready."
      : "尚未配对。/ Not paired yet.";
}

$("save").onclick = async () => {
  await chrome.storage.local.set({ server: $("server").value.trim() || DEFAULT_SERVER });
  refresh();
};

$("pair").onclick = async () => {
  try {
    await pair($("code").value.trim());
    $("code").value = "";
    await refresh();
  } catch (e) {
    $("status").className = "bad";
    $("status").textContent = `${e.zh} / ${e.en}`;
  }
};

refresh();
