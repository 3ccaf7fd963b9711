// 抖店 (fxg.jinritemai.com): 售后详情, /ffa/maftersale/aftersale/detail-v3?aftersale_id=… (older detail-v2).
RP.addSite({
  id: "douyin",
  platform: "抖店",
  hosts: [/(^|\.)jinritemai\.com$/],
  pages: [/aftersale\/detail/i],
  labels: {
    order_id: ["订单编号", "订单号"],
    refund_id: ["售后编号", "售后单号"],
    buyer: ["买家昵称", "买家"],
    amount: ["退款金额"],
    reason: ["申请原因", "售后原因", "退款原因"],
    title: ["商品名称"],
    refund_requested_at: ["申请时间"],
  },
  evidence: ["买家凭证", "售后凭证", "图片凭证", "凭证"],
  listing: ["商品图"],
  // the open API's AfterSaleInfo names: evidence (signed photo URLs), apply_time (seconds),
  // refund_total_amount (cents)
  data: {
    keys: {
      order_id: ["order_id", "shop_order_id"],
      refund_id: ["aftersale_id", "after_sale_id"],
      amount: ["refund_total_amount"],
      reason: ["reason"],
      refund_requested_at: ["apply_time"],
    },
    cents: ["refund_total_amount"],
    times: ["apply_time"],
    images: ["evidence"],
  },
});
// Evidence photos are signed (p6-aftersale-sign.ecombdimg.com …?x-expires=…&x-signature=…):
// fetched exactly as shown. Fixture: tests/fixtures/consoles/douyin.html
