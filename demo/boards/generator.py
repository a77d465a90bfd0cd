"""Generates the demo boards' ads from a seed: the same seed, the same boards."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

CITIES = [
    ("Las Vegas", "NV", "702"),
    ("Los Angeles", "CA", "213"),
    ("San Diego", "CA", "619"),
    ("Houston", "TX", "713"),
    ("Dallas", "TX", "214"),
    ("Atlanta", "GA", "404"),
    ("Miami", "FL", "305"),
    ("Orlando", "FL", "407"),
    ("Phoenix", "AZ", "602"),
    ("Seattle", "WA", "206"),
    ("Denver", "CO", "303"),
    ("Chicago", "IL", "312"),
]
FARM_TOWNS = [
    ("Fresno", "CA", "559"),
    ("Salinas", "CA", "831"),
    ("Yakima", "WA", "509"),
    ("Immokalee", "FL", "239"),
    ("Bakersfield", "CA", "661"),
]
NAMES = [
    "Amber Test",
    "Crystal Sample",
    "Luna Fictitia",
    "Nova Example",
    "Jade Placeholder",
    "Rosa Ficticia",
    "Star Demo",
    "Cleo Mock",
]
SPELLED = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
KEYCAP = [f"{d}\ufe0f\u20e3" for d in "0123456789"]

CONCERNING_SEX_EN = [
    "100% real and discreet. {name} is young and fresh, sweet latina. Call {phone}. {extra}",
    "New girls every week 🍒 my girls are verified and professional, 24/7. Text {phone}",
    "Barely legal asian cutie, no rush, {extra} Ask for daddy at {phone}",
    "Duo special 2 for 1! Exotic ebony and petite teen available anytime. Call {phone}",
    "{name} here, just turned 18, real pics, safe and clean. Management books: {phone}",
]
CONCERNING_SEX_ES = [
    "Jovencita colombiana 100% real y discreta, las 24 horas. Llama al {phone}. {extra}",
    "Chicas nuevas, varias chicas latinas, fotos reales. Pregunta por papi {phone}",
]
BENIGN_EN = [
    "Licensed massage therapist, 10 years experience, sports and deep tissue. "
    "Appointments Mon-Fri, clinic downtown. Call {phone} and leave a message.",
    "Selling a gently used couch, $150 or best offer. Pickup only in {city}. Call {phone}.",
    "Roommate wanted for a 2 bedroom apartment near the town hall, $700 a month. {phone}",
    "Best tacos in town! Food truck parked on Main St, open 11-8. Follow us, call {phone}.",
    "Dog walker available weekday mornings, references on request. {phone}",
    "Piano lessons for all ages, first lesson free. Studio in {city}. Call {phone}.",
    "Yard sale Saturday 8am-2pm: books, toys, tools. 12 Oak Street, {city}.",
    "Professional house cleaning, insured, free estimates. Call {phone} weekdays.",
]
BENIGN_ES = [
    "Vendo bicicleta en buen estado, $80. Entrega en {city}. Llamar al {phone}.",
    "Clases de inglés para adultos, lunes y miércoles por la tarde. Informes {phone}.",
]
MOVEMENT_ONLY = [
    "New in town for a conference, looking for recommendations on restaurants. {phone}",
]

JOB_CONCERNING_EN = [
    "Farm workers needed in {city}! No experience needed, visa guaranteed. Placement fee $1,500 "
    "paid before travel. We keep your passport for safety. Paid at end of season. Call {phone}.",
    "Factory jobs, earn $5000 a week! Travel advance repaid from your wages, housing deducted, "
    "7 days a week, 14 hours a day. No phones allowed on site. WhatsApp {phone}.",
    "Hotel housekeeping, must live in company housing, curfew 9pm, transport provided only by "
    "employer. Registration fee required. If you leave we will call immigration. {phone}",
]
JOB_CONCERNING_ES = [
    "Se buscan trabajadores para el campo en {city}. Sin experiencia, visa garantizada. "
    "Pago por la visa $900. Guardamos tu pasaporte. Pago al final de la temporada. Tel {phone}.",
    "Trabajo en empacadora, 7 días a la semana, 12 horas diarias, se descuenta la vivienda. "
    "No se permiten celulares. Préstamo para el viaje. Llama {phone}.",
]
JOB_BENIGN = [
    "H-2A farmworker, {city}. $18.50/hour, 40 hours a week, free housing provided as required "
    "by law, transportation to the worksite. Apply with the state workforce agency. {phone}",
    "Warehouse associate, full time, overtime optional, benefits after 60 days. "
    "Apply in person at 500 Industrial Way, {city}. HR: {phone}",
    "Line cook wanted, 2 years experience, $20/hour, Tuesday to Saturday. Call {phone}.",
    "Landscaping crew member, Monday to Friday, $19/hour, weekly direct deposit. {phone}",
    "Cajero/a de tienda, medio tiempo, $16 por hora, horario flexible. Llame al {phone}.",
]


@dataclass(frozen=True)
class Ad:
    id: int
    board: str
    title: str
    body: str
    city: str
    state: str
    posted: str
    phone_display: str
    lang: str
    kind: str  # "concerning", "benign" or "movement": for the demo's own bookkeeping only
    photo: str | None = None  # path of the ad's picture on the demo server, if any


# The planted network's number; no other ad gets it.
PLANTED_PHONE = "7025550199"
# One poster, several names, ages and cities, one reused template: the network the demo
# and the tests expect linking to find exactly.
PLANTED_TEMPLATE = (
    "Sweet and discreet {name}, {age}, 100% real pics. Upscale company in {city} this "
    "week, no rush. Text {phone} for rates, deposit first."
)
PLANTED = [
    ("Amber Test", 19, ("Las Vegas", "NV", "702")),
    ("Crystal Sample", 20, ("Phoenix", "AZ", "602")),
    ("Luna Fictitia", 21, ("Los Angeles", "CA", "213")),
    ("Nova Example", 22, ("San Diego", "CA", "619")),
    ("Jade Placeholder", 23, ("Denver", "CO", "303")),
    ("Rosa Ficticia", 24, ("Dallas", "TX", "214")),
]
# Ads with the same kind of indicators in other words, each on its own: linking must
# rank the planted network's ads above these.
COMPARABLE = [
    "Genuine photos, very discreet and classy {name}, {age}. Professional service in {city}, "
    "never rushed. Call {phone}.",
    "{name} here, {age}, real and verified, discreet visits in {city}. Relaxed, no rush. {phone}",
    "Classy {name}, {age}: discreet, 100% genuine, no rush at all. Staying in {city}. {phone}",
]


# Each place's own area code comes first, then its other codes (overlays and neighbours in
# the same state), then codes shared by all places, so a board of thousands of ads still
# gives every ad a number of its own. Small boards never reach past the first code: the
# demo's numbers do not depend on these tables.
MORE_AREA_CODES = {
    "702": ("725", "775"),
    "213": ("323", "310", "424", "818", "747", "626"),
    "619": ("858", "760", "442"),
    "713": ("281", "832", "346", "409"),
    "214": ("469", "972", "945", "817"),
    "404": ("470", "678", "770", "943"),
    "305": ("786", "645", "954"),
    "407": ("321", "689", "352"),
    "602": ("480", "623", "520"),
    "206": ("253", "425", "360"),
    "303": ("720", "983", "970"),
    "312": ("773", "872", "708", "847"),
    "559": ("209",),
    "831": ("408",),
    "509": ("564",),
    "239": ("863",),
    "661": ("805",),
}
SPARE_AREA_CODES = (
    "201", "202", "203", "205", "207", "208", "212", "215", "216", "217", "218", "219",
    "224", "225", "228", "229", "231", "234", "240", "248", "251", "252", "254", "256",
)  # fmt: skip
# Lines 0100-0198 of each code: 0199 is left out, as the planted network's line.
FIRST_LINE, LAST_LINE = 100, 198


class _Numbers:
    """Hands out each fictional 555-01xx number once, so unrelated ads never share a
    phone by accident: a place's own area code first, then its other codes, then the
    spare ones."""

    def __init__(self) -> None:
        self.next: dict[str, int] = {}

    def __call__(self, area: str) -> str:
        codes = (area, *MORE_AREA_CODES.get(area, ()), *SPARE_AREA_CODES)
        for code in codes:
            line = self.next.get(code, FIRST_LINE)
            if line <= LAST_LINE:
                self.next[code] = line + 1
                return f"{code}555{line:04d}"
        raise ValueError(
            f"area code {area} and the spare codes have run out of fictional numbers "
            f"({len(codes) * (LAST_LINE - FIRST_LINE + 1)}): generate a smaller board"
        )


def _display(rng: random.Random, digits: str, obfuscate: bool) -> str:
    if not obfuscate:
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    style = rng.choice(["spelled", "keycap", "mixed", "spaced"])
    if style == "spelled":
        return " ".join(SPELLED[int(d)] for d in digits)
    if style == "keycap":
        return "".join(KEYCAP[int(d)] for d in digits)
    if style == "mixed":
        return f"{digits[:3].replace('0', 'O')}.{digits[3:6]}.{digits[6:].replace('0', 'O')}"
    return " ".join(digits)


def _ad(
    rng: random.Random,
    numbers: _Numbers,
    ad_id: int,
    board: str,
    template: str,
    kind: str,
    lang: str,
    place: tuple[str, str, str],
    obfuscate: bool,
    start: date,
) -> Ad:
    city, state, area = place
    phone = _display(rng, numbers(area), obfuscate)
    extra = rng.choice(["", "Incall only.", "Outcalls available.", f"In {city} this week."])
    body = template.format(name=rng.choice(NAMES), phone=phone, city=city, extra=extra).strip()
    title = body.split(".")[0][:70]
    posted = (start - timedelta(days=rng.randrange(0, 60))).isoformat()
    photo = (
        f"/img/{board}-{ad_id}.png?w=320" if board == "classifieds" and rng.random() < 0.5 else None
    )
    return Ad(ad_id, board, title, body, city, state, posted, phone, lang, kind, photo)


def generate(seed: int = 7, n_classifieds: int = 240, n_jobs: int = 80) -> list[Ad]:
    rng = random.Random(seed)
    numbers = _Numbers()
    start = date(2026, 11, 1)
    ads: list[Ad] = []
    for i in range(1, n_classifieds + 1):
        roll = rng.random()
        if roll < 0.35:
            es = rng.random() < 0.3
            template = rng.choice(CONCERNING_SEX_ES if es else CONCERNING_SEX_EN)
            kind, lang, obfuscate = "concerning", "es" if es else "en", rng.random() < 0.6
        elif roll < 0.40:
            template, kind, lang, obfuscate = rng.choice(MOVEMENT_ONLY), "movement", "en", False
        else:
            es = rng.random() < 0.2
            template = rng.choice(BENIGN_ES if es else BENIGN_EN)
            kind, lang, obfuscate = "benign", "es" if es else "en", False
        ads.append(
            _ad(
                rng,
                numbers,
                i,
                "classifieds",
                template,
                kind,
                lang,
                rng.choice(CITIES),
                obfuscate,
                start,
            )
        )
    ads += _planted(rng, numbers, len(ads) + 1, start)
    for i in range(1, n_jobs + 1):
        roll = rng.random()
        if roll < 0.3:
            es = rng.random() < 0.4
            template = rng.choice(JOB_CONCERNING_ES if es else JOB_CONCERNING_EN)
            kind, lang = "concerning", "es" if es else "en"
        else:
            template = rng.choice(JOB_BENIGN)
            kind, lang = "benign", "es" if template.startswith("Cajero") else "en"
        ads.append(
            _ad(
                rng,
                numbers,
                i,
                "jobs",
                template,
                kind,
                lang,
                rng.choice(FARM_TOWNS + CITIES),
                False,
                start,
            )
        )
    return ads


def _planted(rng: random.Random, numbers: _Numbers, first_id: int, start: date) -> list[Ad]:
    out = []
    for n, (name, age, (city, state, _)) in enumerate(PLANTED):
        phone = _display(rng, PLANTED_PHONE, obfuscate=n % 2 == 1)
        body = PLANTED_TEMPLATE.format(name=name, age=age, city=city, phone=phone)
        posted = (start - timedelta(days=2 * n)).isoformat()
        # One photo reposted at other sizes and formats: the perceptual hash stays the same.
        photo = f"/img/planted.{'jpg' if n % 2 else 'png'}?w={320 + 80 * n}"
        out.append(_fixed_ad(first_id + n, body, city, state, posted, phone, "planted", photo))
    for n, template in enumerate(COMPARABLE):
        name, age, (city, state, area) = PLANTED[n]
        phone = _display(rng, numbers(area), obfuscate=False)
        body = template.format(name=name.split()[0] + " Other", age=age, city=city, phone=phone)
        photo = f"/img/comparable-{n}.png?w=320"
        ad_id = first_id + len(PLANTED) + n
        out.append(
            _fixed_ad(ad_id, body, city, state, start.isoformat(), phone, "comparable", photo)
        )
    return out


def _fixed_ad(ad_id: int, body: str, city: str, state: str, posted: str, phone: str,
              kind: str, photo: str) -> Ad:  # fmt: skip
    return Ad(ad_id, "classifieds", body.split(",")[0], body, city, state, posted, phone, "en",
              kind, photo)  # fmt: skip
