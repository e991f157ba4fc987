"""Partner Center's Referral JSON (`v1.0/engagements/referrals`) and our referral, both ways.

`to_partner_center` writes one referral as an organization sees it (`db.referral_export`) in
Partner Center's shape and casing; `from_partner_center` reads such a record back into a
`ReferralDraft`, the status to reach and the fields it could not take. Reading only parses
the format (JSON types, Partner Center's enum spellings, date-times): every rule about the
values is `db.values`', applied when the import writes the draft, so an import refuses
exactly what `createReferral` refuses. `partner_center_path` spells a draft's field as the
record spells it, so a refusal names the field the file has.

Where Partner Center has no field for ours (`customerNeed`), the record carries it under our
own name where Partner Center keeps its kind of value (`details.requirements`); Partner
Center's readers ignore fields they do not know, as ours does. `referralSource` takes the
seed's values (WebDirect, PartnerLed, AgentLed, P2P).

The mapping lives in this package only: `spellings` (Partner Center's names and enum values
for ours, and its paths for our fields), `export` (ours -> Partner Center) and `records`
(Partner Center -> ours).
"""

from db.partner_center.export import dumps, to_partner_center
from db.partner_center.records import FormatRefusal, ImportRecord, from_partner_center, loads
from db.partner_center.spellings import partner_center_path

__all__ = [
    "FormatRefusal",
    "ImportRecord",
    "dumps",
    "from_partner_center",
    "loads",
    "partner_center_path",
    "to_partner_center",
]
