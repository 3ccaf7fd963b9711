// 淘宝 / 天猫: 千牛 refund detail (退款详情) and the dispute page.
RP.addSite({
  id: "taobao",
  platform: "淘宝/天猫",
  hosts: [/(^|\.)taobao\.com$/, /(^|\.)tmall\.com$/],
  pages: [/refund/i, /dispute/i, /after-?sale/i],
  labels: {
    order_id: ["订单编号", "订单号"],
    refund_id: ["退款编号", "退款单号"],
    buyer: ["买家昵称", "买家"],
    amount: ["退款金额"],
    reason: ["退款原因", "原因"],  // 千牛's detail says 原因
    title: ["宝贝名称", "商品名称"],
    refund_requested_at: ["申请时间", "退款申请时间"],
    delivered_at: ["签收时间", "确认收货时间"],
    ordered_at: ["成交时间", "下单时间"],
  },
  evidence: ["买家凭证", "退款凭证", "举证图片"],
  listing: ["宝贝图片", "商品图"],
});
// Pages: 千牛 退款详情 (refund.taobao.com / myseller.taobao.com …/refund/detail).
// Fixture: tests/fixtures/consoles/taobao.html
