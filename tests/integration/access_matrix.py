"""Who may do what with the suite: the expected answers, role by role (issue 14).

``test_access_matrix.py`` checks these tables over JSON-RPC as each role, and
fails when the installed suite has a model, a public method or a secret field
that has no row here: adding one means deciding, in this file, who may use it.

Roles are sets of groups given to a fresh user; a role whose groups are not all
installed is left out of the run (``crm`` brings the salesperson's group).
"""

from pathlib import Path

# Every addon at the repository root, glue addons included: a new addon's models
# and methods need rows here as soon as it exists.
SUITE = tuple(
    sorted(
        path.parent.name
        for path in Path(__file__).resolve().parents[2].glob("*/__manifest__.py")
    )
)

ROLES = {
    "portal": ["base.group_portal"],
    "internal": ["base.group_user"],
    "salesperson": ["base.group_user", "sales_team.group_sale_salesman"],
    "marketer": ["base.group_user", "mass_mailing.group_mass_mailing_user"],
    "consent_officer": ["base.group_user", "consent_management.group_consent_officer"],
    "consent_override": [
        "base.group_user",
        "mass_mailing.group_mass_mailing_user",
        "mass_mailing_subscriptions.group_override_consent",
    ],
    "mailing_manager": [
        "base.group_user",
        "mass_mailing.group_mass_mailing_user",
        "sendgrid_delivery.group_mass_mailing_manager",
    ],
    "whatsapp_manager": ["base.group_user", "whatsapp_business.group_whatsapp_manager"],
    "unitel_manager": ["base.group_user", "unitel_telephony.group_unitel_manager"],
    "expense_manager": ["base.group_user", "hr_expense.group_hr_expense_manager"],
    "admin": ["base.group_user", "base.group_system"],
}

# Core tables the suite writes to: a refused call or a fuzzed route must leave
# their row counts alone (with the suite's own tables, see ``suite_tables``).
CORE_TABLES = (
    "res_partner",
    "res_users",
    "mail_message",
    "mail_mail",
    "mail_activity",
    "mail_followers",
    "mailing_trace",
    "mailing_mailing",
    "calendar_event",
    "discuss_channel",
    "hr_expense",
)


def suite_tables(env):
    """The tables of the suite's own stored models, plus the core ones above."""
    tables = set()
    for name in env.registry:
        model = env[name]
        if model._original_module in SUITE and not model._abstract and model._auto:
            tables.add(model._table)
    env.cr.execute(
        "SELECT tablename FROM pg_tables WHERE tablename = ANY(%s)", [list(CORE_TABLES)]
    )
    tables.update(row[0] for row in env.cr.fetchall())
    return sorted(tables)


class Call:
    """Who may call one public method; everyone else must get an AccessError.

    The refused roles call it over JSON-RPC on a sample record of the model: one
    the administrator made with ``vals`` (a dict, or a function of ``env``), else
    the record ``find(env)`` returns, else the first record found, else an empty
    recordset when ``needs_record`` is off.
    """

    def __init__(
        self, roles, args=(), kwargs=None, vals=None, find=None, needs_record=True
    ):
        self.roles = frozenset(roles)
        self.find = find
        self.args = tuple(args)
        self.kwargs = dict(kwargs or {})
        self.vals = vals
        self.needs_record = needs_record


EVERYONE_INTERNAL = frozenset(role for role in ROLES if role != "portal")
# A button that only returns a window action: the records it opens stay behind
# their own access rules, so anyone may have the action itself.
ANYONE = frozenset(ROLES)
ADMIN = frozenset({"admin"})


def snapshot(env):
    """{table: (rows, last write)} of ``suite_tables``: what a refusal leaves alone."""
    env.flush_all()
    tables = suite_tables(env)
    env.cr.execute(
        "SELECT table_name FROM information_schema.columns"
        " WHERE column_name = 'write_date' AND table_name = ANY(%s)",
        [tables],
    )
    dated = {row[0] for row in env.cr.fetchall()}
    result = {}
    for table in tables:
        # the names come from the registry and pg_tables, never from a request
        last = "max(write_date)" if table in dated else "NULL"
        env.cr.execute(f'SELECT count(*), {last} FROM "{table}"')
        result[table] = env.cr.fetchone()
    return result


