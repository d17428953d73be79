"""What the visual guide says: its four sections, the twelve services (the commission's eleven in
its order, then the waiting list),
and for each service its numbered steps and their captions.

Each step's picture is taken from the running product by the browser journey of the same
service (tests/browser/journeys/, `make guide`); a step's `key` is the name that journey gives
the picture, so the journeys and this table must agree (tests/guide checks that they do).
Pictures live in static/guide/<language>/<service slug>/<nn>-<key>.webp.
"""

from dataclasses import dataclass
from pathlib import Path

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

STATIC_ROOT = Path(__file__).resolve().parent / "static"
IMAGE_FOLDER = "guide"  # static/guide/<language>/<slug>/<nn>-<key>.webp
LANGUAGES = ("ar", "en")


@dataclass(frozen=True)
class Step:
    key: str
    caption: Promise


@dataclass(frozen=True)
class Section:
    number: str
    slug: str
    title: Promise
    summary: Promise


@dataclass(frozen=True)
class Service:
    number: str
    slug: str
    section: Section
    title: Promise
    short_title: Promise
    url_name: str  # "go to the service": the product page where the service starts
    steps: tuple[Step, ...]

    @property
    def anchor(self) -> str:
        return "service-" + self.number.replace(".", "-")

    def service_url(self) -> str:
        return reverse(self.url_name)

    def guide_url(self) -> str:
        return reverse("guide:service", kwargs={"slug": self.slug})

    def image_name(self, language: str, index: int) -> str:
        """The static name of step `index` (0-based) in `language`."""
        step = self.steps[index]
        return f"{IMAGE_FOLDER}/{language}/{self.slug}/{index + 1:02d}-{step.key}.webp"

    def image_path(self, language: str, index: int) -> Path:
        return STATIC_ROOT / self.image_name(language, index)


ACCOUNT = Section(
    "1",
    "account",
    _("Create an account"),
    _(
        "A service for creating your account on Rukhsa, as a Saudi citizen, a resident or a "
        "visitor with an own passport."
    ),
)
PERSONAL = Section(
    "2",
    "personal-data",
    _("Changing your personal data"),
    _("Services for recovering your password or editing the personal data in your file."),
)
REGISTRATION = Section(
    "3",
    "registration",
    _("Registering for the Specialized Professional License Test"),
    _(
        "Services for registering for the test, paying its fee, seeing your confirmed test and "
        "changing its appointment."
    ),
)
RESULTS = Section(
    "4",
    "results",
    _("Seeing the result of the Specialized Professional License Test"),
    _("Services for seeing your result and the details of each of its domains."),
)
SECTIONS = (ACCOUNT, PERSONAL, REGISTRATION, RESULTS)

