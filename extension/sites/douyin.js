// 抖店 (fxg.jinritemai.com): 售后详情.
RP.addSite({
  id: "douyin",
  platform: "抖店",
  hosts: [/(^|\.)jinritemai\.com$/],
  pages: [/after-?sale/i, /refund/i, /aftersale/i],
  labels: {
    order_id: ["订单编号", "订单号"],
    refund_id: ["售后单号", "售后编号"],
    buyer: ["买家昵称", "买家"],
    amount: ["退款金额"],
    reason: ["售后原因", "退款原因"],
    title: ["商品名称"],
    refund_requested_at: ["申请时间"],
  },
  evidence: ["买家凭证", "售后图片", "凭证"],
  listing: ["商品图"],
});
// Pages: fxg.jinritemai.com 售后工作台 → 售后详情. Fixture: tests/fixtures/consoles/douyin.html
