"""A whole round of the Södertörn sample in a real browser, with a case worker who signs in
through the network's OpenID provider (oidc-provider on Node.js), answer deadlines on every card,
an overdue proposal let lapse, and the e-mail notices of every step caught by an SMTP server
(aiosmtpd): each says only a count, the network, the month and a link."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text

from tests.e2e.conftest import SHOTS, free_port, serving, shoot
from tests.e2e.test_pages import sign_in
from tests.integration.identity_provider import IdentityProvider
from tests.integration.mail import MailServer, conforms, text_of

HUDDINGE = "0126"
ANNA = "anna.andersson@example.se"
NETWORK = "Södertörnsnätverket Stadigvarande boende"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("signin")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    mail = MailServer()
    mail.start()
    provider = IdentityProvider(folder, app=url)
    try:
        with serving(folder, port, EXCHANGE_OIDC=json.dumps({"sodertorn": provider.settings()}),
                     EXCHANGE_SMTP_URL=mail.url, EXCHANGE_PUBLIC_URL=url,
                     EXCHANGE_SMTP_SENDER="bostadsbyte@sodertorn.example",
                     EXCHANGE_NOTICE_POLL_SECONDS="0.5") as served:
            yield served, provider, mail
    finally:
        provider.stop()
        mail.stop()


def sign_in_with_provider(page: Page, url: str, login: str) -> None:
    """The provider's button on the sign-in page, the provider's own form, and back."""
    page.goto(f"{url}/app")
    page.get_by_role("link", name=f"Logga in via {NETWORK}").click()
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible()
    page.get_by_label("Login").fill(login)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()


def mails_to(mail: MailServer, address: str, subject: str) -> list[str]:
    return [text_of(m) for m in mail.messages if m["To"] == address and subject in m["Subject"]]


def wait_for_mail(mail: MailServer, address: str, subject: str) -> str:
    for _ in range(100):
        if found := mails_to(mail, address, subject):
            return found[-1]
        mail.wait_for(len(mail.messages) + 1, 0.2)
    raise AssertionError(f"no notice '{subject}' to {address}")


def test_a_round_with_provider_sign_in_deadlines_lapsing_and_notices(world, context) -> None:
    served, provider, mail = world
    coordinator = context.new_page()
    sign_in(coordinator, served, HUDDINGE, "coordinator")
    coordinator.get_by_role("link", name="Matchningsomgångar", exact=True).click()
    coordinator.get_by_label("Månad").fill("2026-12")
    coordinator.get_by_role("button", name="Öppna omgången").click()
    coordinator.get_by_role("button", name="Matcha", exact=True).click()
    expect(coordinator.locator("#round-status")).to_have_text("Matchad, ej publicerad",
                                                              timeout=120_000)
    made = served.get(HUDDINGE, "coordinator", "/proposals", limit=200,
                      round="sodertorn-2026-12")["items"]
    sender = Counter(p["sending"] for p in made).most_common(1)[0][0]
    first, second = [p for p in made if p["sending"] == sender][:2]

    # the coordinator registers Anna, a case worker of the sending member, by her e-mail
    coordinator.get_by_role("link", name="Personer", exact=True).click()
    coordinator.get_by_label("Namn").fill("Anna Andersson")
    coordinator.get_by_label("E-post").fill(ANNA)
    coordinator.get_by_label("Roll").select_option("case_worker")
    coordinator.get_by_label("Kommun").select_option(sender)
    coordinator.get_by_role("button", name="Registrera").click()
    expect(coordinator.get_by_role("status")).to_contain_text("registrerad")
    coordinator.goto(f"{served.url}/app/rounds/sodertorn-2026-12")
    coordinator.get_by_role("link", name="Publicera förslagen", exact=True).click()
    coordinator.get_by_role("button", name="Ja, publicera förslagen").click()
    expect(coordinator.get_by_role("status")).to_contain_text("publicerat")

    published = wait_for_mail(mail, ANNA, "Nya bostadsförslag")
    count = sum(p["sending"] == sender for p in made)
    due = re.search(r"Svara senast (\d{4}-\d{2}-\d{2})", published).group(1)
    assert f"Du har {count} nya bostadsförslag i {NETWORK}, december 2026." in published
    assert f"{served.url}/app/proposals" in published

    anna = context.browser.new_context(viewport={"width": 1024, "height": 1366})
    apage = anna.new_page()
    sign_in_with_provider(apage, served.url, ANNA)
    apage.get_by_role("link", name="Bostadsförslag", exact=True).click()
    card = apage.locator(f"article#{first['id']}")
    expect(card.locator(".deadline")).to_have_text(f"Svara senast {due}")
    shoot(apage, "case-worker-deadline")
    card.get_by_role("link", name="Hushållet tackar ja", exact=True).click()
    apage.get_by_role("button", name="Ja, hushållet tackar ja").click()
    expect(apage.get_by_role("status")).to_contain_text("accepterat")
    accepted = wait_for_mail(mail, f"housing-officer.{first['receiving']}@sodertorn.example",
                             "accepterats")
    assert "Ett hushåll har tackat ja till en av era bostäder" in accepted

    # the second proposal's last day to answer passes; the coordinator lets it lapse
    engine = create_engine(served.database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE proposals SET answer_by = :day WHERE id = :id"), {
            "day": dt.date.today() - dt.timedelta(days=1), "id": second["id"]})
    engine.dispose()
    coordinator.goto(f"{served.url}/app/rounds/sodertorn-2026-12")
    late = coordinator.locator(f"tr#overdue-{second['id']}")
    expect(late).to_be_visible()
    shoot(coordinator, "coordinator-overdue")
    coordinator.once("dialog", lambda dialog: dialog.accept())
    late.get_by_role("button", name="Låt förfalla").click()
    expect(coordinator.get_by_role("status")).to_contain_text("förfallit")
    assert served.get(sender, "case_worker", f"/cases/{second['case']}")["status"] == "open"

    officer = context.browser.new_context()
    opage = officer.new_page()
    sign_in(opage, served, first["receiving"], "housing_officer")
    opage.get_by_role("link", name="Förslag på mina bostäder", exact=True).click()
    opage.locator(f"tr#{first['id']}").get_by_role("link", name="Kontrakt skrivet").click()
    opage.get_by_role("button", name="Ja, kontraktet är skrivet").click()
    expect(opage.get_by_role("status")).to_contain_text("bekräftat")
    officer.close()
    assert "är bekräftat" in wait_for_mail(mail, ANNA, "Ett kontrakt är bekräftat")

    coordinator.goto(f"{served.url}/app/rounds/sodertorn-2026-12")
    coordinator.once("dialog", lambda dialog: dialog.accept())
    coordinator.get_by_role("link", name="Stäng omgången", exact=True).click()
    coordinator.get_by_role("button", name="Ja, stäng och bokför").click()
    expect(coordinator.get_by_role("status")).to_contain_text("bokförda")
    summary = wait_for_mail(mail, f"coordinator.{HUDDINGE}@sodertorn.example", "är stängd")
    assert "1 bekräftad flytt" in summary and "Förfallna: 1." in summary

    # Anna signs out: here, and at the provider, which sends her back
    apage.get_by_role("button", name="Logga ut").click()
    apage.get_by_role("button", name="Yes, sign me out").click()
    expect(apage.get_by_role("status")).to_have_text("Du är utloggad.")
    apage.goto(f"{served.url}/app/proposals")
    expect(apage).to_have_url(re.compile(r"/sign-in"))
    anna.close()
    _every_notice_says_only_counts(served, mail)


def _every_notice_says_only_counts(served, mail: MailServer) -> None:
    """Every message matches a notice text with only counts, months, dates, the network and the
    links filled in; and no case, unit or proposal id appears in any. The numbers are kept
    (build/screenshots/notices.json) for the report."""
    messages = list(mail.messages)
    assert messages and all(conforms(m, NETWORK, served.url) for m in messages)
    every = "\n".join(text_of(m) for m in messages)
    made = served.get(HUDDINGE, "coordinator", "/proposals", limit=200,
                      round="sodertorn-2026-12")["items"]
    for word in {p["id"] for p in made} | {p["case"] for p in made} | {p["unit"] for p in made}:
        assert word not in every
    kinds = Counter(re.sub(r"\d{4}-\d{2}-\d{2}", "DATE", m["Subject"]) for m in messages)
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    (Path(SHOTS) / "notices.json").write_text(json.dumps(
        {"messages": len(messages), "by_subject": kinds}, ensure_ascii=False, indent=1))
