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
    """Each person starts from what waits for her: the coordinator opens, solves and publishes
    (asked first); a case worker accepts (asked first), takes it back and accepts again, and
    declines another as "other" with a few words; the housing officer confirms the contract
    (asked first); the coordinator closes (shown what it books) and the ledger moves."""
    page = context.new_page()
    sign_in(page, served, HUDDINGE, "coordinator")
    expect(page.get_by_role("heading", name="Att göra", level=1)).to_be_visible()
    shoot(page, "coordinator-start")
    page.get_by_role("link", name="Nätverket", exact=True).click()
    members = page.get_by_role("table").first
    for name in ("Botkyrka", "Haninge", "Huddinge", "Nykvarn", "Nynäshamn", "Salem",
                 "Södertälje", "Tyresö"):
        expect(members.get_by_role("rowheader", name=name)).to_be_visible()
    expect(page.locator("svg.chart rect")).to_have_count(8)
    before = balances(page)
    shoot(page, "coordinator-network")

    page.get_by_role("link", name="Matchningsomgångar", exact=True).click()
    page.get_by_label("Månad").fill("2026-12")
    page.get_by_role("button", name="Öppna omgången").click()
    expect(page.get_by_role("heading", name="Omgång 2026-12")).to_be_visible()
    page.get_by_role("button", name="Matcha", exact=True).click()
    expect(page.locator("#round-status")).to_have_text("Matchad, ej publicerad", timeout=120_000)
    expect(page.get_by_role("table", name="Placerade i omgången per angelägenhet")).to_be_visible()
    expect(page.get_by_role("table", name="Hushåll från skickande kommun")).to_be_visible()
    page.get_by_role("link", name="Publicera förslagen", exact=True).click()
    expect(page.get_by_role("heading", name="Publicera förslagen för 2026-12?")).to_be_visible()
    page.get_by_role("button", name="Ja, publicera förslagen").click()
    expect(page.get_by_role("status")).to_contain_text("publicerat")
    shoot(page, "coordinator-round", height=1500)

    listed = served.get(HUDDINGE, "coordinator", "/proposals", limit=200)
    by_sender: dict[str, list[dict]] = {}
    for p in listed["items"]:
        by_sender.setdefault(p["sending"], []).append(p)
    sender = max(by_sender, key=lambda code: len(by_sender[code]))
    first, second = by_sender[sender][:2]

    worker = context.browser.new_context(viewport={"width": 1024, "height": 1366})  # a tablet
    wpage = worker.new_page()
    sign_in(wpage, served, sender, "case_worker")
    expect(wpage.get_by_role("link", name=re.compile("Svara på ett bostadsförslag")).first
           ).to_be_visible()
    wpage.get_by_role("link", name="Bostadsförslag", exact=True).click()
    offer = wpage.locator(f"article#{first['id']}")
    expect(offer.get_by_text("Avstånd till närmaste riskområde")).to_be_visible()
    expect(offer.get_by_text("Gatuadress")).to_be_visible()
    expect(offer.locator(".map-box .leaflet-marker-icon")).to_be_visible()  # the unit, drawn
    shoot(wpage, "case-worker-proposals")
    offer.get_by_role("link", name="Hushållet tackar ja", exact=True).click()
    expect(wpage.get_by_role("heading", name="Tackar hushållet ja?")).to_be_visible()
    wpage.get_by_role("button", name="Ja, hushållet tackar ja").click()
    expect(wpage.get_by_role("status")).to_contain_text("accepterat")
    wpage.locator(f"article#{first['id']}").get_by_role("button", name="Ångra ja").click()
    expect(wpage.get_by_role("status")).to_contain_text("ångrat")
    wpage.locator(f"article#{first['id']}").get_by_role(
        "link", name="Hushållet tackar ja", exact=True).click()
    wpage.get_by_role("button", name="Ja, hushållet tackar ja").click()
    declined = wpage.locator(f"article#{second['id']}")
    declined.get_by_label("Skäl").select_option("other")
    declined.get_by_role("button", name="Hushållet tackar nej").click()
    expect(wpage.get_by_role("alert")).to_contain_text("Skriv några ord")  # not a dead end
    wpage.get_by_label("Några ord om varför").fill("För långt till jobbet")
    wpage.get_by_role("button", name="Hushållet tackar nej").click()
    expect(wpage.get_by_role("status")).to_contain_text("avböjt")
    expect(wpage.locator(f"article#{second['id']} .status")).to_contain_text(
        "För långt till jobbet")
    waiting = next(c["id"] for c in served.get(sender, "case_worker", "/cases", status="open",
                                               limit=200)["items"]
                   if c["id"] != second["case"] and (c["consent"] or {}).get("valid"))
    wpage.goto(f"{served.url}/app/cases/{waiting}")
    why = wpage.get_by_role("region", name="Varför fick hushållet inget förslag?")
    expect(why).to_contain_text("Vad du kan göra:")
    shoot(wpage, "case-worker-why-not-placed")
    worker.close()

    receiver = first["receiving"]
    officer = context.browser.new_context(viewport={"width": 1280, "height": 900})
    opage = officer.new_page()
    sign_in(opage, served, receiver, "housing_officer")
    opage.get_by_role("link", name=re.compile("skriv kontraktet")).first.click()
    row = opage.locator(f"tr#{first['id']}")
    expect(row).to_contain_text("Vuxna:")
    expect(row).not_to_contain_text(first["case"])  # a profile under a pseudonym only
    shoot(opage, "housing-officer-proposals")
    row.get_by_role("link", name="Kontrakt skrivet", exact=True).click()
    opage.get_by_role("button", name="Ja, kontraktet är skrivet").click()
    expect(opage.get_by_role("status")).to_contain_text("bekräftat")
    officer.close()

    page.goto(f"{served.url}/app/rounds/sodertorn-2026-12")
    page.get_by_role("link", name="Stäng omgången", exact=True).click()
    expect(page.get_by_role("table", name=re.compile("saldo före och efter"))).to_be_visible()
    page.get_by_role("button", name="Ja, stäng och bokför").click()
    expect(page.get_by_role("status")).to_contain_text("bokförda")
    expect(page.get_by_role("heading", name="Bokfört i utbytet")).to_be_visible()
    page.get_by_role("link", name="Nätverket", exact=True).click()
    after = balances(page)
    names = served.get(HUDDINGE, "coordinator", "/municipalities")
    name_of = {m["code"]: m["name"] for m in names}
    moved = {name: after[name] - before[name] for name in after if after[name] != before[name]}
    assert moved == {name_of[receiver]: 1, name_of[sender]: -1}


