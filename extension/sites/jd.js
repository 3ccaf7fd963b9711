// 京东 商家后台 (商家工作台): 售后服务单详情.
RP.addSite({
  id: "jd",
  platform: "京东",
  hosts: [/(^|\.)jd\.com$/],
  pages: [/after-?sale/i, /refund/i, /afs/i, /service/i],
  labels: {
    order_id: ["订单号", "订单编号"],
    refund_id: ["服务单号", "退款单号"],
    buyer: ["客户账号", "买家账号", "客户姓名"],
    amount: ["退款金额", "应退金额"],
    reason: ["问题描述", "申请原因"],
    title: ["商品名称"],
    refund_requested_at: ["申请时间"],
  },
  evidence: ["图片信息", "客户上传图片", "售后图片"],
  listing: ["商品图片"],
});
// Pages: shop.jd.com 售后 → 服务单详情. Fixture: tests/fixtures/consoles/jd.html