# Who runs the suite's own buttons. The manager groups are implied by Settings.
CONSENT_OFFICERS = frozenset({"consent_officer", "admin"})
WHATSAPP_MANAGERS = frozenset({"whatsapp_manager", "admin"})
MARKETERS = frozenset({"marketer", "consent_override", "mailing_manager", "admin"})
MAILING_MANAGERS = frozenset({"mailing_manager", "admin"})
UNITEL_MANAGERS = frozenset({"unitel_manager", "admin"})
EXPENSE_APPROVERS = frozenset({"expense_manager"})


def _customer(env):
    return env["res.partner"].create(
        {"name": "Matrix Kunde", "email": "k@matrix.example"}
    )


def _conversation(env):
    return env["discuss.channel"].search(
        [("whatsapp_account_id", "!=", False)], limit=1
    )


def _relink(env):
    return {"mailbox_id": env["exchange.sync.mailbox"].search([], limit=1).id}


def _composer(env):
    account = env["whatsapp.account"].search([], limit=1)
    template = env["whatsapp.template"].search([("account_id", "=", account.id)])
    return {
        "partner_id": _customer(env).id,
        "account_id": account.id,
        "template_id": template[:1].id,
    }


def _report(env):
    return env["hr.expense.sheet"].search([], limit=1)


def _statement(env):
    return {"employee_id": env["hr.employee"].search([], limit=1).id, "year": 2026}


def _trip(env):
    return {
        "employee_id": env["hr.employee"].search([], limit=1).id,
        "departure": "2026-03-09 06:30:00",
        "return_datetime": "2026-03-11 14:00:00",
        "destination": "Esbjerg",
        "purpose": "Matrix",
    }


def access(default, **roles):
    """One model's row: ``default`` for every role but those named."""
    assert set(roles) <= set(ROLES), set(roles) - set(ROLES)
    return {role: roles.get(role, default) for role in ROLES}


# r(ead) w(rite) c(reate) u(nlink) on the model, as Odoo's has_access answers
MODELS = {
    "consent.action.wizard": access("rwc", portal=""),
    "consent.event": access("r", portal=""),
    "consent.init.report": access("", consent_officer="rwc", admin="rwc"),
    "consent.init.report.line": access("", consent_officer="rwc", admin="rwc"),
    "consent.initializer": access(""),
    "consent.purpose": access("r", portal="", consent_officer="rwcu", admin="rwcu"),
    "consent.record": access("r", portal="", consent_officer="rwc", admin="rwc"),
    "exchange.item.link": access("r", portal="", admin="rwcu"),
    "exchange.permission.wizard": access("", admin="rwcu"),
    "exchange.relink.wizard": access("", admin="rwcu"),
    "exchange.relink.wizard.line": access("", admin="rwcu"),
    "exchange.sync.config": access("", admin="rwcu"),
    "exchange.sync.mailbox": access("r", portal="", admin="rwcu"),
    # abstract: the per-model sync hooks of calendar.event and mail.activity
    "exchange.sync.mixin": access(""),
    "hr.expense.dk.approval.wizard": access("rwc", portal=""),
    "hr.expense.dk.dated.rate": access(""),
    "hr.expense.dk.mileage.rate": access("r", portal="", expense_manager="rwcu"),
    "hr.expense.dk.per.diem.wizard": access("rwc", portal=""),
    "hr.expense.dk.per.diem.wizard.day": access("rwcu", portal=""),
    "hr.expense.dk.rate": access("r", portal="", expense_manager="rwcu"),
    "hr.expense.dk.skat.rules": access(""),
    "hr.expense.dk.statement": access("rwc", portal=""),
    "mailing.subscription.type": access(
        "r",
        portal="",
        marketer="rwcu",
        consent_override="rwcu",
        mailing_manager="rwcu",
        admin="rwcu",
    ),
    "report.expense_danish_rates.report_dk_year_statement": access(""),
    "sendgrid.domain.check": access("", admin="rwcu"),
    "sendgrid.domain.check.line": access("", admin="rwcu"),
    "sendgrid.event": access("r", portal="", admin="rwu"),
    "sendgrid.sender.identity": access("r", portal="", admin="rwcu"),
    "unitel.call": access("rwc", portal="", unitel_manager="rwcu", admin="rwcu"),
    "whatsapp.account": access("r", portal="", whatsapp_manager="rwcu", admin="rwcu"),
    "whatsapp.composer": access("rwcu", portal=""),
    "whatsapp.composer.variable": access("rwcu", portal=""),
    "whatsapp.message": access("r", portal="", whatsapp_manager="rwcu", admin="rwcu"),
    "whatsapp.price": access("r", portal="", whatsapp_manager="rwcu", admin="rwcu"),
    "whatsapp.template": access("r", portal="", whatsapp_manager="rwcu", admin="rwcu"),
    "whatsapp.template.button": access(
        "r", portal="", whatsapp_manager="rwcu", admin="rwcu"
    ),
    "whatsapp.template.variable": access(
        "r", portal="", whatsapp_manager="rwcu", admin="rwcu"
    ),
}

