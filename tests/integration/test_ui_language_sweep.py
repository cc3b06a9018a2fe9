"""The suite speaks Danish and Dutch wherever a person reads it (issue 21).

A sweep over every view (its arch as the web client receives it from
``get_views``, with the field labels), every e-mail template (rendered subject
and body), every QWeb template and the portal pages of the suite, rendered in
``da_DK`` and ``nl_NL``: none may show one of the suite's own English source
strings (the msgids of the addons' .pot files whose translation differs from
the English). Strings of Odoo core that core leaves untranslated are not
counted: only terms the suite itself brings are looked for.

The demo checks beside it: the demo contacts speak their language, the texts
the demo generates are Danish, portal dates follow the visitor's language,
Nordlys ApS has its logo, and the WhatsApp conversation inside the reply window
stays inside it whenever the demo data is loaded again.
"""

import base64
import re
from datetime import timedelta
from pathlib import Path

import polib
from lxml import etree, html

from odoo import fields
from odoo.tests import HttpCase, TransactionCase
from odoo.tools import convert_file, file_open
from odoo.tools.translate import html_translate, xml_translate

ROOT = Path(__file__).resolve().parents[2]
ADDONS = sorted(p.parent.name for p in ROOT.glob("*/__manifest__.py"))
LANGS = {"da_DK": "da", "nl_NL": "nl"}
# Placeholders of code strings (%(name)s, %s), QWeb markup and inline
# template expressions: anything may stand there once rendered.
SEPARATOR = re.compile(r"<[^>]*>|%\([a-z_]+\)[sdr]|%[sdr]|\{\{.*?\}\}", re.S)
LETTERS = re.compile(r"[^\W\d_]{2}")
VIEW_TYPES = ("form", "list", "search", "kanban", "calendar", "pivot", "graph")


def _norm(text):
    return " ".join((text or "").split())


def _text_of(term):
    """A term's visible text (terms may hold inline markup)."""
    if "<" not in term:
        return _norm(term)
    try:
        return _norm(html.fromstring(f"<div>{term}</div>").text_content())
    except etree.ParserError:
        return _norm(term)


class EnglishCatalog:
    """The suite's English source strings a Danish/Dutch reader must not see.

    A msgid counts when its translation in the language is missing or differs
    from the English (names such as "SendGrid" are the same in every language).
    """

    def __init__(self, lang, addons):
        self.exact = {}
        self.patterns = []
        catalogs = []
        same = set()  # "Record" is "Record" in Dutch for one addon: for all
        for addon in addons:
            pot = ROOT / addon / "i18n" / f"{addon}.pot"
            po_path = ROOT / addon / "i18n" / f"{LANGS[lang]}.po"
            if not pot.is_file():
                continue
            translated = {}
            if po_path.is_file():
                translated = {
                    e.msgid: e.msgstr
                    for e in polib.pofile(str(po_path))
                    if e.msgstr.strip() and not e.obsolete
                }
            msgids = [entry.msgid for entry in polib.pofile(str(pot))]
            same.update(m for m in msgids if translated.get(m) == m)
            catalogs.append((addon, msgids))
        for addon, msgids in catalogs:
            for msgid in msgids:
                if msgid not in same:
                    self._add(msgid, addon)

    def _add(self, msgid, addon):
        literals = [_norm(_text_of(p)) for p in SEPARATOR.split(msgid)]
        if not LETTERS.search(" ".join(literals)):
            return  # nothing a reader would recognise as English
        if len(literals) == 1:
            self.exact.setdefault(literals[0], (addon, msgid))
            return
        regex = r"\s*.*?\s*".join(re.escape(lit) for lit in literals)
        key = max(literals, key=len)
        self.patterns.append((key, re.compile(regex, re.S), addon, msgid))

    def english(self, text):
        """(addon, msgid) when ``text`` is one of the suite's English strings."""
        text = _norm(text)
        if not text:
            return None
        if text in self.exact:
            return self.exact[text]
        for key, regex, addon, msgid in self.patterns:
            if key in text and regex.fullmatch(text):
                return addon, msgid
        return None


