"""The export shapes of the corpus: header sets and value forms as each tool writes them.

Each column is ``(header, make(values, i) -> str, expected role or None)``. A role of
``"phone"`` may be expected of several columns; every other role of one column at most.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Shape:
    file: str
    tool: str
    doc: str
    cols: list[tuple[str, Callable[[Any, int], str], str | None]]
    inverted: tuple[str, ...] = ()
    title: str | None = None
    header: bool = True
    encoding: str = "utf-8"
    crlf: bool = False
    quote_all: bool = False
    document: Callable[[list[str]], dict] | None = None
    labels: dict[str, str] = field(init=False)

    def __post_init__(self):
        names = [h for h, _, _ in self.cols]
        labels = {}
        for pos, (header, _, role) in enumerate(self.cols, start=1):
            if role is None:
                continue
            key = header if self.header and names.count(header) == 1 and not self.document else f"@{pos}"
            if self.document:
                key = header
            labels[key] = role
        object.__setattr__(self, "labels", labels)


def v(fn: Callable[[Any], str]) -> Callable[[Any, int], str]:
    return lambda values, i: fn(values)


def seq(start: int = 1) -> Callable[[Any, int], str]:
    return lambda values, i: str(start + i)


def const(*options: str) -> Callable[[Any, int], str]:
    return lambda values, i: values.pick(*options)


def hexid(n: int) -> Callable[[Any, int], str]:
    return lambda values, i: "".join(values.r.choice("0123456789abcdef") for _ in range(n))


def blank_or(fn: Callable[[Any], str], share: float = 0.3) -> Callable[[Any, int], str]:
    return lambda values, i: "" if values.r.random() < share else fn(values)


MOBILE, EMAIL, NAME_CN = v(lambda x: x.cn_mobile()), v(lambda x: x.email()), v(lambda x: x.cn_name())
FIRST, LAST = v(lambda x: x.first()), v(lambda x: x.last())
TF = const("true", "false")
EMPTY_CELL = const("")
YN = const("是", "否")


def _mongo(row: list[str]) -> dict:
    oid, first, last, mobile, email, sms, ts, source, created = row
    return {"_id": {"$oid": oid}, "name": {"first": first, "last": last},
            "mobile": mobile, "email": email,
            "marketingConsent": sms == "true", "consentAt": {"$date": ts},
            "source": source, "createdAt": {"$date": created}}


# (the columns the reader makes of _mongo's documents: nested objects flattened to dotted
# names, Extended JSON wrappers such as {"$date": …} unwrapped)
MONGO_COLS = [
    ("_id", v(lambda x: x.digits(24)), None), ("name.first", FIRST, "name"), ("name.last", LAST, None),
    ("mobile", MOBILE, "phone"), ("email", EMAIL, "email"), ("marketingConsent", const("true", "false"), "consent"),
    ("consentAt", v(lambda x: x.when("isoT")), "consent_time"), ("source", const("app", "web"), "source"),
    ("createdAt", v(lambda x: x.when("isoT")), "collected_at"),
]

SHAPES: list[Shape] = [
    # source: not verified: no public report-export sample was found (searched pages "Salesforce report
    #   export CSV Contact Owner Mobile Email Opt Out columns"; exact search "Company / Account" found only
    #   unrelated code); the labels follow the Lead object's field labels, the value forms are not verified;
    #   from memory
    Shape("salesforce_leads_report.csv", "Salesforce",
          "NOT VERIFIED: Leads report exported as CSV (report column labels; checkboxes 0/1, US-locale dates); "
          "no public report-export sample found (pages search, exact search \"Company / Account\")",
          [("First Name", FIRST, "name"), ("Last Name", LAST, None), ("Title", const("CEO", "VP Sales", "Buyer"), None),
           ("Company / Account", const("Acme", "Globex", "Initech"), None),
           ("Phone", v(lambda x: x.us_phone("paren")), "phone"), ("Mobile", v(lambda x: x.us_phone("paren")), "phone"),
           ("Email", EMAIL, "email"), ("Lead Source", const("Web", "Phone Inquiry", "Partner Referral", "Trade Show"), "source"),
           ("Lead Status", const("Open - Not Contacted", "Working - Contacted", "Qualified"), None),
           ("Created Date", v(lambda x: x.when("usdate")), "collected_at"),
           ("Email Opt Out", const("0", "1"), None), ("Do Not Call", const("0", "0", "1"), "consent")],
          inverted=("consent",)),
    # source: Lead API field names (Id, FirstName, LastName, Company, Email, HasOptedOutOfEmail,
    #   DoNotCall, HasOptedOutOfFax, Status, CreatedDate, Fax …) as listed in
    #   AethereusMohamedAskar/aethereusDev
    #   retrieve/AccentureSFMC/_ParentBU_/dataExtension/Lead_Salesforce.dataExtension-doc.md
    Shape("salesforce_dataloader_leads.csv", "Salesforce",
          "Data Loader export of Lead: API field names as listed in AethereusMohamedAskar/aethereusDev "
          "retrieve/AccentureSFMC/_ParentBU_/dataExtension/Lead_Salesforce.dataExtension-doc.md (booleans "
          "true/false and ISO 8601 UTC datetimes not verified)",
          [("Id", v(lambda x: "00Q" + x.digits(12)), None), ("FirstName", FIRST, "name"), ("LastName", LAST, None),
           ("Company", const("Acme", "Globex"), None), ("Phone", v(lambda x: x.us_phone("dashed")), "phone"),
           ("MobilePhone", v(lambda x: x.us_phone("dashed")), "phone"), ("Email", EMAIL, "email"),
           ("LeadSource", const("Web", "Advertisement", "Employee Referral"), "source"),
           ("Status", const("Open - Not Contacted", "Closed - Converted"), None),
           ("CreatedDate", v(lambda x: x.when("isoT")), "collected_at"),
           ("HasOptedOutOfEmail", TF, None), ("DoNotCall", TF, "consent"), ("HasOptedOutOfFax", TF, None)],
          inverted=("consent",)),
    # source: partly verified: the Contact object reference gives the labels a report shows where they
    #   differ from the API names ("AssistantPhone … Label is Asst. Phone", "Fax … Label is Business
    #   Fax": developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_contact.htm);
    #   no public report-export sample was found (searched: "Salesforce report export CSV Contact Owner
    #   Mobile Email Opt Out", exact search "Company / Account"), so the rest of the column set and the
    #   0/1 checkbox and US-locale date forms are not verified
    Shape("salesforce_contacts_report.csv", "Salesforce",
          "PARTLY VERIFIED: Contacts & Accounts report (labels Asst. Phone, Business Fax per the Contact object reference "
          "developer.salesforce.com …/sforce_api_objects_contact.htm; no report-export sample found)",
          [("Salutation", const("Mr.", "Ms.", "Dr."), None), ("First Name", FIRST, "name"), ("Last Name", LAST, None),
           ("Account Name", const("Acme", "Globex"), None), ("Phone", v(lambda x: x.us_phone("paren")), "phone"),
           ("Mobile", v(lambda x: x.us_phone("paren")), "phone"),
           ("Home Phone", blank_or(lambda x: x.us_phone("paren")), "phone"),
           ("Other Phone", blank_or(lambda x: x.us_phone("paren"), 0.6), "phone"),
           ("Asst. Phone", blank_or(lambda x: x.us_phone("paren"), 0.7), "phone"),
           ("Business Fax", blank_or(lambda x: x.us_phone("paren"), 0.8), None), ("Email", EMAIL, "email"),
           ("Mailing City", const("Boston", "Austin"), None), ("Lead Source", const("Web", "Other"), "source"),
           ("Created Date", v(lambda x: x.when("us")), "collected_at"), ("Email Opt Out", const("0", "1"), "consent")],
          inverted=("consent",)),
    # source: labels First Name, Last Name, Email, Mobile Phone Number, Company Name, Contact owner,
    #   Lifecycle Stage as in the hubspot-crm-exports-all-contacts file described by
    #   BasyirSheersComputer/leads START_HERE_HUBSPOT_IMPORT.md; Record ID, Phone Number, Lead Status,
    #   Create Date ("2024-03-12 09:14", minutes, no seconds) and Country/Region as public importer tests
    #   write a HubSpot export (exact search "Record ID,First Name,Last Name", file ids 71609405143,
    #   70318367598); the source and consent columns are not verified (knowledge.hubspot.com's import
    #   pages, found, describe imports only)
    Shape("hubspot_contacts.csv", "HubSpot",
          "PARTLY VERIFIED: Contacts export (labels First Name … Contact owner, Lifecycle Stage per "
          "BasyirSheersComputer/leads START_HERE_HUBSPOT_IMPORT.md; Record ID, Phone Number, Lead Status, "
          "Create Date 'YYYY-MM-DD HH:MM', Country/Region per public importer tests, search-index file ids "
          "71609405143, 70318367598); the consent and source columns not verified",
          [("Record ID", v(lambda x: x.digits(11)), None), ("First Name", FIRST, "name"), ("Last Name", LAST, None),
           ("Email", EMAIL, "email"), ("Phone Number", v(lambda x: x.us_phone("intl")), "phone"),
           ("Mobile Phone Number", blank_or(lambda x: x.us_phone("intl")), "phone"),
           ("Company Name", const("Acme", "Globex"), None), ("Contact owner", const("Jo Ng", "Al Roy"), None),
           ("Lifecycle Stage", const("Lead", "Subscriber", "Customer"), None), ("Lead Status", const("New", "Open"), None),
           ("Original Source", const("Organic Search", "Paid Social", "Offline Sources", "Direct Traffic"), "source"),
           ("Original Source Drill-Down 1", const("IMPORT", "API", "google"), None),
           ("Create Date", v(lambda x: x.when("isoMin")), "collected_at"),
           ("Last Activity Date", v(lambda x: x.when("isoMin")), None),
           ("Marketing contact status", const("Marketing contact", "Non-marketing contact"), None),
           ("Unsubscribed from all email", const("true", "false", ""), "consent"),
           ("Country/Region", const("United States", "Canada"), None), ("State/Region", const("MA", "TX", "NY"), None)],
          inverted=("consent",)),
    # source: partly verified: Zoho's module-fields page lists the Leads field names in this order:
    #   Lead Owner, Salutation, First Name, Title, Last Name*, Company … (www.zoho.com/developer/help/api/modules-fields.html;
    #   the same table at www.zoho.com/nl/crm/help/api/modules-fields.html); the rest of the page was
    #   not reached, and no export sample was found (searched pages "Zoho CRM export contacts Mobile
    #   Phone Email Opt Out CSV": help.zoho.com covers imports only; exact search '"Email Opt Out"');
    #   Phone, Mobile, Fax, Secondary Email, Skype ID and the Lead Source values (Advertisement, Cold
    #   Call, Online Store, Web Download …) agree with docs.workato.com's Zoho CRM lead fields
    Shape("zoho_crm_leads.csv", "Zoho CRM",
          "PARTLY VERIFIED: Leads module export; field names Lead Owner, Salutation, First Name, Title, Last "
          "Name, Company in the order of Zoho's modules-fields page (www.zoho.com/developer/help/api/modules-fields.html); "
          "the other columns, Email Opt Out true/false and Created Time yyyy-MM-dd HH:mm:ss not verified",
          [("Record Id", v(lambda x: "zcrm_" + x.digits(18)), None), ("Lead Owner", const("Li Wei", "Sam Ito"), None),
           ("Salutation", const("Mr.", "Ms.", ""), None), ("First Name", FIRST, "name"),
           ("Title", const("Buyer", "CEO", ""), None), ("Last Name", LAST, None),
           ("Company", const("Acme", "Zylker"), None),
           ("Email", EMAIL, "email"), ("Phone", v(lambda x: x.us_phone("intl")), "phone"),
           ("Fax", blank_or(lambda x: x.us_phone("intl"), 0.7), None), ("Mobile", v(lambda x: x.us_phone("intl")), "phone"),
           ("Website", const("www.acme.com", "www.zylker.com"), None),
           ("Lead Source", const("Advertisement", "Cold Call", "Online Store", "Web Download"), "source"),
           ("Lead Status", const("Attempted to Contact", "Contact in Future"), None),
           ("No. of Employees", const("10", "250", "1200"), None), ("Annual Revenue", const("100000", "2500000"), None),
           ("Email Opt Out", TF, "consent"), ("Skype ID", const("acme.sales", "zylker.bd"), None),
           ("Secondary Email", blank_or(lambda x: x.email(), 0.6), None), ("Created By", const("Li Wei", "Sam Ito"), None),
           ("Created Time", v(lambda x: x.when("iso")), "collected_at"), ("Modified Time", v(lambda x: x.when("iso")), None),
           ("Zip Code", v(lambda x: x.digits(5)), None), ("Country", const("USA", "India"), None)],
          inverted=("consent",)),
    # source: not verified: no Zoho CRM export sample was found (searches as for the Leads export)
    Shape("zoho_crm_contacts.csv", "Zoho CRM",
          "NOT VERIFIED: Contacts module export (Phone, Mobile, Home Phone, Other Phone, Asst Phone); "
          "no Zoho export sample or header list found",
          [("Contact Owner", const("Li Wei"), None), ("First Name", FIRST, "name"), ("Last Name", LAST, None),
           ("Account Name", const("Acme"), None), ("Email", EMAIL, "email"), ("Phone", v(lambda x: x.us_phone("dashed")), "phone"),
           ("Mobile", v(lambda x: x.us_phone("dashed")), "phone"),
           ("Home Phone", blank_or(lambda x: x.us_phone("dashed")), "phone"),
           ("Asst Phone", blank_or(lambda x: x.us_phone("dashed"), 0.6), "phone"),
           ("Lead Source", const("Partner", "Seminar Partner"), "source"), ("Date of Birth", v(lambda x: x.when("date")), None),
           ("Email Opt Out", TF, "consent"), ("Created Time", v(lambda x: x.when("iso")), "collected_at"),
           ("Mailing Country", const("USA", "Canada"), None)],
          inverted=("consent",)),
    # source: the audience export's header sets (subscribed / unsubscribed / cleaned) as fixtures in
    #   ericHakanson/regattaData tests/integration/test_mailchimp_import.py (SUBSCRIBED_HEADERS,
    #   UNSUBSCRIBED_HEADERS; Address "1 Main St, Bar Harbor, ME  04609  US", LEID digits, EUID 10
    #   characters, TAGS '"Member","2025 waiver"', times "2025-01-01 00:00:00"); older exports also
    #   carry LATITUDE and LONGITUDE after CONFIRM_IP (buren/honey_format spec/honey_format/csv_spec.rb)
    Shape("mailchimp_subscribed_members.csv", "Mailchimp",
          "ericHakanson/regattaData tests/integration/test_mailchimp_import.py (SUBSCRIBED_HEADERS: the "
          "audience export subscribed_members_export_*.csv); older exports add LATITUDE, LONGITUDE "
          "(buren/honey_format spec/honey_format/csv_spec.rb)",
          [("Email Address", EMAIL, "email"), ("First Name", FIRST, "name"), ("Last Name", LAST, None),
           ("Address", const("1 Main St, Bar Harbor, ME  04609  US", ""), None),
           ("Phone Number", v(lambda x: x.us_phone("dashed")), "phone"), ("Birthday", const("08/27", ""), None),
           ("MEMBER_RATING", const("2", "3", "4"), None), ("OPTIN_TIME", v(lambda x: x.when("iso")), "consent_time"),
           ("OPTIN_IP", v(lambda x: f"203.0.113.{x.r.randrange(255)}"), None),
           ("CONFIRM_TIME", v(lambda x: x.when("iso")), None),
           ("CONFIRM_IP", v(lambda x: f"198.51.100.{x.r.randrange(255)}"), None),
           ("GMTOFF", const("-5", ""), None), ("DSTOFF", const("-4", ""), None),
           ("TIMEZONE", const("America/New_York", ""), None), ("CC", const("US", ""), None),
           ("REGION", const("ME", "MA", "NY", ""), None), ("LAST_CHANGED", v(lambda x: x.when("iso")), None),
           ("LEID", v(lambda x: x.digits(6)), None), ("EUID", hexid(10), None),
           ("NOTES", const("", "VIP"), None), ("TAGS", const('"Member","2025 waiver"', '"Member"', ""), None)]),
    # source: as the subscribed export (UNSUBSCRIBED_HEADERS: UNSUB_* between REGION and LEID, no
    #   LAST_CHANGED)
    Shape("mailchimp_unsubscribed_members.csv", "Mailchimp",
          "ericHakanson/regattaData tests/integration/test_mailchimp_import.py (UNSUBSCRIBED_HEADERS: "
          "unsubscribed_members_export_*.csv, UNSUB_TIME … UNSUB_REASON_OTHER between REGION and LEID)",
          [("Email Address", EMAIL, "email"), ("First Name", FIRST, "name"), ("Last Name", LAST, None),
           ("Address", const("1 Main St, Bar Harbor, ME  04609  US", ""), None),
           ("Phone Number", v(lambda x: x.us_phone("dashed")), "phone"), ("Birthday", const("", "11/02"), None),
           ("MEMBER_RATING", const("1", "2"), None), ("OPTIN_TIME", v(lambda x: x.when("iso")), "consent_time"),
           ("OPTIN_IP", const("203.0.113.9", ""), None), ("CONFIRM_TIME", v(lambda x: x.when("iso")), None),
           ("CONFIRM_IP", const("198.51.100.7", ""), None), ("GMTOFF", const("-5", ""), None),
           ("DSTOFF", const("-4", ""), None), ("TIMEZONE", const("America/New_York", ""), None),
           ("CC", const("US", ""), None), ("REGION", const("ME", "NY", "WA", ""), None),
           ("UNSUB_TIME", v(lambda x: x.when("iso")), "consent"),
           ("UNSUB_CAMPAIGN_TITLE", const("Summer Newsletter", "Spring sale"), None),
           ("UNSUB_CAMPAIGN_ID", hexid(10), None),
           ("UNSUB_REASON", const("I no longer want to receive these emails", "The emails are spam", ""), None),
           ("UNSUB_REASON_OTHER", const("", "too many"), None),
           ("LEID", v(lambda x: x.digits(6)), None), ("EUID", hexid(10), None),
           ("NOTES", const(""), None), ("TAGS", const('"Member"', ""), None)],
          inverted=("consent",)),
    # source: the profile export's system columns as listed by a public Klaviyo import adapter
    #   (exact search "SMS Marketing Consent Timestamp", file id 61144724306: KLAVIYO_SYSTEM, "Audience →
    #   Profiles → … Export Profiles to CSV"; consent values SUBSCRIBED / UNSUBSCRIBED /
    #   NEVER_SUBSCRIBED); a second public list (file id 10563411129) agrees on the consent, date and
    #   value columns; help.klaviyo.com (articles 360043841811, 115005078967) documents imports, not
    #   this header line
    Shape("klaviyo_profiles.csv", "Klaviyo",
          "Profile export to CSV, system columns (public code: search-index file ids 61144724306, "
          "10563411129; not Klaviyo's own documentation)",
          [("Klaviyo ID", v(lambda x: "01H" + "".join(x.r.choice("ABCDEFGHJKMNPQRSTVWXYZ0123456789")
                                                     for _ in range(23))), None),
           ("Email", EMAIL, "email"), ("Phone Number", v(lambda x: x.us_phone()), "phone"),
           ("First Name", FIRST, "name"), ("Last Name", LAST, None), ("Organization", const("Acme", ""), None),
           ("Title", const("", "Buyer"), None), ("Address 1", const("1 Main St", ""), None),
           ("Address 2", const("", "Apt 4"), None), ("City", const("Boston", "Denver", "Austin"), None),
           ("Region", const("MA", "CO", "TX", ""), None), ("Country", const("United States", ""), None),
           ("Zip", v(lambda x: x.digits(5)), None), ("Latitude", const("42.3601", ""), None),
           ("Longitude", const("-71.0589", ""), None),
           ("Source", const("Sign-up form", "Shopify", "Manual import"), "source"),
           ("IP Address", v(lambda x: f"203.0.113.{x.r.randrange(255)}"), None),
           ("Email Marketing Consent", const("SUBSCRIBED", "NEVER_SUBSCRIBED", "UNSUBSCRIBED"), None),
           ("Email Marketing Consent Timestamp", blank_or(lambda x: x.when("iso")), None),
           ("SMS Marketing Consent", const("SUBSCRIBED", "NEVER_SUBSCRIBED", "UNSUBSCRIBED"), "consent"),
           ("SMS Marketing Consent Timestamp", blank_or(lambda x: x.when("iso")), "consent_time"),
           ("Profile Created On", v(lambda x: x.when("iso")), "collected_at"),
           ("Date Added", v(lambda x: x.when("iso")), None), ("Last Active", v(lambda x: x.when("iso")), None),
           ("Historic Customer Lifetime Value", const("0.0", "129.95"), None),
           ("Predicted Customer Lifetime Value", const("0.0", "40.5"), None),
           ("Total Customer Lifetime Value", const("0.0", "170.45"), None)]),
    # source: the customer CSV's columns and yes/no values as Shopify's help page documents them
    #   (copy at ascendfs.zendesk.com/hc/en-us/articles/26465992706843, "Description of the Customer
    #   CSV File": Accepts Email Marketing / Accepts SMS Marketing "Valid entries are yes or no";
    #   Total Spent and Total Orders exported only); the current export names the address columns
    #   "Default Address …" (public import templates: exact search "Accepts SMS Marketing", file ids
    #   55843502395, 54127102222; "Customer ID" first and "Total Spent, Total Orders" after "Accepts
    #   SMS Marketing" in file id 17849155267)
    Shape("shopify_customers.csv", "Shopify",
          "Customers export (help.shopify.com customer CSV description, copy at "
          "ascendfs.zendesk.com/hc/en-us/articles/26465992706843; Default Address column names from "
          "public templates, search-index file ids 55843502395, 54127102222)",
          [("Customer ID", v(lambda x: x.digits(13)), None), ("First Name", FIRST, "name"), ("Last Name", LAST, None),
           ("Email", EMAIL, "email"), ("Accepts Email Marketing", const("yes", "no"), None),
           ("Default Address Company", const("", "Acme"), None),
           ("Default Address Address1", const("150 Elgin St", "1 Front St W"), None),
           ("Default Address Address2", const("", "Unit 202"), None),
           ("Default Address City", const("Ottawa", "Toronto"), None),
           ("Default Address Province Code", const("ON", "QC"), None), ("Default Address Country Code", const("CA"), "region"),
           ("Default Address Zip", const("K1A 0B1", "M5V 2T6"), None),
           ("Default Address Phone", blank_or(lambda x: x.us_phone()), "phone"), ("Phone", v(lambda x: x.us_phone()), "phone"),
           ("Accepts SMS Marketing", const("yes", "no"), "consent"), ("Total Spent", const("0.00", "129.95"), None),
           ("Total Orders", const("0", "3"), None), ("Tags", const("", "vip"), None), ("Note", const("", "gift"), None),
           ("Tax Exempt", const("no"), None)]),
    # source: jmadden/twilio-sms-log-export exportlog.php (message logs to CSV: header set and Y-m-d
    #   H:i:s dates); no console export sample was found
    Shape("twilio_messages.csv", "Twilio",
          "jmadden/twilio-sms-log-export exportlog.php (message logs to CSV through the REST API: header "
          "set, Y-m-d H:i:s dates, E.164 From/To); no console export sample found",
          [("SMS Message SID", v(lambda x: "SM" + x.digits(32)), None),
           ("From", const("+14155550100", "+14155550101"), "phone"), ("To", v(lambda x: x.us_phone()), "phone"),
           # (the record's creation time; in a message log, when the message was created)
           ("Date Created", v(lambda x: x.when("iso")), "collected_at"), ("Date Sent", v(lambda x: x.when("iso")), None),
           ("Date Updated", v(lambda x: x.when("iso")), None),
           ("Status", const("delivered", "undelivered", "failed"), None), ("Direction", const("outbound-api"), None),
           ("Message Segments", const("1", "2"), None), ("Price", const("-0.00790"), None),
           ("Body", const("Your code is 1234", "Reply STOP to opt out"), None)]),
    # source: Google Contacts' current export layout (First Name … Labels, "E-mail 1 - Label",
    #   "Phone 1 - Value"; several values of one kind in one cell joined by " ::: "; labels "* myContacts",
    #   "* Home") as public importers' fixtures write it (exact search "E-mail 1 - Label,E-mail 1 -
    #   Value,Phone 1 - Label", file ids 4164522375, 52034179767, 70257585059, 71017391833); no Google
    #   page with the header line was found (the older layout was Name, Given Name, … "Phone 1 - Type")
    Shape("google_contacts.csv", "Google Contacts",
          "Export > Google CSV, current layout (public fixtures: search-index file ids 4164522375, "
          "70257585059, 71017391833; Google's own page not found)",
          [("First Name", FIRST, "name"), ("Middle Name", const("", "J"), None), ("Last Name", LAST, None),
           ("Phonetic First Name", const(""), None), ("Phonetic Middle Name", const(""), None),
           ("Phonetic Last Name", const(""), None), ("Name Prefix", const("", "Dr."), None),
           ("Name Suffix", const(""), None), ("Nickname", const("", "Bob"), None), ("File As", const(""), None),
           ("Organization Name", const("", "Acme"), None), ("Organization Title", const("", "Manager"), None),
           ("Organization Department", const(""), None), ("Birthday", const("", "1990-05-14", "--03-07"), None),
           ("Notes", const("", "Met at a meetup"), None), ("Photo", const(""), None),
           ("Labels", const("* myContacts", "* myContacts ::: Work"), None),
           ("E-mail 1 - Label", const("* Home", "* Work"), None),
           ("E-mail 1 - Value", v(lambda x: x.email() if x.r.random() < 0.85 else x.email() + " ::: " + x.email()),
            "email"),
           ("Phone 1 - Label", const("Mobile", "Home"), None),
           ("Phone 1 - Value", v(lambda x: x.us_phone("spaced") if x.r.random() < 0.85
                                 else x.us_phone("spaced") + " ::: " + x.us_phone("spaced")), "phone"),
           ("Phone 2 - Label", const("Work", ""), None),
           ("Phone 2 - Value", blank_or(lambda x: x.us_phone("spaced")), "phone")]),
    # source: Outlook's full CSV column set, every field quoted, as "exact Microsoft order" from
    #   support.microsoft.com/en-us/office/create-or-edit-csv-files-to-import-into-outlook-4518d70d-8fe9-46ad-94fa-1494247193c7
    #   quoted by public code (exact search '"Business Phone 2","Callback"', file ids 14020394344,
    #   27731333022, 6657555680 give the same 92 columns); the older Outlook 2003 / Outlook.com set
    #   is in michalbe/csv2vcard README.md
    Shape("outlook_contacts.csv", "Microsoft Outlook",
          "Export to a file > Comma Separated Values: the 92 columns in Microsoft's order "
          "(support.microsoft.com …/create-or-edit-csv-files-to-import-into-outlook-4518d70d-8fe9-46ad-94fa-1494247193c7, "
          "as quoted by public code: search-index file ids 14020394344, 27731333022, 6657555680)",
          [(h, EMPTY_CELL, None) for h in ("Title",)]
          + [("First Name", FIRST, "name"), ("Middle Name", const(""), None), ("Last Name", LAST, None)]
          + [(h, EMPTY_CELL, None) for h in ("Suffix",)]
          + [("Company", const("Contoso", ""), None), ("Department", const(""), None),
             ("Job Title", const("Buyer", ""), None), ("Business Street", const("1 Microsoft Way", ""), None)]
          + [(h, EMPTY_CELL, None) for h in ("Business Street 2", "Business Street 3")]
          + [("Business City", const("Redmond", ""), None), ("Business State", const("WA", ""), None),
             ("Business Postal Code", const("98052", ""), None),
             ("Business Country/Region", const("United States", ""), None)]
          + [(h, EMPTY_CELL, None) for h in (
              "Home Street", "Home Street 2", "Home Street 3", "Home City", "Home State", "Home Postal Code")]
          # (the home address's country: a region column by its header, empty here)
          + [("Home Country/Region", EMPTY_CELL, "region")]
          + [(h, EMPTY_CELL, None) for h in ("Other Street", "Other Street 2", "Other Street 3", "Other City",
              "Other State", "Other Postal Code", "Other Country/Region", "Assistant's Phone",
              "Business Fax")]
          + [("Business Phone", blank_or(lambda x: x.us_phone("paren")), "phone")]
          + [(h, EMPTY_CELL, None) for h in (
              "Business Phone 2", "Callback", "Car Phone", "Company Main Phone", "Home Fax")]
          + [("Home Phone", blank_or(lambda x: x.us_phone("paren")), "phone")]
          + [(h, EMPTY_CELL, None) for h in ("Home Phone 2", "ISDN")]
          + [("Mobile Phone", v(lambda x: x.us_phone("paren")), "phone")]
          + [(h, EMPTY_CELL, None) for h in (
              "Other Fax", "Other Phone", "Pager", "Primary Phone", "Radio Phone", "TTY/TDD Phone", "Telex",
              "Account", "Anniversary", "Assistant's Name", "Billing Information")]
          + [("Birthday", const("0/0/00", "5/14/1990"), None)]
          + [(h, EMPTY_CELL, None) for h in ("Business Address PO Box",)]
          + [("Categories", const("", "Customers"), None)]
          + [(h, EMPTY_CELL, None) for h in ("Children", "Directory Server")]
          + [("E-mail Address", EMAIL, "email"), ("E-mail Type", const("SMTP"), None),
             ("E-mail Display Name", v(lambda x: x.first()), None)]
          + [(h, EMPTY_CELL, None) for h in (
              "E-mail 2 Address", "E-mail 2 Type", "E-mail 2 Display Name", "E-mail 3 Address", "E-mail 3 Type",
              "E-mail 3 Display Name")]
          + [("Gender", const("Unspecified"), None)]
          + [(h, EMPTY_CELL, None) for h in (
              "Government ID Number", "Hobby", "Home Address PO Box", "Initials", "Internet Free Busy",
              "Keywords", "Language", "Location", "Manager's Name", "Mileage", "Notes", "Office Location",
              "Organizational ID Number", "Other Address PO Box")]
          + [("Priority", const("Normal"), None), ("Private", const("False"), None)]
          + [(h, EMPTY_CELL, None) for h in ("Profession", "Referred By")]
          + [("Sensitivity", const("Normal"), None)]
          + [(h, EMPTY_CELL, None) for h in ("Spouse", "User 1", "User 2", "User 3", "User 4", "Web Page")],
          crlf=True, quote_all=True),
    # source: not verified: no 企业微信 customer-export header was found (searched pages "企业微信 导出客户
    #   表格 字段"; exact search "添加人账号", "备注手机号": app code and the externalcontact API only, whose
    #   remark_mobiles the API docs call 备注手机号, e.g. file id 3526003166)
    Shape("wecom_customers.csv", "企业微信",
          "NOT VERIFIED: 管理后台 客户联系 > 客户 > 导出 (客户名称, 添加人, 添加时间, 添加渠道, 备注手机号); "
          "no export header found (pages search; exact search 添加人账号, 备注手机号: API fields only)",
          [("客户名称", NAME_CN, "name"), ("客户备注", const("老客户", ""), None), ("类型", const("微信", "企业微信"), None),
           ("性别", const("男", "女", "未知"), None), ("添加人", const("王伟", "李娜"), None),
           ("添加人账号", const("WangWei", "LiNa"), None), ("所属部门", const("销售部"), None),
           ("添加时间", v(lambda x: x.when("iso")), "collected_at"),
           ("添加渠道", const("扫描渠道二维码", "通过搜索手机号添加", "通过名片分享添加"), "source"),
           ("企业标签", const("意向客户", ""), None), ("描述", const("", "展会"), None),
           ("备注手机号", blank_or(lambda x: x.cn_mobile(), 0.1), "phone"), ("备注企业名称", const("", "某公司"), None)]),
    # source: not verified: as the Chinese console export
    Shape("wecom_customers_en.csv", "企业微信 (English admin console)",
          "NOT VERIFIED: the same customer export with the admin console in English (labels not found)",
          [("Customer Name", v(lambda x: x.first()), "name"), ("Remark", const("VIP", ""), None),
           ("Type", const("WeChat", "WeCom"), None), ("Added By", const("Wang Wei"), None),
           ("Added Time", v(lambda x: x.when("iso")), "collected_at"),
           ("Source", const("Scan QR code", "Search by mobile"), "source"), ("Tags", const("", "lead"), None),
           ("Remark Mobile", v(lambda x: x.cn_mobile()), "phone")]),
    # source: not verified: nothing found for 钉钉 CRM exports (searched pages "钉钉 客户管理 导出客户 字段 客户名称
    #   联系人 手机号": www.dingtalk.com/qidian/help-detail-1060635221.html says imports use 钉钉's own
    #   template with fields matched automatically, and lists no header)
    Shape("dingtalk_crm_customers.csv", "钉钉",
          "NOT VERIFIED: 客户管理 > 客户 > 导出 (客户名称, 联系人, 手机号, 电话, 客户来源, 创建时间); no header "
          "list found (dingtalk.com/qidian/help-detail-1060635221.html: own template, no columns listed)",
          [("客户名称", const("某某科技有限公司", "某某贸易"), None), ("联系人", NAME_CN, "name"),
           ("手机号", MOBILE, "phone"), ("电话", blank_or(lambda x: x.cn_landline()), "phone"),
           ("客户来源", const("电话营销", "展会", "转介绍"), "source"), ("客户状态", const("跟进中", "已成交"), None),
           ("负责人", const("王伟"), None), ("创建人", const("李娜"), None),
           ("创建时间", v(lambda x: x.when("slash")), "collected_at"),
           ("最后跟进时间", v(lambda x: x.when("slash")), None), ("地址", const("北京市朝阳区"), None),
           ("备注", const("", "重点"), None)]),
    # source: a bitable's columns are its author's: a record's keys are "多维表格每列的标题" (open.feishu.cn
    #   多维表格记录数据结构, copy at feishu.fate.red/uUDN04SN0QjL1QDN/bitable-v1/app-table-record/bitable-record-data-structure-overview);
    #   the CSV export's value forms (dates, 复选框) were not found
    Shape("feishu_bitable_leads.csv", "飞书",
          "NOT VERIFIED (no fixed header exists: a bitable's column titles are its author's, per the "
          "多维表格记录数据结构 doc, copy at feishu.fate.red/…/bitable-record-data-structure-overview): "
          "多维表格 线索表 导出 CSV (是否同意接收营销信息, 提交时间)",
          [("线索名称", const("官网表单", "直播间"), None), ("姓名", NAME_CN, "name"), ("手机号", MOBILE, "phone"),
           ("邮箱", blank_or(lambda x: x.email()), "email"), ("线索来源", const("官网", "抖音", "线下活动"), "source"),
           ("是否同意接收营销信息", YN, "consent"), ("提交时间", v(lambda x: x.when("slash")), "collected_at"),
           ("负责人", const("王伟"), None)]),
    # source: 有赞's 客户列表 export header (34 columns and a trailing empty one; masked numbers such as
    #   186******05; 是/否 flags; 来源渠道 有赞后台 / 微信小程序, 来源方式 外部导入 / 登录创建客户) as a public
    #   customer-migration audit test writes it (exact search "客户手机号,客户生日", file ids 61436263874,
    #   61579471254); no 有赞 help page with the header line was found
    Shape("youzan_customers.csv", "有赞",
          "客户 > 客户列表 > 导出 (public migration-audit fixture: search-index file id 61436263874; "
          "有赞's own documentation not found)",
          [("客户姓名", blank_or(lambda x: x.cn_name(), 0.2), "name"), ("客户昵称", NAME_CN, None),
           ("客户手机号", v(lambda x: x.cn_mobile() if x.r.random() < 0.9
                          else x.cn_mobile()[:3] + "******" + x.cn_mobile()[-2:]), "phone"),
           ("客户生日", const("", "1990-01-01"), None), ("客户性别", const("男", "女", "其他"), None),
           ("标签", const("", "生日蛋糕"), None), ("是否会员", YN, None), ("成长值", const("1", "12", "20"), None),
           ("免费等级", const(""), None), ("付费等级", const(""), None), ("权益卡", const(" "), None),
           ("客户积分", const("0", "10", "200"), None), ("客户储值余额", const("0.00", "10.00"), None),
           ("消费次数", const("0", "1", "2"), None), ("消费金额", const("0.00", "100.00", "300.00"), None),
           ("累计退款金额", const("0.00"), None), ("累计退款订单数", const("0"), None),
           ("笔单价", const("0.00", "150.00"), None), ("上次消费时间", blank_or(lambda x: x.when("iso")), None),
           ("分销员", const(""), None), ("导购员", const(""), None), ("企微好友", YN, None),
           ("来源渠道", const("有赞后台", "微信小程序"), "source"), ("来源方式", const("外部导入", "登录创建客户"), None),
           ("成为客户时间", v(lambda x: x.when("iso")), "collected_at"),
           ("成为会员时间", blank_or(lambda x: x.when("iso"), 0.6), None), ("成为会员店铺", const(""), None),
           ("公众号", const(""), None), ("公众号关注时间", const(""), None), ("最近浏览时间", const(""), None),
           ("微信地域", const("北京", "上海", "广州"), None), ("所属区域", const("朝阳区", "浦东新区", "天河区"), None),
           ("指定时间消费次数", const(""), None), ("指定时间消费金额", const(""), None), ("", const(""), None)]),
    # source: 有赞's 订单查询 export header (59 columns, 分销员 twice) as the same public audit test writes
    #   it (exact search "收货人手机号/提货人手机号", file id 61436263874); other public parsers agree on the
    #   columns they read (file ids 56694781712, 71482714201)
    Shape("youzan_orders.csv", "有赞",
          "订单 > 订单查询 > 导出 (public migration-audit fixture: search-index file id 61436263874; "
          "有赞's own documentation not found)",
          [("订单号", v(lambda x: "E2026" + x.digits(19)), None), ("销售渠道", const("网店"), None),
           ("归属店铺", const("芸熙烘焙"), None), ("订单类型", const("普通订单"), None),
           ("订单状态", const("交易完成", "待发货"), None), ("推广方式", const(""), None),
           ("订单来源", const("商家小程序", "微信公众号"), None), ("订单创建时间", v(lambda x: x.when("iso")), None),
           ("买家付款时间", v(lambda x: x.when("iso")), None), ("交易成功时间", blank_or(lambda x: x.when("iso")), None),
           ("付款方式", const("微信支付"), None), ("支付流水号", v(lambda x: "4200" + x.digits(24)), None),
           ("商品金额合计", const("100.00", "200.00"), None), ("运费", const("0.00", "8.00"), None),
           ("店铺优惠合计", const("0"), None), ("应收订单金额", const("100.00", "200.00"), None),
           ("订单实付金额", const("100.00", "200.00"), None), ("支付优惠合计", const("0.00"), None),
           ("订单实收金额", const("100.00", "200.00"), None), ("订单抵用积分数", const("0"), None),
           ("店铺优惠方式", const(""), None), ("支付优惠方式", const(""), None),
           ("全部商品名称", const("草莓蛋糕", "蓝莓蛋糕"), None), ("商品种类数", const("1", "2"), None),
           ("订单配送方式", const("同城送", "快递"), None),
           ("同城送达时间/提货时间", const("", "2026-06-20 11:00 - 2026-06-20 12:00"), None),
           ("收货人省份", const("北京", "浙江省"), None), ("收货人城市", const("北京", "杭州市"), None),
           ("收货人地区", const("朝阳区", "西湖区"), None), ("详细收货地址/提货地址", const("地址"), None),
           ("收货人/提货人", NAME_CN, None), ("收货人手机号/提货人手机号", MOBILE, "phone"),
           ("买家备注", const("", "请周末派送"), None), ("订单星级", const(" "), None),
           # (the buyer's nickname: the customer's name in this file; 收货人 is a delivery detail)
           ("买家昵称", NAME_CN, "name"),
           ("买家是否会员", YN, None), ("买家手机号", MOBILE, "phone"), ("下单网点", const(""), None),
           ("收银员", const(""), None), ("分销员", const(""), None), ("销售导购", const(""), None),
           ("专属导购", const(""), None), ("订单退款状态", const(""), None), ("订单已退款金额", const("0.00"), None),
           ("商家订单备注", const(""), None), ("桌号", const(""), None), ("挂账主体", const(""), None),
           ("挂账手机号", const(""), None), ("团长订单", const("否"), None), ("订单风险标签", const("——"), None),
           ("分销员", const(""), None), ("分销员手机号", const(""), None), ("分销员所属店铺", const(""), None),
           ("分销员所属团队", const(""), None), ("分销员所属分组", const(""), None), ("分销员等级", const(""), None),
           ("订单佣金类型", const(""), None), ("订单佣金金额", const(""), None),
           ("订单下级卖货提成类型", const(""), None), ("订单下级卖货提成金额", const(""), None)]),
    # source: not verified: nothing found for 微盟 exports (searched pages "微盟 会员 导出 字段 手机号 注册时间":
    #   other tools' member pages only)
    Shape("weimob_members.csv", "微盟",
          "NOT VERIFIED: 会员管理 > 会员列表 > 导出 (客户昵称, 手机号, 注册时间, 会员卡号, 是否订阅); nothing "
          "public found (pages search \"微盟 会员 导出 字段\")",
          [("客户编号", v(lambda x: x.digits(10)), None), ("客户昵称", NAME_CN, "name"), ("手机号", MOBILE, "phone"),
           ("性别", const("男", "女"), None), ("注册时间", v(lambda x: x.when("iso")), "collected_at"),
           ("会员卡号", v(lambda x: x.digits(12)), None), ("客户来源", const("小程序", "H5"), "source"),
           ("最近消费时间", v(lambda x: x.when("iso")), None), ("消费金额", const("0", "66.6"), None),
           ("是否订阅", YN, "consent")]),
    # source: not verified: the console export was not found; the API's clue fields (bububa/oceanengine
    #   marketing-api/model/tools/clue/clue.go: clue_id, advertiser_name, ad_name …) differ from these
    #   labels
    Shape("oceanengine_leads.csv", "巨量引擎",
          "NOT VERIFIED: 巨量引擎 线索管理 > 导出 (线索ID, 姓名, 电话, 线索创建时间, 线索来源, 广告计划名称); "
          "console export not found (pages search \"巨量引擎 线索 导出 字段\": nothing; exact search 线索创建时间: "
          "other CRMs' code); the API's clue fields differ (bububa/oceanengine …/clue/clue.go)",
          [("线索ID", v(lambda x: x.digits(19)), None), ("姓名", NAME_CN, "name"), ("电话", MOBILE, "phone"),
           ("线索创建时间", v(lambda x: x.when("iso")), "collected_at"),
           ("线索来源", const("抖音", "今日头条", "西瓜视频"), "source"),
           ("广告计划名称", const("双11拉新计划", "品牌词"), None), ("广告创意ID", v(lambda x: x.digits(16)), None),
           ("省份", const("广东", "浙江"), None), ("城市", const("深圳", "杭州"), None),
           ("留言", const("", "想了解价格"), None), ("跟进状态", const("未跟进", "有效"), None)]),
    # source: 抖店's order export as a public settlement tool's test writes it (exact search "主订单编号,子订单编号",
    #   file id 70460770877: PLATFORM_HEAD, 21 columns; ids and text cells written "\t…" so that Excel keeps
    #   them as text; "-" for nothing); a second public test agrees (file id 57460331505: UTF-8 with BOM,
    #   达人ID / 达人昵称). By default the export carries the recipient's name, number and address as
    #   ciphertext (the fixture writes placeholders "##密文", "$$密文"); this shape is the plaintext form a
    #   shop with decryption rights exports. 抖店's own help page with the header line was not found.
    Shape("douyin_shop_orders.csv", "抖店",
          "订单管理 > 批量导出 (public test fixtures: search-index file ids 70460770877, 57460331505; "
          "抖店's own documentation not found)",
          [("主订单编号", v(lambda x: "\t69" + x.digits(17)), None), ("子订单编号", v(lambda x: "\t69" + x.digits(17)), None),
           ("选购商品", const("\t辣丝丝", "\t玉肌皂"), None), ("商品规格", const("\t1袋", "\t500ml"), None),
           ("商品数量", const("1", "2"), None), ("商家编码", v(lambda x: "\t3004" + x.digits(5)), None),
           ("订单应付金额", const("28.90", "15.90", "129.00"), None), ("运费", const("0.00"), None),
           ("收件人", NAME_CN, None), ("收件人手机号", MOBILE, "phone"), ("详细地址", const("广东省深圳市南山区科技园"), None),
           ("订单提交时间", v(lambda x: x.when("iso")), None), ("商家备注", const("-", "补发一包"), None),
           ("订单完成时间", const("-", "2026-09-24 13:18:29"), None), ("订单状态", const("已完成", "待发货", "已发货"), None),
           ("售后状态", const("-", "退款成功"), None), ("取消原因", const(""), None),
           ("发货时间", const("-", "2026-09-22 08:53:45"), None), ("平台实际承担优惠金额", const("0.00", "21.00"), None),
           ("商家实际承担优惠金额", const("0.00", "25.00"), None), ("达人实际承担优惠金额", const("0.00", "8.00"), None)],
          encoding="utf-8-sig"),
    # source: a common template, not a tool's export
    Shape("excel_template_cn.xlsx", "Excel 客户登记模板",
          "NOT A TOOL EXPORT (a common sheet shape, no source to verify): A title row in A1, then 序号/姓名/手机号码/… (the common Chinese customer sheet)",
          [("序号", seq(), None), ("姓名", NAME_CN, "name"), ("手机号码", MOBILE, "phone"), ("性别", const("男", "女"), None),
           ("所在城市", const("上海", "成都"), None), ("来源渠道", const("门店", "朋友介绍", "官网"), "source"),
           ("是否同意营销短信", YN, "consent"), ("授权日期", v(lambda x: x.when("zh")), "consent_time"),
           ("登记日期", v(lambda x: x.when("date")), "collected_at"), ("备注", const("", "老客户"), None)],
          title="2023年8月客户登记表"),
    # source: a common template, not a tool's export
    Shape("excel_template_en.xlsx", "Excel contact template",
          "NOT A TOOL EXPORT (a common sheet shape, no source to verify): An English sign-up sheet: No./Name/Mobile/Email/Source/Consent (Y/N)/Consent Date",
          [("No.", seq(), None), ("Name", v(lambda x: x.first() + " " + x.last()), "name"),
           ("Mobile", v(lambda x: x.us_phone("dashed")), "phone"), ("Email", EMAIL, "email"),
           ("Source", const("event", "website"), "source"), ("Consent (Y/N)", const("Y", "N"), "consent"),
           ("Consent Date", v(lambda x: x.when("usdate")), "consent_time"), ("Notes", const(""), None)]),
    # source: a common sheet shape (title row, GBK), not a tool's export
    Shape("cn_sheet_title_gb18030.csv", "Excel 另存为 CSV (GBK)",
          "NOT A TOOL EXPORT (a common sheet shape, no source to verify): A Chinese sheet saved as CSV from Excel: GB18030 bytes, CRLF, title row, 备用电话",
          [("序号", seq(), None), ("客户姓名", NAME_CN, "name"), ("手机", MOBILE, "phone"),
           ("备用电话", blank_or(lambda x: x.cn_mobile(), 0.5), "phone"), ("获客渠道", const("地推", "电销", "转介绍"), "source"),
           ("是否订阅", YN, "consent"), ("订阅时间", v(lambda x: x.when("slash")), "consent_time"),
           ("添加时间", v(lambda x: x.when("slash")), "collected_at")],
          title="客户名单（内部）", encoding="gb18030", crlf=True),
    # source: PostgreSQL COPY … CSV HEADER output forms (t/f, timestamptz text); the columns are the table's
    Shape("postgres_copy.csv", "PostgreSQL",
          "\\copy (SELECT …) TO … CSV HEADER (HEADER option: postgresql.org/docs/9.5/sql-copy.html); "
          "\"boolean values are output using the letters t and f\" (PostgreSQL's Boolean Type page, copy at "
          "docs.huihoo.com/postgresql/8.3.0-en/datatype-boolean.html); the columns are the table's own",
          [("id", seq(1001), None), ("full_name", v(lambda x: x.first() + " " + x.last()), "name"),
           ("phone", v(lambda x: x.cn_mobile("e164")), "phone"), ("alt_phone", blank_or(lambda x: x.cn_mobile("e164")), "phone"),
           ("email", EMAIL, "email"), ("marketing_opt_in", const("t", "f"), "consent"),
           ("opt_in_time", v(lambda x: x.when("isoTz")), "consent_time"),
           ("utm_source", const("google", "wechat", "newsletter"), "source"),
           ("created_at", v(lambda x: x.when("isoTz")), "collected_at"), ("updated_at", v(lambda x: x.when("isoTz")), None),
           ("is_deleted", const("f"), None)]),
    # source: MySQL output forms (tinyint 1/0, DATETIME); the columns are the table's
    Shape("mysql_export.csv", "MySQL",
          "NOT VERIFIED (value forms from MySQL's types, no page searched; the columns are the query's own): SELECT … INTO OUTFILE with a header line (tinyint 1/0 booleans, DATETIME)",
          [("user_id", seq(1), None), ("nickname", NAME_CN, "name"), ("mobile", MOBILE, "phone"),
           ("mobile_backup", blank_or(lambda x: x.cn_mobile(), 0.6), "phone"), ("sms_subscribed", const("1", "0"), "consent"),
           ("subscribed_at", v(lambda x: x.when("iso")), "consent_time"),
           ("register_channel", const("app", "h5", "mini_program"), "source"),
           ("register_time", v(lambda x: x.when("iso")), "collected_at"), ("last_login_time", v(lambda x: x.when("iso")), None),
           ("status", const("1", "0"), None)]),
    # source: MySQL Workbench tab-separated result export; the columns are the query's
    Shape("mysql_workbench.tsv", "MySQL Workbench",
          "NOT VERIFIED (value forms from MySQL's types, no page searched; the columns are the query's own): Result grid exported as tab-separated (consent_at, is_unsubscribed 1/0)",
          [("id", seq(1), None), ("name", NAME_CN, "name"), ("tel", MOBILE, "phone"), ("is_unsubscribed", const("0", "1"), "consent"),
           ("consent_at", v(lambda x: x.when("iso")), "consent_time"), ("lead_source", const("ad", "seo"), "source")],
          inverted=("consent",)),
    # source: mongoexport Extended JSON forms ($oid, $date); the fields are the collection's
    Shape("mongoexport.json", "MongoDB",
          "mongoexport --jsonArray: Extended JSON v2 ($oid, $date in relaxed mode; "
          "mongodb.com/docs/manual/reference/mongodb-extended-json); the fields are the collection's own",
          MONGO_COLS,
          document=_mongo),
    # source: mongoexport Extended JSON forms, one document per line
    Shape("mongoexport.ndjson", "MongoDB",
          "mongoexport default output, one Extended JSON v2 document per line "
          "(mongodb.com/docs/manual/reference/mongodb-extended-json); the fields are the collection's own",
          MONGO_COLS,
          document=_mongo),
    # source: not verified: Chinese UI labels from memory (no zh-CN report sample searched out)
    Shape("salesforce_leads_zh.csv", "Salesforce (简体中文界面)",
          "NOT VERIFIED: the Leads report with the user language set to Chinese (Simplified); labels from "
          "memory, no public sample found",
          [("名", v(lambda x: x.cn_name()[1:]), "name"), ("姓", v(lambda x: x.cn_name()[0]), None),
           ("公司", const("某某公司"), None), ("电话", v(lambda x: x.cn_landline()), "phone"), ("手机", MOBILE, "phone"),
           ("电子邮件", EMAIL, "email"), ("潜在客户来源", const("Web", "合作伙伴"), "source"),
           ("创建日期", v(lambda x: x.when("slash")), "collected_at"), ("拒绝电子邮件", const("0", "1"), None),
           ("请勿致电", const("0", "1"), "consent")],
          inverted=("consent",)),
    # source: a sign-up sheet shape, not a tool's export
    Shape("zh_hant_signup.csv", "繁體中文 報名表",
          "NOT A TOOL EXPORT (a common sheet shape, no source to verify): A Traditional Chinese (Taiwan/Hong Kong) sign-up sheet: 手機號碼, 電子郵件, 來源, 是否同意行銷, 同意時間",
          [("姓名", NAME_CN, "name"), ("手機號碼", v(lambda x: "09" + x.digits(8)), "phone"), ("電子郵件", EMAIL, "email"),
           ("來源", const("官網", "活動"), "source"), ("是否同意行銷", YN, "consent"),
           ("同意時間", v(lambda x: x.when("slash")), "consent_time")]),
    # source: a vendor list shape, not a tool's export
    Shape("headerless_vendor.txt", "Vendor list (no header)",
          "NOT A TOOL EXPORT (a common sheet shape, no source to verify): A purchased-list style text file: number, name, city; no header line",
          [("c1", MOBILE, "phone"), ("c2", NAME_CN, None), ("c3", const("北京", "上海"), None)],
          header=False),
    # source: look-alike numbers, not a tool's export
    Shape("not_a_phone.csv", "Order sheet with look-alike numbers",
          "NOT A TOOL EXPORT (a common sheet shape, no source to verify): Order IDs, 18-digit ID-card numbers, QQ numbers, postal codes, amounts and a row counter beside one phone column",
          [("行号", seq(), None), ("订单编号", v(lambda x: "2023" + x.digits(14)), None), ("身份证号码", v(lambda x: x.cn_id()), None),
           ("QQ", v(lambda x: x.digits(x.r.choice((9, 10)))), None), ("邮政编码", const("100000", "200120", "518057"), None),
           ("金额", v(lambda x: f"{x.r.randrange(1, 99999)}.{x.r.randrange(100):02d}"), None),
           ("联系手机", MOBILE, "phone")]),
    # source: repeated headers, not a tool's export
    Shape("duplicate_headers.csv", "Sheet with a repeated header",
          "NOT A TOOL EXPORT (a common sheet shape, no source to verify): Two columns both headed 手机号 (a merged sheet)",
          [("姓名", NAME_CN, "name"), ("手机号", MOBILE, "phone"), ("手机号", blank_or(lambda x: x.cn_mobile(), 0.5), "phone"),
           ("来源", const("门店"), "source")]),
    # source: partly corroborated: a public importer's Brevo preset (exact search "SMS_BLACKLISTED" led to
    #   file id 70869883819: "Contacts export: EMAIL, LASTNAME, FIRSTNAME, SMS, …, EMAIL_BLACKLISTED /
    #   BLACKLISTED, ADDED_TIME, MODIFIED_TIME", also CONTACT_ID, DOUBLE_OPT-IN, OPT_IN, WHATSAPP,
    #   LANDLINE_NUMBER); Brevo's API docs (getbrevo SDKs) give SMS with its country code and
    #   emailBlacklisted / smsBlacklisted; no Brevo page with the export header line was found
    Shape("brevo_contacts.csv", "Brevo (Sendinblue)",
          "PARTLY CORROBORATED: Contacts > Export, attribute names in capitals (SMS, LANDLINE_NUMBER, "
          "WHATSAPP, *_BLACKLISTED, OPT_IN) as a public importer's preset names them (search-index file id "
          "70869883819); Brevo's own export documentation not found",
          [("CONTACT ID", seq(1), None), ("EMAIL", EMAIL, "email"), ("FIRSTNAME", FIRST, "name"), ("LASTNAME", LAST, None),
           ("SMS", v(lambda x: x.us_phone()), "phone"), ("LANDLINE_NUMBER", blank_or(lambda x: x.us_phone()), "phone"),
           ("WHATSAPP", blank_or(lambda x: x.us_phone()), "phone"), ("EMAIL_BLACKLISTED", const("Yes", "No"), None),
           ("SMS_BLACKLISTED", const("Yes", "No", "No"), "consent"), ("ADDED_TIME", v(lambda x: x.when("iso")), "collected_at"),
           ("MODIFIED_TIME", v(lambda x: x.when("iso")), None), ("OPT_IN", const("Yes", "No"), None),
           ("DOUBLE_OPT-IN", const("Yes", "No"), None)],
          inverted=("consent",)),
    # source: the People export's "Person - …" labels as public importers read them (exact search "Person -
    #   Phone - Mobile", file ids 60521965755, 70506503659, 32272061839, 53640503544: Person - ID, Name,
    #   First name, Last name, Organization, Email - Work/Home/Other, Phone - Work/Home/Mobile/Other,
    #   Owner, Label, Marketing status); "Person - Person created" and the values are not verified;
    #   Pipedrive's own page with the header line was not found
    Shape("pipedrive_persons.csv", "Pipedrive",
          "Contacts > People > Export (\"Person - Field\" labels as public importers read them: exact search "
          "file ids 60521965755, 70506503659, 32272061839; Pipedrive's own documentation not found)",
          [("Person - ID", seq(101), None), ("Person - Name", v(lambda x: x.first() + " " + x.last()), "name"),
           ("Person - First name", FIRST, None), ("Person - Last name", LAST, None),
           ("Person - Organization", const("Acme", "Globex", ""), None),
           ("Person - Email - Work", EMAIL, "email"), ("Person - Email - Home", const(""), None),
           ("Person - Email - Other", const(""), None),
           ("Person - Phone - Work", blank_or(lambda x: x.us_phone("intl")), "phone"),
           ("Person - Phone - Home", blank_or(lambda x: x.us_phone("intl"), 0.7), "phone"),
           ("Person - Phone - Mobile", v(lambda x: x.us_phone("intl")), "phone"),
           ("Person - Phone - Other", const(""), None),
           ("Person - Marketing status", const("Subscribed", "Unsubscribed", "Subscribed"), "consent"),
           ("Person - Person created", v(lambda x: x.when("iso")), "collected_at"), ("Person - Owner", const("Jo Ng"), None),
           ("Person - Label", const("Hot lead", "Cold lead", ""), None)]),
    # source: not verified: nothing found for 销售易 exports (searched pages "销售易 联系人 导出 字段 手机": other
    #   CRMs' help pages only)
    Shape("xiaoshouyi_contacts.csv", "销售易",
          "NOT VERIFIED: 联系人 导出 (客户名称, 联系人姓名, 联系人手机, 联系人电话, 线索来源, 是否接收短信); "
          "nothing public found (pages search \"销售易 联系人 导出 字段\")",
          [("客户名称", const("某某科技", "某某贸易"), None), ("联系人姓名", NAME_CN, "name"), ("联系人手机", MOBILE, "phone"),
           ("联系人电话", blank_or(lambda x: x.cn_landline()), "phone"), ("线索来源", const("百度推广", "展会", "官网"), "source"),
           ("创建时间", v(lambda x: x.when("slash")), "collected_at"), ("是否接收短信", YN, "consent"),
           ("最后修改时间", v(lambda x: x.when("slash")), None)]),
    # source: partly corroborated: a public importer's ActiveCampaign preset (file id 70869883819:
    #   "Contacts export: Email, First Name, Last Name, Phone, Tags, Date Created, IP, Status,
    #   Organization"); SMS Opt-In is an account's own custom field; ActiveCampaign's page not found
    Shape("activecampaign_contacts.csv", "ActiveCampaign",
          "PARTLY CORROBORATED: Contacts > Export (Email, First Name, Last Name, Phone, Tags, Date Created, IP, "
          "Status, Organization as a public importer's preset names them, search-index file id 70869883819; "
          "SMS Opt-In a custom field); ActiveCampaign's own documentation not found",
          [("Email", EMAIL, "email"), ("First Name", FIRST, "name"), ("Last Name", LAST, None),
           ("Phone", v(lambda x: x.us_phone()), "phone"), ("Organization", const("Acme", ""), None),
           ("Tags", const("vip", ""), None), ("Date Created", v(lambda x: x.when("iso")), "collected_at"),
           ("IP", v(lambda x: f"203.0.113.{x.r.randrange(255)}"), None), ("SMS Opt-In", const("Yes", "No"), "consent"),
           ("Status", const("Active", "Unsubscribed"), None)]),
]
