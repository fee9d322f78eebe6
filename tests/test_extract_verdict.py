"""Error and login pages served with status 200: "no article", not their navigation."""

from __future__ import annotations

import pytest

from newsmirror.cli import extract_page

NAV = (
    "<nav><ul><li><a href='/'>Home</a></li><li><a href='/world'>World</a></li>"
    "<li><a href='/business'>Business</a></li></ul></nav>"
)
MOST_READ = (
    "<ul><li><a href='/a'>Most read: Markets rally as inflation cools in the euro "
    "area</a></li><li><a href='/b'>Most read: Storm closes schools across the "
    "north-east coast</a></li></ul>"
)

PAGES = {
    "not found": f"<title>Page not found - Example News</title>{NAV}<h1>Sorry, we couldn't "
    "find that page</h1><p>The page you requested may have been moved or "
    f"deleted.</p>{MOST_READ}",
    "login wall": f"<title>Sign in | Example Times</title>{NAV}<h1>Sign in to continue "
    "reading</h1><form><label>Email</label><input type=email><label>Password"
    "</label><input type=password><button>Sign in</button></form><p>Subscribe "
    f"for unlimited access to all our journalism. Cancel anytime.</p>{MOST_READ}",
    "zh login wall": "<title>用户登录 - 联合早报</title><div class=nav><a href='/'>首页</a>"
    "<a href='/a'>新闻</a></div><h1>请登录后继续阅读</h1><form><input name=u>"
    "<input type=password><button>登录</button></form><p>订阅联合早报，畅读全部"
    "内容。</p><ul><li><a href='/x'>热门：新加坡今年经济增长预计放缓至百分之二</a>"
    "</li><li><a href='/y'>热门：中国央行宣布下调存款准备金率零点五个百分点</a></li></ul>",
    "zh not found": "<title>页面不存在_新浪网</title><div class=nav><a href='/'>首页</a></div>"
    "<h1>抱歉，您访问的页面不存在</h1><p>请检查网址是否正确。</p>"
    "<ul><li><a href='/x'>热门：新加坡今年经济增长预计放缓至百分之二</a></li></ul>",
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_error_and_login_pages_are_no_article(name):
    html = f"<html><head>{PAGES[name]}</head></html>".replace("</title>", "</title></head><body>")
    out = extract_page(html.encode(), "https://news.example.com/2026/12/07/a.html")
    assert out["text"] == "", out["text"]
    assert out["content_html"] == ""


def test_a_short_article_is_still_an_article():
    html = (
        b"<html><head><title>Rain tomorrow - Example News</title></head><body><article>"
        b"<h1>Rain tomorrow</h1><p>Rain is expected across the region tomorrow.</p>"
        b"<p>Take an umbrella.</p></article></body></html>"
    )
    assert "Take an umbrella." in extract_page(html, "https://news.example.com/r.html")["text"]


def test_an_article_about_an_error_keeps_its_text():
    # a headline may say "error": the paragraphs of running text make it an article
    para = (
        "The referee admitted the error after the match, saying the replay showed the "
        "ball had crossed the line before the goalkeeper reached it, and apologised."
    )
    more = (
        "The club said it would not appeal. Its manager told reporters that mistakes "
        "happen and that the team should have scored more goals in the second half."
    )
    html = (
        f"<html><head><title>Referee admits error - Example Sport</title></head><body>"
        f"{NAV}<article><h1>Referee admits error</h1><p>{para}</p><p>{more}</p></article>"
        "</body></html>"
    ).encode()
    assert "apologised" in extract_page(html, "https://sport.example.com/e.html")["text"]
