// 快手小店 (s.kwaixiaodian.com): 售后详情, /zone/refund/detail….
RP.addSite({
  id: "kuaishou",
  platform: "快手小店",
  hosts: [/(^|\.)kwaixiaodian\.com$/],
  pages: [/refund\/detail/i, /after-?sale.*detail/i],
  labels: {
    order_id: ["订单编号", "订单号"],
    refund_id: ["售后单号", "退款单号"],
    buyer: ["买家昵称", "买家"],
    amount: ["退款金额"],
    reason: ["退款原因", "售后原因"],
    title: ["商品名称"],
    refund_requested_at: ["申请时间"],
  },
  evidence: ["退款凭证", "买家凭证", "售后凭证"],
  listing: ["商品图"],
  // the open API's refund detail names (pictures: the buyer's photos)
  data: {
    keys: { order_id: ["oid"], refund_id: ["refundId"], reason: ["refundReasonDesc"], refund_requested_at: ["submitTime"] },
    times: ["submitTime"],
    images: ["pictures"],
  },
});
// Images on *.ecukwai.com, *.eckwai.com, *.becukwai.com. Fixture: tests/fixtures/consoles/kuaishou.html
