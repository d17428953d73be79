"""Change journeys: 3.5 change a paper test's appointment, 3.6 change a digital test's.

Both walk the same steps from the confirmed registration's page: "Change the appointment"
opens on the current city, centre (and date), with the current session marked; "change" next
to the city → city → centre → (digital only: date →) the new session → the confirmation, old →
new → back on the registration with the new appointment. Each step's choice is made by name
and value; what the pages say is compared with the message catalogue in the journey's language.
"""

from datetime import time

from django.template.defaultfilters import time as time_filter
from django.utils import translation
from playwright.sync_api import Locator, Page, expect

from rukhsa.catalog.models import Mode, Session
from rukhsa.core.templatetags.rukhsa import dual_date_weekday
from tests.browser.journeys import Shot, World, demo, guide
from tests.browser.journeys.steps import expect_language, expect_path, follow, say, submit

HISTORY = "section[aria-labelledby=history-h]"
STEP_FORM = "#main form:has(input[type=radio])"


def shown_time(value: time, language: str) -> str:
    with translation.override(language):
        return time_filter(value, "TIME_FORMAT")


def shown_date(session: Session, language: str) -> str:
    with translation.override(language):
        return dual_date_weekday(session.date)


def centre_name(session: Session, language: str) -> str:
    return session.centre.name_ar if language == "ar" else session.centre.name_en


def registration_path(reference: str) -> str:
    return f"/registrations/{reference}/"


def change_path(reference: str) -> str:
    return f"/registrations/{reference}/change/"


def open_registration(page: Page, reference: str, language: str = "ar") -> None:
    page.goto(registration_path(reference))
    expect_path(page, registration_path(reference))
    expect_language(page, language)


def radio_values(page: Page, name: str) -> list[str]:
    return [r.get_attribute("value") or "" for r in page.locator(f"input[name={name}]").all()]


def option(page: Page, name: str, value: str) -> Locator:
    """The radio `name=value` of a change step."""
    return page.locator(f"#main input[type=radio][name={name}][value='{value}']")


def option_label(name: str, value: str) -> str:
    """The label of the radio `name=value`: what a step's picture outlines."""
    radio = f"input[type=radio][name={name}][value='{value}']"
    return f"#main li:has({radio}) label"


def choose(page: Page, name: str, value: str) -> None:
    radio = option(page, name, value)
    expect(radio).to_be_enabled()
    radio.check()
    expect(radio).to_be_checked()


def expect_choices(page: Page, *shown: str) -> None:
    """The summary of the choices made so far names each of `shown`."""
    summary = page.locator("#main nav.choices")
    for text in shown:
        expect(summary).to_contain_text(text)


