"""Deterministic, valid demo data for the referral graph, inserted with Core bulk inserts."""

from __future__ import annotations

import random
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, NamedTuple

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from db.models import ActivityType, ParticipantStatus, ReferralSource, ReferralStatus
from db.tables import (
    activity,
    additional_information,
    app_user,
    customer_profile,
    customer_requirements,
    organization,
    participant,
    participant_user,
    referral,
)

# --- public API ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoOrganization:
    """A partner organization of the demo, with one user whose id never changes."""

    id: uuid.UUID
    name: str
    demo_user_id: uuid.UUID
    demo_user_name: str
    demo_user_email: str


# Fixed ids, so tokens minted for the demo users keep working across reloads and machines.
# The first two are the organizations `make run` prints bearer tokens for.
DEMO_ORGANIZATIONS: tuple[DemoOrganization, ...] = (
    DemoOrganization(
        id=uuid.UUID("cc2f073e-ae31-46e4-8601-62adc795f503"),
        name="Contoso Consulting",
        demo_user_id=uuid.UUID("9c2d35a8-3544-417c-9935-57d1619be207"),
        demo_user_name="Avery Brooks",
        demo_user_email="avery.brooks@contoso-example.com",
    ),
    DemoOrganization(
        id=uuid.UUID("38b0171e-67a6-426a-b586-c82754e7ac91"),
        name="Fabrikam Cloud Partners",
        demo_user_id=uuid.UUID("493e9b49-821b-4e10-b60b-8737ff2d9c87"),
        demo_user_name="Jonas Müller",
        demo_user_email="jonas.mueller@fabrikam-example.com",
    ),
    DemoOrganization(
        id=uuid.UUID("25ffe7e0-282f-4c09-8124-7e266d19b77e"),
        name="Northwind Systems Integration",
        demo_user_id=uuid.UUID("6b0992cf-0f1b-4912-a119-0fd09afa4f83"),
        demo_user_name="Priya Raman",
        demo_user_email="priya.raman@northwind-example.com",
    ),
    DemoOrganization(
        id=uuid.UUID("cd0ff4f5-bb40-434d-b5cf-7709be6f297e"),
        name="Adatum Digital",
        demo_user_id=uuid.UUID("88d0b42b-0eff-4526-b11b-0db4e4cabe81"),
        demo_user_name="Kenji Watanabe",
        demo_user_email="kenji.watanabe@adatum-example.com",
    ),
    DemoOrganization(
        id=uuid.UUID("e425a113-0784-488d-8be9-abe639c45855"),
        name="Tailspin IT Services",
        demo_user_id=uuid.UUID("48706429-3654-4cbe-b9e0-5cfa1146e298"),
        demo_user_name="Camille Dubois",
        demo_user_email="camille.dubois@tailspin-example.com",
    ),
    DemoOrganization(
        id=uuid.UUID("3783c114-bd5f-4b4a-a70d-014eedc9f18b"),
        name="Woodgrove Advisory",
        demo_user_id=uuid.UUID("98d2ee88-440d-4f18-9fa6-9753fe12bc1e"),
        demo_user_name="Lucas Oliveira",
        demo_user_email="lucas.oliveira@woodgrove-example.com",
    ),
    DemoOrganization(
        id=uuid.UUID("60cd32e6-4aff-439c-b408-a4888630b5d1"),
        name="Litware Solutions",
        demo_user_id=uuid.UUID("d35c27cb-fb8a-4264-adce-7689542f152b"),
        demo_user_name="Zoë de Vries",
        demo_user_email="zoe.devries@litware-example.com",
    ),
    DemoOrganization(
        id=uuid.UUID("821d7cd5-3330-4470-84ba-73d8be945f06"),
        name="Proseware Managed Services",
        demo_user_id=uuid.UUID("68f5d5de-50ca-428e-9b9b-cb7ca877b8e0"),
        demo_user_name="Olivia Chen",
        demo_user_email="olivia.chen@proseware-example.com",
    ),
)


@dataclass(frozen=True)
class DemoSize:
    """How much demo data to make."""

    referrals: int = 300
    participants_per_referral: int = 3  # including the owner; the others are invited orgs
    users_per_participant: int = 2
    activities_per_referral: int = 5  # at least this many history entries (CREATED first)

    def __post_init__(self) -> None:
        if self.referrals < 0:
            raise ValueError("referrals must not be negative")
        if not 1 <= self.participants_per_referral <= len(DEMO_ORGANIZATIONS):
            raise ValueError(
                f"participants_per_referral must be between 1 and {len(DEMO_ORGANIZATIONS)}"
                " (one participant per organization)"
            )
        if self.users_per_participant < 1:
            raise ValueError("users_per_participant must be at least 1")
        if self.activities_per_referral < 1:
            raise ValueError("activities_per_referral must be at least 1 (CREATED)")