# Fields that hold a secret or personal tracking data: who may read them.
SECRETS = {
    ("consent.event", "token_digest"): ADMIN,
    ("exchange.sync.config", "client_secret"): ADMIN,
    ("exchange.sync.config", "ews_password"): ADMIN,
    ("res.config.settings", "sendgrid_api_key"): ADMIN,
    ("res.config.settings", "unitel_api_token"): ADMIN,
    ("res.config.settings", "unitel_webhook_token"): ADMIN,
    ("whatsapp.account", "access_token"): ADMIN,
    ("whatsapp.account", "app_secret"): ADMIN,
    ("whatsapp.account", "webhook_verify_token"): ADMIN,
    # what a person's e-mail client reveals: the mass mailing managers' only
    ("sendgrid.event", "ip"): MAILING_MANAGERS,
    ("sendgrid.event", "useragent"): MAILING_MANAGERS,
    ("sendgrid.event", "url"): MAILING_MANAGERS,
}

# Every public method the suite adds or overrides; the rest of the roles are
# refused with an AccessError (the test calls it as each of them).
METHODS = {
    # consent_management
    ("consent.action.wizard", "action_apply"): Call(
        EVERYONE_INTERNAL,
        vals=lambda env: {
            "partner_ids": [(6, 0, env.ref("base.res_partner_2").ids)],
            "purpose_id": env.ref("consent_management.consent_purpose_emarketing").id,
        },
    ),
    ("consent.init.report", "action_run"): Call(CONSENT_OFFICERS, vals={}),
    ("consent.initializer", "run_rules"): Call(CONSENT_OFFICERS, needs_record=False),
    ("consent.purpose", "action_open_records"): Call(EVERYONE_INTERNAL),
    ("res.partner", "action_consent_export_history"): Call(
        EVERYONE_INTERNAL, find=_customer
    ),
    ("res.partner", "action_consent_grant"): Call(EVERYONE_INTERNAL, find=_customer),
    ("res.partner", "action_consent_open_records"): Call(
        EVERYONE_INTERNAL, find=_customer
    ),
    ("res.partner", "action_consent_request"): Call(EVERYONE_INTERNAL, find=_customer),
    ("res.partner", "action_consent_withdraw"): Call(EVERYONE_INTERNAL, find=_customer),
    ("res.config.settings", "action_consent_run_initializer"): Call(
        CONSENT_OFFICERS, needs_record=False
    ),
    # mass_mailing_subscriptions
    ("mailing.mailing", "action_view_consent_excluded"): Call(MARKETERS),
    ("mailing.subscription.type", "action_view_mailings"): Call(EVERYONE_INTERNAL),
    ("mailing.subscription.type", "action_view_partners"): Call(EVERYONE_INTERNAL),
    # sendgrid_delivery
    ("mail.mail", "action_open_sendgrid_events"): Call(ADMIN),
    ("mail.message", "action_open_sendgrid_events"): Call(EVERYONE_INTERNAL),
    ("mailing.mailing", "action_open_sendgrid_events"): Call(MARKETERS),
    ("res.partner", "action_open_sendgrid_events"): Call(
        EVERYONE_INTERNAL, find=_customer
    ),
    ("res.partner", "action_sendgrid_reset_email_invalid"): Call(
        EVERYONE_INTERNAL, find=_customer
    ),
    ("res.config.settings", "action_sendgrid_check_domain"): Call(
        ADMIN, needs_record=False
    ),
    ("res.config.settings", "action_sendgrid_reconcile"): Call(
        ADMIN, needs_record=False
    ),
    ("res.config.settings", "set_values"): Call(ADMIN, needs_record=False),
    ("sendgrid.domain.check", "action_check"): Call(
        ADMIN, vals={"domains": "nordlys.example"}
    ),
    # whatsapp_business
    ("discuss.channel", "action_open_discuss"): Call(
        WHATSAPP_MANAGERS, find=_conversation
    ),
    ("discuss.channel", "action_whatsapp_join"): Call(
        WHATSAPP_MANAGERS, find=_conversation
    ),
    ("discuss.channel", "action_whatsapp_leave"): Call(
        WHATSAPP_MANAGERS, find=_conversation
    ),
    ("discuss.channel", "action_whatsapp_send_template"): Call(
        WHATSAPP_MANAGERS, find=_conversation
    ),
    ("discuss.channel", "message_post"): Call(
        WHATSAPP_MANAGERS, kwargs={"body": "matrix"}, find=_conversation
    ),
    ("res.partner", "action_send_whatsapp"): Call(EVERYONE_INTERNAL, find=_customer),
    ("res.partner", "action_view_whatsapp_conversations"): Call(
        EVERYONE_INTERNAL, find=_customer
    ),
    ("whatsapp.account", "action_sync_templates"): Call(WHATSAPP_MANAGERS),
    ("whatsapp.account", "action_test_connection"): Call(WHATSAPP_MANAGERS),
    ("whatsapp.account", "action_view_conversations"): Call(EVERYONE_INTERNAL),
    ("whatsapp.account", "action_view_messages"): Call(EVERYONE_INTERNAL),
    ("whatsapp.account", "action_view_templates"): Call(EVERYONE_INTERNAL),
    ("whatsapp.composer", "action_send"): Call(WHATSAPP_MANAGERS, vals=_composer),
    ("whatsapp.message", "action_retry"): Call(WHATSAPP_MANAGERS),
    # unitel_telephony
    ("ir.http", "session_info"): Call(EVERYONE_INTERNAL | {"portal"}),
    ("res.config.settings", "action_unitel_generate_webhook_token"): Call(
        ADMIN, needs_record=False
    ),
    ("res.config.settings", "action_unitel_renormalise_numbers"): Call(
        ADMIN, needs_record=False
    ),
    ("res.partner", "action_unitel_view_calls"): Call(
        EVERYONE_INTERNAL, find=_customer
    ),
    ("unitel.call", "action_open_caller"): Call(UNITEL_MANAGERS),
    # exchange_calendar_sync
    ("calendar.event", "action_open_exchange_links"): Call(ANYONE),
    ("exchange.item.link", "action_open_record"): Call(ANYONE),
    ("exchange.relink.wizard", "action_analyse"): Call(ADMIN, vals=_relink),
    ("exchange.relink.wizard", "action_relink"): Call(ADMIN, vals=_relink),
    ("exchange.sync.config", "action_add_users"): Call(ADMIN),
    ("exchange.sync.config", "action_open_mailboxes"): Call(ANYONE),
    ("exchange.sync.config", "action_open_permission_wizard"): Call(ANYONE),
    ("exchange.sync.config", "action_sync_now"): Call(ADMIN),
    ("exchange.sync.config", "action_test_connection"): Call(ADMIN),
    ("exchange.sync.mailbox", "action_detect_folders"): Call(ADMIN),
    ("exchange.sync.mailbox", "action_open_links"): Call(ANYONE),
    ("exchange.sync.mailbox", "action_open_relink_wizard"): Call(ANYONE),
    ("exchange.sync.mailbox", "action_open_task_links"): Call(ANYONE),
    ("exchange.sync.mailbox", "action_reset_sync_state"): Call(ADMIN),
    ("exchange.sync.mailbox", "action_sync_now"): Call(ADMIN),
    # expense_danish_rates
    ("hr.employee", "action_open_dk_mileage_expenses"): Call(ANYONE),
    ("hr.expense", "action_open_dk_mileage_trip"): Call({"expense_manager", "admin"}),
    ("hr.expense.dk.per.diem.wizard", "action_create_expenses"): Call(
        {"expense_manager"}, vals=_trip
    ),
    ("hr.expense", "get_dk_mileage_counter"): Call(ANYONE),  # the caller's own
    ("hr.expense.sheet", "action_approve_expense_sheets"): Call(
        EXPENSE_APPROVERS, find=_report
    ),
    # a temporary record is its creator's: nobody else may use one
    ("hr.expense.dk.approval.wizard", "action_approve"): Call(
        (), vals=lambda env: {"sheet_ids": [(6, 0, _report(env).ids)]}
    ),
    ("hr.expense.dk.statement", "action_export_xlsx"): Call((), vals=_statement),
    ("hr.expense.dk.statement", "action_print_pdf"): Call((), vals=_statement),
}
