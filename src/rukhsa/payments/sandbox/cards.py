"""Card numbers in the sandbox: Luhn check, scheme detection (mada first), masking, outcome.

The test cards follow Moyasar's (PRODUCT §4):

| Card | Scheme | Outcome |
|---|---|---|
| 4201320111111010 | mada | paid |
| 4111111111111111 | Visa | paid |
| 5421080101000000 | Mastercard | paid |
| 4201320000311101 | mada | insufficient funds |
| 4201321234411220 | mada | declined |
| any other valid number | — | declined |
"""

from rukhsa.core.digits import luhn_valid as digits_luhn_valid

MADA = "mada"
VISA = "visa"
MASTERCARD = "mastercard"

# mada BINs (issuer identification numbers). mada takes precedence over Visa and Mastercard:
# many mada cards are co-branded and start with 4 or 5.
MADA_BINS: frozenset[str] = frozenset(
    {
        "420132", "440647", "440795", "446404", "457865", "968208", "588845", "636120",
        "417633", "468540", "468541", "468542", "468543", "455036", "486094", "486095",
        "486096", "504300", "431361", "604906", "521076", "529415", "535825", "543085",
        "524130", "554180", "549760", "588848", "588850", "407197", "407395", "412565",
        "484783", "489317", "489318", "489319", "445564", "409201", "403024", "458456",
        "462220", "455708", "410685", "406996", "432328", "428671", "428672", "428673",
        "446393", "588982", "589005", "531095", "530906", "532013", "605141", "422817",
        "422818", "422819", "428331", "483010", "483011", "483012", "589206", "419593",
        "439954", "440533", "530060", "531196", "537767", "535989", "536023", "513213",
        "585265", "588983", "588984", "506968", "508160", "520058", "529741", "558563",
        *(f"9682{n:02d}" for n in range(1, 12)),
    }
)  # fmt: skip

# The sandbox's outcomes by full number; every other valid number is declined.
TEST_CARD_OUTCOMES = {
    "4201320111111010": "paid",
    "4111111111111111": "paid",
    "5421080101000000": "paid",
    "4201320000311101": "insufficient_funds",
    "4201321234411220": "declined",
}


def luhn_valid(number: str) -> bool:
    """A card number: 12 to 19 digits passing the Luhn checksum."""
    return 12 <= len(number) <= 19 and digits_luhn_valid(number)


def card_scheme(number: str) -> str:
    """'mada', 'visa', 'mastercard' or '' (not accepted)."""
    if number[:6] in MADA_BINS:
        return MADA
    if number.startswith("4"):
        return VISA
    if len(number) >= 4 and (51 <= int(number[:2]) <= 55 or 2221 <= int(number[:4]) <= 2720):
        return MASTERCARD
    return ""


def mask_card(number: str) -> str:
    """First six and last four digits: 420132******1010."""
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def card_outcome(number: str) -> str:
    return TEST_CARD_OUTCOMES.get(number, "declined")
