"""Each role's pages in a real browser (Debian's Chromium): sign in, do the job, see the result,
and be refused what belongs to someone else."""

from __future__ import annotations

import datetime as dt
import re
import time

import httpx2 as httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Served, shoot

BOTKYRKA, HUDDINGE = "0127", "0126"


def sign_in(page: Page, served: Served, municipality: str, role: str, path: str = "/app") -> None:
    """Sign in with the keyboard only: type the token, press Enter."""
    page.goto(served.url + path)
    expect(page).to_have_url(re.compile(r"/sign-in"))
    page.get_by_label("Inloggningsnyckel").fill(served.token(municipality, role))
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()


def unlabelled_inputs(page: Page) -> list[str]:
    """Visible form controls that no label names."""
    return page.evaluate("""() => [...document.querySelectorAll('input, select, textarea')]
        .filter(e => e.type !== 'hidden' && !(e.labels && e.labels.length)
                     && !e.getAttribute('aria-label'))
        .map(e => e.name || e.id)""")


def test_a_whole_round_through_the_pages_in_each_role(served: Served, context) -> None:
    """Coordinator opens and solves the round and publishes it; a case worker accepts and
    declines; the housing officer confirms the contract; the coordinator closes the round and
    the ledger shows the move."""
    page = context.new_page()
    sign_in(page, served, HUDDINGE, "coordinator")
    expect(page.get_by_role("heading", name="Nätverket", level=1)).to_be_visible()
    members = page.get_by_role("table").first
    for name in ("Botkyrka", "Haninge", "Huddinge", "Nykvarn", "Nynäshamn", "Salem",
                 "Södertälje", "Tyresö"):
        expect(members.get_by_role("rowheader", name=name)).to_be_visible()
    expect(page.locator("svg.chart rect")).to_have_count(8)
    before = balances(page)
    shoot(page, "coordinator-network")

    page.get_by_role("link", name="Matchningsomgångar").click()
    page.get_by_label("Månad").fill("2026-12")
    page.get_by_role("button", name="Öppna omgången").click()
    expect(page.get_by_role("heading", name="Omgång 2026-12")).to_be_visible()
    page.get_by_role("button", name="Matcha", exact=True).click()
    expect(page.locator("#round-status")).to_have_text("Matchad, ej publicerad", timeout=120_000)
    placed = page.get_by_role("table", name="Placerade per angelägenhet")
    expect(placed).to_be_visible()
    arrows = page.locator("svg.map path.flow")
    assert arrows.count() > 0
    assert page.locator("svg.map circle").count() == 8  # member centres only, nothing else
    page.get_by_role("button", name="Publicera förslagen").click()
    expect(page.get_by_role("status")).to_contain_text("publicerat")
    shoot(page, "coordinator-round", height=1500)

    # A case worker with a published proposal: whose? The coordinator's API says.
    listed = served.get(HUDDINGE, "coordinator", "/proposals", limit=200)
    by_sender: dict[str, list[dict]] = {}
    for p in listed["items"]:
        by_sender.setdefault(p["sending"], []).append(p)
    sender = max(by_sender, key=lambda code: len(by_sender[code]))
    first, second = by_sender[sender][:2]

    worker = context.browser.new_context(viewport={"width": 1024, "height": 1366})  # a tablet
    wpage = worker.new_page()
    sign_in(wpage, served, sender, "case_worker")
    wpage.get_by_role("link", name="Bostadsförslag").click()
    offer = wpage.locator(f"article#{first['id']}")
    expect(offer.get_by_text("Avstånd till närmaste riskområde")).to_be_visible()
    expect(offer.get_by_text("Hyresvärdens villkor")).to_be_visible()
    shoot(wpage, "case-worker-proposals")
    offer.get_by_role("button", name="Hushållet tackar ja").click()
    expect(wpage.get_by_role("status")).to_contain_text("accepterat")
    declined = wpage.locator(f"article#{second['id']}")
    declined.get_by_label("Skäl").select_option("location")
    declined.get_by_role("button", name="Hushållet tackar nej").click()
    expect(wpage.get_by_role("status")).to_contain_text("avböjt")
    expect(wpage.locator(f"article#{second['id']} .status")).to_contain_text("Läget")
    waiting = next(c["id"] for c in served.get(sender, "case_worker", "/cases", status="open",
                                               limit=200)["items"] if c["id"] != second["case"])
    wpage.goto(f"{served.url}/app/cases/{waiting}")
    why = wpage.get_by_role("region", name="Varför fick hushållet inget förslag?")
    expect(why).to_contain_text("Vad du kan göra:")
    shoot(wpage, "case-worker-why-not-placed")
    worker.close()

    receiver = first["receiving"]
    officer = context.browser.new_context(viewport={"width": 1280, "height": 900})
    opage = officer.new_page()
    sign_in(opage, served, receiver, "housing_officer")
    opage.get_by_role("link", name="Förslag på mina bostäder").click()
    row = opage.locator(f"tr#{first['id']}")
    expect(row).to_contain_text("Vuxna:")
    expect(row).not_to_contain_text(first["case"])  # a profile under the proposal id only
    shoot(opage, "housing-officer-proposals")
    row.get_by_role("button", name="Kontrakt skrivet").click()
    expect(opage.get_by_role("status")).to_contain_text("bekräftat")
    officer.close()

    page.goto(f"{served.url}/app/rounds/sodertorn-2026-12")
    page.once("dialog", lambda dialog: dialog.accept())  # "Close the round?" asks first
    page.get_by_role("button", name="Stäng omgången").click()
    expect(page.get_by_role("status")).to_contain_text("bokförda")
    page.get_by_role("link", name="Nätverket").click()
    after = balances(page)
    names = served.get(HUDDINGE, "coordinator", "/municipalities")
    name_of = {m["code"]: m["name"] for m in names}
    moved = {name: after[name] - before[name] for name in after if after[name] != before[name]}
    assert moved == {name_of[receiver]: 1, name_of[sender]: -1}


