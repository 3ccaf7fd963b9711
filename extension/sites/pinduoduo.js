// 拼多多 商家后台: 售后详情.
RP.addSite({
  id: "pinduoduo",
  platform: "拼多多",
  hosts: [/(^|\.)pinduoduo\.com$/, /(^|\.)yangkeduo\.com$/],
  pages: [/after-?sales?/i, /refund/i, /aftersale/i],
  labels: {
    order_id: ["订单编号", "订单号"],
    refund_id: ["售后编号", "售后单号"],
    buyer: ["买家昵称", "用户昵称"],
    amount: ["退款金额", "申请金额"],
    reason: ["售后原因", "申请原因"],
    title: ["商品名称"],
    refund_requested_at: ["申请时间"],
    delivered_at: ["签收时间"],
  },
  evidence: ["买家凭证", "售后凭证", "凭证图片"],
  listing: ["商品图片", "商品图"],
});
// Pages: mms.pinduoduo.com 售后 → 售后详情. Fixture: tests/fixtures/consoles/pinduoduo.html