def _terms(markup, translate=xml_translate):
    """The translatable terms of an arch or HTML fragment, as Odoo cuts them."""
    found = []

    def collect(term):
        found.append(term)

    try:
        translate(collect, markup)
    except (etree.ParserError, ValueError):
        pass
    return [_text_of(t) for t in found]


def _page_body(page):
    """The inner HTML of a page's <body>, as html_translate reads fragments."""
    root = html.fromstring(page)
    body = root.find("body")
    if body is None:
        body = root
    for node in body.xpath(".//script|.//style|.//noscript"):
        node.drop_tree()
    return "".join(html.tostring(child, encoding="unicode") for child in body)


class LanguageSweepMixin:
    """Languages on, and the suite's .po files loaded as they are in the tree."""

    @classmethod
    def _load_languages(cls):
        env = cls.env
        for code in LANGS:
            env["res.lang"]._activate_lang(code)
        cls.addons = (
            env["ir.module.module"]
            .search([("name", "in", ADDONS), ("state", "=", "installed")])
            .mapped("name")
        )
        # The files of the checkout, not whatever was loaded at install time.
        modules = env["ir.module.module"].search([("name", "in", cls.addons)])
        modules._update_translations(list(LANGS), overwrite=True)
        env.invalidate_all()
        cls.catalogs = {lang: EnglishCatalog(lang, cls.addons) for lang in LANGS}

    def _english_in(self, lang, texts):
        catalog = self.catalogs[lang]
        found = set()
        for text in texts:
            hit = catalog.english(text)
            if hit:
                found.add(f"{hit[0]}: {hit[1]!r}")
        return found

    def _assert_no_english(self, problems):
        lines = [
            f"{where}: {', '.join(sorted(found)[:6])}"
            for where, found in sorted(problems.items())
            if found
        ]
        self.assertFalse(
            lines,
            f"{len(lines)} places show the suite's English source strings:\n"
            + "\n".join(lines),
        )


