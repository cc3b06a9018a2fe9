import logging
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..services import backends
from ..services.graph_client import GRAPH_URL, LOGIN_URL, GraphError

_logger = logging.getLogger(__name__)

EXCHANGE_ONLINE_HOSTS = ("outlook.office365.com", "outlook.office.com", "outlook.com")


class ExchangeSyncConfig(models.Model):
    _name = "exchange.sync.config"
    _description = "Exchange Sync Configuration"
    _order = "company_id"

    name = fields.Char(required=True, default="Exchange / Microsoft 365")
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    enabled = fields.Boolean(
        help="When off, the scheduled action leaves every mailbox of this company "
        "alone."
    )
    backend = fields.Selection(
        [
            ("graph", "Microsoft Graph (Microsoft 365 / Exchange Online)"),
            ("ews", "Exchange Web Services (Exchange Server on-premises)"),
        ],
        required=True,
        default="graph",
        help="Microsoft 365 mailboxes: Microsoft Graph. Exchange Online blocks EWS "
        "from "
        "October 2026 and removes it in April 2027. On-premises Exchange Server has no "
        "Graph: use EWS.",
    )
    # Microsoft Graph
    tenant_id = fields.Char(
        "Tenant ID", help="Directory (tenant) ID of the Entra app registration."
    )
    client_id = fields.Char("Application (client) ID")
    client_secret = fields.Char("Client secret", groups="base.group_system", copy=False)
    graph_url = fields.Char("Graph URL", default=GRAPH_URL, required=True)
    login_url = fields.Char("Login URL", default=LOGIN_URL, required=True)
    # EWS
    ews_url = fields.Char(
        "EWS URL", help="For example https://mail.example.com/EWS/Exchange.asmx"
    )
    ews_username = fields.Char(
        "Service account",
        help="DOMAIN\\user or user@example.com of the service mailbox.",
    )
    ews_password = fields.Char(
        "Service account password", groups="base.group_system", copy=False
    )
    ews_access = fields.Selection(
        [
            ("delegate", "Delegate (Editor rights on each user's folders)"),
            ("impersonation", "Impersonation (ApplicationImpersonation role)"),
        ],
        "Access",
        default="delegate",
        required=True,
    )
    ews_auth_type = fields.Selection(
        [("ntlm", "NTLM"), ("basic", "Basic")],
        "Authentication",
        default="ntlm",
        required=True,
    )
    ews_version = fields.Selection(
        [
            ("2013", "Exchange Server 2013"),
            ("2016", "Exchange Server 2016"),
            ("2019", "Exchange Server 2019 / Subscription Edition"),
        ],
        "Exchange version",
        default="2016",
        required=True,
    )
    # folders and window
    calendar_folder_name = fields.Char(
        "Calendar folder",
        default="Calendar",
        required=True,
        help="Name of the calendar folder when a mailbox could not be asked "
        "(Calendar, Kalender, Agenda). Detected per mailbox on the first sync.",
    )
    tasks_folder_name = fields.Char(
        "Tasks folder",
        default="Tasks",
        required=True,
        help="Tasks, Opgaver, Taken. Detected per mailbox.",
    )
    days_back = fields.Integer("Days back", default=30, required=True)
    days_ahead = fields.Integer("Days ahead", default=365, required=True)
    interval_minutes = fields.Integer("Sync every (minutes)", default=15, required=True)
    sync_tasks = fields.Boolean(
        "Sync activities with tasks",
        default=True,
        help="Odoo activities of a user and the user's Outlook tasks (Microsoft To Do "
        "default list, or the Tasks folder on Exchange Server).",
    )
    last_run = fields.Datetime("Last run", readonly=True, copy=False)
    mailbox_ids = fields.One2many(
        "exchange.sync.mailbox", "config_id", string="Mailboxes"
    )
    mailbox_count = fields.Integer(compute="_compute_mailbox_count")
    is_ews_on_exchange_online = fields.Boolean(
        compute="_compute_is_ews_on_exchange_online"
    )

    _sql_constraints = [
        (
            "company_uniq",
            "unique(company_id)",
            "A company has one Exchange sync configuration.",
        ),
    ]

    @api.depends("mailbox_ids")
    def _compute_mailbox_count(self):
        for config in self:
            config.mailbox_count = len(config.mailbox_ids)

    @api.depends("backend", "ews_url")
    def _compute_is_ews_on_exchange_online(self):
        for config in self:
            host = (urlsplit(config.ews_url or "").hostname or "").lower()
            config.is_ews_on_exchange_online = (
                config.backend == "ews" and host.endswith(EXCHANGE_ONLINE_HOSTS)
            )

    @api.constrains("days_back", "days_ahead", "interval_minutes")
    def _check_window(self):
        for config in self:
            if (
                config.days_back < 0
                or config.days_ahead < 1
                or config.interval_minutes < 1
            ):
                raise UserError(
                    self.env._(
                        "The sync window needs zero or more days back, at least one "
                        "day "
                        "ahead and an interval of at least one minute."
                    )
                )

    # -- backend -----------------------------------------------------------
    def _window(self):
        """(start, end) of the synced period as naive UTC datetimes."""
        self.ensure_one()
        today = datetime.combine(fields.Date.today(), time())
        return today - timedelta(days=self.days_back), today + timedelta(
            days=self.days_ahead
        )

    def _param(self, key, default):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(f"exchange_calendar_sync.{key}", default)
        )
        return type(default)(value)

    def _make_backend(self):
        """The backend service for this configuration (secrets read as sudo)."""
        self.ensure_one()
        config = self.sudo()
        timeout = self._param("timeout", 30)
        retries = self._param("max_retries", 4)
        backoff = self._param("retry_backoff", 1.0)
        if config.backend == "graph":
            if not (config.tenant_id and config.client_id and config.client_secret):
                raise UserError(
                    self.env._(
                        "Fill in the tenant ID, client ID and client secret of the "
                        "Microsoft Graph app registration first."
                    )
                )
            return backends.make_backend(
                "graph",
                tenant_id=config.tenant_id.strip(),
                client_id=config.client_id.strip(),
                client_secret=config.client_secret,
                graph_url=config.graph_url,
                login_url=config.login_url,
                timeout=timeout,
                max_retries=retries,
                backoff=backoff,
                page_size=self._param("page_size", 100),
            )
        if not (config.ews_url and config.ews_username and config.ews_password):
            raise UserError(
                self.env._("Fill in the EWS URL, service account and password first.")
            )
        return backends.make_backend(
            "ews",
            server_url=config.ews_url,
            username=config.ews_username,
            password=config.ews_password,
            access=config.ews_access,
            auth_type=config.ews_auth_type,
            version=config.ews_version,
            timeout=timeout,
            max_retries=retries,
            page_size=self._param("page_size", 100),
            max_wait=self._param("ews_max_wait", 300),
        )

    # -- actions -----------------------------------------------------------
    def action_test_connection(self):
        self.ensure_one()
        self.env["exchange.sync.mailbox"]._check_administrator()
        backend = self._make_backend()
        mailbox = self.mailbox_ids[:1]
        try:
            if mailbox:
                names = mailbox._detect_folders(backend)
                message = self.env._(
                    "Connected. %(email)s: calendar folder %(calendar)s, tasks "
                    "folder %(tasks)s.",
                    email=mailbox.email,
                    calendar=names["calendar"],
                    tasks=names["tasks"],
                )
            elif self.backend == "graph":
                backend.client._get_token(force=True)
                message = self.env._(
                    "Connected: Microsoft accepted the app credentials."
                )
            else:
                raise UserError(self.env._("Add a mailbox to test the EWS connection."))
        except (GraphError, OSError) as exc:
            raise UserError(
                self.env._("Connection failed: %(error)s", error=exc)
            ) from exc
        except UserError:
            raise
        except Exception as exc:  # exchangelib raises many error types
            raise UserError(
                self.env._("Connection failed: %(error)s", error=exc)
            ) from exc
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"type": "success", "message": message, "sticky": False},
        }

    def action_sync_now(self):
        self.env["exchange.sync.mailbox"]._check_administrator()
        for config in self:
            mailboxes = config.mailbox_ids.filtered("enabled")
            mailboxes.sudo()._run_sync()
            config.last_run = fields.Datetime.now()
        return True

    def action_open_mailboxes(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Mailboxes"),
            "res_model": "exchange.sync.mailbox",
            "view_mode": "list,form",
            "domain": [("config_id", "=", self.id)],
            "context": {"default_config_id": self.id},
        }

    def action_open_permission_wizard(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Permission script"),
            "res_model": "exchange.permission.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_config_id": self.id,
                "default_mailbox_ids": self.mailbox_ids.ids,
            },
        }

    def action_add_users(self):
        """Create a mailbox for every internal user of the company not yet listed."""
        self.env["exchange.sync.mailbox"]._check_administrator()
        for config in self:
            users = self.env["res.users"].search(
                [
                    ("share", "=", False),
                    ("company_ids", "in", config.company_id.id),
                    ("email", "!=", False),
                    ("id", "not in", config.mailbox_ids.user_id.ids),
                ]
            )
            self.env["exchange.sync.mailbox"].create(
                [{"config_id": config.id, "user_id": user.id} for user in users]
            )
        return True

    @api.model
    def _cron_sync(self):
        """Scheduled action: sync every enabled mailbox of every due configuration."""
        now = fields.Datetime.now()
        for config in self.search([("enabled", "=", True)]):
            if config.last_run and config.last_run + timedelta(
                minutes=config.interval_minutes
            ) > now + timedelta(seconds=30):
                continue
            config.mailbox_ids.filtered("enabled")._run_sync()
            config.last_run = now
            config.mailbox_ids._commit_batch()