def balances(page: Page) -> dict[str, int]:
    """Each member's ledger balance as the network page's table shows it."""
    rows = page.locator("table").first.locator("tbody tr")
    return {row.locator("th").inner_text(): int(row.locator("td").last.inner_text())
            for row in rows.all()}


def test_a_case_worker_posts_a_case_with_inline_errors_then_edits_it(served: Served,
                                                                    context) -> None:
    """A case with a bad field is shown again with the error beside the field; once right it
    is stored, and its safety details can be changed by picking a locality."""
    page = context.new_page()
    sign_in(page, served, BOTKYRKA, "case_worker")
    page.get_by_role("link", name="Registrera ett ärende").click()
    assert unlabelled_inputs(page) == []
    page.get_by_label("Angelägenhet").select_option("acute")
    page.get_by_label("Väntat sedan").fill("2026-09-01")
    page.get_by_label("Minst antal rum").fill("2")
    page.get_by_label("Högst antal rum").fill("3")
    page.get_by_label("Högsta hyra (kr/mån)").fill("-5")
    page.get_by_label("Vuxna").fill("1")
    page.locator("#household-children-0-age").fill("8")
    page.get_by_label("Huddinge").first.check()
    page.locator("#safety-danger_zones-0-place").fill("Tumba (Botkyrka)")
    page.locator("#safety-danger_zones-0-radius_km").fill("5")
    page.get_by_role("button", name="Registrera ärendet").click()
    expect(page.get_by_role("alert")).to_contain_text("Högsta hyra (kr/mån): Måste vara minst 0.")
    expect(page.locator("#max_rent_sek-error")).to_have_text("Måste vara minst 0.")
    expect(page.locator("#household-children-0-age")).to_have_value("8")  # nothing typed lost
    shoot(page, "case-worker-case-form")
    page.get_by_label("Högsta hyra (kr/mån)").fill("10000")
    page.get_by_role("button", name="Registrera ärendet").click()
    expect(page.get_by_role("status")).to_contain_text("registrerat")
    expect(page.get_by_text("Huddinge")).to_be_visible()
    page.get_by_role("link", name="Ändra ärendet").click()
    expect(page.locator("#safety-danger_zones-0-radius_km")).to_have_value("5.0")
    page.locator("#safety-danger_zones-0-radius_km").fill("7.5")
    page.get_by_role("button", name="Spara ändringarna").click()
    expect(page.get_by_role("status")).to_contain_text("sparade")
    expect(page.get_by_text("radie 7,5 km")).to_be_visible()


def test_a_housing_officer_pledges_a_unit_after_an_inline_error(served: Served, context) -> None:
    page = context.new_page()
    sign_in(page, served, HUDDINGE, "housing_officer")
    page.get_by_role("link", name="Anmäl en bostad").click()
    assert unlabelled_inputs(page) == []
    page.get_by_label("Område").fill("Flemingsberg")
    page.get_by_label("Latitud").fill("59.22")
    page.get_by_label("Longitud").fill("17.95")
    page.get_by_label("Rum", exact=True).fill("0")
    page.get_by_label("Hyra (kr/mån)").fill("8500")
    page.get_by_role("button", name="Anmäl bostaden").click()
    expect(page.locator("#rooms-error")).to_have_text("Måste vara minst 1.")
    shoot(page, "housing-officer-unit-form")
    page.get_by_label("Rum", exact=True).fill("3")
    page.get_by_role("button", name="Anmäl bostaden").click()
    expect(page.get_by_role("status")).to_contain_text("anmäld")
    expect(page.get_by_role("cell", name="Flemingsberg")).to_be_visible()
    shoot(page, "housing-officer-units")


