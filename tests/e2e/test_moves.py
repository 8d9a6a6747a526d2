"""The move in a real browser (Debian's Chromium), from the household's yes to the keys: the case
worker accepts and ticks her side's tasks; the housing officer ticks hers, confirms the contract
and records the move-in; each sees the other's progress, and the housing officer never the
household."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import Served, shoot
from tests.e2e.test_pages import HUDDINGE, published_round, sign_in


def test_from_the_accept_to_the_keys_on_both_sides(served: Served, browser) -> None:
    published_round(served)
    waiting = served.get(HUDDINGE, "coordinator", "/proposals", status="proposed",
                         limit=200)["items"][0]
    sender, receiver, proposal = waiting["sending"], waiting["receiving"], waiting["id"]
    case = served.get(sender, "case_worker", f"/proposals/{proposal}")["case"]

    worker = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    wpage = worker.new_page()
    sign_in(wpage, served, sender, "case_worker")
    wpage.get_by_role("link", name="Bostadsförslag", exact=True).click()
    wpage.locator(f"article#{proposal}").get_by_role(
        "link", name="Hushållet tackar ja", exact=True).click()
    wpage.get_by_role("button", name="Ja, hushållet tackar ja").click()
    expect(wpage.get_by_role("status")).to_contain_text("accepterat")
    wpage.get_by_role("link", name="Flyttar", exact=True).click()
    wpage.locator(f'a[href="/app/moves/{proposal}"]').click()
    expect(wpage.get_by_role("table", name="Uppgifter")).to_be_visible()
    handover = wpage.locator("tr", has_text="Överlämning till socialtjänsten")
    handover.get_by_label("Läge").select_option("done")
    handover.get_by_label("Anteckning").fill("Möte bokat")
    handover.get_by_role("button", name="Spara").click()
    expect(wpage.get_by_role("status")).to_contain_text("Uppgiften är sparad")
    viewing = wpage.locator("tr", has_text="Visning av bostaden")
    expect(viewing.get_by_role("button", name="Spara")).to_have_count(0)  # the other side's
    shoot(wpage, "case-worker-move", height=1200)

    officer = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    opage = officer.new_page()
    sign_in(opage, served, receiver, "housing_officer")
    opage.get_by_role("link", name="Flyttar", exact=True).click()
    opage.locator(f'a[href="/app/moves/{proposal}"]').click()
    expect(opage.locator("tr", has_text="Överlämning till socialtjänsten")).to_contain_text(
        "Möte bokat")  # the other side's progress
    expect(opage.locator("main")).not_to_contain_text(case)  # never the household
    for title in ("Visning av bostaden", "Hyresvärdens kontroll", "Kontrakt skrivs"):
        row = opage.locator("tr", has_text=title)
        row.get_by_label("Läge").select_option("done")
        row.get_by_role("button", name="Spara").click()
        expect(opage.get_by_role("status")).to_contain_text("Uppgiften är sparad")
    shoot(opage, "housing-officer-move", height=1200)
    opage.get_by_role("link", name="Förslag på mina bostäder", exact=True).click()
    opage.locator(f"tr#{proposal}").get_by_role("link", name="Kontrakt skrivet",
                                                 exact=True).click()
    opage.get_by_role("button", name="Ja, kontraktet är skrivet").click()
    expect(opage.get_by_role("status")).to_contain_text("bekräftat")
    opage.goto(f"{served.url}/app/moves/{proposal}")
    expect(opage.locator("p.status")).to_contain_text("Kontrakt skrivet")
    opage.get_by_role("button", name="Registrera inflyttningen").click()
    expect(opage.get_by_role("status")).to_contain_text("Inflyttningen är registrerad")
    expect(opage.locator("p.status")).to_contain_text("Inflyttad")
    expect(opage.get_by_role("button", name="Spara")).to_have_count(0)  # the move is over
    officer.close()

    wpage.goto(f"{served.url}/app/moves/{proposal}")
    expect(wpage.locator("p.status")).to_contain_text("Inflyttad")
    wpage.goto(f"{served.url}/app/cases/{case}")
    expect(wpage.locator("ol.times")).to_contain_text(re.compile(r"Flyttade in: \d{4}-"))
    worker.close()
