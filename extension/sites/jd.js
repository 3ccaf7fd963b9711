// 京东 京麦 (shop.jd.com): 售后服务单详情, /jdm/trade/after-sale/independent-after-sale/detail?afsServiceId=…
// The shell is a micro-frontend: the detail may render in an iframe (every frame is read).
RP.addSite({
  id: "jd",
  platform: "京东",
  hosts: [/(^|\.)jd\.com$/],
  pages: [/independent-after-sale\/detail/i, /after-?sale.*detail/i, /afs.*detail/i],
  labels: {
    order_id: ["订单号", "订单编号"],
    refund_id: ["服务单号", "售后单号", "退款单号"],
    buyer: ["客户账号", "买家账号", "客户姓名"],
    amount: ["退款金额", "应退金额"],
    reason: ["问题描述", "申请原因", "售后原因"],
    title: ["商品名称"],
    refund_requested_at: ["申请时间"],
  },
  evidence: ["图片信息", "客户上传图片", "售后图片"],
  listing: ["商品图片"],
  frames: true, // the shell adds the detail's frame after it shows: the button waits for it
  // the list rows' names (the detail API was not found public)
  data: {
    keys: { order_id: ["orderId"], refund_id: ["afsServiceId"], reason: ["afsReasons"], refund_requested_at: ["afsApplyTime"] },
    times: ["afsApplyTime"],
    images: ["picList", "images", "afsPictures"],
  },
});
// Fixture: tests/fixtures/consoles/jd.html (the shell) and jd-frame.html (the detail inside it)