def balances(page: Page) -> dict[str, int]:
    """Each member's ledger balance as the network page's table shows it."""
    rows = page.locator("table").first.locator("tbody tr")
    return {row.locator("th").inner_text(): int(row.locator("td").last.inner_text().replace(
        "\u2212", "-")) for row in rows.all()}


def test_a_case_worker_posts_a_case_with_inline_errors_then_edits_it(served: Served,
                                                                    context) -> None:
    """A case with a bad field is shown again with the error beside the field; once right it
    is stored, and its safety details can be changed by picking a locality."""
    page = context.new_page()
    sign_in(page, served, BOTKYRKA, "case_worker", "/app/cases")
    page.get_by_role("link", name="Registrera ett ärende", exact=True).click()
    assert unlabelled_inputs(page) == []
    page.get_by_label("Er egen referens").fill("BOT-2026-0042")
    page.get_by_label("Angelägenhet").select_option("acute")
    page.get_by_label("Väntat sedan").fill("2026-09-01")
    page.get_by_label("Minst antal rum").fill("2")
    page.get_by_label("Högst antal rum").fill("3")
    page.get_by_label("Högsta hyra (kr/mån)").fill("-5")
    page.get_by_label("Vuxna").fill("1")
    page.locator("#household-children-0-age").fill("8")
    page.get_by_label("Huddinge").first.check()
    page.locator("#safety-danger_zones-0-name").fill("Tumba (Botkyrka)")
    page.locator("#safety-danger_zones-0-radius_km").fill("5")
    page.get_by_role("button", name="Registrera ärendet").click()
    expect(page.get_by_role("alert")).to_contain_text("Högsta hyra (kr/mån): Måste vara minst 0.")
    expect(page.locator("#max_rent_sek-error")).to_have_text("Måste vara minst 0.")
    expect(page.locator("#household-children-0-age")).to_have_value("8")  # nothing typed lost
    shoot(page, "case-worker-case-form")
    page.get_by_label("Högsta hyra (kr/mån)").fill("10000")
    page.get_by_role("button", name="Registrera ärendet").click()
    expect(page.get_by_role("status")).to_contain_text("registrerat")
    expect(page.get_by_role("heading", name="Ärende BOT-2026-0042")).to_be_visible()
    expect(page.get_by_text("Tumba (Botkyrka), radie 5,0 km")).to_be_visible()  # as picked
    expect(page.get_by_text("Huddinge")).to_be_visible()
    page.get_by_role("link", name="Ändra ärendet", exact=True).click()
    expect(page.locator("#safety-danger_zones-0-radius_km")).to_have_value("5.0")
    page.locator("#safety-danger_zones-0-radius_km").fill("7.5")
    page.get_by_role("button", name="Spara ändringarna").click()
    expect(page.get_by_role("status")).to_contain_text("sparade")
    expect(page.get_by_text("radie 7,5 km")).to_be_visible()


