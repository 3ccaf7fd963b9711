// The content-script files, in load order: injected on demand into pages the manifest does
// not cover (the generic picker, the context menu). Keep in step with manifest.json.
export const CONTENT_FILES = [
  "content/core.js",
  "sites/taobao.js", "sites/pinduoduo.js", "sites/jd.js",
  "sites/douyin.js", "sites/kuaishou.js", "sites/weixin.js",
  "content/render.js", "content/panel.js", "content/picker.js", "content/main.js",
];
