"""The extension's original-size rules (extension/content/core.js, run by node as the browser
runs it) over the URL shapes the real consoles and their CDNs use, as public code that
automates them shows: the bytes fetched must be the original, and a signed URL must be
fetched exactly as shown."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[1] / "extension" / "content" / "core.js"
MANIFEST = CORE.parents[1] / "manifest.json"

SHAPES = {
    # 淘宝/天猫 千牛: the original is the part before the first `_` suffix, no query
    "https://img.alicdn.com/imgextra/i1/2201/O1CN01abc_!!2201.jpg_400x400q90.jpg_.webp": "https://img.alicdn.com/imgextra/i1/2201/O1CN01abc_!!2201.jpg",
    "https://gw.alicdn.com/bao/uploaded/i4/O1CN01x.jpg_120x120q50s150.jpg": "https://gw.alicdn.com/bao/uploaded/i4/O1CN01x.jpg",
    "https://img.alicdn.com/imgextra/x.jpg_b.jpg": "https://img.alicdn.com/imgextra/x.jpg",
    "https://img.alicdn.com/imgextra/x.png_.webp?t=1": "https://img.alicdn.com/imgextra/x.png",
    "https://img.alicdn.com/imgextra/x.jpg_q90.jpg": "https://img.alicdn.com/imgextra/x.jpg",
    # 拼多多: thumbnails by query; the whole query goes
    "https://img.pddpic.com/goods/a.jpeg?imageMogr2/thumbnail/400x": "https://img.pddpic.com/goods/a.jpeg",
    "https://chat-img.pddugc.com/b.jpeg?imageView2/2/w/400": "https://chat-img.pddugc.com/b.jpeg",
    # 京东: /n1/s200x200_jfs/, /n5/jfs/, !q70, .dpg.webp, .avif -> /imgzone/jfs/…
    "https://img10.360buyimg.com/n1/s200x200_jfs/t1/1/2/abc.jpg": "https://img10.360buyimg.com/imgzone/jfs/t1/1/2/abc.jpg",
    "https://img14.360buyimg.com/n5/jfs/t1/1/2/abc.jpg!q70.dpg.webp": "https://img14.360buyimg.com/imgzone/jfs/t1/1/2/abc.jpg",
    "https://img14.360buyimg.com/n0/jfs/t1/1/2/abc.jpg.avif": "https://img14.360buyimg.com/imgzone/jfs/t1/1/2/abc.jpg",
    # 抖店: evidence photos are signed; any change breaks them, so they stay exactly as shown
    "https://p6-aftersale-sign.ecombdimg.com/tos-cn-i/abc~tplv-xyz-q75-jpeg.jpeg"
    "?x-expires=1795000000&x-signature=AbC%2Bd": "https://p6-aftersale-sign.ecombdimg.com/tos-cn-i/abc~tplv-xyz-q75-jpeg.jpeg"
    "?x-expires=1795000000&x-signature=AbC%2Bd",
    "https://p3.douyinpic.com/obj/abc~tplv-resize:400:400.jpeg": "https://p3.douyinpic.com/obj/abc",
    "https://p3-aio.ecombdimg.com/obj/ecom-shop-material/a.jpeg~tplv-5mmsx3fupr-re_cp:410:410:q100.jpeg": "https://p3-aio.ecombdimg.com/obj/ecom-shop-material/a.jpeg",
    "https://img.pddpic.com/mms-material-img/a.jpeg.a.jpeg?imageMogr2/thumbnail/400x%7CimageView2/2/w/400/q/80/format/webp": "https://img.pddpic.com/mms-material-img/a.jpeg.a.jpeg",
    "https://img14.360buyimg.com/n1/s200x200_jfs/t1/99/a.jpg!q70.jpg": "https://img14.360buyimg.com/imgzone/jfs/t1/99/a.jpg",
    # hosts with no known thumbnail scheme are fetched as shown
    "https://s2.ecukwai.com/kos/a.jpg": "https://s2.ecukwai.com/kos/a.jpg",
    "https://mmecimage.cn/p/a.jpg?w=400": "https://mmecimage.cn/p/a.jpg?w=400",
}


def test_each_url_shape_maps_to_its_original():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the rules run in the browser tests only")
    script = (
        "globalThis.location = {href: 'https://example.com/'};"
        f"require({json.dumps(str(CORE))});"
        "const urls = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "console.log(JSON.stringify(urls.map((u) => RP.originalUrl(u))));"
    )
    out = subprocess.run(
        [node, "-e", script],
        input=json.dumps(list(SHAPES)),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert dict(zip(SHAPES, json.loads(out.stdout), strict=True)) == SHAPES


def test_the_real_image_hosts_are_permitted():
    permitted = json.loads(MANIFEST.read_text(encoding="utf-8"))["host_permissions"]
    for host in (
        "alicdn.com",
        "pddpic.com",
        "pddugc.com",
        "360buyimg.com",
        "ecombdimg.com",
        "ecukwai.com",
        "eckwai.com",
        "becukwai.com",
        "mmecimage.cn",
        "mmbizurl.cn",
    ):
        assert f"*://*.{host}/*" in permitted, host
    assert "*://store.mp.video.tencent-cloud.com/*" in permitted
