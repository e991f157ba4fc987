"""The demo's places and people: countries with their cities, streets and names.

Word lists only; `db.demo` draws from them. Everything here is fictitious.
"""

from __future__ import annotations

import unicodedata
from typing import NamedTuple


class City(NamedTuple):
    name: str
    state: str
    postal_codes: tuple[str, ...]
    phone: str  # E.164 template: each "#" becomes a random digit


class Country(NamedTuple):
    code: str
    currency: str
    weight: int
    deal_scale: int  # rough local-currency units per US dollar, so amounts look plausible
    whole_units: bool  # currencies without minor units (JPY) get round amounts
    cities: tuple[City, ...]
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

COUNTRIES: tuple[Country, ...] = (
    Country(
        code="US", currency="USD", weight=25, deal_scale=1, whole_units=False,
        cities=(
            City("Seattle", "WA", ("98101", "98104", "98109", "98121"), "+120655501##"),
            City("Redmond", "WA", ("98052", "98053"), "+142555501##"),
            City("Austin", "TX", ("78701", "78702", "78746"), "+151255501##"),
            City("New York", "NY", ("10001", "10017", "10036"), "+121255501##"),
            City("Chicago", "IL", ("60601", "60606", "60611"), "+131255501##"),
            City("San Francisco", "CA", ("94105", "94107", "94111"), "+141555501##"),
            City("Boston", "MA", ("02108", "02110", "02116"), "+161755501##"),
            City("Atlanta", "GA", ("30303", "30308", "30309"), "+140455501##"),
        ),
        streets=_EN_STREETS, address="{number} {street}", line2=_EN_LINE2,
        first_names=_EN_FIRST, last_names=_EN_LAST,
        brands=("Cascade", "Lone Star", "Great Lakes", "Sierra", "Prairie", "Liberty"),
        legal_forms=("Inc.", "LLC", "Corp."),
    ),
    Country(
        code="GB", currency="GBP", weight=12, deal_scale=1, whole_units=False,
        cities=(
            City("London", "England", ("EC1A 1BB", "EC2A 4NE", "W1D 3QF", "E14 5AB"),
                  "+442079460###"),
            City("Manchester", "England", ("M1 1AE", "M2 3WQ", "M3 4LZ"), "+441614960###"),
            City("Edinburgh", "Scotland", ("EH1 1YZ", "EH2 2ER", "EH3 9DR"), "+441314960###"),
            City("Bristol", "England", ("BS1 4DJ", "BS1 6QH", "BS2 0JA"), "+441174960###"),
            City("Cardiff", "Wales", ("CF10 1EP", "CF10 3AT"), "+442920180###"),
        ),
        streets=("High Street", "King Street", "Queen Street", "Church Road", "Victoria Road",
                 "Station Road", "Mill Lane", "The Green"),
        address="{number} {street}", line2=("Floor {n}", "Unit {n}", "Suite {n}"),
        first_names=_EN_FIRST, last_names=_EN_LAST,
        brands=("Thames", "Pennine", "Highland", "Albion", "Cotswold", "Severn"),
        legal_forms=("Ltd", "plc"),
    ),
    Country(
        code="DE", currency="EUR", weight=12, deal_scale=1, whole_units=False,
        cities=(
            City("Berlin", "Berlin", ("10115", "10117", "10178"), "+49302#######"),
            City("München", "Bayern", ("80331", "80335", "80469"), "+49892#######"),
            City("Hamburg", "Hamburg", ("20095", "20354", "22767"), "+49404#######"),
            City("Köln", "Nordrhein-Westfalen", ("50667", "50672", "50823"), "+492212######"),
            City("Frankfurt am Main", "Hessen", ("60311", "60313", "60486"), "+49697#######"),
            City("Stuttgart", "Baden-Württemberg", ("70173", "70174", "70469"),
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
    Country(
        code="FR", currency="EUR", weight=8, deal_scale=1, whole_units=False,
        cities=(
            City("Paris", "Île-de-France", ("75001", "75008", "75011", "75015"),
                  "+3314#######"),
            City("Lyon", "Auvergne-Rhône-Alpes", ("69001", "69002", "69003"), "+3347#######"),
            City("Marseille", "Provence-Alpes-Côte d'Azur", ("13001", "13002", "13008"),
                  "+3349#######"),
            City("Toulouse", "Occitanie", ("31000", "31200", "31400"), "+3356#######"),
            City("Lille", "Hauts-de-France", ("59000", "59800"), "+3332#######"),
            City("Nantes", "Pays de la Loire", ("44000", "44100"), "+3324#######"),
        ),
        streets=("rue de la République", "rue Victor Hugo", "avenue Jean Jaurès",
                 "boulevard Gambetta", "rue Pasteur", "place de la Gare"),
        address="{number} {street}", line2=("Bâtiment {L}", "{n}e étage"),
        first_names=_FR_FIRST, last_names=_FR_LAST,
        brands=("Lumière", "Côte Verte", "Belle Rive", "Étoile du Nord", "Vallée Bleue"),
        legal_forms=("SAS", "SA", "SARL"),
    ),
    Country(
        code="NL", currency="EUR", weight=6, deal_scale=1, whole_units=False,
        cities=(
            City("Amsterdam", "Noord-Holland", ("1012 AB", "1017 CE", "1082 MD"),
                  "+3120#######"),
            City("Rotterdam", "Zuid-Holland", ("3011 AD", "3012 CL"), "+3110#######"),
            City("Utrecht", "Utrecht", ("3511 AX", "3521 CB"), "+3130#######"),
            City("Eindhoven", "Noord-Brabant", ("5611 AZ", "5612 AJ"), "+3140#######"),
        ),
        streets=("Stationsplein", "Kerkstraat", "Dorpsstraat", "Molenweg", "Schoolstraat",
                 "Marktplein"),
        address="{street} {number}", line2=("{n}e verdieping", "Unit {n}"),
        first_names=_NL_FIRST, last_names=_NL_LAST,
        brands=("Zeewind", "Tulpenveld", "Grachtenhuis", "Polderlicht", "Noordzee"),
        legal_forms=("B.V.", "N.V."),
    ),
    Country(
        code="IN", currency="INR", weight=10, deal_scale=80, whole_units=False,
        cities=(
            City("Bengaluru", "Karnataka", ("560001", "560066", "560103"), "+9198########"),
            City("Mumbai", "Maharashtra", ("400001", "400051", "400093"), "+9199########"),
            City("Hyderabad", "Telangana", ("500032", "500081"), "+9190########"),
            City("Pune", "Maharashtra", ("411001", "411014", "411057"), "+9197########"),
            City("Chennai", "Tamil Nadu", ("600002", "600032", "600113"), "+9194########"),
            City("New Delhi", "Delhi", ("110001", "110020"), "+9181########"),
        ),
        streets=("MG Road", "Station Road", "Nehru Road", "Ring Road", "Residency Road"),
        address="{number}, {street}", line2=("Floor {n}", "Tower {L}"),
        first_names=_IN_FIRST, last_names=_IN_LAST,
        brands=("Kaveri", "Sahyadri", "Ganga", "Indus", "Deccan", "Nilgiri"),
        legal_forms=("Pvt Ltd", "Ltd"),
    ),
    Country(
        code="JP", currency="JPY", weight=8, deal_scale=150, whole_units=True,
        cities=(
            City("Tokyo", "Tokyo", ("100-0005", "105-0001", "150-0002"), "+8135#######"),
            City("Osaka", "Osaka", ("530-0001", "541-0041"), "+8166#######"),
            City("Yokohama", "Kanagawa", ("220-0012", "231-0023"), "+81454######"),
            City("Nagoya", "Aichi", ("450-0002", "460-0008"), "+81525######"),
            City("Fukuoka", "Fukuoka", ("810-0001", "812-0011"), "+81927######"),
            City("Sapporo", "Hokkaido", ("060-0001", "060-0005"), "+81112######"),
        ),
        streets=("Honchō", "Chūō", "Motomachi", "Sakae", "Kotobuki", "Midori"),
        address="{number} {street}", line2=("{n}F", "{n}F Tower {L}"),
        first_names=_JP_FIRST, last_names=_JP_LAST,
        brands=("Sakura", "Hinode", "Fujimi", "Kōyō", "Aozora", "Midori"),
        legal_forms=("K.K.", "Co., Ltd."),
    ),
    Country(
        code="AU", currency="AUD", weight=7, deal_scale=1, whole_units=False,
        cities=(
            City("Sydney", "NSW", ("2000", "2060", "2065"), "+6125550####"),
            City("Melbourne", "VIC", ("3000", "3004", "3121"), "+6135550####"),
            City("Brisbane", "QLD", ("4000", "4006"), "+6175550####"),
            City("Perth", "WA", ("6000", "6005"), "+6185550####"),
            City("Adelaide", "SA", ("5000", "5006"), "+6185550####"),
        ),
        streets=("George Street", "King Street", "Queen Street", "Victoria Street",
                 "Elizabeth Street", "William Street"),
        address="{number} {street}", line2=("Level {n}", "Suite {n}"),
        first_names=_EN_FIRST, last_names=_EN_LAST,
        brands=("Outback", "Coral Coast", "Southern Cross", "Eucalyptus", "Red Centre"),
        legal_forms=("Pty Ltd",),
    ),
    Country(
        code="CA", currency="CAD", weight=7, deal_scale=1, whole_units=False,
        cities=(
            City("Toronto", "ON", ("M5H 2N2", "M5J 2T3", "M5V 3L9"), "+141655501##"),
            City("Vancouver", "BC", ("V6B 1A1", "V6C 3E8", "V6E 4M2"), "+160455501##"),
            City("Montréal", "QC", ("H3B 1A7", "H2Y 1C6", "H3A 0G4"), "+151455501##"),
            City("Calgary", "AB", ("T2P 1J9", "T2P 2M5"), "+140355501##"),
            City("Ottawa", "ON", ("K1P 1J1", "K2P 2L8"), "+161355501##"),
        ),
        streets=("King Street", "Queen Street", "Main Street", "Wellington Street",
                 "Church Street"),
        address="{number} {street}", line2=_EN_LINE2,
        first_names=_EN_FIRST + _FR_FIRST[:6], last_names=_EN_LAST + _FR_LAST[:6],
        brands=("Maple Leaf", "Northern Lights", "Rocky Mountain", "Laurentian", "Muskoka"),
        legal_forms=("Inc.", "Ltd."),
    ),
    Country(
        code="BR", currency="BRL", weight=5, deal_scale=5, whole_units=False,
        cities=(
            City("São Paulo", "SP", ("01310-100", "04538-132", "01452-000"), "+55119########"),
            City("Rio de Janeiro", "RJ", ("20040-002", "22250-040"), "+55219########"),
            City("Belo Horizonte", "MG", ("30130-010", "30140-071"), "+55319########"),
            City("Curitiba", "PR", ("80010-000", "80250-104"), "+55419########"),
            City("Porto Alegre", "RS", ("90010-150", "90570-020"), "+55519########"),
        ),
        streets=("Rua das Flores", "Avenida Brasil", "Rua XV de Novembro",
                 "Avenida Getúlio Vargas", "Rua São José"),
        address="{street}, {number}", line2=("Sala {n}", "Andar {n}", "Conjunto {n}"),
        first_names=_BR_FIRST, last_names=_BR_LAST,
        brands=("Açaí Verde", "Horizonte", "Estrela do Sul", "Ipê Amarelo", "Serra Azul"),
        legal_forms=("Ltda.", "S.A."),
    ),
)  # fmt: skip
COUNTRY_WEIGHTS = tuple(country.weight for country in COUNTRIES)

# German convention for umlauts (Müller -> mueller); other accents just lose their marks.
_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def to_ascii(text: str) -> str:
    """Lower-case ASCII letters and digits of `text`, for email addresses and domains."""
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_TRANSLITERATION))
    return "".join(char for char in decomposed if char.isascii() and char.isalnum())


def slug(text: str) -> str:
    return "-".join(word for word in (to_ascii(part) for part in text.split()) if word)