async def load_demo(
    conn: AsyncConnection, *, now: datetime, size: DemoSize = DemoSize(), seed: int = 7
) -> int:
    """Insert organizations, users and `size.referrals` referrals; returns referrals inserted."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    generator = _Generator(random.Random(seed), now.astimezone(UTC), size)
    await _insert_missing(conn, organization, generator.organization_rows())
    await _insert_missing(conn, app_user, generator.user_rows())
    batch = _Batch()
    for index in range(size.referrals):
        generator.referral(index, batch)
        # Bounded batches keep memory flat for big loads (the benchmark asks for 10,000).
        if (index + 1) % _BATCH_REFERRALS == 0:
            await batch.flush(conn)
    await batch.flush(conn)
    return size.referrals


async def has_data(conn: AsyncConnection) -> bool:
    """Whether any referral exists, so demo data is loaded only into an empty database."""
    found = await conn.execute(select(referral.c.id).limit(1))
    return found.first() is not None


# --- reference data ------------------------------------------------------------------------

_BATCH_REFERRALS = 1000
_HISTORY = timedelta(days=540)  # about 18 months
_MINUTE = 60  # durations below are in seconds
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
_WINDOW = 14 * _DAY  # an invitation expires 14 days after it was sent


class _City(NamedTuple):
    name: str
    state: str
    postal_codes: tuple[str, ...]
    phone: str  # E.164 template: each "#" becomes a random digit


class _Country(NamedTuple):
    code: str
    currency: str
    weight: int
    deal_scale: int  # rough local-currency units per US dollar, so amounts look plausible
    whole_units: bool  # currencies without minor units (JPY) get round amounts
    cities: tuple[_City, ...]
    streets: tuple[str, ...]
    address: str  # how a street line is written there
    line2: tuple[str, ...]
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    brands: tuple[str, ...]  # local flavour for customer names
    legal_forms: tuple[str, ...]


_EN_FIRST = (
    "James", "Olivia", "Liam", "Emma", "Noah", "Ava", "Ethan", "Sophia", "Mason", "Isabella",
    "Grace", "Henry", "Chloe", "Zoë", "Aiden", "Harper", "Jack", "Ruby", "Daniel", "Charlotte",
    "Samuel", "Amelia", "Renée", "Owen",
)  # fmt: skip
_EN_LAST = (
    "Smith", "Johnson", "Williams", "Brown", "Taylor", "Anderson", "Thomas", "Moore", "Martin",
    "Jackson", "Thompson", "White", "Harris", "Clarke", "Walker", "Robinson", "Wright",
    "O'Brien", "MacDonald", "Nguyen", "Patel", "Kim", "García", "Núñez",
)  # fmt: skip
_DE_FIRST = (
    "Lukas", "Jonas", "Leon", "Anna", "Lena", "Sophie", "Jürgen", "Jörg", "Björn", "Sören",
    "Käthe", "Marie", "Felix", "Greta", "Max", "Hannah",
)  # fmt: skip
_DE_LAST = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
    "Schäfer", "Koch", "Schröder", "Weiß", "Hoffmann", "Krüger", "Groß", "Zimmermann",
)  # fmt: skip
_FR_FIRST = (
    "Camille", "Léa", "Chloé", "Manon", "Inès", "Hugo", "Louis", "Gabriel", "Raphaël", "Théo",
    "Jules", "Zoé", "François", "Hélène", "Éloïse", "Jérôme",
)  # fmt: skip
_FR_LAST = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Lefèvre", "Girard", "Fournier", "Mercier", "Rousseau", "Faure",
)  # fmt: skip
_NL_FIRST = (
    "Daan", "Sem", "Lucas", "Finn", "Emma", "Julia", "Tess", "Sophie", "Zoë", "Daniëlle",
    "Noortje", "Sanne", "Bram", "Joris", "Anouk", "Thijs",
)  # fmt: skip
_NL_LAST = (
    "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser",
    "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "van Leeuwen",
)  # fmt: skip
_IN_FIRST = (
    "Aarav", "Vivaan", "Aditya", "Ananya", "Diya", "Priya", "Rohan", "Arjun", "Kavya",
    "Ishaan", "Neha", "Rahul", "Sanjay", "Lakshmi", "Meera", "Vikram",
)  # fmt: skip
_IN_LAST = (
    "Sharma", "Patel", "Iyer", "Reddy", "Nair", "Gupta", "Singh", "Kumar", "Rao", "Menon",
    "Desai", "Joshi", "Mehta", "Kapoor", "Banerjee", "Chatterjee",
)  # fmt: skip
_JP_FIRST = (
    "Haruto", "Yui", "Sōta", "Hina", "Ren", "Aoi", "Yūki", "Kōji", "Sakura", "Takumi", "Yuna",
    "Daiki", "Mei", "Shōta", "Riko", "Kenji",
)  # fmt: skip
_JP_LAST = (
    "Satō", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Itō", "Yamamoto", "Nakamura",
    "Kobayashi", "Katō", "Yoshida", "Yamada", "Sasaki", "Yamaguchi", "Matsumoto", "Inoue",
)  # fmt: skip
_BR_FIRST = (
    "João", "Maria", "Ana", "Pedro", "Lucas", "Gabriel", "Júlia", "Beatriz", "Mateus",
    "Letícia", "Rafael", "Camila", "Thiago", "Larissa", "Fernanda", "Caio",
)  # fmt: skip
_BR_LAST = (
    "Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima",
    "Gomes", "Ribeiro", "Carvalho", "Araújo", "Gonçalves", "Conceição", "Assunção",
)  # fmt: skip

_EN_STREETS = (
    "Main Street", "Pine Street", "Oak Avenue", "Market Street", "Washington Avenue",
    "Park Avenue", "2nd Avenue", "Lake Street", "Maple Drive", "Cedar Lane",
)  # fmt: skip
_EN_LINE2 = ("Suite {n}00", "Floor {n}", "Building {L}", "Unit {n}")

_COUNTRIES: tuple[_Country, ...] = (
    _Country(
        code="US", currency="USD", weight=25, deal_scale=1, whole_units=False,
        cities=(
            _City("Seattle", "WA", ("98101", "98104", "98109", "98121"), "+120655501##"),
            _City("Redmond", "WA", ("98052", "98053"), "+142555501##"),
            _City("Austin", "TX", ("78701", "78702", "78746"), "+151255501##"),
            _City("New York", "NY", ("10001", "10017", "10036"), "+121255501##"),
            _City("Chicago", "IL", ("60601", "60606", "60611"), "+131255501##"),
            _City("San Francisco", "CA", ("94105", "94107", "94111"), "+141555501##"),
            _City("Boston", "MA", ("02108", "02110", "02116"), "+161755501##"),
            _City("Atlanta", "GA", ("30303", "30308", "30309"), "+140455501##"),
        ),
        streets=_EN_STREETS, address="{number} {street}", line2=_EN_LINE2,
        first_names=_EN_FIRST, last_names=_EN_LAST,
        brands=("Cascade", "Lone Star", "Great Lakes", "Sierra", "Prairie", "Liberty"),
        legal_forms=("Inc.", "LLC", "Corp."),
    ),
    _Country(
        code="GB", currency="GBP", weight=12, deal_scale=1, whole_units=False,
        cities=(
            _City("London", "England", ("EC1A 1BB", "EC2A 4NE", "W1D 3QF", "E14 5AB"),
                  "+442079460###"),
            _City("Manchester", "England", ("M1 1AE", "M2 3WQ", "M3 4LZ"), "+441614960###"),
            _City("Edinburgh", "Scotland", ("EH1 1YZ", "EH2 2ER", "EH3 9DR"), "+441314960###"),
            _City("Bristol", "England", ("BS1 4DJ", "BS1 6QH", "BS2 0JA"), "+441174960###"),
            _City("Cardiff", "Wales", ("CF10 1EP", "CF10 3AT"), "+442920180###"),
        ),
        streets=("High Street", "King Street", "Queen Street", "Church Road", "Victoria Road",
                 "Station Road", "Mill Lane", "The Green"),
        address="{number} {street}", line2=("Floor {n}", "Unit {n}", "Suite {n}"),
        first_names=_EN_FIRST, last_names=_EN_LAST,
        brands=("Thames", "Pennine", "Highland", "Albion", "Cotswold", "Severn"),
        legal_forms=("Ltd", "plc"),
    ),
    _Country(
        code="DE", currency="EUR", weight=12, deal_scale=1, whole_units=False,
        cities=(
            _City("Berlin", "Berlin", ("10115", "10117", "10178"), "+49302#######"),
            _City("München", "Bayern", ("80331", "80335", "80469"), "+49892#######"),
            _City("Hamburg", "Hamburg", ("20095", "20354", "22767"), "+49404#######"),
            _City("Köln", "Nordrhein-Westfalen", ("50667", "50672", "50823"), "+492212######"),
            _City("Frankfurt am Main", "Hessen", ("60311", "60313", "60486"), "+49697#######"),
            _City("Stuttgart", "Baden-Württemberg", ("70173", "70174", "70469"),
                  "+497112######"),
        ),
        streets=("Hauptstraße", "Bahnhofstraße", "Schillerstraße", "Goethestraße",
                 "Lindenstraße", "Kaiserstraße", "Gartenweg", "Marktplatz"),
        address="{street} {number}", line2=("{n}. OG", "Gebäude {L}", "Aufgang {L}"),
        first_names=_DE_FIRST, last_names=_DE_LAST,
        brands=("Rheinblick", "Alpenglück", "Nordlicht", "Schwarzwald", "Elbufer",
                "Bergmann & Söhne"),
        legal_forms=("GmbH", "AG", "GmbH & Co. KG"),
    ),
    _Country(
        code="FR", currency="EUR", weight=8, deal_scale=1, whole_units=False,
        cities=(
            _City("Paris", "Île-de-France", ("75001", "75008", "75011", "75015"),
                  "+3314#######"),
            _City("Lyon", "Auvergne-Rhône-Alpes", ("69001", "69002", "69003"), "+3347#######"),
            _City("Marseille", "Provence-Alpes-Côte d'Azur", ("13001", "13002", "13008"),
                  "+3349#######"),
            _City("Toulouse", "Occitanie", ("31000", "31200", "31400"), "+3356#######"),
            _City("Lille", "Hauts-de-France", ("59000", "59800"), "+3332#######"),
            _City("Nantes", "Pays de la Loire", ("44000", "44100"), "+3324#######"),
        ),
        streets=("rue de la République", "rue Victor Hugo", "avenue Jean Jaurès",
                 "boulevard Gambetta", "rue Pasteur", "place de la Gare"),
        address="{number} {street}", line2=("Bâtiment {L}", "{n}e étage"),
        first_names=_FR_FIRST, last_names=_FR_LAST,
        brands=("Lumière", "Côte Verte", "Belle Rive", "Étoile du Nord", "Vallée Bleue"),
        legal_forms=("SAS", "SA", "SARL"),
    ),
    _Country(
        code="NL", currency="EUR", weight=6, deal_scale=1, whole_units=False,
        cities=(
            _City("Amsterdam", "Noord-Holland", ("1012 AB", "1017 CE", "1082 MD"),
                  "+3120#######"),
            _City("Rotterdam", "Zuid-Holland", ("3011 AD", "3012 CL"), "+3110#######"),
            _City("Utrecht", "Utrecht", ("3511 AX", "3521 CB"), "+3130#######"),
            _City("Eindhoven", "Noord-Brabant", ("5611 AZ", "5612 AJ"), "+3140#######"),
        ),
        streets=("Stationsplein", "Kerkstraat", "Dorpsstraat", "Molenweg", "Schoolstraat",
                 "Marktplein"),
        address="{street} {number}", line2=("{n}e verdieping", "Unit {n}"),
        first_names=_NL_FIRST, last_names=_NL_LAST,
        brands=("Zeewind", "Tulpenveld", "Grachtenhuis", "Polderlicht", "Noordzee"),
        legal_forms=("B.V.", "N.V."),
    ),
    _Country(
        code="IN", currency="INR", weight=10, deal_scale=80, whole_units=False,
        cities=(
            _City("Bengaluru", "Karnataka", ("560001", "560066", "560103"), "+9198########"),
            _City("Mumbai", "Maharashtra", ("400001", "400051", "400093"), "+9199########"),
            _City("Hyderabad", "Telangana", ("500032", "500081"), "+9190########"),
            _City("Pune", "Maharashtra", ("411001", "411014", "411057"), "+9197########"),
            _City("Chennai", "Tamil Nadu", ("600002", "600032", "600113"), "+9194########"),
            _City("New Delhi", "Delhi", ("110001", "110020"), "+9181########"),
        ),
        streets=("MG Road", "Station Road", "Nehru Road", "Ring Road", "Residency Road"),
        address="{number}, {street}", line2=("Floor {n}", "Tower {L}"),
        first_names=_IN_FIRST, last_names=_IN_LAST,
        brands=("Kaveri", "Sahyadri", "Ganga", "Indus", "Deccan", "Nilgiri"),
        legal_forms=("Pvt Ltd", "Ltd"),
    ),
    _Country(
        code="JP", currency="JPY", weight=8, deal_scale=150, whole_units=True,
        cities=(
            _City("Tokyo", "Tokyo", ("100-0005", "105-0001", "150-0002"), "+8135#######"),
            _City("Osaka", "Osaka", ("530-0001", "541-0041"), "+8166#######"),
            _City("Yokohama", "Kanagawa", ("220-0012", "231-0023"), "+81454######"),
            _City("Nagoya", "Aichi", ("450-0002", "460-0008"), "+81525######"),
            _City("Fukuoka", "Fukuoka", ("810-0001", "812-0011"), "+81927######"),
            _City("Sapporo", "Hokkaido", ("060-0001", "060-0005"), "+81112######"),
        ),
        streets=("Honchō", "Chūō", "Motomachi", "Sakae", "Kotobuki", "Midori"),
        address="{number} {street}", line2=("{n}F", "{n}F Tower {L}"),
        first_names=_JP_FIRST, last_names=_JP_LAST,
        brands=("Sakura", "Hinode", "Fujimi", "Kōyō", "Aozora", "Midori"),
        legal_forms=("K.K.", "Co., Ltd."),
    ),
    _Country(
        code="AU", currency="AUD", weight=7, deal_scale=1, whole_units=False,
        cities=(
            _City("Sydney", "NSW", ("2000", "2060", "2065"), "+6125550####"),
            _City("Melbourne", "VIC", ("3000", "3004", "3121"), "+6135550####"),
            _City("Brisbane", "QLD", ("4000", "4006"), "+6175550####"),
            _City("Perth", "WA", ("6000", "6005"), "+6185550####"),
            _City("Adelaide", "SA", ("5000", "5006"), "+6185550####"),
        ),
        streets=("George Street", "King Street", "Queen Street", "Victoria Street",
                 "Elizabeth Street", "William Street"),
        address="{number} {street}", line2=("Level {n}", "Suite {n}"),
        first_names=_EN_FIRST, last_names=_EN_LAST,
        brands=("Outback", "Coral Coast", "Southern Cross", "Eucalyptus", "Red Centre"),
        legal_forms=("Pty Ltd",),
    ),
    _Country(
        code="CA", currency="CAD", weight=7, deal_scale=1, whole_units=False,
        cities=(
            _City("Toronto", "ON", ("M5H 2N2", "M5J 2T3", "M5V 3L9"), "+141655501##"),
            _City("Vancouver", "BC", ("V6B 1A1", "V6C 3E8", "V6E 4M2"), "+160455501##"),
            _City("Montréal", "QC", ("H3B 1A7", "H2Y 1C6", "H3A 0G4"), "+151455501##"),
            _City("Calgary", "AB", ("T2P 1J9", "T2P 2M5"), "+140355501##"),
            _City("Ottawa", "ON", ("K1P 1J1", "K2P 2L8"), "+161355501##"),
        ),
        streets=("King Street", "Queen Street", "Main Street", "Wellington Street",
                 "Church Street"),
        address="{number} {street}", line2=_EN_LINE2,
        first_names=_EN_FIRST + _FR_FIRST[:6], last_names=_EN_LAST + _FR_LAST[:6],
        brands=("Maple Leaf", "Northern Lights", "Rocky Mountain", "Laurentian", "Muskoka"),
        legal_forms=("Inc.", "Ltd."),
    ),
    _Country(
        code="BR", currency="BRL", weight=5, deal_scale=5, whole_units=False,
        cities=(
            _City("São Paulo", "SP", ("01310-100", "04538-132", "01452-000"), "+55119########"),
            _City("Rio de Janeiro", "RJ", ("20040-002", "22250-040"), "+55219########"),
            _City("Belo Horizonte", "MG", ("30130-010", "30140-071"), "+55319########"),
            _City("Curitiba", "PR", ("80010-000", "80250-104"), "+55419########"),
            _City("Porto Alegre", "RS", ("90010-150", "90570-020"), "+55519########"),
        ),
        streets=("Rua das Flores", "Avenida Brasil", "Rua XV de Novembro",
                 "Avenida Getúlio Vargas", "Rua São José"),
        address="{street}, {number}", line2=("Sala {n}", "Andar {n}", "Conjunto {n}"),
        first_names=_BR_FIRST, last_names=_BR_LAST,
        brands=("Açaí Verde", "Horizonte", "Estrela do Sul", "Ipê Amarelo", "Serra Azul"),
        legal_forms=("Ltda.", "S.A."),
    ),
)  # fmt: skip
_COUNTRY_WEIGHTS = tuple(country.weight for country in _COUNTRIES)

# Names shared by customers everywhere: the fictitious companies of Microsoft's samples.
_GLOBAL_BRANDS = (
    "Blue Harbor", "Silver Creek", "Northstar", "Evergreen", "Summit Peak", "Ironwood",
    "Cedar Point", "Clearwater", "Stonebridge", "Riverbend", "Coho", "Lamna", "Relecloud",
    "Trey", "Lucerne", "Wingtip", "VanArsdel", "Southridge", "Wide World", "Humongous",
)  # fmt: skip

# Industry -> words a company of that industry is called by; some industries take no legal form.
_INDUSTRIES: dict[str, tuple[str, ...]] = {
    "Retail": ("Retail", "Stores", "Outfitters", "Market"),
    "Manufacturing": ("Manufacturing", "Industries", "Components", "Fabrication"),
    "Healthcare": ("Health", "Clinics", "Medical Group"),
    "Financial Services": ("Bank", "Capital", "Insurance"),
    "Education": ("Academy", "College", "Schools"),
    "Government": ("City Services", "Public Works", "Transit Authority"),
    "Professional Services": ("Consulting", "Legal", "Accountants"),
    "Media & Communications": ("Media", "Publishing", "Studios"),
    "Energy": ("Energy", "Power & Light", "Renewables"),
    "Travel & Transportation": ("Logistics", "Airlines", "Freight", "Travel"),
    "Hospitality": ("Hotels", "Resorts", "Restaurants"),
    "Agriculture": ("Farms", "Growers", "Agri"),
    "Automotive": ("Motors", "Auto Parts"),
    "Pharmaceuticals": ("Pharma", "Labs", "Biosciences"),
    "Nonprofit": ("Foundation", "Trust"),
}
_INDUSTRY_NAMES = tuple(_INDUSTRIES)
_NO_LEGAL_FORM = frozenset({"Education", "Government", "Nonprofit"})

# Product -> deal names a referral for it is given.
_PRODUCTS: dict[str, tuple[str, ...]] = {
    "Microsoft 365": ("Microsoft 365 E5 upgrade", "Microsoft 365 tenant consolidation",
                      "move from Google Workspace to Microsoft 365"),
    "Azure": ("Azure landing zone", "data center exit to Azure", "Azure backup and DR"),
    "Dynamics 365 Sales": ("Dynamics 365 Sales rollout", "CRM replacement"),
    "Dynamics 365 Customer Service": ("contact center on Dynamics 365",),
    "Dynamics 365 Finance": ("ERP move to Dynamics 365 Finance",),
    "Power BI": ("Power BI dashboards", "self-service analytics"),
    "Power Apps": ("field inspections app", "Power Apps citizen development"),
    "Power Automate": ("invoice automation", "approval workflows"),
    "Microsoft Teams": ("Teams rollout", "Teams Rooms for meeting spaces", "Teams Phone"),
    "Microsoft Defender": ("Defender for Endpoint deployment",),
    "Microsoft Sentinel": ("Sentinel SOC onboarding",),
    "Microsoft Intune": ("Intune device management",),
    "Azure OpenAI Service": ("customer service copilot", "document search with Azure OpenAI"),
    "Microsoft Fabric": ("data platform on Microsoft Fabric",),
    "Windows 365": ("Cloud PCs for contractors",),
    "Azure Virtual Desktop": ("virtual desktops for branch offices",),
    "Microsoft 365 Copilot": ("Microsoft 365 Copilot pilot",),
}  # fmt: skip
_PRODUCT_NAMES = tuple(_PRODUCTS)
_SERVICES = (
    "Migration", "Deployment", "Managed Services", "Training", "Licensing Advisory",
    "Custom Development", "Support", "Security Assessment", "Change Management",
    "Data Engineering", "Architecture Review", "Adoption",
)  # fmt: skip
_NEEDS = (
    "retire ageing on-premises servers before their support ends",
    "one view of each customer across sales and service",
    "secure remote access for frontline staff",
    "lower licensing costs after an acquisition",
    "real-time reporting for the board",
    "to meet new data residency rules",
    "to replace a legacy phone system",
    "faster onboarding of seasonal employees",
    "to stop shadow IT spreading across departments",
    "better protection after a phishing incident",
)  # fmt: skip
_SOLUTIONS = (
    "{Deal} delivered in phases, starting with a pilot group of {pilot} users.",
    "{Deal} with {service} and knowledge transfer to the internal IT team.",
    "Assessment, then {deal}; {service} for the first year.",
    "{Deal} using the partner's reference architecture, plus {service}.",
)  # fmt: skip
_CUSTOMER_NEEDS = (
    "The customer has {staff} employees across {sites} sites and needs {need}.",
    "Head office in {city}; {staff} staff. Needs {need}.",
    "The CIO wants {need} within two quarters.",
)  # fmt: skip
_ADDITIONAL_NOTES = (
    "Customer prefers a partner with a local presence in {city}.",
    "Budget approved for FY{year}.",
    "Decision maker is the customer's CIO; procurement joins after the workshop.",
    "Existing Enterprise Agreement renews in the spring.",
    "Competing bid from a global system integrator.",
    "Customer asked for references in the {industry} industry.",
)  # fmt: skip
_NOTES = (
    "Intro call held with the customer's IT director.",
    "Customer asked for a revised quote.",
    "Shared the reference architecture and pricing.",
    "Discovery workshop scheduled for next week.",
    "Proof of concept environment is ready.",
    "Security review passed.",
    "Waiting on legal review of the services agreement.",
    "Customer requested a live demo.",
    "Licensing questions answered by email.",
    "Kick-off meeting planned with both teams.",
)  # fmt: skip
_UPDATES = (
    "Updated the deal value.",
    "Moved the expected closing date.",
    "Added products to the requirements.",
    "Corrected the customer contact's phone number.",
    "Refined the customer need after discovery.",
)  # fmt: skip
_INVITATION_NOTES = (
    "Could you cover the data migration part?",
    "Looking for a partner with local delivery capacity.",
    "Your industry experience would help here.",
    "Customer asked for a specialist in this area.",
)  # fmt: skip
_REJECTION_NOTES = (
    "No delivery capacity this quarter.",
    "Outside our regional coverage.",
    "Not a fit for our practice.",
    "Conflict of interest with an existing client.",
)  # fmt: skip
_LOST_REASONS = (
    "Customer chose another vendor",
    "Budget frozen for this fiscal year",
    "Project postponed indefinitely",
    "Customer went with an in-house solution",
    "No response from the customer",
    "Lost on price",
)  # fmt: skip

_SOURCES = tuple(ReferralSource)
_SOURCE_WEIGHTS = (20, 40, 15, 25)

# German convention for umlauts (Müller -> mueller); other accents just lose their marks.
_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _ascii(text: str) -> str:
    """Lower-case ASCII letters and digits of `text`, for email addresses and domains."""
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_TRANSLITERATION))
    return "".join(char for char in decomposed if char.isascii() and char.isalnum())


def _slug(text: str) -> str:
    return "-".join(word for word in (_ascii(part) for part in text.split()) if word)


# --- generation ----------------------------------------------------------------------------

_Answer = Literal["accept", "reject", "none"]
_NO_ACCEPTANCE: tuple[_Answer, ...] = ("reject", "none")
_ANY_ANSWER: tuple[_Answer, ...] = ("accept", "reject", "none")
_CLOSED = (ReferralStatus.WON, ReferralStatus.LOST)
_Row = dict[str, Any]


@dataclass
class _Batch:
    """Rows waiting to be inserted, one list per table."""

    referrals: list[_Row] = field(default_factory=list)
    profiles: list[_Row] = field(default_factory=list)
    requirements: list[_Row] = field(default_factory=list)
    additional: list[_Row] = field(default_factory=list)
    participants: list[_Row] = field(default_factory=list)
    participant_users: list[_Row] = field(default_factory=list)
    activities: list[_Row] = field(default_factory=list)

    async def flush(self, conn: AsyncConnection) -> None:
        # Parents before children: foreign keys are checked row by row on SQLite.
        for table, rows in (
            (referral, self.referrals),
            (customer_profile, self.profiles),
            (customer_requirements, self.requirements),
            (additional_information, self.additional),
            (participant, self.participants),
            (participant_user, self.participant_users),
            (activity, self.activities),
        ):
            if rows:
                await conn.execute(table.insert(), rows)
                rows.clear()


async def _insert_missing(conn: AsyncConnection, table: Table, rows: list[_Row]) -> None:
    # Organizations and users have fixed or seed-derived ids: a second load (another size or
    # after deleting referrals) reuses them instead of failing on their primary keys.
    ids = [row["id"] for row in rows]
    existing = set((await conn.execute(select(table.c.id).where(table.c.id.in_(ids)))).scalars())
    missing = [row for row in rows if row["id"] not in existing]
    if missing:
        await conn.execute(table.insert(), missing)


@dataclass
class _Event:
    offset: int  # seconds after the referral's creation
    type: ActivityType
    actor: int | None  # participant index; 0 is the owner
    subject: int | None = None
    from_status: ReferralStatus | None = None
    to_status: ReferralStatus | None = None
    note: str | None = None


class _Cast(NamedTuple):
    """Who takes part in a referral and how its story goes."""

    owner: int  # index in DEMO_ORGANIZATIONS
    invited: list[int]
    status: ReferralStatus
    activated: bool  # an invitation was accepted, which made it ACTIVE
    keep_first_open: bool  # the first invitation must still be open now


@dataclass
class _Timeline:
    """When things happen, in seconds after creation (-1: never)."""

    created: datetime
    invited_at: list[int]
    answers: list[_Answer]
    answered_at: list[int]
    close_at: int
    used: set[int]  # seconds already taken by an entry of the history

    def at(self, offset: int) -> datetime:
        return self.created + timedelta(seconds=offset)


class _History(NamedTuple):
    events: list[_Event]
    statuses: list[ParticipantStatus]  # of each invited participant
    answer_notes: list[str | None]
    status_reason: str | None


def _accepted_times(answers: list[_Answer], answered_at: list[int]) -> list[int]:
    return [at for answer, at in zip(answers, answered_at, strict=True) if answer == "accept"]


@dataclass(frozen=True)
class _User:
    id: uuid.UUID
    organization_id: uuid.UUID
    display_name: str
    email: str


class _Generator:
    """Draws every value from one `random.Random`, so a seed fixes the data, ids included."""

    def __init__(self, rng: random.Random, now: datetime, size: DemoSize) -> None:
        self.rng = rng
        # Whole seconds read better in the demo and still never pass `now`.
        self.now = now.replace(microsecond=0)
        self.size = size
        pool_size = max(8, 2 * size.users_per_participant)
        self.users = [self._user_pool(org, pool_size) for org in DEMO_ORGANIZATIONS]

    # --- organizations and users ---

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _user_pool(self, org: DemoOrganization, pool_size: int) -> list[_User]:
        domain = org.demo_user_email.rsplit("@", 1)[1]
        pool = [_User(org.demo_user_id, org.id, org.demo_user_name, org.demo_user_email)]
        emails = {org.demo_user_email}
        while len(pool) < pool_size:
            country = self.rng.choice(_COUNTRIES)
            first = self.rng.choice(country.first_names)
            last = self.rng.choice(country.last_names)
            email = f"{_ascii(first)}.{_ascii(last)}@{domain}"
            if email in emails:
                continue
            emails.add(email)
            pool.append(_User(self._uuid(), org.id, f"{first} {last}", email))
        return pool

    def organization_rows(self) -> list[_Row]:
        return [{"id": org.id, "name": org.name} for org in DEMO_ORGANIZATIONS]

    def user_rows(self) -> list[_Row]:
        return [
            {
                "id": user.id,
                "organization_id": user.organization_id,
                "display_name": user.display_name,
                "email": user.email,
            }
            for pool in self.users
            for user in pool
        ]

    # --- small draws ---

    def _seconds(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def _digits(self, template: str) -> str:
        return "".join(str(self.rng.randrange(10)) if c == "#" else c for c in template)

    def _fill(self, template: str) -> str:
        return template.format(n=self.rng.randint(2, 30), L=self.rng.choice("ABCD"))

    def _free(self, used: set[int], low: int, high: int) -> int:
        # Distinct seconds per referral keep its history strictly ordered without ties.
        while True:
            value = self._seconds(low, high)
            if value not in used:
                used.add(value)
                return value

    # --- referrals ---

    def referral(self, index: int, batch: _Batch) -> None:
        """Append one referral, its parts, participants, their users and its history."""
        cast = self._cast(index)
        timeline = self._timeline(cast)
        history = self._history(cast, timeline)
        self._rows(cast, timeline, history, batch)

    def _cast(self, index: int) -> _Cast:
        rng = self.rng
        organizations = len(DEMO_ORGANIZATIONS)
        invited_count = self.size.participants_per_referral - 1
        showcase = index < 3 and invited_count >= 1
        if showcase:
            # The first referrals show contact masking: one demo org invited by the other.
            owner = 1 if index == 2 else 0
            status = ReferralStatus.ACTIVE if index == 1 else ReferralStatus.PENDING
            if status is ReferralStatus.ACTIVE and invited_count < 2:
                status = ReferralStatus.PENDING  # nobody else could have accepted
            invited = [1 - owner]
        else:
            # The two demo organizations each own about a third of the referrals.
            draw = rng.random()
            owner = 0 if draw < 1 / 3 else 1 if draw < 2 / 3 else rng.randrange(2, organizations)
            if invited_count:
                status = rng.choices(tuple(ReferralStatus), (25, 40, 20, 15))[0]
            else:
                status = rng.choices((ReferralStatus.PENDING, ReferralStatus.LOST), (70, 30))[0]
            invited = []
        candidates = [i for i in range(organizations) if i != owner and i not in invited]
        while len(invited) < invited_count:
            # Demo organizations are invited more often, so their lists hold both roles.
            pick = rng.choices(candidates, [4 if i < 2 else 1 for i in candidates])[0]
            candidates.remove(pick)
            invited.append(pick)
        if status is ReferralStatus.PENDING:
            activated = False
        elif status is ReferralStatus.LOST:
            # Some leads are lost before anyone accepted them.
            activated = invited_count > 0 and rng.random() < 0.65
        else:
            activated = True
        return _Cast(owner, invited, status, activated, keep_first_open=showcase)

    def _timeline(self, cast: _Cast) -> _Timeline:
        """When invitations, answers and closing happen, then where the referral sits in time."""
        rng = self.rng
        closed = cast.status in _CLOSED
        # Open referrals are often recent, so that many invitations are still open now.
        recent = cast.keep_first_open or (not closed and rng.random() < 0.45)
        used = {0}  # seconds taken: each history entry gets its own
        invited_at: list[int] = []
        cursor = 0
        for _ in cast.invited:
            if recent:
                low, high = 5 * _MINUTE, 18 * _HOUR
            elif rng.random() < 0.25:
                low, high = 2 * _DAY, 30 * _DAY  # a partner brought in weeks later
            else:
                low, high = 5 * _MINUTE, 3 * _DAY
            cursor = self._free(used, cursor + low, cursor + high)
            invited_at.append(cursor)
            used.add(cursor + _WINDOW)  # where its expiry may be recorded

        answers: list[_Answer] = []
        # Activation needs one acceptance; the showcase keeps its first invitation open.
        acceptor = -1
        if cast.activated:
            acceptor = rng.randrange(1 if cast.keep_first_open else 0, len(cast.invited))
        for i in range(len(cast.invited)):
            if cast.keep_first_open and i == 0:
                answers.append("none")
            elif i == acceptor:
                answers.append("accept")
            elif not cast.activated:
                answers.append(rng.choices(_NO_ACCEPTANCE, (45, 55))[0])
            else:
                answers.append(rng.choices(_ANY_ANSWER, (40, 25, 35))[0])
        slowest = (4 if recent else 13) * _DAY  # always inside the 14-day window
        answered_at = [
            self._free(used, offset + 10 * _MINUTE, offset + slowest) if answer != "none" else -1
            for offset, answer in zip(invited_at, answers, strict=True)
        ]

        close_at = -1
        if closed:
            # Closing follows every invitation, and an acceptance when the referral was active.
            start = invited_at[-1] if invited_at else 0
            if cast.activated:
                start = max(start, min(_accepted_times(answers, answered_at)))
            close_at = self._free(
                used, start + _DAY, start + (150 if cast.activated else 60) * _DAY
            )
            # Answers that would have come after closing never happened.
            for i, offset in enumerate(answered_at):
                if offset > close_at:
                    answers[i], answered_at[i] = "none", -1
            used.update(range(close_at, close_at + len(cast.invited) + 1))  # missed entries

        span = max(0, *invited_at, *answered_at, close_at + len(cast.invited))
        latest = self.now - timedelta(seconds=span + self._seconds(_HOUR, 6 * _HOUR))
        if recent:
            # Late enough that the first unanswered invitation is still inside its window.
            unanswered = [o for o, a in zip(invited_at, answers, strict=True) if a == "none"]
            earliest = self.now - timedelta(seconds=_WINDOW + min(unanswered, default=0) - _HOUR)
        else:
            earliest = self.now - _HISTORY
        room = max(0, int((latest - earliest).total_seconds()))
        created = latest - timedelta(seconds=self._seconds(0, room))
        return _Timeline(created, invited_at, answers, answered_at, close_at, used)

    def _history(self, cast: _Cast, timeline: _Timeline) -> _History:
        """The referral's activities and where each invitation ended up."""
        rng = self.rng
        closed = cast.status in _CLOSED
        close_at = timeline.close_at
        events = [_Event(0, ActivityType.CREATED, 0, to_status=ReferralStatus.PENDING)]
        statuses: list[ParticipantStatus] = []
        answer_notes: list[str | None] = []
        for i, (invite, answer, answered) in enumerate(
            zip(timeline.invited_at, timeline.answers, timeline.answered_at, strict=True), start=1
        ):
            note = rng.choice(_INVITATION_NOTES) if rng.random() < 0.4 else None
            events.append(_Event(invite, ActivityType.PARTICIPANT_INVITED, 0, i, note=note))
            expires = invite + _WINDOW
            answer_note = None
            if answer == "accept":
                statuses.append(ParticipantStatus.ACCEPTED)
                events.append(_Event(answered, ActivityType.INVITATION_ACCEPTED, i, i))
            elif answer == "reject":
                statuses.append(ParticipantStatus.REJECTED)
                answer_note = rng.choice(_REJECTION_NOTES) if rng.random() < 0.6 else None
                rejected = _Event(
                    answered, ActivityType.INVITATION_REJECTED, i, i, note=answer_note
                )
                events.append(rejected)
            elif closed and expires > close_at:
                # Still open when the referral closed: nobody can answer it any more.
                missed_at = close_at + 1 + statuses.count(ParticipantStatus.MISSED)
                statuses.append(ParticipantStatus.MISSED)
                events.append(_Event(missed_at, ActivityType.INVITATION_MISSED, None, i))
            elif closed or (timeline.at(expires) <= self.now and rng.random() < 0.5):
                statuses.append(ParticipantStatus.EXPIRED)
                events.append(_Event(expires, ActivityType.INVITATION_EXPIRED, None, i))
            else:
                # Open, or past its window and stored INVITED: expiry is read by time.
                statuses.append(ParticipantStatus.INVITED)
            answer_notes.append(answer_note)

        def accepted_before(offset: int) -> list[int]:
            return [0] + [
                i
                for i, (answer, answered) in enumerate(
                    zip(timeline.answers, timeline.answered_at, strict=True), start=1
                )
                if answer == "accept" and answered < offset
            ]

        status_reason = None
        if closed:
            status_reason = (
                rng.choice(_LOST_REASONS) if cast.status is ReferralStatus.LOST else None
            )
            events.append(
                _Event(
                    close_at,
                    ActivityType.STATUS_CHANGED,
                    rng.choice(accepted_before(close_at)),
                    from_status=ReferralStatus.ACTIVE if cast.activated else ReferralStatus.PENDING,
                    to_status=cast.status,
                    note=status_reason,
                )
            )

        # Notes and edits by accepted participants, enough to reach the size asked for.
        fillers = max(0, self.size.activities_per_referral - len(events))
        fillers += rng.choice((0, 0, 1, 2))
        if closed:
            last = close_at - _MINUTE  # closed referrals never change again
        else:
            until_now = int((self.now - timeline.created).total_seconds()) - _MINUTE
            last = min(until_now, max(event.offset for event in events) + 90 * _DAY)
        for _ in range(fillers):
            offset = self._free(timeline.used, _MINUTE, last)
            if rng.random() < 0.6:
                kind, note = ActivityType.NOTE_ADDED, rng.choice(_NOTES)
            else:
                kind, note = ActivityType.UPDATED, rng.choice(_UPDATES)
            events.append(_Event(offset, kind, rng.choice(accepted_before(offset)), note=note))

        events.sort(key=lambda event: event.offset)
        if cast.activated:
            first = next(e for e in events if e.type is ActivityType.INVITATION_ACCEPTED)
            first.from_status, first.to_status = ReferralStatus.PENDING, ReferralStatus.ACTIVE
        return _History(events, statuses, answer_notes, status_reason)

    def _rows(self, cast: _Cast, timeline: _Timeline, history: _History, batch: _Batch) -> None:
        rng = self.rng
        at = timeline.at
        referral_id = self._uuid()
        customer = self._customer(referral_id, batch)
        batch.referrals.append(
            {
                "id": referral_id,
                "name": f"{customer.short_name} \N{EN DASH} {customer.deal}",
                "status": cast.status,
                "status_reason": history.status_reason,
                "referral_source": rng.choices(_SOURCES, _SOURCE_WEIGHTS)[0],
                "owner_organization_id": DEMO_ORGANIZATIONS[cast.owner].id,
                "version": len(history.events),  # every change bumped it, from 1 at creation
                "created_date": timeline.created,
                "updated_date": at(history.events[-1].offset),
            }
        )
        closed_on = at(timeline.close_at).date() if timeline.close_at >= 0 else None
        batch.additional.append(self._additional(referral_id, customer, cast.status, closed_on))

        participant_ids = [self._uuid() for _ in range(len(cast.invited) + 1)]
        batch.participants.append(
            {
                "id": participant_ids[0],
                "referral_id": referral_id,
                "organization_id": DEMO_ORGANIZATIONS[cast.owner].id,
                "status": ParticipantStatus.ACCEPTED,
                "invited_by_participant_id": None,
                "invited_date": timeline.created,
                "responded_date": timeline.created,
                "expires_date": None,
                "note": None,
            }
        )
        for i, org in enumerate(cast.invited):
            invited, answered = timeline.invited_at[i], timeline.answered_at[i]
            batch.participants.append(
                {
                    "id": participant_ids[i + 1],
                    "referral_id": referral_id,
                    "organization_id": DEMO_ORGANIZATIONS[org].id,
                    "status": history.statuses[i],
                    "invited_by_participant_id": participant_ids[0],
                    "invited_date": at(invited),
                    "responded_date": at(answered) if answered >= 0 else None,
                    "expires_date": at(invited + _WINDOW),
                    "note": history.answer_notes[i],
                }
            )
        for participant_id, org in zip(participant_ids, [cast.owner, *cast.invited], strict=True):
            for position, user_id in enumerate(self._team(org)):
                batch.participant_users.append(
                    {"participant_id": participant_id, "user_id": user_id, "position": position}
                )
        for event in history.events:
            batch.activities.append(
                {
                    "id": self._uuid(),
                    "referral_id": referral_id,
                    "type": event.type,
                    "occurred_date": at(event.offset),
                    "actor_participant_id": _pick(participant_ids, event.actor),
                    "subject_participant_id": _pick(participant_ids, event.subject),
                    "from_status": event.from_status,
                    "to_status": event.to_status,
                    "note": event.note,
                }
            )

    def _team(self, org: int) -> list[uuid.UUID]:
        """Distinct users of the organization for one participant, often its demo user first."""
        pool = self.users[org]
        wanted = self.size.users_per_participant
        if self.rng.random() < 0.6:
            team = [pool[0], *self.rng.sample(pool[1:], wanted - 1)]
        else:
            team = self.rng.sample(pool, wanted)
        return [user.id for user in team]

    # --- the customer ---

    def _customer(self, referral_id: uuid.UUID, batch: _Batch) -> _Customer:
        """Append the customer's profile and requirements; return what the other rows reuse."""
        rng = self.rng
        country = rng.choices(_COUNTRIES, _COUNTRY_WEIGHTS)[0]
        city = rng.choice(country.cities)
        industry = rng.choice(_INDUSTRY_NAMES)
        brand = rng.choice(country.brands if rng.random() < 0.5 else _GLOBAL_BRANDS)
        short_name = f"{brand} {rng.choice(_INDUSTRIES[industry])}"
        name = short_name
        if industry not in _NO_LEGAL_FORM:
            name = f"{short_name} {rng.choice(country.legal_forms)}"
        if country.code == "JP":
            number = f"{rng.randint(1, 9)}-{rng.randint(1, 20)}-{rng.randint(1, 30)}"
        else:
            number = str(rng.randint(1, 250))
        street = country.address.format(number=number, street=rng.choice(country.streets))
        first, last = rng.choice(country.first_names), rng.choice(country.last_names)
        if rng.random() < 0.8:
            local = f"{_ascii(first)}.{_ascii(last)}"
        else:
            local = f"{_ascii(first)[0]}{_ascii(last)}"
        line2 = self._fill(rng.choice(country.line2)) if rng.random() < 0.4 else None
        batch.profiles.append(
            {
                "id": self._uuid(),
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
                "contact_email": f"{local}@{_slug(brand)}-example.com",
                "contact_phone_number": self._digits(city.phone),
            }
        )

        product = rng.choice(_PRODUCT_NAMES)
        deal = rng.choice(_PRODUCTS[product])
        other_products = [p for p in _PRODUCT_NAMES if p != product]
        other_industries = [i for i in _INDUSTRY_NAMES if i != industry]
        solutions = None
        if rng.random() < 0.9:
            solutions = rng.choice(_SOLUTIONS).format(
                Deal=deal[0].upper() + deal[1:],
                deal=deal,
                pilot=rng.choice((25, 50, 100, 200)),
                service=rng.choice(_SERVICES).lower(),
            )
        batch.requirements.append(
            {
                "referral_id": referral_id,
                "industries": [industry, *rng.sample(other_industries, rng.randint(0, 1))],
                "products": [product, *rng.sample(other_products, rng.randint(0, 2))],
                "services": rng.sample(_SERVICES, rng.randint(1, 3)),
                "solutions": solutions,
                "customer_need": rng.choice(_CUSTOMER_NEEDS).format(
                    staff=rng.choice((40, 120, 350, 800, 2500, 12000)),
                    sites=rng.randint(2, 40),
                    city=city.name,
                    need=rng.choice(_NEEDS),
                ),
            }
        )
        return _Customer(country, city, industry, short_name, deal)

    def _additional(
        self,
        referral_id: uuid.UUID,
        customer: _Customer,
        status: ReferralStatus,
        closed_on: date | None,
    ) -> _Row:
        rng = self.rng
        notes = None
        if rng.random() < 0.6:
            notes = rng.choice(_ADDITIONAL_NOTES).format(
                city=customer.city.name,
                year=self.now.year % 100 + 1,
                industry=customer.industry.lower(),
            )
        deal_value = currency = None
        if rng.random() < 0.75:
            country = customer.country
            if rng.random() < 0.6 or country.whole_units:
                cents = rng.randint(50, 5000) * 100_00  # round hundreds, as first quoted
            else:
                cents = rng.randint(100_000, 50_000_000)
            deal_value = Decimal(cents * country.deal_scale).scaleb(-2)
            currency = country.currency
        closing_date = None
        if status is ReferralStatus.WON:
            closing_date = closed_on
        elif status is not ReferralStatus.LOST and rng.random() < 0.7:
            # Open deals carry the date they are expected to close: a date ahead of today.
            closing_date = (self.now + timedelta(days=rng.randint(14, 210))).date()
        return {
            "referral_id": referral_id,
            "notes": notes,
            "deal_value": deal_value,
            "currency": currency,
            "closing_date": closing_date,
        }


class _Customer(NamedTuple):
    country: _Country
    city: _City
    industry: str
    short_name: str  # the name without its legal form, as deal names use it
    deal: str


def _pick(ids: list[uuid.UUID], index: int | None) -> uuid.UUID | None:
    return None if index is None else ids[index]