def test_a_housing_officer_pledges_a_unit_found_by_its_address(served: Served, context) -> None:
    page = context.new_page()
    sign_in(page, served, HUDDINGE, "housing_officer")
    page.get_by_role("link", name="Mina bostäder", exact=True).click()
    page.get_by_role("link", name="Anmäl en bostad", exact=True).click()
    assert unlabelled_inputs(page) == []
    page.get_by_label("Gatuadress").fill("Hälsovägen 7")
    page.get_by_label("Postnummer").fill("141 57")
    page.get_by_label("Område").fill("Flemingsberg")
    page.get_by_role("button", name="Hitta adressen på kartan").click()
    expect(page.get_by_role("status")).to_contain_text("Hittad: Huddinge")
    expect(page.locator(".map-box .leaflet-marker-icon")).to_be_visible()  # the pin, to move
    page.get_by_label("Rum", exact=True).fill("0")
    page.get_by_label("Hyra (kr/mån)").fill("8500")
    page.get_by_role("button", name="Anmäl bostaden").click()
    expect(page.locator("#rooms-error")).to_have_text("Måste vara minst 1.")
    expect(page.locator("#position-status")).to_have_text("utsatt.")  # the pin is kept
    shoot(page, "housing-officer-unit-form")
    page.get_by_label("Rum", exact=True).fill("3")
    page.get_by_role("button", name="Anmäl bostaden").click()
    expect(page.get_by_role("status")).to_contain_text("anmäld")
    expect(page.get_by_text("Hälsovägen 7, 141 57")).to_be_visible()  # the unit's own page
    expect(page.locator(".map-box .leaflet-marker-icon")).to_be_visible()
    shoot(page, "housing-officer-unit")
    page.get_by_role("link", name="Mina bostäder", exact=True).click()
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
    page.get_by_role("link", name="English", exact=True).click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Sign-in token").fill(served.token(BOTKYRKA, "case_worker"))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="To do")).to_be_visible()
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


