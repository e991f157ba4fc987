"""The customer a demo referral is about: profile, requirements and deal details."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from db.demo import places, words
from db.demo.batch import Batch, Row
from db.demo.draws import Draws
from db.demo.plan import Cast
from db.models import ReferralStatus


class Customer(NamedTuple):
    country: places.Country
    city: places.City
    industry: str
    short_name: str  # the name without its legal form, as deal names use it
    deal: str


def customer(draws: Draws, referral_id: uuid.UUID, batch: Batch) -> Customer:
    """Append the customer's profile and requirements; return what the other rows reuse."""
    rng = draws.rng
    country = rng.choices(places.COUNTRIES, places.COUNTRY_WEIGHTS)[0]
    city = rng.choice(country.cities)
    industry = rng.choice(words.INDUSTRY_NAMES)
    brand = rng.choice(country.brands if rng.random() < 0.5 else words.GLOBAL_BRANDS)
    short_name = f"{brand} {rng.choice(words.INDUSTRIES[industry])}"
    name = short_name
    if industry not in words.NO_LEGAL_FORM:
        name = f"{short_name} {rng.choice(country.legal_forms)}"
    if country.code == "JP":
        number = f"{rng.randint(1, 9)}-{rng.randint(1, 20)}-{rng.randint(1, 30)}"
    else:
        number = str(rng.randint(1, 250))
    street = country.address.format(number=number, street=rng.choice(country.streets))
    first, last = rng.choice(country.first_names), rng.choice(country.last_names)
    if rng.random() < 0.8:
        local = f"{places.to_ascii(first)}.{places.to_ascii(last)}"
    else:
        local = f"{places.to_ascii(first)[0]}{places.to_ascii(last)}"
    line2 = draws.fill(rng.choice(country.line2)) if rng.random() < 0.4 else None
    batch.profiles.append(
        {
            "id": draws.random_id(),
            "referral_id": referral_id,
            "name": name,
            "address_line1": street,
            "address_line2": line2,
            "city": city.name,
            "state": city.state,
            "postal_code": rng.choice(city.postal_codes),
            "country": country.code,
            "contact_first_name": first,
            "contact_last_name": last,
            "contact_email": f"{local}@{places.slug(brand)}-example.com",
            "contact_phone_number": draws.digits(city.phone),
        }
    )

    product = rng.choice(words.PRODUCT_NAMES)
    deal = rng.choice(words.PRODUCTS[product])
    other_products = [p for p in words.PRODUCT_NAMES if p != product]
    other_industries = [i for i in words.INDUSTRY_NAMES if i != industry]
    solutions = None
    if rng.random() < 0.9:
        solutions = rng.choice(words.SOLUTIONS).format(
            Deal=deal[0].upper() + deal[1:],
            deal=deal,
            pilot=rng.choice((25, 50, 100, 200)),
            service=rng.choice(words.SERVICES).lower(),
        )
    batch.requirements.append(
        {
            "referral_id": referral_id,
            "industries": [industry, *rng.sample(other_industries, rng.randint(0, 1))],
            "products": [product, *rng.sample(other_products, rng.randint(0, 2))],
            "services": rng.sample(words.SERVICES, rng.randint(1, 3)),
            "solutions": solutions,
            "customer_need": rng.choice(words.CUSTOMER_NEEDS).format(
                staff=rng.choice((40, 120, 350, 800, 2500, 12000)),
                sites=rng.randint(2, 40),
                city=city.name,
                need=rng.choice(words.NEEDS),
            ),
        }
    )
    return Customer(country, city, industry, short_name, deal)


def additional(
    draws: Draws, referral_id: uuid.UUID, customer: Customer, cast: Cast, closed_on: date | None
) -> Row:
    rng = draws.rng
    notes = None
    if rng.random() < 0.6:
        notes = rng.choice(words.ADDITIONAL_NOTES).format(
            city=customer.city.name,
            year=draws.now.year % 100 + 1,
            industry=customer.industry.lower(),
        )
    deal_value = currency = None
    if cast.has_deal_value:
        country = customer.country
        if rng.random() < 0.6 or country.whole_units:
            cents = rng.randint(50, 5000) * 100_00  # round hundreds, as first quoted
        else:
            cents = rng.randint(100_000, 50_000_000)
        deal_value = Decimal(cents * country.deal_scale).scaleb(-2)
        currency = country.currency
    closing_date = None
    if cast.status is ReferralStatus.WON:
        closing_date = closed_on
    elif cast.status is not ReferralStatus.LOST and rng.random() < 0.7:
        # Open deals carry the date they are expected to close: a date ahead of today.
        closing_date = (draws.now + timedelta(days=rng.randint(14, 210))).date()
    return {
        "referral_id": referral_id,
        "notes": notes,
        "deal_value": deal_value,
        "currency": currency,
        "closing_date": closing_date,
    }