def test_pages_of_another_member_or_role_are_refused(served: Served, context) -> None:
    """Another municipality's case is 'not found'; a page of another role is refused; a form
    without its CSRF token does nothing."""
    other = served.get(HUDDINGE, "case_worker", "/cases", status="open")["items"][0]["id"]
    page = context.new_page()
    sign_in(page, served, BOTKYRKA, "case_worker")
    answer = page.goto(f"{served.url}/app/cases/{other}")
    assert answer is not None and answer.status == 404
    expect(page.get_by_role("heading", name="Hittades inte")).to_be_visible()
    assert other not in page.content()
    answer = page.goto(f"{served.url}/app/rounds")
    assert answer is not None and answer.status == 403
    forged = page.request.post(f"{served.url}/app/cases/{other}/withdraw",
                               form={"version": "1", "_csrf": "forged"})
    assert forged.status == 403
    assert served.get(HUDDINGE, "case_worker", f"/cases/{other}")["status"] != "withdrawn"


def test_signing_out_ends_the_session_and_the_cookie_is_locked_down(served: Served,
                                                                    context) -> None:
    page = context.new_page()
    sign_in(page, served, BOTKYRKA, "case_worker")
    cookie = next(c for c in context.cookies() if c["name"] == "__Host-exchange-session")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Lax"
    page.get_by_role("button", name="Logga ut").click()
    expect(page.get_by_role("status")).to_have_text("Du är utloggad.")
    context.add_cookies([{**cookie}])  # a copy kept by an attacker is worthless now
    page.goto(f"{served.url}/app/cases")
    expect(page).to_have_url(re.compile(r"/sign-in"))


def test_a_wrong_token_is_refused_and_english_is_one_click_away(served: Served, context) -> None:
    page = context.new_page()
    page.goto(f"{served.url}/sign-in")
    page.get_by_label("Inloggningsnyckel").fill("exch_wrong")
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("alert")).to_contain_text("Nyckeln gäller inte")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Sign-in token").fill(served.token(BOTKYRKA, "case_worker"))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My cases")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_the_skip_link_is_the_first_stop_for_the_keyboard(served: Served, context) -> None:
    page = context.new_page()
    sign_in(page, served, BOTKYRKA, "case_worker")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Hoppa till innehållet"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def published_round(served: Served) -> str:
    """A published round with proposals awaiting an answer, whatever earlier tests did: the
    network's unclosed round, or a new month's."""
    token = served.token(HUDDINGE, "coordinator")
    with httpx.Client(base_url=served.url, timeout=120,
                      headers={"Authorization": f"Bearer {token}"}) as api:
        rounds = api.get("/rounds").json()["items"]
        unclosed = [r for r in rounds if r["status"] != "closed"]
        newest = dt.date.fromisoformat(max(r["period"] for r in rounds) + "-01")
        following = (newest + dt.timedelta(days=32)).strftime("%Y-%m")
        found = unclosed[0] if unclosed else api.post(
            "/rounds", json={"period": following}).json()
        if found["status"] == "open":
            api.post(f"/rounds/{found['id']}/solve")
        while found["status"] in ("open", "solving"):
            time.sleep(0.2)
            found = api.get(f"/rounds/{found['id']}").json()
        if found["status"] == "solved":
            api.post(f"/rounds/{found['id']}/publish", json={"version": found["version"]})
        return found["id"]


MAIN_PAGES = {
    (HUDDINGE, "coordinator"): ["/app/network", "/app/rounds", "/app/health"],
    (BOTKYRKA, "case_worker"): ["/app/cases", "/app/cases/new", "/app/proposals"],
    (HUDDINGE, "housing_officer"): ["/app/units", "/app/units/new", "/app/proposals"],
}


def test_the_main_pages_pass_an_accessibility_audit(served: Served, browser) -> None:
    """axe-core (bundled with axe-playwright-python, run in the page) finds no violation of
    WCAG 2.1 A/AA rules: labels, contrast, landmarks, headings, ARIA, language."""
    from axe_playwright_python.sync_playwright import Axe

    round_id = published_round(served)
    waiting = served.get(HUDDINGE, "coordinator", "/proposals", status="proposed")["items"]
    pages = [(m, r, path) for (m, r), paths in MAIN_PAGES.items() for path in paths]
    pages += [(HUDDINGE, "coordinator", f"/app/rounds/{round_id}"),
              (waiting[0]["sending"], "case_worker", "/app/proposals")]  # forms to answer
    axe = Axe()
    for municipality, role, path in pages:
        context = browser.new_context()
        page = context.new_page()
        sign_in(page, served, municipality, role)
        assert page.goto(served.url + path).status == 200, path
        found = axe.run(page).response["violations"]
        assert [(v["id"], v["nodes"][0]["target"]) for v in found] == [], path
        context.close()
