"""The words of the e-mail notices, Swedish and English. A notice says how many, in which
network and month, and where to look; it never names a household, a case, a unit, a place or a
person (the tests search every message for the leak markers)."""

from __future__ import annotations

MONTHS = {
    "sv": ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
           "september", "oktober", "november", "december"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
}

FOOTER = {
    "sv": "\n\nMeddelandet innehåller inga uppgifter om hushållen; de finns bara i tjänsten.\n"
          "Du kan stänga av meddelanden under Inställningar: {base}/app/preferences\n",
    "en": "\n\nThis message holds no details of the households; they are only in the service.\n"
          "You can turn notices off under Settings: {base}/app/preferences\n",
}

#: kind -> language -> (subject, body for one, body for several); {count}, {network}, {month},
#: {date} and the link's {base} are filled in.
TEXTS: dict[str, dict[str, tuple[str, str, str]]] = {
    "published_case_worker": {
        "sv": ("Nya bostadsförslag i {network}",
               "Du har 1 nytt bostadsförslag i {network}, {month}. Svara senast {date}.",
               "Du har {count} nya bostadsförslag i {network}, {month}. Svara senast {date}."),
        "en": ("New housing proposals in {network}",
               "You have 1 new housing proposal in {network}, {month}. Answer by {date}.",
               "You have {count} new housing proposals in {network}, {month}. Answer by "
               "{date}."),
    },
    "published_housing_officer": {
        "sv": ("Nya förslag på era bostäder i {network}",
               "1 hushåll har föreslagits för era bostäder i {network}, {month}.",
               "{count} hushåll har föreslagits för era bostäder i {network}, {month}."),
        "en": ("New proposals for your units in {network}",
               "1 household has been proposed for your units in {network}, {month}.",
               "{count} households have been proposed for your units in {network}, {month}."),
    },
    "accepted": {
        "sv": ("Ett förslag har accepterats i {network}",
               "Ett hushåll har tackat ja till en av era bostäder i {network}, {month}. "
               "Skriv kontraktet och bekräfta det i tjänsten.",
               "{count} hushåll har tackat ja till era bostäder i {network}, {month}. "
               "Skriv kontrakten och bekräfta dem i tjänsten."),
        "en": ("A proposal was accepted in {network}",
               "A household accepted one of your units in {network}, {month}. Sign the "
               "contract and confirm it in the service.",
               "{count} households accepted your units in {network}, {month}. Sign the "
               "contracts and confirm them in the service."),
    },
    "task_overdue": {
        "sv": ("En uppgift i en flytt är försenad i {network}",
               "1 uppgift i en flyttchecklista i {network} har passerat sitt datum. Se den i "
               "tjänsten.",
               "{count} uppgifter i flyttchecklistor i {network} har passerat sitt datum. Se "
               "dem i tjänsten."),
        "en": ("A task of a move is overdue in {network}",
               "1 task of a move checklist in {network} is past its day. See it in the "
               "service.",
               "{count} tasks of move checklists in {network} are past their day. See them in "
               "the service."),
    },
    "confirmed": {
        "sv": ("Ett kontrakt är bekräftat i {network}",
               "Kontraktet för 1 av dina bostadsförslag i {network}, {month}, är bekräftat.",
               "Kontrakten för {count} av dina bostadsförslag i {network}, {month}, är "
               "bekräftade."),
        "en": ("A contract was confirmed in {network}",
               "The contract for 1 of your housing proposals in {network}, {month}, is "
               "confirmed.",
               "The contracts for {count} of your housing proposals in {network}, {month}, "
               "are confirmed."),
    },
    "deadline": {
        "sv": ("Svara på bostadsförslag senast {date}",
               "1 bostadsförslag i {network}, {month}, ska besvaras senast nästa arbetsdag, "
               "{date}.",
               "{count} bostadsförslag i {network}, {month}, ska besvaras senast nästa "
               "arbetsdag, {date}."),
        "en": ("Answer housing proposals by {date}",
               "1 housing proposal in {network}, {month}, must be answered by the next "
               "working day, {date}.",
               "{count} housing proposals in {network}, {month}, must be answered by the next "
               "working day, {date}."),
    },
    "closed": {
        "sv": ("Omgången för {month} i {network} är stängd",
               "Omgången för {month} i {network} är stängd: {count} bekräftad flytt.",
               "Omgången för {month} i {network} är stängd: {count} bekräftade flyttar."),
        "en": ("The round for {month} in {network} is closed",
               "The round for {month} in {network} is closed: {count} confirmed move.",
               "The round for {month} in {network} is closed: {count} confirmed moves."),
    },
}

CLOSED_DETAIL = {
    "sv": " Avböjda: {declined}. Upphörda: {expired}. Förfallna: {lapsed}.",
    "en": " Declined: {declined}. Ended: {expired}. Lapsed: {lapsed}.",
}

LINK = {"sv": "\n\nÖppna tjänsten: {base}{path}", "en": "\n\nOpen the service: {base}{path}"}
