"""Writes bench/quality/pages/*.html and their expected texts (bench/quality/expected/).

The prose is written for this benchmark (fictional events); the layouts mirror real news
sites: their article markup, and the boilerplate around it (navigation, share bars, related
lists, newsletter boxes, cookie banners, comments). The expected text of a page is its
article blocks in order - paragraphs, subheadings, list items, quotes and figure captions
- and nothing of the boilerplate. Re-run after editing: ``python bench/quality/make_pages.py``.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
E = html.escape

# --- shared boilerplate --------------------------------------------------------------------

NAV_EN = ["Home", "World", "UK", "Business", "Politics", "Technology", "Science", "Health",
          "Education", "Entertainment & Arts", "Sport", "Weather", "Newsletters", "Podcasts"]
NAV_ZH = ["首页", "国内", "国际", "财经", "科技", "体育", "娱乐", "汽车", "房产", "教育",
          "健康", "旅游", "视频", "图片", "专题", "评论"]
RELATED_EN = [
    "Council approves late-night bus pilot after two-year campaign",
    "Why the price of olive oil is finally falling",
    "Five things we learned from the spring budget statement",
    "Rail strike called off after last-minute talks",
    "Scientists map the seabed off the northern coast in record detail",
    "The town that turned its old cinema into a library",
    "Heatwave warning issued for southern counties this weekend",
    "Football club fined over ticketing failures at cup final",
]
RELATED_ZH = [
    "多地发布高温预警 电网负荷创历史新高", "新能源汽车下乡活动启动 补贴细则公布",
    "高校毕业生就业季：这些岗位最缺人", "台风登陆在即 沿海航班大面积取消",
    "国产大飞机完成新一轮高原试飞", "城市夜经济调查：烟火气回来了吗",
    "暑期旅游升温 热门景区门票一票难求", "专家解读：个人养老金账户怎么选",
]
FOOTER_EN = ("<footer class='site-footer'><ul><li><a href='/terms'>Terms of Use</a></li>"
             "<li><a href='/about'>About us</a></li><li><a href='/privacy'>Privacy Policy</a>"
             "</li><li><a href='/cookies'>Cookies</a></li><li><a href='/contact'>Contact</a>"
             "</li></ul><p>Copyright 2024 Example Media Group. All rights reserved. We are "
             "not responsible for the content of external sites.</p></footer>")
FOOTER_ZH = ("<div class='footer'><p><a href='/about'>关于我们</a> | <a href='/contact'>联系我们</a>"
             " | <a href='/ad'>广告服务</a> | <a href='/jobs'>招聘信息</a> | <a href='/law'>"
             "法律声明</a></p><p>Copyright © 2024 示例传媒 版权所有 京ICP备00000000号</p>"
             "<p>违法和不良信息举报电话：010-00000000 举报邮箱：jubao@example.cn</p></div>")


def nav(items, cls="nav"):
    return (f"<nav class='{cls}'><ul>" + "".join(
        f"<li><a href='/{i}'>{E(x)}</a></li>" for i, x in enumerate(items)) + "</ul></nav>")


def related(items, title, cls="related"):
    return (f"<aside class='{cls}'><h2>{E(title)}</h2><ul>" + "".join(
        f"<li><a href='/story/{i}'>{E(x)}</a></li>" for i, x in enumerate(items))
        + "</ul></aside>")


def head(title, charset="utf-8", extra=""):
    return (f"<!DOCTYPE html><html><head><meta charset='{charset}'><title>{E(title)}</title>"
            f"<meta property='og:title' content='{E(title)}'>{extra}"
            "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push("
            "arguments)}</script><style>.hidden{display:none}</style></head>")


# --- article blocks -> expected text ----------------------------------------------------------

def expected_of(blocks) -> str:
    lines = []
    for b in blocks:
        kind = b[0]
        if kind in ("p", "h2", "h3", "quote"):
            lines.append(b[1])
        elif kind == "fig":
            if b[2]:
                lines.append(b[2])
        elif kind == "ul":
            lines.extend(b[1])
    return "\n".join(lines) + "\n"


def captions_of(blocks):
    return [b[2] for b in blocks if b[0] == "fig" and b[2]]


def render(blocks, fig=None, p="<p>{}</p>"):
    out = []
    for i, b in enumerate(blocks):
        kind = b[0]
        if kind == "p":
            out.append(p.format(E(b[1])))
        elif kind in ("h2", "h3"):
            out.append(f"<{kind}>{E(b[1])}</{kind}>")
        elif kind == "quote":
            out.append(f"<blockquote><p>{E(b[1])}</p></blockquote>")
        elif kind == "ul":
            out.append("<ul>" + "".join(f"<li>{E(x)}</li>" for x in b[1]) + "</ul>")
        elif kind == "fig":
            out.append((fig or default_fig)(b[1], b[2], i))
    return "".join(out)


def default_fig(src, caption, i):
    cap = f"<figcaption>{E(caption)}</figcaption>" if caption else ""
    return (f"<figure><img src='https://img.example.com/{src}' width='800' height='450' "
            f"alt='{E(caption or '')}'>{cap}</figure>")


# --- the pages ----------------------------------------------------------------------------------

PAGES: list[dict] = []


def page(name, lang, url, blocks, build, encoding="utf-8", notes=""):
    PAGES.append({"name": name, "language": lang, "url": url, "blocks": blocks,
                  "build": build, "encoding": encoding, "notes": notes})


# 1. BBC-style: text-block / image-block components, links-block and ad slots in the article
BBC = [
    ("p", "Engineers have begun lifting the last of the old iron spans from the Hallam "
          "Viaduct, ending a restoration that closed the river crossing for almost three years."),
    ("p", "The structure, built in 1871 to carry coal wagons across the valley, had been on "
          "the at-risk register since cracks were found in two of its piers during a routine "
          "survey."),
    ("fig", "viaduct.jpg", "The final span was lowered onto a barge on Tuesday morning"),
    ("h2", "Why did it take so long?"),
    ("p", "Project manager Aisha Okafor said the team had underestimated how much of the "
          "original ironwork could be saved. Each rivet was photographed and numbered before "
          "the spans were taken apart."),
    ("p", "\"We wanted people to walk across the same metal their great-grandparents did, "
          "not a replica,\" she said. About four-fifths of the girders were reused."),
    ("p", "Local businesses on both banks said the closure had cost them trade, with one "
          "cafe owner estimating her takings fell by a third while walkers were diverted."),
    ("fig", "walkers.jpg", "Walkers will be able to use the crossing again from next month"),
    ("p", "The council says the viaduct will reopen to pedestrians and cyclists in the "
          "spring, with a small exhibition about its history in the old signal box."),
]


def build_bbc(b):
    parts = []
    for i, blk in enumerate(b):
        if blk[0] == "p":
            parts.append(f"<div data-component='text-block'><div class='ssrcss-text'>"
                         f"<p>{E(blk[1])}</p></div></div>")
        elif blk[0] == "h2":
            parts.append(f"<div data-component='subheadline-block'><h2>{E(blk[1])}</h2></div>")
        elif blk[0] == "fig":
            parts.append(f"<div data-component='image-block'><figure><img src='https://ichef"
                         f".example.co.uk/{blk[1]}' width='976' height='549' alt=''>"
                         f"<figcaption><span class='visually-hidden'>Image caption, </span>"
                         f"{E(blk[2])}</figcaption></figure></div>")
        if i == 3:
            parts.append("<div data-component='ad-slot'><div id='dotcom-mpu'>Advertisement"
                         "</div></div>")
    links = ("<div data-component='links-block'><h2>Related topics</h2><ul><li><a href='/t/1'>"
             "Rail travel</a></li><li><a href='/t/2'>Heritage</a></li></ul></div>")
    return (head("Hallam Viaduct: Last iron spans lifted as restoration ends") +
            "<body><header>" + nav(NAV_EN) + "</header><div id='main-content'><article>"
            "<header><h1>Hallam Viaduct: Last iron spans lifted as restoration ends</h1>"
            "<div data-component='byline-block'><span>By Tom Reeve</span><span>BBC News, "
            "Yorkshire</span></div><time datetime='2024-03-05T10:12:00Z'>5 March 2024"
            "</time></header>" + "".join(parts) + links + "</article>" +
            related(RELATED_EN, "More on this story") + "<section class='most-read'><h2>Most "
            "read</h2><ol>" + "".join(f"<li><a href='/m/{i}'>{E(x)}</a></li>" for i, x in
                                       enumerate(RELATED_EN[::-1])) + "</ol></section></div>"
            + FOOTER_EN + "</body></html>")


page("bbc-style", "en", "https://www.bbc.com/news/articles/c0hallam24o", BBC, build_bbc,
     notes="BBC component markup; the built-in bbc.com rule applies")

# 2. Guardian-style: main media figure, body, rich links, newsletter promo, comments
GUARDIAN = [
    ("fig", "orchard.jpg", "Volunteers at the Marlow community orchard, which now has "
                           "more than 60 varieties of apple. Photograph: Jane Holt"),
    ("p", "When the last commercial orchard in the parish was grubbed up in the 1980s, few "
          "people expected apples to come back. Four decades later, a group of retired "
          "teachers has planted more than 300 trees on land the council once used as a "
          "tip."),
    ("p", "The project began with a single grafting workshop in a church hall. Most of the "
          "rootstock was donated, and the scions were cut from old trees found in gardens, "
          "hedgerows and, in one case, a supermarket car park."),
    ("p", "\"Every tree has a story,\" said Margaret Ellis, who keeps a handwritten ledger of "
          "where each variety came from. \"Some of these apples haven't been sold in a shop "
          "for a hundred years.\""),
    ("h2", "A living library"),
    ("p", "Pomologists say such orchards matter because many local varieties survive only as "
          "one or two ageing trees. Once those die, the variety is lost unless someone has "
          "taken a cutting."),
    ("p", "The group now runs a juice pressing day every October, and the money pays for "
          "tree guards and a part-time coordinator. Next year they hope to open a small "
          "nursery so that other villages can start their own."),
]


def build_guardian(b):
    media, body = b[0], b[1:]
    fig = (f"<div data-gu-name='media'><figure><picture><img src='https://i.guim.example/"
           f"{media[1]}' width='1000' height='600' alt='Volunteers among apple trees'>"
           f"</picture><figcaption><span>{E(media[2])}</span></figcaption></figure></div>")
    text = render(body[:3]) + (
        "<aside data-spacefinder-role='inline'><gu-island name='RichLinkComponent'>"
        "<a href='/x'>Read more: The lost apples of England</a></gu-island></aside>"
        "<div class='ad-slot-container'><div class='ad-slot'>Advertisement</div></div>"
    ) + render(body[3:])
    comments = ("<section id='comments'><h2>Comments (214)</h2>" + "".join(
        f"<div class='comment'><span class='user'>reader{i}</span><p>{E(t)}</p></div>" for i, t
        in enumerate([
            "Lovely story. We did something similar in our village and the hardest part was "
            "finding anyone willing to mow between the rows every summer.",
            "The council should be paying for this, not volunteers. Typical that retired "
            "people end up doing the work nobody else will fund.",
            "Does anyone know whether they sell scion wood? I have been looking for a Keswick "
            "Codlin for years and the nurseries near me never have it."])) + "</section>")
    return (head("The retired teachers bringing lost apples back to life") +
            "<body><header><div class='top-bar'><a href='/support'>Support us</a><a "
            "href='/signin'>Sign in</a></div>" + nav(NAV_EN) + "</header><main><article>"
            "<h1>The retired teachers bringing lost apples back to life</h1><div class='meta'>"
            "<address>Hannah Price</address><time>Sun 12 May 2024 07.00 BST</time><div "
            "class='share-bar'><a href='https://www.facebook.com/sharer/sharer.php?u=x'>"
            "Share on Facebook</a><a href='https://twitter.com/intent/tweet?url=x'>Share on X"
            "</a></div></div>" + fig + "<div class='article-body-commercial-selector "
            "article-body-viewer-selector'>" + text + "</div>"
            "<div class='newsletter-signup'><h3>Sign up to Down to Earth</h3><p>Free weekly "
            "newsletter: the planet's most important stories, all the week's environment "
            "news, the good, the bad and the essential.</p><button>Sign up</button></div>"
            "</article>" + comments + related(RELATED_EN, "Most viewed") + "</main>" +
            FOOTER_EN + "</body></html>")


page("guardian-style", "en", "https://www.theguardian.com/environment/2024/may/12/"
     "lost-apples-community-orchard", GUARDIAN, build_guardian,
     notes="Guardian markup; the built-in theguardian.com rule applies; reader comments")

# 3. AP-style: RichTextStoryBody, ad placeholders, an enhancement figure
AP = [
    ("p", "SALT LAKE CITY (AP) — A late spring storm dumped more than two feet of snow on "
          "parts of northern Utah on Wednesday, closing mountain roads and forcing several "
          "school districts to cancel classes."),
    ("p", "The National Weather Service said the storm was unusual for May but not "
          "unprecedented. Forecasters expect temperatures to climb back into the 70s by the "
          "weekend, raising concerns about rapid melting."),
    ("fig", "snowplow.jpg", "A snowplow clears a road near Park City, Utah, on Wednesday, "
                            "May 8, 2024. (AP Photo/Rick Bowmer)"),
    ("p", "State water managers welcomed the moisture after two dry winters but warned that "
          "reservoirs downstream could fill quickly. Crews were lowering water levels at two "
          "dams as a precaution."),
    ("p", "Utility companies reported about 12,000 customers without power at the height of "
          "the storm, mostly in canyon communities where heavy wet snow brought down lines."),
    ("p", "Ski resorts that had already closed for the season said they had no plans to "
          "reopen, though one posted a photo of its empty lifts buried in fresh powder."),
]


def build_ap(b):
    def fig(src, cap, i):
        return (f"<div class='Enhancement'><figure class='Figure'><picture><img class='Image' "
                f"src='https://dims.apnews.example/{src}' width='1200' height='800' alt=''>"
                f"</picture><div class='Figure-caption'><figcaption><p>{E(cap)}</p>"
                f"</figcaption></div></figure></div>")
    body = render(b[:2], fig) + ("<div class='Advertisement'><div class='ad-placeholder'>"
                                 "Advertisement</div></div>") + render(b[2:], fig)
    return (head("Late spring storm buries northern Utah in snow") +
            "<body><div class='Page-header'>" + nav(NAV_EN) + "</div><main class='Page-main'>"
            "<h1 class='Page-headline'>Late spring storm buries northern Utah in snow</h1>"
            "<div class='Page-authors'>By <a href='/a/1'>JAMIE STEWART</a></div>"
            "<div class='Page-dateModified'>Updated 4:11 PM UTC, May 8, 2024</div>"
            "<div class='Page-actions'><a href='https://www.facebook.com/sharer/sharer.php'>"
            "Share</a><a href='mailto:?subject=x'>Email</a><a href='#'>Print</a></div>"
            "<div class='RichTextStoryBody RichTextBody'>" + body + "</div>"
            "<div class='Page-below'><h2>Related Stories</h2><ul>" + "".join(
                f"<li><a href='/r/{i}'>{E(x)}</a></li>" for i, x in enumerate(RELATED_EN[:5]))
            + "</ul></div></main>" + FOOTER_EN + "</body></html>")


page("ap-style", "en", "https://apnews.com/article/utah-snow-storm-may-8a1b2c3d4e",
     AP, build_ap, notes="AP markup; the built-in apnews.com rule applies")

# 4. WordPress blog with a long comment thread and sidebar widgets
WP = [
    ("p", "I have been baking sourdough at home for six years, and for most of that time "
          "I ignored the advice to weigh everything. This spring I finally bought a scale, "
          "and the difference surprised me more than I would like to admit."),
    ("h2", "What changed"),
    ("p", "The first thing I noticed was consistency. Loaves that used to come out flat one "
          "week and tight the next now look almost identical, because the hydration no "
          "longer depends on how loosely I packed a measuring cup."),
    ("fig", "crumb.jpg", "Left: a loaf from March, measured by volume. Right: the same recipe "
                         "in May, weighed to the gram."),
    ("p", "The second was that I could finally follow recipes from other bakers. Most of "
          "them give flour and water in grams, and converting to cups always left me "
          "guessing."),
    ("h2", "My current recipe"),
    ("ul", ["500 g bread flour, of which 50 g whole wheat",
            "375 g water at about 30 degrees",
            "100 g active starter, fed eight hours earlier",
            "10 g fine salt"]),
    ("p", "Mix everything except the salt, rest for an hour, add the salt, and then do four "
          "sets of stretch and folds half an hour apart. Shape, proof overnight in the "
          "fridge, and bake in a covered pot."),
]


def build_wp(b):
    comments = [
        ("Priya", "Thank you for this! I switched to weighing last year and could not agree "
                  "more. One tip: zero the scale with the bowl on it, otherwise the numbers "
                  "drift when you add the starter."),
        ("Mark D.", "I still do cups and my bread is fine, honestly. I think people "
                    "overcomplicate this hobby. But the photos are nice."),
        ("Elena", "What oven temperature do you use with the covered pot? Mine burns on the "
                  "bottom every time even with a baking tray underneath."),
        ("baker_jo", "Could you share how you keep the starter? Mine goes sluggish in winter "
                     "and I never know whether to feed it more often or keep it warmer."),
    ]
    thread = "".join(
        f"<li class='comment'><article class='comment-body'><footer class='comment-meta'>"
        f"<b class='fn'>{E(n)}</b> <time>June 3, 2024 at 9:1{i} am</time></footer>"
        f"<div class='comment-content'><p>{E(t)}</p></div><div class='reply'><a "
        f"class='comment-reply-link' href='#'>Reply</a></div></article></li>"
        for i, (n, t) in enumerate(comments))
    sidebar = ("<aside id='secondary' class='widget-area'><section class='widget'><h2>About"
               "</h2><p>Home baker, part-time gardener, full-time teacher. I write about "
               "bread, jam and whatever else comes out of my kitchen.</p></section><section "
               "class='widget'><h2>Recent Posts</h2><ul><li><a href='/1'>Rhubarb jam without "
               "pectin</a></li><li><a href='/2'>My starter turned pink: what now?</a></li><li>"
               "<a href='/3'>A week of focaccia</a></li></ul></section><section class='widget'"
               "><h2>Archives</h2><ul><li><a href='/2024/05'>May 2024</a></li><li><a href="
               "'/2024/04'>April 2024</a></li></ul></section></aside>")
    return (head("Why I finally started weighing my flour – Crumb & Crust") +
            "<body class='post-template-default single single-post'><div id='page'><header "
            "id='masthead'><p class='site-title'><a href='/'>Crumb &amp; Crust</a></p><p "
            "class='site-description'>A home baking journal</p>" + nav(["Home", "Recipes",
                                                                        "About", "Contact"])
            + "</header><div id='content'><main id='main'><article class='post'><header "
            "class='entry-header'><h1 class='entry-title'>Why I finally started weighing my "
            "flour</h1><div class='entry-meta'>Posted on <time>June 2, 2024</time> by "
            "<a href='/author/anna'>Anna</a></div></header><div class='entry-content'>" +
            render(b) + "<div class='sharedaddy sd-sharing-enabled'><h3>Share this:</h3><ul>"
            "<li><a href='https://twitter.com/share?url=x'>Twitter</a></li><li><a href="
            "'https://www.facebook.com/sharer.php?u=x'>Facebook</a></li></ul></div></div>"
            "<footer class='entry-footer'>Posted in <a href='/c/bread'>Bread</a> Tagged "
            "<a href='/t/sourdough'>sourdough</a></footer></article><nav class='post-"
            "navigation'><a href='/prev'>Previous: Rhubarb jam without pectin</a></nav>"
            "<div id='comments' class='comments-area'><h2 class='comments-title'>4 thoughts "
            "on “Why I finally started weighing my flour”</h2><ol class='comment-list'>" +
            thread + "</ol><div id='respond'><h3>Leave a Reply</h3><form><textarea>"
            "</textarea><p><input type='submit' value='Post Comment'></p></form></div></div>"
            "</main>" + sidebar + "</div><footer id='colophon'><p>Proudly powered by "
            "WordPress</p></footer></div></body></html>")


page("wordpress-comments", "en", "https://crumbandcrust.example.org/2024/06/02/weighing-"
     "flour/", WP, build_wp, notes="WordPress theme markup with a reader comment thread")

# 5. Medium-like: hashed classes, sections, clap bar, "more from"
MEDIUM = [
    ("p", "Every team I have worked on had a wiki, and every one of those wikis slowly "
          "turned into a graveyard. Pages were written once, linked from nowhere and "
          "trusted by nobody."),
    ("p", "Last year we tried something different: we deleted the wiki and moved every "
          "document next to the code it described. Here is what happened."),
    ("h2", "Documentation as part of the change"),
    ("p", "The rule was simple. If a pull request changes how something works, the same "
          "pull request updates the document. Reviewers started asking for it the way they "
          "ask for tests."),
    ("fig", "diagram.png", "Our review checklist after the change: docs sit next to tests."),
    ("p", "Within three months the number of documents had halved, but people actually "
          "read them. Search logs showed that engineers opened the architecture notes "
          "before touching unfamiliar modules."),
    ("quote", "A document nobody updates is worse than no document, because it lies with "
              "confidence."),
    ("p", "It is not perfect. Product managers found the new layout harder to browse, and "
          "we still keep a short index page for them. But the graveyard is gone."),
]


def build_medium(b):
    def fig(src, cap, i):
        return (f"<figure class='pw-figure'><div class='ab cd'><picture><source srcset='https:"
                f"//miro.example/1400/{src} 1400w' type='image/webp'><img class='bg lm' "
                f"src='https://miro.example/700/{src}' width='700' height='394' alt=''>"
                f"</picture></div><figcaption class='qb qc' data-selectable-paragraph=''>"
                f"{E(cap)}</figcaption></figure>")
    body = render(b, fig, "<p class='pw-post-body-paragraph lp lq' "
                          "data-selectable-paragraph=''>{}</p>")
    return (head("We deleted our wiki. Here is what happened.") +
            "<body><div id='root'><div class='l'><nav class='ax'><a href='/'>Medium</a><a "
            "href='/m/signin'>Sign in</a><a href='/new-story'>Write</a></nav><article><div "
            "class='l'><section><div class='ch bg'><h1 class='pw-post-title'>We deleted our "
            "wiki. Here is what happened.</h1><div class='pw-author'><a href='/@lin'>Lin Zhou"
            "</a><button>Follow</button><span>6 min read</span><span>·</span><span>Apr 3, 2024"
            "</span></div>" + body + "</div></section></div></article><div class='clap-bar'>"
            "<button aria-label='clap'>1.2K</button><button>34 responses</button></div>"
            "<div class='more-from'><h2>More from Lin Zhou</h2>" + "".join(
                f"<div class='card'><h3><a href='/p/{i}'>{E(x)}</a></h3><p>{E(y)}</p></div>"
                for i, (x, y) in enumerate([
                    ("The meeting that should have been a pull request",
                     "Why we stopped holding design reviews in calendar slots."),
                    ("On-call without the burnout", "Three changes that halved our pages."),
                    ("Naming things, again", "A short field guide to naming services.")]))
            + "</div><div class='recommended'><h2>Recommended from Medium</h2><ul>" + "".join(
                f"<li><a href='/r/{i}'>{E(x)}</a></li>" for i, x in enumerate(RELATED_EN[:4]))
            + "</ul></div><footer><a href='/about'>About</a><a href='/help'>Help</a><a "
            "href='/terms'>Terms</a></footer></div></div></body></html>")


page("medium-like", "en", "https://medium.example.com/@lin/we-deleted-our-wiki-3f2a1b",
     MEDIUM, build_medium, notes="Medium-like hashed class names, clap bar, recommendations")

# 6. Substack-like newsletter
SUBSTACK = [
    ("p", "Good morning. This week I want to talk about the quiet return of the "
          "neighbourhood hardware store, which nobody predicted and almost nobody has "
          "written about."),
    ("p", "In the town where I live, two have opened in the past eighteen months. Both are "
          "small, both are run by people who used to work for the big chains, and both sell "
          "screws by the piece rather than in plastic blister packs."),
    ("h3", "Why now?"),
    ("p", "The owners I spoke to gave the same answer: people are repairing more. Rising "
          "prices have made replacing a broken tap or a wobbly chair feel wasteful, and "
          "video tutorials have made small repairs feel possible."),
    ("fig", "store.jpg", "The counter at Brook Street Hardware, where keys are still cut by "
                         "hand."),
    ("p", "Whether this lasts is another question. Rents are rising too, and a shop that "
          "sells single screws needs a lot of customers. But for now, the bell above the "
          "door rings often."),
    ("p", "Thanks for reading. If you know of a shop like this near you, reply and tell me "
          "about it; I will share the best ones next week."),
]


def build_substack(b):
    def fig(src, cap, i):
        return (f"<div class='captioned-image-container'><figure><a class='image-link' "
                f"href='https://substack.example/{src}'><div class='image2-inset'><img "
                f"src='https://substackcdn.example/w_1456/{src}' width='1456' height='971' "
                f"alt=''></div></a><figcaption class='image-caption'>{E(cap)}</figcaption>"
                f"</figure></div>")
    subscribe = ("<div class='subscription-widget-wrap'><div class='subscription-widget'>"
                 "<p>Small Town Economics is a reader-supported publication. To receive new "
                 "posts and support my work, consider becoming a free or paid subscriber.</p>"
                 "<form><input type='email' placeholder='Type your email…'><button>Subscribe"
                 "</button></form></div></div>")
    return (head("The hardware store comeback") +
            "<body><div class='main-menu'><a href='/'>Small Town Economics</a><a href='/"
            "subscribe'>Subscribe</a><a href='/signin'>Sign in</a></div><div class='"
            "single-post-container'><article class='post'><div class='post-header'><h1 "
            "class='post-title'>The hardware store comeback</h1><h3 class='subtitle'>Issue "
            "112: screws by the piece</h3><div class='post-meta'><a href='/@ruth'>Ruth Adler"
            "</a><span>May 19, 2024</span></div><div class='post-ufi'><a href='#'>42 likes"
            "</a><a href='#'>7 comments</a><a href='#'>Share</a></div></div><div "
            "class='available-content'><div class='body markup'>" + render(b[:3], fig) +
            subscribe + render(b[3:], fig) + "</div></div></article><div class='post-footer"
            "'><p>Share this post</p></div><div class='comments-section'><h4>Discussion about "
            "this post</h4><div class='comment'><p>We have one of these in our town too, and "
            "the owner knows every customer by name. I hope it lasts.</p></div><div "
            "class='comment'><p>Great issue as always. Would love a follow-up on the rents "
            "question.</p></div></div><div class='footer'><p>© 2024 Ruth Adler · Privacy · "
            "Terms · Collection notice</p><p>Substack is the home for great culture</p></div>"
            "</div></body></html>")


page("substack-like", "en", "https://smalltown.substack.example.com/p/hardware-store-"
     "comeback", SUBSTACK, build_substack, notes="newsletter with subscribe box mid-body")

# 7. Reuters-style: paragraphs as div[data-testid=paragraph-N]
REUTERS = [
    ("p", "LONDON, June 4 (Reuters) - Copper prices rose to a two-week high on Tuesday as "
          "a weaker dollar and supply disruptions at two South American mines outweighed "
          "concerns about slowing demand from construction."),
    ("p", "Benchmark three-month copper on the London Metal Exchange was up 1.4% at $9,870 "
          "a metric ton by 1030 GMT, after touching its highest since May 21."),
    ("p", "\"The market is trading the supply story again,\" said one London-based trader. "
          "\"Any interruption at the big mines gets priced in quickly when stocks are this "
          "low.\""),
    ("fig", "copper.jpg", "Copper cathodes are stacked at a warehouse in Shanghai, China, "
                          "March 12, 2024. REUTERS/Staff"),
    ("p", "Inventories in LME-registered warehouses have fallen by almost a third since the "
          "start of the year, data from the exchange showed."),
    ("p", "Aluminium gained 0.6% to $2,540 a ton, zinc added 0.9% and nickel was little "
          "changed. Tin slipped 0.3% after a strong run last week."),
]


def build_reuters(b):
    parts = []
    for i, blk in enumerate(b):
        if blk[0] == "p":
            parts.append(f"<div data-testid='paragraph-{i}' class='article-body__paragraph"
                         f"__2-BtD text__text__1FZLe'>{E(blk[1])}</div>")
        else:
            parts.append(f"<div data-testid='primary-image' class='article-body__element'>"
                         f"<figure><div class='image__container'><img src='https://www.reu"
                         f"ters.example/resizer/{blk[1]}' width='960' height='640' alt=''>"
                         f"</div><figcaption><span data-testid='Body'>{E(blk[2])}</span>"
                         f"</figcaption></figure></div>")
        if i == 2:
            parts.append("<div data-testid='ResponsiveAdSlot'><div>Advertisement · Scroll "
                         "to continue</div></div>")
    return (head("Copper hits two-week high on supply worries, weaker dollar") +
            "<body><header class='site-header'>" + nav(["World", "Business", "Markets",
                                                        "Sustainability", "Legal",
                                                        "Breakingviews", "Technology",
                                                        "Investigations", "More"]) +
            "</header><main><article><header><nav class='breadcrumbs'><a href='/markets'>"
            "Markets</a><a href='/markets/commodities'>Commodities</a></nav><h1 data-testid"
            "='Heading'>Copper hits two-week high on supply worries, weaker dollar</h1><div "
            "class='info-content'><a href='/authors/x'>By Eric Lund</a><time>June 4, 2024"
            "10:42 AM UTC</time><span>Updated ago</span></div></header><div class='article-"
            "body__content'>" + "".join(parts) + "<p class='sign-off'>Reporting by Eric Lund;"
            " Editing by Sara Mills</p><div class='trust-badge'>Our Standards: The Thomson "
            "Reuters Trust Principles.</div></div></article><div class='read-next'><h2>Read "
            "Next</h2><ul>" + "".join(f"<li><a href='/r/{i}'>{E(x)}</a></li>" for i, x in
                                       enumerate(RELATED_EN[:6])) + "</ul></div></main>" +
            FOOTER_EN + "</body></html>")


page("reuters-style", "en", "https://www.reuters.example.com/markets/commodities/copper-"
     "two-week-high-2024-06-04/", REUTERS, build_reuters,
     notes="paragraphs are <div>s, not <p>s; no built-in rule (example host)")

# 8. Live blog
LIVE = [
    ("p", "Welcome to our live coverage of the city marathon. Around 18,000 runners are "
          "expected on the start line this morning, and the weather looks kind: cool, dry "
          "and almost no wind."),
    ("p", "The elite women are off. The lead pack of eight went through the first kilometre "
          "in just over three minutes, a cautious start given the conditions."),
    ("fig", "start.jpg", "Runners cross the start line on Bridge Road."),
    ("p", "Halfway, and the race is still wide open. Five women remain together at the "
          "front, with last year's winner sitting at the back of the group."),
    ("p", "A burst at 35 kilometres has split the field. Grace Mwangi has opened a gap of "
          "about ten seconds and is looking over her shoulder less and less."),
    ("p", "Mwangi wins in 2:21:44, a course record by almost a minute. She said afterwards "
          "that she had not planned to attack so early but felt strong on the hill."),
    ("p", "That is all from us for today. Thanks for following along, and congratulations "
          "to everyone who finished."),
]


def build_live(b):
    posts, stamps = [], ["08:58", "09:31", "09:31", "10:12", "10:40", "11:03", "11:20"]
    for i, blk in enumerate(b[::-1]):
        j = len(b) - 1 - i
        body = (f"<p>{E(blk[1])}</p>" if blk[0] == "p" else default_fig(blk[1], blk[2], j))
        posts.append(f"<article class='liveblog-post' id='post-{j}'><header><time>"
                     f"{stamps[j]}</time><span class='post-author'>Sam Ortiz</span></header>"
                     f"<div class='post-body'>{body}</div><div class='post-share'><a "
                     f"href='#post-{j}'>Copy link</a><a href='https://twitter.com/intent/"
                     f"tweet?u=x'>Share</a></div></article>")
    return (head("City marathon 2024 – live: Mwangi breaks course record") +
            "<body>" + nav(NAV_EN) + "<main><h1>City marathon 2024 – live: Mwangi breaks "
            "course record</h1><div class='liveblog-key-events'><h2>Key events</h2><ul><li>"
            "<a href='#post-5'>Mwangi wins in course record</a></li><li><a href='#post-4'>"
            "Break at 35km</a></li><li><a href='#post-1'>Elite women start</a></li></ul></div>"
            "<div class='liveblog-updates'><button>Show 3 new updates</button>" +
            "".join(posts) + "</div><div class='pagination'><a href='?page=2'>Older posts"
            "</a></div></main>" + related(RELATED_EN, "Sport headlines") + FOOTER_EN +
            "</body></html>")


# expected text of a live blog: posts in page order (newest first)
page("live-blog", "en", "https://news.example.com/sport/live/2024/apr/21/city-marathon",
     LIVE[::-1], build_live, notes="live blog, newest post first; timestamps not expected")

# 9. Cookie banner + long related-links sidebar
COOKIE = [
    ("p", "The last video rental shop in the county closed its doors on Saturday after 37 "
          "years, its owner said, with a queue of customers outside returning tapes and "
          "discs one final time."),
    ("p", "Derek Small opened Reel Time in 1987 with a few hundred cassettes and a "
          "second-hand till. At its peak the shop stocked more than 9,000 titles and "
          "employed six people on weekend evenings."),
    ("p", "\"People keep asking me whether streaming killed us,\" he said. \"It did, of "
          "course. But we had a good run, and some of these customers have been coming in "
          "since they were children.\""),
    ("fig", "shop.jpg", "Derek Small behind the counter on the shop's final day"),
    ("p", "Much of the stock has been bought by a film society, which plans to keep it as a "
          "lending library in the community centre. The shop sign will go to the local "
          "museum."),
]


def build_cookie(b):
    banner = ("<div id='cookie-banner' class='cmp-banner' role='dialog'><h2>We value your "
              "privacy</h2><p>We and our 842 partners store and access information on your "
              "device, such as cookies, and process personal data such as unique identifiers "
              "and browsing data for personalised advertising and content, audience "
              "measurement and product development. You can accept, reject or manage your "
              "choices at any time by clicking Privacy settings at the bottom of the page.</p>"
              "<button>Accept all</button><button>Reject all</button><button>Manage "
              "options</button></div>")
    sidebar = ("<div class='sidebar'><div class='trending'><h3>Trending</h3><ol>" + "".join(
        f"<li><a href='/t/{i}'>{E(x)}</a></li>" for i, x in enumerate(RELATED_EN + [
            "Bin collections to move to fortnightly from July",
            "Police appeal after bicycle thefts at station",
            "New primary school gets planning approval",
            "Road closures planned for summer festival",
            "Pub named best in region for third year"])) + "</ol></div><div class='promo'>"
            "<p>Get the latest headlines sent straight to your inbox every morning. Sign up "
            "to our free daily newsletter today.</p></div></div>")
    return (head("Last video rental shop closes after 37 years") +
            "<body>" + banner + "<header>" + nav(NAV_EN) + "</header><div class='layout'>"
            "<div class='content-main'><h1>Last video rental shop closes after 37 years</h1>"
            "<p class='byline'>By Local Reporter · 2 min read</p><div class='story-body'>" +
            render(b) + "</div><div class='tags'><a href='/t/business'>Business</a><a "
            "href='/t/film'>Film</a></div></div>" + sidebar + "</div>" + FOOTER_EN +
            "</body></html>")


page("cookie-sidebar", "en", "https://www.localnews.example.co.uk/news/last-video-shop-"
     "closes-8841", COOKIE, build_cookie, notes="consent banner before the page, long "
     "trending sidebar")

# 10. AMP page
AMP = [
    ("p", "A family of peregrine falcons has returned to the cathedral tower for the tenth "
          "year running, and this spring the pair have raised four chicks."),
    ("p", "Volunteers have watched the nest through a camera since 2015. The footage is "
          "streamed online and has been viewed more than two million times this season."),
    ("fig", "falcon.jpg", "One of the four chicks on the tower ledge in late May"),
    ("p", "The chicks were ringed last week by a licensed handler, who said all four were "
          "healthy and well fed. Three are thought to be female."),
    ("p", "They are expected to fledge in the next fortnight, when volunteers will be "
          "posted in the cathedral close to help any young birds that land on the ground."),
]


def build_amp(b):
    def fig(src, cap, i):
        return (f"<figure class='amp-fig'><amp-img src='https://cdn.example/{src}' width='800'"
                f" height='533' layout='responsive' alt='A falcon chick'></amp-img>"
                f"<figcaption>{E(cap)}</figcaption></figure>")
    return ("<!doctype html><html amp lang='en'><head><meta charset='utf-8'><title>Falcons "
            "return to cathedral tower for tenth year</title><link rel='canonical' href='"
            "https://www.citynews.example.com/falcons-cathedral'><meta name='viewport' "
            "content='width=device-width'><script async src='https://cdn.ampproject.org/v0"
            ".js'></script><style amp-custom>body{font-family:serif}</style></head><body>"
            "<amp-analytics type='gtag'></amp-analytics><header class='amp-header'><a href"
            "='/'>City News</a><amp-sidebar id='menu' layout='nodisplay'>" + nav(NAV_EN) +
            "</amp-sidebar></header><article class='amp-article'><h1>Falcons return to "
            "cathedral tower for tenth year</h1><p class='meta'>By Nature Desk · 30 May 2024"
            "</p><amp-social-share type='twitter'></amp-social-share><div class='article-"
            "content'>" + render(b[:2], fig) + "<amp-ad width='300' height='250' type='doubleclick'"
            " data-slot='/1/amp'><div placeholder>Advertisement</div></amp-ad>" +
            render(b[2:], fig) + "</div></article><section class='amp-related'><h2>More "
            "stories</h2>" + "".join(f"<p><a href='/r/{i}'>{E(x)}</a></p>" for i, x in
                                     enumerate(RELATED_EN[:5])) + "</section>" + FOOTER_EN +
            "</body></html>")


page("amp-page", "en", "https://www.citynews.example.com/amp/falcons-cathedral", AMP,
     build_amp, notes="AMP markup: amp-img inside figure, amp-ad between paragraphs")

# 11. Chinese portal in GBK, no HTTP charset (meta charset=gbk)
GBK = [
    ("p", "本报讯 记者从市交通运输局获悉，本市首条跨江隧道将于本月底开通试运行，届时从江北新区到老城中心的车程将由原来的四十分钟缩短至十分钟左右。"),
    ("p", "该隧道全长约三点六公里，采用双向四车道设计，设计时速六十公里。工程自三年前开工以来，施工方克服了江底软土层复杂、地下水位高等多项难题。"),
    ("fig", "tunnel.jpg", "隧道内部照明与通风设施已全部安装完毕。记者 王某 摄"),
    ("p", "市交通运输局相关负责人介绍，试运行期间隧道实行小客车免费通行，货车暂不允许驶入。试运行结束后，将根据交通流量评估结果确定正式运营方案。"),
    ("h2", "周边道路同步改造"),
    ("p", "为配合隧道开通，两岸接线道路同步完成了拓宽改造，新增公交专用道两条，并对五个路口的信号灯配时进行了优化。"),
    ("p", "不少市民表示期待。家住江北的李女士说，她每天开车送孩子去老城上学，以前早高峰过桥要排很久的队，隧道开通后能省下不少时间。"),
]


def build_gbk(b):
    def fig(src, cap, i):
        return (f"<p align='center'><img src='http://img.portal.example.cn/{src}' "
                f"width='600' height='400' border='0'></p><p align='center' "
                f"class='pictext'>{E(cap)}</p>")
    return (head("首条跨江隧道月底试运行 江北到老城只需十分钟", "gbk") +
            "<body><div class='top'>" + nav(NAV_ZH) + "</div><div class='w1000'><div "
            "class='left'><div class='crumb'>当前位置：<a href='/'>首页</a> &gt; <a href='/"
            "local'>本地新闻</a> &gt; 正文</div><h1>首条跨江隧道月底试运行 江北到老城只需十分钟"
            "</h1><div class='info'>2024-06-11 08:30 来源：晨报 作者：张某 <a href='#'>"
            "我要评论</a></div><div class='share'>分享到：<a href='#'>微博</a><a href='#'>微信"
            "</a><a href='#'>QQ空间</a></div><div id='Cnt-Main-Article-QQ' class='content'>"
            + render(b[:4], fig) + "<div class='ad'><script>showAd('zw_01')</script>"
            "广告</div>" + render(b[4:], fig) + "<p class='editor'>（责任编辑：刘某）</p>"
            "</div><div class='xgxw'><h3>相关新闻</h3><ul>" + "".join(
                f"<li><a href='/n/{i}'>{E(x)}</a><span>06-1{i % 10}</span></li>" for i, x in
                enumerate(RELATED_ZH)) + "</ul></div><div class='comment'><h3>网友评论</h3>"
            "<div class='c'><p>终于要通了，等了三年，希望以后收费别太贵。</p></div><div "
            "class='c'><p>江北房价又要涨了吧，早知道前两年就买了。</p></div></div></div><div "
            "class='right'><h3>热点排行</h3><ol>" + "".join(
                f"<li><a href='/h/{i}'>{E(x)}</a></li>" for i, x in enumerate(RELATED_ZH[::-1]))
            + "</ol></div></div>" + FOOTER_ZH + "</body></html>")


page("portal-gbk", "zh", "http://news.portal.example.cn/local/2024/0611/123456.shtml",
     GBK, build_gbk, encoding="gbk",
     notes="GBK bytes, <meta charset=gbk>, no HTTP charset; captions as <p align=center>")

# 12. Big5 Taiwanese news page
BIG5 = [
    ("p", "中央氣象署今天表示，今年第三號颱風預計明天清晨在東部海面轉向北行，暴風圈可能觸及花蓮及臺東沿海，不排除發布陸上颱風警報。"),
    ("p", "氣象署預報員指出，颱風目前強度為中度，中心氣壓九百七十百帕，近中心最大風速每秒三十三公尺，正以每小時十五公里的速度向西北西前進。"),
    ("fig", "typhoon.jpg", "衛星雲圖顯示颱風結構完整。（圖取自中央氣象署網站）"),
    ("p", "受颱風外圍環流影響，東半部地區今天下午起將有局部大雨，山區須留意落石及坍方，民眾應避免前往海邊及溪流活動。"),
    ("p", "交通部表示，往返綠島及蘭嶼的船班明天全數停駛，部分國內航線也可能取消，旅客出發前應先向業者確認。"),
]


def build_big5(b):
    def fig(src, cap, i):
        return (f"<div class='photo'><img src='https://img.twnews.example.tw/{src}' "
                f"width='640' height='427' alt='{E(cap)}'><p class='photo-caption'>"
                f"{E(cap)}</p></div>")
    return (head("颱風明晨轉向北行 東部沿海嚴防強風豪雨", "big5") +
            "<body><div id='header'>" + nav(["即時", "政治", "社會", "國際", "財經", "生活",
                                            "娛樂", "體育", "地方", "影音"]) + "</div><div "
            "id='container'><div class='article'><h1>颱風明晨轉向北行 東部沿海嚴防強風豪雨</h1>"
            "<div class='date'>2024/07/22 14:05（記者陳某／臺北報導）</div><div class='fb-like"
            "'>讚 分享</div><div class='text' id='newsText'>" + render(b, fig) +
            "<p class='report'>※ 本報訊息未經授權，請勿轉載。</p></div><div class='keywords'>關鍵字："
            "<a href='/k/1'>颱風</a><a href='/k/2'>氣象署</a></div></div><div class='more'>"
            "<h3>延伸閱讀</h3><ul>" + "".join(
                f"<li><a href='/m/{i}'>{x}</a></li>" for i, x in enumerate([
                    "豪雨特報持續 南投山區累積雨量逾三百毫米", "連假塞車熱點出爐 國道這些路段避開",
                    "電價審議會下週登場 民生用電可望凍漲", "夏季用電高峰 備轉容量率跌破百分之六",
                    "颱風假怎麼放？各縣市停班停課標準一次看"])) + "</ul></div></div><div "
            "id='footer'><p>聯絡我們 | 隱私權政策 | 著作權聲明</p><p>版權所有 © 2024 示例新聞網"
            "</p></div></body></html>")


page("tw-big5", "zh", "https://news.twnews.example.tw/life/20240722/0001", BIG5,
     build_big5, encoding="big5", notes="Big5 bytes, <meta charset=big5>, traditional "
                                        "characters, caption in <p class=photo-caption>")

# 13. Lazy-loaded figures and captions (data-src, placeholder src, noscript)
LAZY = [
    ("p", "今年夏天，一群大学生志愿者在西部山区的一所村小度过了二十天。他们带去的不只是课本，还有天文望远镜、显微镜和一台可以放映电影的投影仪。"),
    ("fig", "telescope.jpg", "孩子们第一次通过望远镜观察月亮。"),
    ("p", "村小只有三十二名学生和四位老师，最远的孩子每天要走一个多小时山路上学。志愿者们把教室后面的空地改成了小小的科学角。"),
    ("p", "支教队队长小林说，出发前最担心的是孩子们怕生，没想到第二天就有学生追着问星星为什么会眨眼。"),
    ("fig", "microscope.jpg", "显微镜下的洋葱表皮细胞让学生们连连惊呼。"),
    ("p", "临别时，孩子们把自己画的星空送给志愿者。学校老师表示，希望明年还能继续合作，把科学课变成这里的固定课程。"),
]


def build_lazy(b):
    def fig(src, cap, i):
        return (f"<div class='img-wrap'><img class='lazyload' src='https://static.example.cn/"
                f"img/loading.gif' data-src='https://pic.example.cn/2024/{src}' alt=''>"
                f"<noscript><img src='https://pic.example.cn/2024/{src}'></noscript>"
                f"<span class='img-desc'>{E(cap)}</span></div>")
    return (head("山村小学的二十天科学夏令营") +
            "<body><div class='header'>" + nav(NAV_ZH) + "</div><div class='main'><div "
            "class='article-box'><h1 class='title'>山村小学的二十天科学夏令营</h1><div "
            "class='meta'><span>2024-08-02 19:20</span><span>来源：青年报</span><span>阅读 "
            "1.2万</span></div><div class='rich_media_content' id='js_content'>" +
            render(b, fig) + "</div><div class='reward'><p>喜欢这篇文章？点个赞吧</p><button>赞"
            "</button><button>在看</button></div></div><div class='recommend'><h3>猜你喜欢"
            "</h3>" + "".join(f"<div class='item'><a href='/a/{i}'><img src='https://pic."
                              f"example.cn/thumb/{i}.jpg' width='120' height='80'><p>{E(x)}"
                              f"</p></a></div>" for i, x in enumerate(RELATED_ZH[:6])) +
            "</div></div>" + FOOTER_ZH + "</body></html>")


page("lazy-figures-zh", "zh", "https://www.youth.example.cn/2024/08/02/a88123.html", LAZY,
     build_lazy, notes="images only in data-src (placeholder src) plus <noscript>; captions "
                       "in <span class=img-desc>")

# 14. Article split into several blocks with ads and a "related" box in between
SPLIT = [
    ("p", "记者近日走访发现，城区多个老旧小区加装电梯工作进展明显。截至目前，全市已有四百余部电梯建成投用，另有一百多部正在施工。"),
    ("p", "在建于上世纪九十年代的东风小区，六层楼的住户过去上下楼全靠步行。今年三月，小区第一部加装电梯正式运行，住在顶楼的王大爷终于可以每天下楼散步了。"),
    ("h2", "协调难题如何破解"),
    ("p", "加装电梯最大的难点往往不是技术，而是邻里协调。低楼层住户担心采光和噪音，高楼层住户则希望尽快开工。"),
    ("p", "街道工作人员介绍，他们采取“一楼一议”的办法，由社区牵头组织协商会，并引入第三方评估，按楼层分摊费用，低楼层住户可以少出或不出。"),
    ("fig", "elevator.jpg", "东风小区加装的电梯外观与原有建筑风格保持一致。"),
    ("p", "下一步，市住建部门将简化审批流程，推行“一窗受理”，并探索电梯维保费用由专项维修资金支付的办法。"),
]


def build_split(b):
    def fig(src, cap, i):
        return (f"<div class='pic'><img src='https://img.example.cn/{src}' width='640' "
                f"height='480'></div><div class='pic-title'>{E(cap)}</div>")
    blocks = [render(b[0:2], fig), render(b[2:5], fig), render(b[5:], fig)]
    inter = ["<div class='ad-box'><a href='https://ad.example.cn/c?1'><img src='https://ad."
             "example.cn/banner.jpg' width='640' height='90'></a></div>",
             "<div class='inner-related'><h4>延伸阅读</h4><ul><li><a href='/x1'>老旧小区改造"
             "今年计划开工三百个</a></li><li><a href='/x2'>电梯安全检查 这些细节要注意</a></li>"
             "</ul></div>"]
    body = ("<div class='article-part'>" + blocks[0] + "</div>" + inter[0] +
            "<div class='article-part'>" + blocks[1] + "</div>" + inter[1] +
            "<div class='article-part'>" + blocks[2] + "</div>")
    return (head("老旧小区加装电梯 四百余部已投用") +
            "<body>" + nav(NAV_ZH) + "<div class='wrap'><div class='main-l'><h1>老旧小区加装电梯"
            " 四百余部已投用</h1><div class='source'>2024-05-20 来源：都市日报</div><div "
            "class='article'>" + body + "<div class='statement'>声明：本文版权归原作者所有，转载"
            "请注明出处。</div></div><div class='page-comment'><h3>评论</h3><p>我们小区也在"
            "申请，一楼的邻居一直不同意，希望早点有办法。</p><p>费用能不能再降一点？一部电梯"
            "几十万太贵了。</p></div></div><div class='main-r'><h3>排行榜</h3><ul>" + "".join(
                f"<li><a href='/p/{i}'>{E(x)}</a></li>" for i, x in enumerate(RELATED_ZH)) +
            "</ul></div></div>" + FOOTER_ZH + "</body></html>")


page("split-blocks-zh", "zh", "https://city.dushi.example.cn/2024/05/20/elevators.html",
     SPLIT, build_split, notes="article split into three .article-part blocks with an ad "
                               "and a related box between them")

# 15. English news page whose body has a pull quote, a list and an inline video embed
EXPLAINER = [
    ("p", "Heat pumps have gone from a niche product to one of the most talked-about "
          "parts of home energy policy. Here is what they are, how much they cost, and "
          "whether one would work in your house."),
    ("h2", "How does a heat pump work?"),
    ("p", "A heat pump moves heat rather than making it. An air-source pump draws warmth "
          "from outside air, even on cold days, and concentrates it using a compressor, "
          "much like a fridge working in reverse."),
    ("fig", "heatpump.jpg", "An air-source heat pump installed on the side of a terraced "
                            "house"),
    ("h2", "What does it cost?"),
    ("ul", ["Installation usually costs between £8,000 and £14,000 before grants.",
            "A government grant currently covers £7,500 in England and Wales.",
            "Running costs depend heavily on how well the house is insulated."]),
    ("quote", "The best time to fit a heat pump is when your old boiler is about to die, "
              "not after it has."),
    ("p", "Installers say the most common mistake is fitting a pump in a draughty house. "
          "Improving insulation first often means a smaller, cheaper pump will do."),
]


def build_explainer(b):
    return (head("Heat pumps explained: costs, grants and whether they work") +
            "<body><div class='masthead'>" + nav(NAV_EN) + "</div><div class='container'>"
            "<article class='story'><h1>Heat pumps explained: costs, grants and whether they "
            "work</h1><div class='byline'>By Energy Correspondent</div><div class='story-"
            "content'>" + render(b[:4]) + "<div class='video-embed'><iframe src='https://www"
            ".youtube.com/embed/abc123' width='640' height='360'></iframe></div>" +
            render(b[4:]) + "</div><div class='share-buttons'><a href='https://www.facebook"
            ".com/sharer/sharer.php?u=x'>Facebook</a><a href='mailto:?'>Email</a></div>"
            "</article><div class='related-articles'><h3>You might also like</h3>" + "".join(
                f"<div class='teaser'><a href='/t/{i}'><h4>{E(x)}</h4></a><p>{E(y)}</p></div>"
                for i, (x, y) in enumerate([
                    ("Solar panels: are they still worth it?", "Prices have fallen, but so "
                     "have export payments. We crunch the numbers."),
                    ("How to cut your energy bill this winter", "Ten small changes that add "
                     "up to real savings."),
                    ("Insulation grants: who qualifies?", "The rules changed in April; here "
                     "is what you need to know.")])) + "</div></div>" + FOOTER_EN +
            "</body></html>")


page("explainer-en", "en", "https://www.dailynews.example.com/money/heat-pumps-explained",
     EXPLAINER, build_explainer, notes="subheads, bullet list, blockquote, video iframe, "
                                       "teaser cards with summaries")


def main() -> None:
    (HERE / "pages").mkdir(exist_ok=True)
    (HERE / "expected").mkdir(exist_ok=True)
    entries = []
    for p in PAGES:
        html_text = p["build"](p["blocks"] if p["name"] != "live-blog" else LIVE)
        (HERE / "pages" / f"{p['name']}.html").write_bytes(html_text.encode(p["encoding"], "xmlcharrefreplace"))
        (HERE / "expected" / f"{p['name']}.txt").write_text(expected_of(p["blocks"]),
                                                              "utf-8")
        entries.append({"name": p["name"], "file": f"{p['name']}.html", "url": p["url"],
                        "language": p["language"],
                        "encoding": (p["encoding"] + " bytes, declared in <meta charset>, "
                                     "no HTTP charset"),
                        "captions": captions_of(p["blocks"]), "notes": p["notes"]})
    manifest_path = HERE / "manifest.json"
    manifest = json.loads(manifest_path.read_text("utf-8"))
    kept = [e for e in manifest["pages"] if e["file"].startswith("shared:")]
    manifest["pages"] = kept + entries
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n",
                             "utf-8")
    print(f"wrote {len(entries)} pages")


if __name__ == "__main__":
    main()