SERVICES: tuple[Service, ...] = (
    Service(
        "1.1",
        "create-account",
        ACCOUNT,
        _(
            "Steps to create an account for a Saudi citizen, a resident or a visitor with an "
            "own passport"
        ),
        _("Create an account"),
        "accounts:signup",
        (
            Step("home", _("Open Rukhsa's home page and choose “Create an account”.")),
            Step(
                "identity",
                _(
                    "Step 1 of 3: choose who you are, type your identity number (and a "
                    "passport's nationality), then “Continue”."
                ),
            ),
            Step(
                "name",
                _(
                    "Step 2 of 3: type your date of birth and your name in Arabic and English, "
                    "choose your gender, then “Continue”."
                ),
            ),
            Step(
                "contact",
                _(
                    "Step 3 of 3: mobile, email and a password; accept the terms and the "
                    "privacy notice; then “Create the account”."
                ),
            ),
            Step("verify", _("Type the code we sent to your mobile by text message.")),
            Step("done", _("Your account is ready: your account page shows what to do next.")),
        ),
    ),
    Service(
        "2.1",
        "password-recovery",
        PERSONAL,
        _("Steps to recover your password"),
        _("Recover your password"),
        "accounts:recover",
        (
            Step("login", _("On the log-in page, choose “Forgot your password?”.")),
            Step(
                "identify",
                _(
                    "Type your identity number (with a passport, choose your nationality too), "
                    "then choose “Send”."
                ),
            ),
            Step(
                "code",
                _(
                    "Type the code we sent to your registered mobile (or open the link we sent "
                    "to your email)."
                ),
            ),
            Step("new-password", _("Choose a new password, type it twice and save it.")),
            Step(
                "done",
                _("Your password is changed: log in with your identity number and the new one."),
            ),
        ),
    ),
    Service(
        "2.2",
        "edit-personal-data",
        PERSONAL,
        _("Steps to edit your personal data"),
        _("Edit your personal data"),
        "accounts:profile",
        (
            Step("account", _("Log in and, on your account page, choose “Personal data”.")),
            Step(
                "profile",
                _("Your personal data page shows your file: choose “Edit personal data”."),
            ),
            Step(
                "edit",
                _(
                    "Correct what has changed, such as your qualification, university, "
                    "graduation year or years of teaching experience."
                ),
            ),
            Step("saved", _("Choose “Save”: your personal data page shows the new data.")),
        ),
    ),
    Service(
        "3.1",
        "register-paper",
        REGISTRATION,
        _("Steps to register for the Specialized Professional License Test (paper)"),
        _("Register for a paper test"),
        "booking:start",
        (
            Step(
                "tests",
                _("From your account page, open “Available tests”, then choose “Register”."),
            ),
            Step(
                "notes",
                _("Read the notes, tick that you accept the terms of the test, then “Continue”."),
            ),
            Step("mode", _("Choose the paper test.")),
            Step(
                "specialization",
                _(
                    "Choose your specialization. Your city of residence is already chosen, and so "
                    "is a test centre that is the only one with seats; you can change the city."
                ),
            ),
            Step("sitting", _("Choose the test date: paper tests are held on fixed dates.")),
            Step(
                "review",
                _(
                    "Check your choices and the total, then choose “Confirm and hold my seat”: "
                    "the seat is held for you and the payment page opens."
                ),
            ),
        ),
    ),
    Service(
        "3.2",
        "register-digital",
        REGISTRATION,
        _("Steps to register for the Specialized Professional License Test (digital)"),
        _("Register for a digital test"),
        "booking:start",
        (
            Step(
                "tests",
                _("From your account page, open “Available tests”, then choose “Register”."),
            ),
            Step(
                "mode",
                _(
                    "After accepting the notes (once per period: they are asked again only if "
                    "they change), choose the computer-based (digital) test."
                ),
            ),
            Step(
                "specialization",
                _(
                    "Choose your specialization. Your city of residence is already chosen, and so "
                    "is a test centre that is the only one with seats; you can change the city."
                ),
            ),
            Step(
                "date",
                _(
                    "Choose the day on the month calendar: each day says whether many or few "
                    "seats are left, or that it is full (a full day cannot be chosen)."
                ),
            ),
            Step(
                "slot",
                _(
                    "The day's times appear below the calendar: choose one with free seats; each "
                    "shows how many are left, and a full one is marked full."
                ),
            ),
            Step(
                "review",
                _(
                    "Check your choices and the total, then choose “Confirm and hold my seat”: "
                    "the seat is held for you and the payment page opens."
                ),
            ),
        ),
    ),
    Service(
        "3.3",
        "payment",
        REGISTRATION,
        _("Steps to pay the fee by bank card (mada) or credit card"),
        _("Pay the test fee"),
        "booking:registrations",
        (
            Step(
                "held",
                _("Your held seat shows the total and the time left to pay: choose “Pay now”."),
            ),
            Step(
                "card",
                _("On the payment page, type your card's details (mada, Visa or Mastercard)."),
            ),
            Step("secure", _("Confirm the payment with your bank (3-D Secure).")),
            Step("confirmed", _("Your test is confirmed: open its tax invoice.")),
            Step("invoice", _("Your simplified tax invoice: download it as PDF if you need it.")),
        ),
    ),
    Service(
        "3.4",
        "confirmed-test",
        REGISTRATION,
        _("Steps to see the details of your confirmed test"),
        _("See your confirmed test"),
        "booking:registrations",
        (
            Step(
                "list",
                _("From your account page, open “My registrations” and choose your test."),
            ),
            Step("details", _("Your confirmed test: its date, start time and test centre.")),
            Step(
                "ticket",
                _(
                    "Open “Test details and admission ticket”: show the ticket and its code at "
                    "the centre's entrance."
                ),
            ),
            Step("place", _("The ticket gives the centre's address and its location on the map.")),
            Step(
                "download",
                _("Download the ticket as PDF to print it, or add the test to your calendar."),
            ),
        ),
    ),
    Service(
        "3.5",
        "change-paper",
        REGISTRATION,
        _("Steps to change the appointment of your confirmed paper test"),
        _("Change a paper test's appointment"),
        "booking:registrations",
        (
            Step(
                "registration",
                _(
                    "From “My registrations”, open your confirmed paper test and choose “Change "
                    "the appointment” (allowed until the time shown below it)."
                ),
            ),
            Step("city", _("See how many changes you have left, then choose the city.")),
            Step("centre", _("Choose the new test centre.")),
            Step(
                "sitting",
                _("Choose the new session (its date and time), then “Change the appointment”."),
            ),
            Step(
                "changed",
                _("Done: your test shows the new appointment, its centre, date and time."),
            ),
        ),
    ),
    Service(
        "3.6",
        "change-digital",
        REGISTRATION,
        _("Steps to change the appointment of your confirmed digital test"),
        _("Change a digital test's appointment"),
        "booking:registrations",
        (
            Step(
                "registration",
                _(
                    "From “My registrations”, open your confirmed digital test and choose "
                    "“Change the appointment” (allowed until the time shown below it)."
                ),
            ),
            Step("city", _("See how many changes you have left, then choose the city.")),
            Step("centre", _("Choose the test centre.")),
            Step("date", _("Choose the new test day.")),
            Step("slot", _("Choose a time with free seats, then “Change the appointment”.")),
            Step(
                "changed",
                _("Done: your test shows the new appointment, its centre, date and time."),
            ),
        ),
    ),
    Service(
        "3.7",
        "waiting-list",
        REGISTRATION,
        _("Steps to join the waiting list and pay for a seat offered to you"),
        _("Waiting list"),
        "booking:waitlist",
        (
            Step(
                "full",
                _("The time you want is full: choose “Join the waiting list” beside it."),
            ),
            Step(
                "join",
                _(
                    "Read how offers work, then choose “Join the waiting list”. You can also "
                    "wait for any session in the city instead."
                ),
            ),
            Step(
                "place",
                _(
                    "Your place in line is shown; leaving the list is one click. Nothing else "
                    "to do: you are told by SMS and email when a seat is offered to you."
                ),
            ),
            Step(
                "offer",
                _(
                    "A seat freed and is held for you: your account page shows it with the "
                    "time left to pay. Choose “Pay for the offered seat”."
                ),
            ),
            Step(
                "held",
                _(
                    "Pay before the time runs out (as in “Pay the test fee”); otherwise the "
                    "seat goes to the next candidate in line."
                ),
            ),
        ),
    ),
    Service(
        "4.1",
        "view-result",
        RESULTS,
        _("Steps to see your Specialized Professional License Test result"),
        _("See your result"),
        "results:list",
        (
            Step("dashboard", _("Log in: on your account page, choose “My results”.")),
            Step(
                "list",
                _("Your results are listed by test, with the score and whether you passed."),
            ),
            Step("result", _("Choose “Details”: your score, the pass mark and the status.")),
            Step("level", _("Below it, your indicative licence level and the reason for it.")),
        ),
    ),
    Service(
        "4.2",
        "result-details",
        RESULTS,
        _("Steps to see the details of your Specialized Professional License Test result"),
        _("See your result's details"),
        "results:list",
        (
            Step("result", _("In “My results”, choose “Details” next to your result.")),
            Step(
                "domains",
                _(
                    "Read your result in each domain: your correct answers, the band (high, "
                    "medium or low) and the line that marks the candidates' average."
                ),
            ),
            Step(
                "report",
                _(
                    "Download the score report (PDF); anyone you give its verification code to "
                    "can check your result."
                ),
            ),
        ),
    ),
)

BY_SLUG = {service.slug: service for service in SERVICES}


def service_for(slug: str) -> Service | None:
    return BY_SLUG.get(slug)


def services_in(section: Section) -> list[Service]:
    return [service for service in SERVICES if service.section == section]


def contents_image_name(language: str) -> str:
    """The desktop picture of the account page, where every service starts."""
    return f"{IMAGE_FOLDER}/{language}/contents.webp"


def pdf_name(language: str) -> str:
    """The static name of the PDF edition in `language` (written by `manage.py guide_pdf`)."""
    return f"{IMAGE_FOLDER}/rukhsa-guide-{language}.pdf"


def pdf_path(language: str) -> Path:
    return STATIC_ROOT / pdf_name(language)