class TestUiLanguageSweep(LanguageSweepMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._load_languages()
        cls.suite_views = cls.env["ir.ui.view"].browse(
            cls.env["ir.model.data"]
            .search([("module", "in", cls.addons), ("model", "=", "ir.ui.view")])
            .mapped("res_id")
        )
        cls._fields_cache = {}
        cls._core_cache = {}

    def _suite_fields(self, model):
        """Names of the fields of ``model`` the suite defines (not those of
        core mixins or models it extends: their labels are core's)."""
        if model not in self._fields_cache:
            self._fields_cache[model] = {
                name
                for name, field in self.env[model]._fields.items()
                if field._modules and set(field._modules) <= set(self.addons)
            }
        return self._fields_cache[model]

    def _core_terms(self, model):
        """Terms of core's own views of ``model``: when core leaves one of
        them untranslated, that is not the suite's English."""
        if model not in self._core_cache:
            views = self.env["ir.ui.view"].search([("model", "=", model)])
            terms = set()
            for view in views - self.suite_views:
                terms.update(_terms(view.with_context(lang="en_US").arch_db or ""))
            self._core_cache[model] = terms
        return self._core_cache[model]

    def test_views_and_wizards_in_danish_and_dutch(self):
        """Every form, list, search, kanban... of the suite, wizards included,
        as get_views hands it to the web client, with its fields' labels,
        help texts and choices."""
        english_terms = set()
        for view in self.suite_views:
            english_terms.update(_terms(view.with_context(lang="en_US").arch_db or ""))
        targets = set()
        for view in self.suite_views.filtered(lambda v: v.type in VIEW_TYPES):
            root = view
            while root.inherit_id and root.mode == "extension":
                root = root.inherit_id
            if root.model in self.env:
                targets.add((root.model, root.id, root.type))
        self.assertGreater(len(targets), 40, "the sweep finds the suite's views")
        problems = {}
        for lang in LANGS:
            for model, view_id, view_type in sorted(targets):
                Model = self.env[model].with_context(lang=lang)
                result = Model.get_views([(view_id, view_type)])
                arch = result["views"][view_type]["arch"]
                own_terms = english_terms - self._core_terms(model)
                texts = [t for t in _terms(arch) if t in own_terms]
                for sub_model, described in result["models"].items():
                    own_fields = self._suite_fields(sub_model)
                    for name, desc in described["fields"].items():
                        if name not in own_fields:
                            continue
                        texts += [desc.get("string"), desc.get("help")]
                        texts += [label for _v, label in desc.get("selection") or []]
                view = self.env["ir.ui.view"].browse(view_id)
                problems[f"{lang} {view.xml_id or view.name} ({model})"] = (
                    self._english_in(lang, texts)
                )
        self._assert_no_english(problems)

    def test_qweb_templates_in_danish_and_dutch(self):
        """Portal pages, report and e-mail footers: each QWeb template's own
        text, in the language it is rendered in."""
        qweb = self.suite_views.filtered(lambda v: v.type == "qweb")
        self.assertTrue(qweb)
        problems = {}
        for lang in LANGS:
            for view in qweb:
                arch = view.with_context(lang=lang).arch_db or ""
                problems[f"{lang} {view.xml_id}"] = self._english_in(lang, _terms(arch))
        self._assert_no_english(problems)

    def test_mail_templates_rendered_in_the_contacts_language(self):
        """Each e-mail template of the suite, rendered for a Danish and a Dutch
        contact: subject and body in the contact's language."""
        data = self.env["ir.model.data"].search(
            [("module", "in", self.addons), ("model", "=", "mail.template")]
        )
        templates = self.env["mail.template"].browse(data.mapped("res_id"))
        self.assertTrue(templates, "the suite sends e-mails from templates")
        contacts = {}
        for lang in LANGS:
            contacts[lang] = self.env["res.partner"].create(
                {
                    "name": f"Sweep {lang}",
                    "email": f"sweep.{lang.lower()}@example.com",
                    "lang": lang,
                }
            )
        problems = {}
        for template in templates:
            for lang, partner in contacts.items():
                model = template.model_id.model
                record = (
                    partner
                    if model == "res.partner"
                    else (self.env[model].search([], limit=1))
                )
                if not record:
                    continue
                purpose = self.env["consent.purpose"].search([], limit=1)
                rendered = template.with_context(
                    consent_purpose_name=purpose.with_context(lang=lang).name,
                    consent_url="https://nordlys.example/consent",
                )._generate_template(record.ids, ("subject", "body_html"))[record.id]
                texts = [rendered.get("subject") or ""]
                texts += _terms(str(rendered.get("body_html") or ""), html_translate)
                problems[
                    f"{lang} {template.get_external_id()[template.id] or template.name}"
                ] = self._english_in(lang, texts)
        self._assert_no_english(problems)


class TestPortalPagesLanguageSweep(LanguageSweepMixin, HttpCase):
    """The pages a contact opens from an e-mail, in the contact's language,
    whatever the browser says."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._load_languages()
        Partner = cls.env["res.partner"]
        cls.contacts = {
            lang: Partner.create(
                {
                    "name": f"Portal {lang}",
                    "email": f"portal.{lang.lower()}@example.com",
                    "lang": lang,
                }
            )
            for lang in LANGS
        }

    def _get(self, path, status=200):
        response = self.url_open(
            path, headers={"Accept-Language": "en-US,en"}, timeout=90
        )
        self.assertEqual(response.status_code, status, path)
        return response.text

    def test_portal_pages_in_danish_and_dutch(self):
        problems = {}
        for lang, partner in self.contacts.items():
            pages = {}
            if "mass_mailing_subscriptions" in self.addons:
                pages["preferences"] = partner._subscription_preferences_path()
            for action in ("confirm", "withdraw"):
                pages[f"consent {action}"] = partner._consent_signed_path(
                    "emarketing", action=action
                )
            for name, path in pages.items():
                texts = _terms(_page_body(self._get(path)), html_translate)
                problems[f"{lang} {name}"] = self._english_in(lang, texts)
        self._assert_no_english(problems)

    def test_internal_pages_in_the_users_language(self):
        """The softphone's error page speaks the logged-in user's language."""
        if "unitel_telephony" not in self.addons:
            self.skipTest("unitel_telephony is not installed")
        problems = {}
        user = self.env["res.users"].create(
            {
                "name": "Sweep user",
                "login": "sweep_user",
                "password": "sweep_user_pw",
                "groups_id": [(6, 0, [self.env.ref("base.group_user").id])],
            }
        )
        for lang in LANGS:
            user.lang = lang
            self.authenticate("sweep_user", "sweep_user_pw")
            page = self._get("/unitel/incoming?number=%2B45%2B%2B&called=1", 400)
            texts = _terms(_page_body(page), html_translate)
            problems[f"{lang} /unitel/incoming"] = self._english_in(lang, texts)
        self._assert_no_english(problems)


class TestDemoSpeaksItsLanguage(TransactionCase):
    """What `make demo` shows: contacts in their language, Danish texts."""

    def setUp(self):
        super().setUp()
        if not self.env.ref("consent_management.demo_partner_mette", False):
            self.skipTest("demo data not loaded")

    def partner(self, name):
        return self.env.ref(f"consent_management.demo_partner_{name}")

    def test_demo_contacts_speak_their_language(self):
        for name in ("mette", "lars", "jonas", "ida", "rasmus", "fjordkokken"):
            self.assertEqual(self.partner(name).lang, "da_DK", name)
        for name in ("pieter", "sanne", "femke", "tulpenhuis"):
            self.assertEqual(self.partner(name).lang, "nl_NL", name)
        for xmlid, lang in (
            ("mass_mailing_subscriptions.demo_partner_karin", "da_DK"),
            ("mass_mailing_subscriptions.demo_partner_bram", "nl_NL"),
            ("unitel_telephony.res_partner_mette_hansen_demo", "da_DK"),
            ("unitel_telephony.res_partner_sanne_de_vries_demo", "nl_NL"),
        ):
            record = self.env.ref(xmlid, False)
            if record:
                self.assertEqual(record.lang, lang, xmlid)
        active = self.env["res.lang"].search([]).mapped("code")
        self.assertLessEqual({"da_DK", "nl_NL"}, set(active))

    def test_consent_email_reaches_a_demo_contact_in_her_language(self):
        """The double opt-in e-mail to a Dutch demo contact is Dutch, to a
        Danish one Danish: the template renders in the contact's language."""
        template = self.env.ref("consent_management.mail_template_consent_request")
        expected = {"pieter": "Wij vragen graag uw toestemming", "mette": "Hej Mette"}
        for name, phrase in expected.items():
            partner = self.partner(name)
            rendered = template._generate_template([partner.id], ("body_html",))
            body = str(rendered[partner.id]["body_html"])
            self.assertIn(phrase, body, name)
            self.assertNotIn("We would like your permission for", body, name)

    def test_texts_generated_by_the_demo_are_danish(self):
        """Activities, expense lines and chatter notes the demo produces while
        it loads are in Danish, the language of Nordlys ApS's users (Marc Demo,
        who gets the calls to make, works in Danish)."""
        catalog = EnglishCatalog("da_DK", ADDONS)
        salesperson = self.env.ref("base.user_demo")
        self.assertEqual(salesperson.lang, "da_DK")
        problems = []
        demo_partners = self.env["res.partner"].search(
            [("email", "=ilike", "%.example")]
        )
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "in", demo_partners.ids)]
        )
        self.assertTrue(activities, "the demo gives the salesperson calls to make")
        self.assertIn(salesperson, activities.user_id)
        for activity in activities.filtered(lambda a: a.user_id.lang == "da_DK"):
            for text in (
                activity.summary,
                html.fromstring(f"<div>{activity.note or ''}</div>").text_content(),
            ):
                if catalog.english(text):
                    problems.append(f"activity {activity.id}: {text!r}")
        messages = self.env["mail.message"].search(
            [
                ("model", "=", "res.partner"),
                ("res_id", "in", demo_partners.ids),
                ("message_type", "in", ("notification", "comment")),
            ]
        )
        for message in messages:
            for text in _terms(str(message.body or ""), html_translate):
                if catalog.english(text):
                    problems.append(f"message {message.id}: {text!r}")
        mads = self.env.ref("expense_danish_rates.employee_mads_berg_demo", False)
        if mads:
            lines = self.env["hr.expense"].search([("employee_id", "=", mads.id)])
            self.assertTrue(lines)
            for line in lines:
                if catalog.english(line.name):
                    problems.append(f"expense {line.id}: {line.name!r}")
        self.assertFalse(problems, "\n".join(problems))

    def test_nordlys_has_its_logo(self):
        company = self.env.ref("base.main_company")
        with file_open("consent_management/demo/nordlys_logo.png", "rb") as logo:
            self.assertEqual(base64.b64decode(company.logo), logo.read())

    def test_whatsapp_window_stays_open_when_the_demo_loads_again(self):
        """`make demo` on an existing database loads the demo again: the
        conversation meant to be inside the 24-hour window is inside it, even
        when the database was made days ago."""
        lars = self.env.ref(
            "whatsapp_business.discuss_channel_whatsapp_lars_demo", False
        )
        if not lars:
            self.skipTest("whatsapp_business is not installed")
        sanne = self.env.ref("whatsapp_business.discuss_channel_whatsapp_sanne_demo")
        # The database was created three days ago.
        days_ago = fields.Datetime.now() - timedelta(days=3)
        lars.whatsapp_last_inbound_date = days_ago - timedelta(hours=2)
        sanne.whatsapp_last_inbound_date = days_ago - timedelta(days=3)
        self.assertFalse(lars.whatsapp_is_window_open)
        for mode in ("update", "init"):
            convert_file(
                self.env,
                "whatsapp_business",
                "demo/whatsapp_demo.xml",
                {},
                mode=mode,
                kind="demo",
            )
            lars.invalidate_recordset()
            self.assertTrue(lars.whatsapp_is_window_open, mode)
            self.assertFalse(sanne.whatsapp_is_window_open, mode)


