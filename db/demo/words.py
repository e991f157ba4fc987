"""The demo's vocabulary: brands, industries, products and the phrases its histories use.

Word lists only; `db.demo` draws from them. Everything here is fictitious.
"""

from __future__ import annotations

# Names shared by customers everywhere: the fictitious companies of Microsoft's samples.
GLOBAL_BRANDS = (
    "Blue Harbor", "Silver Creek", "Northstar", "Evergreen", "Summit Peak", "Ironwood",
    "Cedar Point", "Clearwater", "Stonebridge", "Riverbend", "Coho", "Lamna", "Relecloud",
    "Trey", "Lucerne", "Wingtip", "VanArsdel", "Southridge", "Wide World", "Humongous",
)  # fmt: skip

# Industry -> words a company of that industry is called by; some industries take no legal form.
INDUSTRIES: dict[str, tuple[str, ...]] = {
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
INDUSTRY_NAMES = tuple(INDUSTRIES)
NO_LEGAL_FORM = frozenset({"Education", "Government", "Nonprofit"})

# Product -> deal names a referral for it is given.
PRODUCTS: dict[str, tuple[str, ...]] = {
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
PRODUCT_NAMES = tuple(PRODUCTS)
SERVICES = (
    "Migration", "Deployment", "Managed Services", "Training", "Licensing Advisory",
    "Custom Development", "Support", "Security Assessment", "Change Management",
    "Data Engineering", "Architecture Review", "Adoption",
)  # fmt: skip
NEEDS = (
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
SOLUTIONS = (
    "{Deal} delivered in phases, starting with a pilot group of {pilot} users.",
    "{Deal} with {service} and knowledge transfer to the internal IT team.",
    "Assessment, then {deal}; {service} for the first year.",
    "{Deal} using the partner's reference architecture, plus {service}.",
)  # fmt: skip
CUSTOMER_NEEDS = (
    "The customer has {staff} employees across {sites} sites and needs {need}.",
    "Head office in {city}; {staff} staff. Needs {need}.",
    "The CIO wants {need} within two quarters.",
)  # fmt: skip
ADDITIONAL_NOTES = (
    "Customer prefers a partner with a local presence in {city}.",
    "Budget approved for FY{year}.",
    "Decision maker is the customer's CIO; procurement joins after the workshop.",
    "Existing Enterprise Agreement renews in the spring.",
    "Competing bid from a global system integrator.",
    "Customer asked for references in the {industry} industry.",
)  # fmt: skip
NOTES = (
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
INVITATION_NOTES = (
    "Could you cover the data migration part?",
    "Looking for a partner with local delivery capacity.",
    "Your industry experience would help here.",
    "Customer asked for a specialist in this area.",
)  # fmt: skip
REJECTION_REASONS = (
    "No delivery capacity this quarter.",
    "Outside our regional coverage.",
    "Not a fit for our practice.",
    "Conflict of interest with an existing client.",
)  # fmt: skip
LOST_REASONS = (
    "Customer chose another vendor",
    "Budget frozen for this fiscal year",
    "Project postponed indefinitely",
    "Customer went with an in-house solution",
    "No response from the customer",
    "Lost on price",
)  # fmt: skip
WON_REASONS = (
    "Signed a three-year agreement",
    "Purchase order received after the proof of concept",
    "Chosen over a global system integrator",
    "Customer signed the statement of work",
)  # fmt: skip

# What an UPDATED entry says changed: the input paths `db.writes.update_referral` names, in
# the order it names them (referral, customerProfile, customerRequirements,
# additionalInformation). Paths of the deal's value are used only when the deal has one.
CHANGES: tuple[tuple[str, ...], ...] = (
    ("name",),
    ("name", "customerProfile.name"),
    ("referralSource",),
    ("customerProfile.address.addressLine1", "customerProfile.address.postalCode"),
    ("customerProfile.address.addressLine2",),
    ("customerProfile.contact.phoneNumber",),
    ("customerProfile.contact.firstName", "customerProfile.contact.lastName",
     "customerProfile.contact.email"),
    ("customerRequirements.products",),
    ("customerRequirements.products", "customerRequirements.services"),
    ("customerRequirements.solutions",),
    ("customerRequirements.customerNeed",),
    ("additionalInformation.notes",),
    ("additionalInformation.closingDate",),
)  # fmt: skip
DEAL_CHANGES: tuple[tuple[str, ...], ...] = (
    ("additionalInformation.dealValue",),
    ("additionalInformation.dealValue", "additionalInformation.closingDate"),
    ("customerRequirements.services", "additionalInformation.dealValue"),
)  # fmt: skip
