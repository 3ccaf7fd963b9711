import { DEFAULT_SERVER, health, identity, pair, serverForPort, setIdentity } from "./lib/api.js";
import { pageLang, sayer, translate } from "./lib/lang.js";

const $ = (id) => document.getElementById(id);
let lang = "zh";
const t = (zh, en) => sayer(lang)(zh, en);

async function refresh() {
  const { server } = await chrome.storage.local.get("server");
  $("server").value = server || DEFAULT_SERVER;
  const h = await health();
  $("status").className = h.running && h.paired ? "ok" : "bad";
  $("status").textContent = !h.running
    ? t(
        "本机服务没有运行：请运行 refundproof serve（或 refundproof service install 让它开机自动运行；开发者：make run）。",
        "The server is not running: run refundproof serve (or refundproof service install to start it with the computer; developers: make run).",
      )
    : h.paired
      ? t("已配对，可以使用。", "Paired and ready.")
      : t("尚未配对。", "Not paired yet.");
  if (h.running && h.paired) {
    const who = await identity();
    for (const name of ["shop", "operator", "contact"]) $(name).value = who[name] || "";
    $("identity-status").className = who.shop ? "ok" : "bad";
    $("identity-status").textContent = who.shop
      ? ""
      : t("还没有店铺名：不能生成报告。", "No shop name yet: no report can be made.");
  }
}

$("save").onclick = async () => {
  await chrome.storage.local.set({ server: $("server").value.trim() || DEFAULT_SERVER });
  refresh();
};

// a server started with --port N: the port alone is enough
$("save-port").onclick = async () => {
  const port = Number($("port").value.trim());
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    $("status").className = "bad";
    $("status").textContent = t("端口是 1–65535 之间的数字。", "A port is a number from 1 to 65535.");
    return;
  }
  await chrome.storage.local.set({ server: serverForPort(port) });
  refresh();
};

$("save-identity").onclick = async () => {
  try {
    const values = {};
    for (const name of ["shop", "operator", "contact"]) values[name] = $(name).value.trim();
    await setIdentity(values);
    await refresh(); // says so when the shop is still unset
    if ($("shop").value) {
      $("identity-status").className = "ok";
      $("identity-status").textContent = t("已保存。", "Saved.");
    }
  } catch (e) {
    $("identity-status").className = "bad";
    $("identity-status").textContent = t(e.zh, e.en);
  }
};

$("pair").onclick = async () => {
  try {
    await pair($("code").value.trim());
    $("code").value = "";
    await refresh();
  } catch (e) {
    $("status").className = "bad";
    $("status").textContent = t(e.zh, e.en);
  }
};

// the language of this page, the panel and the reports the extension asks for
$("lang").onchange = async () => {
  lang = $("lang").value === "en" ? "en" : "zh";
  await chrome.storage.local.set({ lang });
  translate(lang);
  refresh();
};

pageLang().then((l) => {
  lang = l;
  $("lang").value = l;
  translate(l);
  refresh();
});
