"""Synthetic ads for benchmarks: ~80 words each, seeded, with the variety real boards have
(many distinct tokens: names, places, prices, times, handles, misspellings, emoji, two
languages). Fictional content only; phone numbers are 555-01xx."""

from __future__ import annotations

import random
from collections.abc import Iterator

from demo.boards.generator import generate
from nlp.places import load_gazetteer

CONTENT = [
    "available",
    "call",
    "text",
    "today",
    "tonight",
    "weekend",
    "new",
    "sweet",
    "friendly",
    "clean",
    "safe",
    "private",
    "location",
    "parking",
    "apartment",
    "house",
    "room",
    "rent",
    "sale",
    "job",
    "work",
    "hiring",
    "pay",
    "weekly",
    "daily",
    "hour",
    "hours",
    "experience",
    "required",
    "benefits",
    "full",
    "part",
    "time",
    "shift",
    "driver",
    "cook",
    "cleaner",
    "warehouse",
    "farm",
    "field",
    "harvest",
    "crew",
    "housing",
    "transport",
    "contact",
    "info",
    "details",
    "photos",
    "pictures",
    "real",
    "nice",
    "beautiful",
    "sexy",
    "young",
    "fresh",
    "exotic",
    "massage",
    "relax",
    "spa",
    "service",
    "services",
    "special",
    "deal",
    "discount",
    "price",
    "rate",
    "rates",
    "donation",
    "incall",
    "outcall",
    "visit",
    "hotel",
    "downtown",
    "near",
    "area",
    "city",
    "town",
    "street",
    "avenue",
    "road",
    "available",
    "ready",
    "waiting",
    "come",
    "enjoy",
    "fun",
    "party",
    "girl",
    "girls",
    "lady",
    "ladies",
    "woman",
    "women",
    "guy",
    "men",
    "team",
    "boss",
    "manager",
    "company",
    "agency",
    "office",
    "apply",
    "interview",
    "start",
    "immediately",
    "urgent",
    "needed",
    "wanted",
    "looking",
    "seeking",
    "offer",
    "offering",
    "provide",
    "provided",
    "include",
    "includes",
    "including",
    "bonus",
    "trabajo",
    "empleo",
    "pago",
    "semanal",
    "horas",
    "casa",
    "cuarto",
    "renta",
    "limpieza",
    "cocina",
    "campo",
    "cosecha",
    "chicas",
    "bonita",
    "nueva",
    "disponible",
    "llamar",
    "mensaje",
    "whatsapp",
    "contacto",
    "experiencia",
    "papeles",
    "visa",
    "viaje",
    "transporte",
    "comida",
    "vivienda",
    "patrón",
    "jefe",
    "dinero",
    "ganar",
    "rápido",
    "fácil",
    "ciudad",
    "centro",
    "hotel",
]
EMOJI = ["🍒", "💋", "🔥", "✨", "😘", "🌹", "👑", "💗", "✈️", "💯", "🙏", "📞", "💵"]
NAMES = [
    "Amber",
    "Crystal",
    "Luna",
    "Nova",
    "Jade",
    "Rosa",
    "Star",
    "Cleo",
    "Mia",
    "Zoe",
    "Carlos",
    "Miguel",
    "Ana",
    "Sofia",
    "Lucia",
    "Dana",
    "Kim",
    "Lexi",
    "Ruby",
    "Ivy",
]


def _mutate(word: str, rng: random.Random) -> str:
    if len(word) > 4 and rng.random() < 0.06:
        i = rng.randrange(1, len(word) - 1)
        return word[:i] + word[i + 1 :] if rng.random() < 0.5 else word[:i] + word[i] + word[i:]
    if rng.random() < 0.05:
        return word.upper()
    return word


def _noise(rng: random.Random, cities: list[str]) -> str:
    roll = rng.random()
    if roll < 0.05:
        return f"${rng.randrange(40, 900)}{rng.choice(['', 'hh', '/hr', ' hr', 'qv'])}"
    if roll < 0.08:
        minutes = rng.choice(["00", "15", "30", "45"])
        return f"{rng.randrange(1, 12)}:{minutes}{rng.choice(['am', 'pm'])}"
    if roll < 0.10:
        return rng.choice(EMOJI)
    if roll < 0.12:
        return f"#{rng.choice(CONTENT)}{rng.randrange(100)}"
    if roll < 0.14:
        return rng.choice(cities)
    if roll < 0.16:
        return f"{rng.choice(NAMES)}{rng.choice(['', '_x', str(rng.randrange(99))])}"
    if roll < 0.18:
        return str(rng.randrange(1, 100))
    return _mutate(rng.choice(CONTENT), rng)


def synthetic_ads(n: int, seed: int = 11, words: int = 80) -> Iterator[str]:
    rng = random.Random(seed)
    bodies = [a.body for a in generate(seed, 240, 80)]
    cities = sorted(load_gazetteer().cities)
    for _ in range(n):
        base = rng.choice(bodies).split()
        out = list(base)
        while len(out) < words:
            out.insert(rng.randrange(len(out) + 1), _noise(rng, cities))
        yield " ".join(out[:words] if len(base) < words else out)
