// 快手小店 (s.kwaixiaodian.com): 售后详情.
RP.addSite({
  id: "kuaishou",
  platform: "快手小店",
  hosts: [/(^|\.)kwaixiaodian\.com$/],
  pages: [/refund/i, /after-?sale/i],
  labels: {
    order_id: ["订单号", "订单编号"],
    refund_id: ["退款单号", "售后单号"],
    buyer: ["买家昵称", "买家"],
    amount: ["退款金额"],
    reason: ["退款原因"],
    title: ["商品名称"],
    refund_requested_at: ["申请时间"],
  },
  evidence: ["退款凭证", "买家凭证"],
  listing: ["商品图"],
});
// Pages: s.kwaixiaodian.com 售后 → 退款详情. Fixture: tests/fixtures/consoles/kuaishou.html
