"""extract: rules on their saved pages, metadata, generic fallback, needs_full_text, helpers."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from newsmirror.cli import explain_rule, extract_page
from newsmirror.config import Rule
from newsmirror.extract import extract, load_builtin_rules, needs_full_text, select_rule
from newsmirror.util.htmltext import visible_length

PAGES = Path(__file__).resolve().parent / "pages"
SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "fixtures" / "pages-zh"
RULES = load_builtin_rules()


def page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def tree(html: str):
    return LexborHTMLParser(html, is_fragment=True)


# --- every built-in rule on its page ---------------------------------------------------------

CASES = [
    # file, final URL, rule, title, date (UTC), author, texts that must be there, texts not
    ("zaobao-sg.html", "https://www.zaobao.com.sg/news/china/story20240315-3123456",
     "zaobao.com.sg", "中国两会闭幕 李强称经济增长目标5%左右", "2024-03-15T08:00:00+00:00", "林子恒",
     ["第十四届全国人民代表大会", "需要政策聚焦发力", "人民大会堂闭幕"], ["联合早报", "SPH Media"]),
    ("zaobao-hk.html", "https://www.zaobao.com/realtime/china/story20221031-1328240",
     "zaobao.com", "王毅与布林肯通话：停止对华打压 不要为两国关系制造新障碍",
     "2022-10-31T06:46:00+00:00", "早报讯",
     ["应约与美国国务卿布林肯通电话", "交换了看法", "在纽约会面"], ["相关新闻", "热门", "Facebook"]),
    ("163.html", "https://www.163.com/news/article/EO12AB.html", "163.com",
     "深圳地铁新线开通 早高峰客流超百万", "2019-09-07T05:43:45+00:00", None,
     ["早高峰客流超过一百万", "411公里"], ["本文来源", "微博", "热点新闻", "责任编辑"]),
    ("sina.html", "https://news.sina.com.cn/c/2019-09-10/doc-iicezueu4716045.shtml",
     "sina.com.cn", "国家统计局：8月CPI同比上涨2.8%", "2019-09-10T01:38:00+00:00", "新浪财经",
     ["上涨2.8%", "上涨2.4%"], ["责任编辑", "热门推荐", "新浪首页"]),
    ("thepaper.html", "https://www.thepaper.cn/newsDetail_forward_28123456", "thepaper.cn",
     "上海发布高温橙色预警，最高气温将达38℃", "2024-07-21T02:25:00+00:00", "澎湃新闻记者 王倩",
     ["高温橙色预警信号", "避免长时间户外活动"], ["广告", "责任编辑", "热新闻"]),
    ("bbc.html", "https://www.bbc.com/news/uk-67178654", "bbc.com",
     "Storm Babet: Flood warnings remain across UK", "2023-10-21T08:12:45+00:00", "BBC News",
     ["More than 200 flood warnings", "Rail disruption", "Homes in Brechin"],
     ["Advertisement", "Related Topics", "Most read"]),
    ("guardian.html", "https://www.theguardian.com/world/2023/jul/18/heatwave-europe",
     "theguardian.com", "Heatwave breaks records across southern Europe",
     "2023-07-18T14:05:12+00:00", "Jon Henley",
     ["Temperature records", "What happens next", "Photograph: Reuters"],
     ["Advertisement", "heat dome", "Europe</a>"]),
    ("apnews.html", "https://apnews.com/article/canada-wildfire-evacuation-1234", "apnews.com",
     "Wildfire forces thousands to evacuate in Canada", "2024-08-10T17:32:01+00:00",
     "Rob Gillies", ["TORONTO (AP)", "Smoke rises", "leave now"], ["ADVERTISEMENT"]),
    ("nytimes-cn.html", "https://cn.nytimes.com/business/20240319/japan-boj-rates/",
     "cn.nytimes.com", "日本央行结束负利率政策", "2024-03-19T00:30:00+00:00", "BEN DOOLEY",
     ["17年来首次加息", "冲击不大", "植田和男"], ["广告", "热门文章", "Twitter"]),
    ("dw.html", "https://www.dw.com/zh/德国通过新移民法/a-68123456", "dw.com",
     "德国通过新移民法", "2024-02-01T10:15:00+00:00", "李文",
     ["简化技术工人入境程序", "反对党批评", "今年夏季生效"], ["广告", "相关报道"]),
    ("rfi.html", "https://www.rfi.fr/cn/法国/20240921-法国总理宣布新内阁名单", "rfi.fr",
     "法国总理宣布新内阁名单", "2024-09-21T18:05:00+00:00", None,
     ["共39名成员", "不代表选举结果", "巴尼耶。© 路透社"], ["订阅新闻信", "下载RFI应用"]),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_builtin_rule_on_its_page(case):
    name, url, rule, title, date, author, present, absent = case
    result = extract_page(page(name), url, RULES)
    assert result["rule"] == rule
    assert result["title"] == title
    assert datetime.fromisoformat(result["date"]).astimezone(UTC).isoformat() == date
    if author is not None:
        assert result["author"] == author
    for text in present:
        assert text in result["text"], text
    for text in absent:
        assert text not in result["content_html"], text
    body = tree(result["content_html"])
    imgs = body.css("img")
    assert imgs, "the article image survives"
    for img in imgs:
        assert img.attributes["src"].startswith("https://") or \
            img.attributes["src"].startswith("http://"), img.attributes["src"]
        assert img.attributes.get("referrerpolicy") == "no-referrer"
    assert not body.css("script, style, iframe[src*=g\\.163]")
    # the text is not duplicated by the concatenation of nested matches
    assert result["text"].count(present[0]) == 1


def test_every_builtin_rule_has_a_page():
    tested = {c[2] for c in CASES} | {c[2] for c in SHARED_CASES}
    assert {r.domain for r in RULES} - tested <= {"bbc.co.uk"}


# --- built-in rules on the real pages of ../shared (read at test time, never copied) --------

SHARED_HTML = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "pages-zh" / "html"

SHARED_CASES = [
    # file, final URL, rule, first paragraph, last paragraph, boilerplate that must be gone
    ("guancha-2.html", "https://www.guancha.cn/industry-science/2019_09_07_516923.shtml",
     "guancha.cn", "9月3日，在第二届全球IC企业家", "魏少军表示，因为中国产业结构和国",
     ["小编最近文章", "相关推荐", "责任编辑", "我要评论", "分享到"]),
    ("guancha-3.html", "https://www.guancha.cn/politics/2019_09_09_517162.shtml",
     "guancha.cn", "据中新网9月9日报道，针对外媒", "记者通过电子邮件联系了富士康，截",
     ["小编最近文章", "相关推荐", "原标题", "全部评论"]),
    ("guancha-guancha.html", "https://www.guancha.cn/WangWen/2019_09_07_516891.shtml",
     "guancha.cn", "中美贸易战正在变成一场持久战", "在深圳大疆、深圳海能达等企业，笔",
     ["小编最近文章", "相关推荐", "bdText"]),
    ("readhub-readhub.html", "https://readhub.cn/topic/7PM49H7yjs5", "readhub.cn",
     "根据运营商内部人士透露，三大运营", "这意味着运营商无法对用户购买 5G 手机直接进行补贴",
     ["媒体报道", "相关事件", "热门话题", "扫描二维码"]),
    ("ifeng-2.html", "https://news.ifeng.com/c/7pplXmYoC6f", "ifeng.com",
     "杭州市学军中学校长陈立群要退休了", "教人无问贵贱，育人不分优劣，让我",
     ["为您推荐", "热门文章"]),
    ("ifeng-ifeng.html", "https://ent.ifeng.com/c/7pldiU65MNU", "ifeng.com",
     "据台媒报道，艺人董又霖6日晚间主", "据悉，董又霖现年24岁，是国际武",
     ["为您推荐", "热门文章"]),
    ("qq-qq.html", "https://new.qq.com/omn/20190907/20190907A0MZ8500.html", "qq.com",
     "潘振声女儿马莉表示，改成这样，唱", "除去《小鸭子》、《一分钱》、《好",
     ["免责声明", "不代表腾讯网的观点"]),
    ("toutiao-3.html", "https://www.toutiao.com/a6734577895106150924/", "toutiao.com",
     "8岁儿子在四川海螺沟景区失联的第", "小温父母在等待，此前通过所有能想",
     ["相关推荐", "查看更多评论"]),
    ("toutiao-toutiao.html", "https://www.toutiao.com/a6732819573189378572/", "toutiao.com",
     "Quest是一款以经典纸牌游戏空当接龙", "游戏在Steam售价36元，支持",
     ["相关推荐", "为您推荐了"]),
    # a gallery page (its own group_id): only the abstract is text, not the related grid
    ("toutiao-2.html", "https://www.toutiao.com/a6734139882538533383/", "toutiao.com",
     "当全世界绝大部分国家都在为能够吸", "世界第二大内陆国的蒙古国",
     ["老照片", "相关推荐", "1/10"]),
    ("gamersky-gamersky.html", "https://ol.gamersky.com/news/201909/1220000.shtml",
     "gamersky.com", "《逆水寒》每周的版本更新都安排在", "逆水寒在追热点方面不仅追的巧，还",
     ["相关资讯请关注", "逆水寒专区"]),
    ("163-5.html", "https://news.163.com/19/0907/16/EOG1234.html", "163.com",
     "认定诈骗和骚扰，不能省略必要的核实程序", "归根结底，打击拦截电信诈骗也得精",
     ["延伸 · 推荐", "女警一天打100电话被停机", "原标题", "责任编辑"]),
    ("163-2.html", "https://news.163.com/19/0907/16/EOG5678.html", "163.com",
     "姚明对周琦说了啥？大魔王上下半场", "比赛第三节还剩8分多钟，姚明在周",
     ["原标题", "责任编辑"]),
]


@pytest.mark.skipif(not SHARED_HTML.is_dir(), reason="shared pages not available")
@pytest.mark.parametrize("case", SHARED_CASES, ids=[c[0] for c in SHARED_CASES])
def test_builtin_rule_on_real_shared_page(case):
    name, url, rule, first, last, absent = case
    result = extract_page((SHARED_HTML / name).read_bytes(), url, RULES)
    assert result["rule"] == rule
    text = result["text"]
    assert first in text and last in text, (first, last)
    assert text.index(first) <= text.index(last)
    assert text.count(first) == 1  # nested matches are not concatenated twice
    for junk in absent:
        assert junk not in text, junk


def test_bbc_co_uk_rule():
    result = extract_page(page("bbc.html"), "https://www.bbc.co.uk/news/uk-67178654", RULES)
    assert result["rule"] == "bbc.co.uk"
    assert "Rail disruption" in result["text"]


def test_rule_blocks_concatenated_in_document_order():
    result = extract_page(page("bbc.html"), "https://www.bbc.com/news/uk-67178654", RULES)
    text = result["text"]
    assert text.index("Homes in Brechin") < text.index("More than 200") < \
        text.index("residents should check") < text.index("Rail disruption") < \
        text.index("Several lines")


def test_zaobao_sg_json_hook_details():
    result = extract(page("zaobao-sg.html").decode("utf-8"),
                     "https://www.zaobao.com.sg/news/china/story20240315-3123456", RULES)
    assert result.rule == "zaobao.com.sg"
    assert result.base_url == "https://www.zaobao.com.sg/news/china/story20240315-3123456"
    assert result.content_html.startswith(
        '<figure><img src="https://cassette.sphdigital.com.sg/image/zaobao/abc123def456"')
    assert "<figcaption>全国人大会议星期一在北京人民大会堂闭幕。（路透社）</figcaption>" in \
        result.content_html
    assert result.published == datetime(2024, 3, 15, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("metadata", [("title", "date", "author"), ()])
def test_base_href_in_any_case_whatever_metadata_is_asked(metadata):
    rule = Rule(domain="news.example", content=(".story",))
    html = ('<html><head><title>T</title><BaSe HrEf="https://cdn.example/news/"></head><body>'
            '<div class="story"><p>正文第一段。</p></div></body></html>')
    result = extract(html, "https://news.example/a/1.html", [rule], metadata=metadata)
    assert result.base_url == "https://cdn.example/news/"
    assert "<base" not in result.content_html  # the base travels as data, not as a tag
    assert result.title == ("T" if metadata else None)  # only what was asked for
    plain = extract(html.replace('<BaSe HrEf="https://cdn.example/news/">', ""),
                    "https://news.example/a/1.html", [rule], metadata=metadata)
    assert plain.base_url == "https://news.example/a/1.html"


def test_zaobao_hk_lazy_image_and_broken_ld_json():
    result = extract_page(page("zaobao-hk.html"),
                          "https://www.zaobao.com/realtime/china/story20221031-1328240", RULES)
    img = tree(result["content_html"]).css_first("figure img")
    assert img.attributes["src"] == ("https://www.zaobao.com/s3fs-public/styles/"
                                     "article_large_full/public/2022-10/"
                                     "file7mvlzuxxoibx4v0tn4t.jpg?itok=RxX5xD_N")


def test_gbk_page_bytes_through_extract_page():
    body = page("163.html")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    result = extract_page(body, "https://www.163.com/news/article/EO12AB.html", RULES,
                          content_type="text/html")
    assert result["title"] == "深圳地铁新线开通 早高峰客流超百万"
    assert "地铁新线开通首个工作日" in result["text"]


# --- rule selection -----------------------------------------------------------------------

def test_select_rule_domains_and_overrides():
    assert select_rule("https://www.zaobao.com.sg/x", RULES).domain == "zaobao.com.sg"
    assert select_rule("https://zaobao.com/x", RULES).domain == "zaobao.com"
    assert select_rule("https://finance.sina.com.cn/x", RULES).domain == "sina.com.cn"
    assert select_rule("https://notzaobao.com/x", RULES) is None
    assert select_rule("https://zaobao.com.evil.example/x", RULES) is None
    assert select_rule("not a url", RULES) is None
    user = Rule(domain="zaobao.com", content=(".my-body",))
    assert select_rule("https://www.zaobao.com/x", RULES + (user,)) is user
    sub = Rule(domain="news.163.com", content=("#x",))
    assert select_rule("https://news.163.com/a", (sub,) + RULES) is sub


def test_rule_not_applied_after_redirect_to_other_domain():
    html = page("zaobao-hk.html").decode("utf-8")
    result = extract(html, "https://consent.example.net/landing", RULES)
    assert result.rule == "trafilatura"


def test_rule_matching_nothing_falls_back_to_trafilatura():
    html = page("dw.html").decode("utf-8")
    rule = Rule(domain="dw.com", content=(".does-not-exist",))
    result = extract(html, "https://www.dw.com/zh/a-1", RULES + (rule,))
    assert result.rule == "trafilatura"
    assert "简化技术工人入境程序" in result.content_html


def test_user_remove_and_title_date_selectors():
    html = page("dw.html").decode("utf-8")
    rule = Rule(domain="dw.com", content=("article",), remove=("header", "figure"),
                title=".kicker", date="article time", author="no-such-thing",
                timezone="Asia/Shanghai")
    result = extract(html, "https://www.dw.com/zh/a-1", (rule,))
    assert result.rule == "dw.com"
    assert result.title == "德国"
    assert result.published == datetime(2024, 2, 1, 10, 15, tzinfo=UTC)
    assert "<figure" not in result.content_html and "<h1" not in result.content_html
    assert result.author == "李文"  # metadata fills what the rule's selector did not find


def test_ld_json_blocks_parsed_separately():
    html = """<html><head>
    <script type="application/ld+json">{not json at all</script>
    <script type="application/ld+json">{"@type":"NewsArticle","headline":"H",
      "datePublished":"2024-01-02 03:04:05","author":{"name":"A"},}</script>
    </head><body><p>x</p></body></html>"""
    result = extract(html, "https://x.example/a", (Rule(domain="x.example", content=("p",)),),
                     default_tz="Asia/Singapore")
    assert result.title == "H"
    assert result.author == "A"
    assert result.published == datetime(2024, 1, 1, 19, 4, 5, tzinfo=UTC)


def test_time_element_date_fallback():
    html = ("<html><body><article><h1>T</h1><time datetime=\"2023-05-06T07:08:09Z\">May 6"
            "</time><p>body</p></article></body></html>")
    result = extract(html, "https://x.example/a", (Rule(domain="x.example", content=("p",)),))
    assert result.published == datetime(2023, 5, 6, 7, 8, 9, tzinfo=UTC)


# --- generic fallback on real pages ---------------------------------------------------------

needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="shared pages not available")


@needs_shared
@pytest.mark.parametrize("name", ["qq-qq", "toutiao-toutiao", "ifeng-ifeng", "guancha-3",
                                  "163-2"])
def test_generic_fallback_on_real_pages(name):
    meta = json.loads((SHARED / "pages.json").read_text("utf-8"))[name]
    html_bytes = (SHARED / meta["file"]).read_bytes()
    result = extract_page(html_bytes, "https://unknown.example/article/1.html", ())
    assert result["rule"] == "trafilatura"
    assert len(result["text"]) > 100
    # most lines of the (machine-made, unverified) reference body are found
    lines = [line.strip()[:12] for line in meta["articleBody_silver"].split("\n")
             if len(line.strip()) >= 12]
    got = result["text"].replace(" ", "")
    found = [line for line in lines if line.replace(" ", "") in got]
    assert len(found) >= 0.6 * len(lines), (len(found), len(lines))


@needs_shared
def test_generic_fallback_restores_extensionless_images():
    html = (SHARED / "html" / "toutiao-toutiao.html").read_text("utf-8")
    import trafilatura
    plain = trafilatura.extract(html, url="https://unknown.example/a", output_format="html",
                                include_images=True, include_links=True,
                                include_comments=False) or ""
    result = extract(html, "https://unknown.example/a", ())
    restored = [i for i in tree(result.content_html).css("img")
                if "pgc-image" in (i.attributes.get("src") or "")]
    assert plain.count("pgc-image") == 0  # what trafilatura alone loses
    assert len(restored) >= 3
    assert not any("repost" in (i.attributes.get("src") or "")
                   for i in tree(result.content_html).css("img"))


def test_generic_fallback_restores_figure_with_caption():
    paragraphs = "".join(f"<p>这是第{i}段正文，讲述了一个很长的新闻故事，内容足够让提取器认为它是正文。"
                         f"这一句话再长一点以便识别。</p>" for i in range(1, 7))
    html = ("<html><head><title>T</title></head><body><nav><a href='/'>首页</a></nav>"
            "<div class='article'>" + paragraphs[:len(paragraphs) // 2] +
            "<figure><img data-src='/img/photo/12345' src='data:image/gif;base64,R0lGOD'>"
            "<figcaption>图片说明文字</figcaption></figure>" + paragraphs[len(paragraphs) // 2:] +
            "</div><footer>版权所有</footer></body></html>")
    result = extract_page(html.encode(), "https://unknown.example/a/1.html", ())
    assert result["rule"] == "trafilatura"
    body = tree(result["content_html"])
    figure = body.css_first("figure")
    assert figure is not None
    assert figure.css_first("img").attributes["src"] == "https://unknown.example/img/photo/12345"
    assert "图片说明文字" in figure.text()
    text = result["text"]
    assert text.index("第3段") < text.index("图片说明文字") < text.index("第4段")


# --- needs_full_text -------------------------------------------------------------------------

CHINESE_60 = "中共政治局委员、中国国务委员兼外长王毅星期一应约与美国国务卿布林肯通电话时说，美国应停止对华遏制打压，不要制造新的障碍。"


def test_visible_length_weights_cjk():
    assert visible_length("abc def") == 6
    assert visible_length("中文，") == 12


@pytest.mark.parametrize("html,mode,expected", [
    ("", "auto", True),
    ("<p>  </p>", "auto", True),
    ("<img src='a.jpg'>", "auto", True),
    (f"<p>{CHINESE_60}</p>", "auto", False),  # 60 CJK characters are a real paragraph
    ("<p>" + "word " * 30 + "</p>", "auto", True),  # 120 Latin characters are not
    ("<p>" + "word " * 60 + "</p>", "auto", False),
    (f"<p>{CHINESE_60}……</p>", "auto", True),
    (f"<p>{CHINESE_60}</p><p><a href='x'>阅读全文</a></p>", "auto", True),
    (f"<p>{CHINESE_60}閱讀全文</p>", "auto", True),
    ("<p>" + "word " * 60 + "...</p>", "auto", True),
    ("<p>" + "word " * 60 + " <a href='x'>Read more</a></p>", "auto", True),
    ("<p>" + "word " * 60 + " Continue reading →</p>", "auto", True),
    ("<p>" + "word " * 60 + " […]</p>", "auto", True),
    ("<p>short</p>", "never", False),
    (f"<p>{CHINESE_60 * 5}</p>", "always", True),
])
def test_needs_full_text(html, mode, expected):
    assert needs_full_text(html, mode, 200) is expected


def test_seed_description_needs_no_fetch():
    seed = Path(__file__).resolve().parents[1] / ".." / "shared" / "fixtures" / "seed"
    if not seed.is_dir():
        pytest.skip("seed not available")
    import re
    text = (seed / "feed-raw.xml").read_text("utf-8")
    desc = re.search(r"<description><!\[CDATA\[(<div.*?)\]\]></description>", text, re.S)[1]
    assert needs_full_text(desc, "auto", 200) is False


# --- explain_rule -----------------------------------------------------------------------------

def test_explain_rule_reports_selectors():
    user = Rule(domain="sina.com.cn", content=("#artibody", ".nothing-here"),
                remove=(".article-editor",), title="h1.main-title")
    report = explain_rule(page("sina.html").decode("utf-8"),
                          "https://news.sina.com.cn/c/doc.shtml", RULES + (user,))
    assert report["rule"] == "sina.com.cn"
    assert report["used"] == "sina.com.cn"
    statuses = [c["status"] for c in report["considered"]]
    assert statuses.count("applies") == 1 and any("overridden" in s for s in statuses)
    by_selector = {s["selector"]: s for s in report["selectors"]}
    assert by_selector["#artibody"]["count"] == 1
    assert by_selector[".nothing-here"]["count"] == 0
    assert by_selector["h1.main-title"]["preview"] == "国家统计局：8月CPI同比上涨2.8%"
    assert "上涨2.4%" in report["text"]


def test_explain_rule_without_rule():
    report = explain_rule("<html><body><p>x</p></body></html>", "https://x.example/", RULES)
    assert report["rule"] is None and report["considered"] == []


def test_same_kind_blocks_match_on_their_own_tag_and_class():
    """The article container's kin share its tag and class: a <section> with the same
    class (and the same last child) is not one of them."""
    from newsmirror.extract._focus import _article_nodes

    para = "<p>今年夏天，一群大学生志愿者在西部山区的一所村小度过了二十天，孩子们围着问个不停。</p>"
    html = (f"<html><body><div class='post'>{para * 4}</div>"
            f"<div class='post'>{para}</div>"
            f"<section class='post'>{para}</section></body></html>")
    tree = LexborHTMLParser(html)
    chosen, _, _, _ = _article_nodes(tree)
    kinds = sorted(n.tag for n in tree.body.traverse() if n.mem_id in chosen)
    assert kinds == ["div", "div"]