def every_page(served: Served) -> list[tuple[str, str, str]]:
    """(municipality, role, path) of every page, in a state that shows its forms."""
    round_id = published_round(served)
    waiting = served.get(HUDDINGE, "coordinator", "/proposals", status="proposed")["items"][0]
    sender, receiver = waiting["sending"], waiting["receiving"]
    case = served.get(sender, "case_worker", f"/proposals/{waiting['id']}")["case"]
    unit = served.get(receiver, "housing_officer", "/units", status="available")["items"][0]
    person = next(p for p in served.get(HUDDINGE, "coordinator", "/people")["items"]
                  if p["role"] != "coordinator")
    return [
        (HUDDINGE, "coordinator", path) for path in (
            "/app", "/app/network", "/app/health", "/app/rounds", f"/app/rounds/{round_id}",
            f"/app/rounds/{round_id}/close", "/app/people", f"/app/people/{person['id']}/remove",
            "/app/preferences")] + [
        (sender, "case_worker", path) for path in (
            "/app", "/app/cases", "/app/cases/new", f"/app/cases/{case}",
            f"/app/cases/{case}/edit", "/app/proposals",
            f"/app/proposals/{waiting['id']}/accept")] + [
        (receiver, "housing_officer", path) for path in (
            "/app", "/app/units", "/app/units/new", f"/app/units/{unit['id']}",
            f"/app/units/{unit['id']}/edit", "/app/proposals", "/app/schools")] + [
        (HUDDINGE, "auditor", path) for path in ("/app/audit", "/app/audit?trail=service")] + [
        (HUDDINGE, "coordinator", "/app/moves"), (HUDDINGE, "coordinator", "/app/moves/template"),
        (sender, "case_worker", "/app/moves"),
        (receiver, "housing_officer", "/app/moves"), *a_move(served)]


def a_move(served: Served) -> list[tuple[str, str, str]]:
    """A move checklist of the sample under way, as its case worker sees it."""
    for member in served.get(HUDDINGE, "coordinator", "/municipalities"):
        for move in served.get(member["code"], "case_worker", "/moves"):
            if move["stage"] in ("under_way", "contract"):
                return [(member["code"], "case_worker", f"/app/moves/{move['proposal']}")]
    raise AssertionError("the sample has no move under way")


def test_every_page_is_accessible_fits_a_phone_and_loads_nothing_from_elsewhere(
        served: Served, browser) -> None:
    """At 1280 and 390 px: axe-core (bundled with axe-playwright-python, run in the page)
    finds no WCAG 2.1 A/AA violation, nothing runs off the screen sideways, and every request
    the page makes goes to the service itself."""
    from axe_playwright_python.sync_playwright import Axe

    axe, own = Axe(), served.url
    for municipality, role, path in every_page(served):
        for width in (1280, 390):
            context = browser.new_context(viewport={"width": width, "height": 900},
                                          locale="sv-SE")
            asked: list[str] = []
            context.on("request", lambda request, asked=asked: asked.append(request.url))
            page = context.new_page()
            sign_in(page, served, municipality, role)
            assert page.goto(own + path).status == 200, path
            page.wait_for_load_state("networkidle")
            if path == "/app":
                shoot(page, f"{role.replace('_', '-')}-start-{width}")
            found = axe.run(page).response["violations"]
            assert [(v["id"], v["nodes"][0]["target"]) for v in found] == [], (path, width)
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= width, (path, width, wide)
            assert [u for u in asked if not u.startswith((own, "data:", "blob:"))] == [], path
            context.close()


def test_the_api_documentation_is_served_from_the_service_itself(served: Served,
                                                                 browser) -> None:
    """Probe finding: /docs and /redoc were blank wherever the internet is not reachable: their
    scripts came from a CDN, and ran in the service's origin beside the session cookie."""
    context = browser.new_context()
    asked: list[str] = []
    context.on("request", lambda request, asked=asked: asked.append(request.url))
    page = context.new_page()
    page.goto(served.url + "/docs")
    expect(page.get_by_text("Housing exchange").first).to_be_visible()
    expect(page.get_by_text("/cases").first).to_be_visible()
    page.goto(served.url + "/redoc")
    expect(page.get_by_text("Housing exchange").first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("API docs by Redocly")).to_be_visible()  # drawn last, with its logo
    page.wait_for_load_state("networkidle")
    assert asked and [u for u in asked if not u.startswith((served.url, "data:", "blob:"))] == []
    context.close()