def change_appointment(
    page: Page, shot: Shot, *, reference: str, session: Session, language: str
) -> None:
    """A confirmed registration moved to `session` (same period and mode; another centre,
    date or time): registration → change → city → centre → (date →) session → registration."""
    centre = session.centre
    city = centre.city
    city_name = city.name_ar if language == "ar" else city.name_en
    paper = centre.mode == Mode.PAPER

    open_registration(page, reference, language)
    change_link = f"#main a[href='{change_path(reference)}']"
    expect(page.locator(change_link)).to_be_visible()
    shot(page, "registration", focus=change_link)
    follow(page, change_link)

    expect_path(page, change_path(reference))
    expect_language(page, language)
    heading = (
        "Change your paper test appointment"
        if paper
        else "Change your computer-based test appointment"
    )
    expect(page.locator("#main h1")).to_have_text(say(language, heading))
    # The page starts from the current booking: its city is already chosen, with a link to
    # choose another; where the current city has no other free session, the page says so and
    # asks for the city.
    current = (page.locator("#main dl.data dd").first.text_content() or "").strip()
    other_city = page.locator("#main nav.choices a[href='?pick=city']")
    if other_city.count():
        follow(page, "#main nav.choices a[href='?pick=city']")
    else:
        expect(page.locator("#change-missing")).to_be_visible()
    expect(page.locator("#main legend h2")).to_have_text(say(language, "Choose the city"))
    choose(page, "city", city.code)
    shot(page, "city", focus=option_label("city", city.code))
    submit(page, STEP_FORM)

    expect(page.locator("#main legend h2")).to_have_text(say(language, "Choose the test centre"))
    expect_choices(page, city_name)
    choose(page, "centre", centre.code)
    shot(page, "centre", focus=option_label("centre", centre.code))
    submit(page, STEP_FORM)

    if not paper:
        expect(page.locator("#main legend h2")).to_have_text(say(language, "Choose the date"))
        expect_choices(page, city_name, centre_name(session, language))
        day = session.date.isoformat()
        choose(page, "date", day)
        shot(page, "date", focus=option_label("date", day))
        submit(page, STEP_FORM)

    legend = page.locator("#main legend h2")
    expect(legend).to_have_text(say(language, "Choose the new session"))
    expect_choices(page, city_name, centre_name(session, language))
    label = page.locator(option_label("session", str(session.pk)))
    expect(label).to_contain_text(shown_time(session.start_time, language))
    if paper:  # no date step: each sitting shows its date
        expect(label).to_contain_text(shown_date(session, language))
    else:
        expect_choices(page, shown_date(session, language))
    choose(page, "session", str(session.pk))
    shot(page, "sitting" if paper else "slot", focus=option_label("session", str(session.pk)))
    submit(page, STEP_FORM)

    # Nothing has moved yet: the confirmation shows the current appointment and the new one.
    expect(page.locator("#change-confirm h2")).to_have_text(say(language, "Confirm the change"))
    old, new = page.locator("#main .change-old"), page.locator("#main .change-new")
    expect(old).to_have_text(current)
    expect(new).to_contain_text(centre_name(session, language))
    expect(new).to_contain_text(shown_date(session, language))
    expect(new).to_contain_text(shown_time(session.start_time, language))
    form = page.locator("#change-confirm form[method=post]")
    expect(form.locator("button[type=submit]")).to_have_text(
        say(language, "Change the appointment")
    )
    submit(page, form)

    expect_path(page, registration_path(reference))
    expect_language(page, language)
    expect(page.locator(".flash-success")).to_have_text(
        say(
            language,
            "Your appointment was changed. Your new admission ticket replaces the old one.",
        )
    )
    details = page.locator("#main dl.data")
    expect(details).to_contain_text(centre_name(session, language))
    expect(details).to_contain_text(shown_date(session, language))
    expect(details).to_contain_text(shown_time(session.start_time, language))
    expect(page.locator(HISTORY)).to_contain_text(centre_name(session, language))
    shot(page, "changed", focus="#main dl.data")


# --- The guide: the demo candidate's confirmed test moved ------------------------------------


def demo_change(page: Page, shot: Shot, world: World, mode: str, new: Session) -> None:
    user = demo.candidate(world.language)
    registration = demo.confirmed(user, mode)
    assert registration.session_id != new.pk
    world.log_in(user)
    change_appointment(
        page, shot, reference=registration.reference, session=new, language=world.language
    )


@guide("change-paper")
def guide_change_paper(page: Page, shot: Shot, world: World) -> None:
    """The paper sitting in Riyadh moved to Jeddah (the demo has one men's paper centre per
    city, and one mathematics sitting in each)."""
    demo_change(page, shot, world, Mode.PAPER, demo.free_sessions(Mode.PAPER, city="jeddah")[0])


@guide("change-digital")
def guide_change_digital(page: Page, shot: Shot, world: World) -> None:
    """The first computer-based session in Riyadh moved to the next test day, at 11:00."""
    sessions = demo.free_sessions(Mode.DIGITAL)
    first = sessions[0]
    new = next(s for s in sessions if s.date > first.date and s.start_time == time(11))
    demo_change(page, shot, world, Mode.DIGITAL, new)
