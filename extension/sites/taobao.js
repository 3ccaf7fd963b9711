// 淘宝 / 天猫: the 千牛 refund detail (a single-page app) and the older refund2 dispute page.
RP.addSite({
  id: "taobao",
  platform: "淘宝/天猫",
  hosts: [/(^|\.)taobao\.com$/, /(^|\.)tmall\.com$/],
  // qn|myseller.taobao.com/home.htm/trade-platform/refund-list/detail?disputeId=…;
  // refund2.{taobao,tmall}.com/dispute/detail.htm?bizOrderId=…&disputeId=…
  pages: [/refund-list\/detail/i, /^\/dispute\/detail/i, /^\/refund\//i],
  labels: {
    order_id: ["订单编号", "订单号"],
    refund_id: ["退款编号", "退款单号"],
    buyer: ["买家", "买家昵称"],
    amount: ["退款金额"],
    reason: ["原因", "退款原因"], // 千牛's detail says 原因
    title: ["宝贝名称", "商品名称"],
    refund_requested_at: ["申请时间", "退款申请时间"],
    delivered_at: ["签收时间", "确认收货时间"],
    ordered_at: ["成交时间", "下单时间"],
  },
  evidence: ["买家凭证", "退款凭证", "举证图片"],
  // the buyer's photos are in the negotiation history, in the buyer's own entries
  history: { labels: ["协商历史", "协商记录"], buyer: /^买家/, others: /^(卖家|商家|小二|淘宝小二|天猫小二|客服|系统|平台)/ },
  notEvidence: ["上传凭证"], // the seller's own upload box, never the buyer's evidence
  listing: ["宝贝图片", "商品图"],
  // mtop …disputedetail and refund2's disputeData: Ultron rows {title, value}, read by label;
  // the open API's names where they appear (refund_messages[].pic_urls)
  data: {
    keys: { order_id: ["bizOrderId"], refund_id: ["disputeId", "refundId"] },
    images: ["pic_urls", "picUrls", "proofPics"], // not a bare "images": the order's own pictures may be called so
  },
});
// Fixtures: tests/fixtures/consoles/taobao.html (refund2), the 千牛 SPA in tests/test_extension.py