class TestPortalDatesFollowTheLanguage(HttpCase):
    """A Dutch contact's preferences page says 02-12-2026, not 12/02/2026."""

    def test_preferences_page_dates_in_the_contacts_language(self):
        if "mass_mailing_subscriptions" not in self.env["ir.module.module"].search(
            [("state", "=", "installed")]
        ).mapped("name"):
            self.skipTest("mass_mailing_subscriptions is not installed")
        for code in LANGS:
            self.env["res.lang"]._activate_lang(code)
        for lang in LANGS:
            partner = self.env["res.partner"].create(
                {
                    "name": f"Dates {lang}",
                    "email": f"dates.{lang.lower()}@example.com",
                    "lang": lang,
                }
            )
            partner._consent_grant(
                "emarketing", legal_basis="consent", source="web_form"
            )
            record = partner.consent_record_ids.filtered(
                lambda r: r.purpose_id.code == "emarketing"
            )
            day = record.captured_at.date()
            response = self.url_open(
                partner._subscription_preferences_path(),
                headers={"Accept-Language": "en-US,en"},
                timeout=90,
            )
            self.assertEqual(response.status_code, 200)
            page = html.fromstring(response.text).text_content()
            self.assertIn(day.strftime("%d-%m-%Y"), page, lang)
            self.assertNotIn(day.strftime("%m/%d/%Y"), page, lang)
