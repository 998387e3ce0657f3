"""The ranked rings and a ring's network in a real browser (Debian's Chromium): the graph is
drawn, and tapping two cases in it fetches the chain that links them and marks it."""

import pytest
from django.urls import reverse

from pingan.conftest import browser_login as login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ranked_rings_and_a_ring_network(browser, live_server, personas, record, shiliang):
    a = record(("phone", "13800006666"), loss=400_000)
    b = record(("phone", "138 0000 6666"), ("url", "https://x-pay.cn/h5"), unit=shiliang, loss=200_000)
    c = record(("url", "x-pay.cn"), loss=9_000)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, live_server, "admin")

    page.goto(live_server.url + reverse("fraud:rings"))
    rows = page.locator("#ring-results tbody tr")
    assert rows.count() == 1 and a.ref in rows.first.inner_text()
    assert "609000.00" in rows.first.inner_text().replace(",", "")
    page.click(f"#ring-results a:text('{a.ref}')")
    page.wait_for_url(live_server.url + reverse("fraud:ring", args=[a.ref]))
    page.wait_for_selector("#ring-graph canvas")
    page.wait_for_function("document.getElementById('ring-graph').dataset.ready === 'true'")

    # Two taps on case nodes, as ECharts reports them to the page's handler.
    page.evaluate("""refs => {
        const chart = echarts.getInstanceByDom(document.getElementById('ring-graph'));
        refs.forEach(ref => chart.trigger('click', {dataType: 'node', data: {category: 0, name: ref}}));
    }""", [a.ref, c.ref])
    page.wait_for_function("document.getElementById('ring-graph').dataset.marked === 'true'")
    chain = page.locator("#explain .explain-chain li")
    assert chain.count() == 2
    assert "13800006666" in chain.nth(0).inner_text() and b.ref in chain.nth(0).inner_text()
    assert "x-pay.cn" in chain.nth(1).inner_text() and c.ref in chain.nth(1).inner_text()
    assert f"a={a.ref}" in page.url  # the chain has an address of its own
    assert errors == []
