// 拼多多 商家后台: 售后详情, server-rendered (Next.js) at /aftersales-ssr/detail?id=<afterSalesId>.
RP.addSite({
  id: "pinduoduo",
  platform: "拼多多",
  hosts: [/(^|\.)pinduoduo\.com$/, /(^|\.)yangkeduo\.com$/],
  pages: [/aftersales-ssr\/detail/i, /after-?sales?\/.*detail/i],
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
  // __NEXT_DATA__ and /mercury/…afterSales… answers: the names mms's list rows and the open
  // API pdd.refund.information.get use (refundAmount in cents; images: the buyer's photos)
  data: {
    keys: {
      order_id: ["orderSn", "order_sn"],
      refund_id: ["afterSalesId", "after_sales_id"],
      amount: ["refundAmount", "refund_amount"],
      reason: ["afterSalesReasonDesc", "after_sales_reason"],
      title: ["goodsName", "goods_name"],
      refund_requested_at: ["createdAt", "created_time"],
    },
    cents: ["refundAmount", "refund_amount"],
    times: ["createdAt", "created_time"],
    images: ["images", "proofImages", "pictures"],
  },
});
// Fixture: tests/fixtures/consoles/pinduoduo.html
