// 微信小店 (store.weixin.qq.com): 售后详情 under /shop/aftersale/….
RP.addSite({
  id: "weixin",
  platform: "微信小店",
  hosts: [/(^|\.)weixin\.qq\.com$/],
  pages: [/aftersale\/(?!list)/i],
  labels: {
    order_id: ["订单号", "订单编号"],
    refund_id: ["售后单号", "售后编号"],
    buyer: ["买家", "买家昵称"],
    amount: ["退款金额"],
    reason: ["售后原因", "退款原因"],
    title: ["商品"],
    refund_requested_at: ["申请时间"],
  },
  evidence: ["售后图片", "举证图片", "买家凭证", "凭证图片"],
  listing: ["商品图片"],
  data: {
    keys: { order_id: ["order_id"], refund_id: ["after_sale_order_id"] },
    images: ["prove_img_urls", "images"],
  },
});
// Images on mmecimage.cn, mmbizurl.cn, store.mp.video.tencent-cloud.com (wx.qlogo.cn is
// avatars). Fixture: tests/fixtures/consoles/weixin.html
