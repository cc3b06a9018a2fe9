"""Exchange Web Services (on-premises Exchange Server) through exchangelib.

One service account reaches every user's mailbox, either as a *delegate*
(Editor rights on the user's Calendar and Tasks folders) or through
*impersonation* (the ApplicationImpersonation role). The version and the
service endpoint are configured explicitly, so exchangelib never runs
autodiscover or version probing.

Items are returned as plain dicts (see :mod:`mapping`) so nothing outside this
module depends on exchangelib.
"""

import logging
from datetime import date, datetime, timezone
from decimal import Decimal

_logger = logging.getLogger(__name__)

KEY_FIELD = "odoo_sync_key"  # our key, stored as a PublicStrings extended property
VERSIONS = {"2013": (15, 0), "2016": (15, 1), "2019": (15, 2)}
EVENT_FIELDS = [
    "subject",
    "body",
    "start",
    "end",
    "is_all_day",
    "location",
    "organizer",
    "required_attendees",
    "optional_attendees",
    "sensitivity",
    "legacy_free_busy_status",
    "last_modified_time",
    "uid",
    "type",
    "is_cancelled",
    KEY_FIELD,
]
TASK_FIELDS = [
    "subject",
    "body",
    "due_date",
    "status",
    "percent_complete",
    "last_modified_time",
    KEY_FIELD,
]


def register_key_property():
    """Teach exchangelib our extended property (idempotent, process-wide)."""
    from exchangelib import CalendarItem, ExtendedProperty, Task
    from exchangelib.fields import InvalidField

    class OdooSyncKey(ExtendedProperty):
        distinguished_property_set_id = "PublicStrings"
        property_name = "OdooSyncKey"
        property_type = "String"

    for model in (CalendarItem, Task):
        try:
            model.get_field_by_fieldname(KEY_FIELD)
        except InvalidField:
            model.register(KEY_FIELD, OdooSyncKey)


def bounded_back_off(max_wait):
    """exchangelib's FaultTolerance with ``max_wait`` seconds of waiting in all.

    FaultTolerance bounds each single back-off only, so a server that stays
    busy would be retried for ever; this one gives up once the waits of the
    run add up to ``max_wait``. A 401 after the handshake is a refused login,
    not throttling (FaultTolerance would retry it).
    """
    from exchangelib.errors import RateLimitError, UnauthorizedError
    from exchangelib.protocol import FaultTolerance

    class BoundedBackOff(FaultTolerance):
        def __init__(self, max_wait):
            super().__init__(max_wait=max_wait)
            self.waited = 0.0

        def back_off(self, seconds):
            if seconds is None:
                seconds = min(self.DEFAULT_BACKOFF, self.max_wait)
            if self.waited + seconds > self.max_wait:
                raise RateLimitError(
                    f"Exchange is busy; gave up after waiting {self.waited:g}s",
                    wait=seconds,
                )
            self.waited += seconds
            return super().back_off(seconds)

        def raise_response_errors(self, response):
            if response.status_code == 401:
                raise UnauthorizedError(f"Invalid credentials for {response.url}")
            return super().raise_response_errors(response)

    return BoundedBackOff(max_wait)


class EwsError(Exception):
    """An EWS call failed for good."""


class SyncStateInvalid(EwsError):
    """Exchange no longer accepts the stored sync state: resync fully."""


class EwsClient:
    """Talks EWS for one service account (delegate or impersonation)."""

    def __init__(
        self,
        server_url,
        username,
        password,
        access="delegate",
        auth_type="ntlm",
        version="2016",
        timeout=30,
        max_retries=4,
        page_size=100,
        max_wait=300,
    ):
        from exchangelib import (
            BASIC,
            NTLM,
            Configuration,
            Credentials,
            FailFast,
        )
        from exchangelib.version import Build, Version

        self.server_url = server_url
        self.access = access
        self.page_size = page_size
        self.request_count = 0
        major, minor = VERSIONS.get(str(version), (15, 1))
        self.config = Configuration(
            service_endpoint=server_url,
            credentials=Credentials(username=username, password=password),
            auth_type=NTLM if auth_type == "ntlm" else BASIC,
            version=Version(build=Build(major, minor)),
            # exchangelib backs off on throttling (ErrorServerBusy, honouring its
            # BackOffMilliseconds) and 5xx; the policy bounds the total wait
            retry_policy=bounded_back_off(max_wait) if max_wait else FailFast(),
            max_connections=2,
        )
        self._accounts = {}
        self._folders = {}
        register_key_property()

    # -- plumbing ------------------------------------------------------------
    def _account(self, email):
        from exchangelib import DELEGATE, IMPERSONATION, Account, EWSTimeZone

        if email not in self._accounts:
            self._accounts[email] = Account(
                primary_smtp_address=email,
                config=self.config,
                autodiscover=False,
                access_type=IMPERSONATION
                if self.access == "impersonation"
                else DELEGATE,
                default_timezone=EWSTimeZone("UTC"),
            )
            # exchangelib caches its Protocol per endpoint and login, with the
            # config of the first client: give it this client's retry policy,
            # so each run has its own waiting budget and a changed max wait counts
            protocol = self._accounts[email].protocol
            protocol.config.retry_policy = self.config.retry_policy
        return self._accounts[email]

    def _folder(self, email, kind):
        """The distinguished calendar/tasks folder, whatever its local name."""
        key = (email, kind)
        if key not in self._folders:
            account = self._account(email)
            self.request_count += 2  # GetFolder root + GetFolder folder
            self._folders[key] = (
                account.calendar if kind == "calendar" else account.tasks
            )
        return self._folders[key]

    def _call(self, func, *args, **kwargs):
        from exchangelib.errors import EWSError, TransportError

        try:
            return func(*args, **kwargs)
        except (EWSError, TransportError) as exc:
            raise EwsError(f"{exc.__class__.__name__}: {exc}") from exc

    # -- folders -------------------------------------------------------------
    def folder_names(self, email):
        """Localised names of the calendar and tasks folders (Kalender, Opgaver)."""
        calendar = self._call(self._folder, email, "calendar")
        tasks = self._call(self._folder, email, "tasks")
        return {"calendar": calendar.name or "Calendar", "tasks": tasks.name or "Tasks"}

    # -- sync ------------------------------------------------------------------
    def sync_page(self, email, kind, state):
        """One SyncFolderItems round, then GetItem for what was created/changed.

        Returns ``(items, new_state, done)``; deleted items come back as
        ``{"id": ..., "removed": True}``.
        """
        from exchangelib.services import SyncFolderItems

        folder = self._call(self._folder, email, kind)
        service = SyncFolderItems(account=self._account(email))
        self.request_count += 1
        changes = self._sync_call(service, folder, state)
        removed, wanted = [], []
        for change_type, item in changes:
            if change_type == "delete":
                removed.append({"id": item.id, "removed": True})
            elif change_type in ("create", "update"):
                wanted.append((item.id, item.changekey))
        items = self._fetch(email, kind, wanted) if wanted else []
        done = bool(service.includes_last_item_in_range)
        return removed + items, service.sync_state, done

    def _sync_call(self, service, folder, state):
        from exchangelib.errors import (
            ErrorInvalidSyncStateData,
            EWSError,
            TransportError,
        )
        from exchangelib.items import ID_ONLY

        try:
            return list(
                service.call(
                    folder=folder,
                    shape=ID_ONLY,
                    additional_fields=set(),
                    sync_state=state or None,
                    ignore=None,
                    max_changes_returned=self.page_size,
                    sync_scope=None,
                )
            )
        except ErrorInvalidSyncStateData as exc:
            raise SyncStateInvalid(str(exc)) from exc
        except (EWSError, TransportError) as exc:
            raise EwsError(f"{exc.__class__.__name__}: {exc}") from exc

    def _fetch(self, email, kind, ids):
        account = self._account(email)
        fields = EVENT_FIELDS if kind == "calendar" else TASK_FIELDS
        folder = self._folder(email, kind)
        self.request_count += 1
        result = self._call(
            lambda: list(account.fetch(ids=ids, folder=folder, only_fields=fields))
        )
        plain = []
        for item in result:
            if isinstance(item, Exception):
                _logger.info("EWS item vanished before GetItem: %s", item)
                continue
            plain.append(_event_dict(item) if kind == "calendar" else _task_dict(item))
        return plain

    def _all(self, email, kind):
        items, state, done = [], None, False
        while not done:
            page, new_state, done = self.sync_page(email, kind, state)
            items.extend(i for i in page if not i.get("removed"))
            if new_state == state:
                break
            state = new_state
        return items

    def list_calendar(self, email, start, end):
        """Every event overlapping [start, end] (naive UTC).

        FindItem with a CalendarView (exchangelib's ``folder.view``): Exchange
        filters by date, so a moved window costs the days that entered it, not
        the whole folder; GetItem then reads the fields we map.
        """
        folder = self._call(self._folder, email, "calendar")
        self.request_count += 1
        ids = self._call(
            lambda: [
                (item_id, changekey)
                for item_id, changekey in folder.view(
                    start=_ews_time(start), end=_ews_time(end)
                ).values_list("id", "changekey")
            ]
        )
        return self._fetch(email, "calendar", ids) if ids else []

    def list_tasks(self, email):
        return [i for i in self._all(email, "tasks") if i.get("status") != "Completed"]

    # -- writes ------------------------------------------------------------------
    def _build(self, item, kind, values):
        from exchangelib import HTMLBody
        from exchangelib.properties import Attendee, Mailbox

        for name, value in values.items():
            if name in ("tz", "attendees"):
                continue
            if name == "body_html":
                item.body = HTMLBody(value or "")
            elif name in ("start", "end", "due_date"):
                setattr(item, name, _ews_time(value))
            elif name == "percent_complete":
                item.percent_complete = Decimal(value or 0)
            else:
                setattr(item, name, value)
        if kind == "calendar" and "attendees" in values:
            item.required_attendees = [
                Attendee(mailbox=Mailbox(email_address=e), response_type="Unknown")
                for e in values["attendees"]
            ] or None
        return item

    def _update_fields(self, kind, values):
        names = []
        for name in values:
            if name == "tz":
                continue
            if name == "body_html":
                names.append("body")
            elif name == "attendees":
                names.append("required_attendees")
            else:
                names.append(name)
        return names

    def create_item(self, email, kind, values, key=None):
        """Create an item; ``key`` is stored on it to recognise it after a crash."""
        from exchangelib import CalendarItem, Task

        account = self._account(email)
        folder = self._call(self._folder, email, kind)
        model = CalendarItem if kind == "calendar" else Task
        item = self._build(model(account=account, folder=folder), kind, values)
        if key:
            setattr(item, KEY_FIELD, key)
        self.request_count += 1
        if kind == "calendar":
            self._call(item.save, send_meeting_invitations="SendToAllAndSaveCopy")
        else:
            self._call(item.save)
        return self._fetch(email, kind, [(item.id, item.changekey)])[0]

    def update_item(self, email, kind, remote_id, values):
        from exchangelib import CalendarItem, Task

        account = self._account(email)
        folder = self._call(self._folder, email, kind)
        model = CalendarItem if kind == "calendar" else Task
        current = self._fetch(email, kind, [(remote_id, None)])
        if not current:
            raise EwsError(f"Item {remote_id} no longer exists in {email}")
        item = model(
            account=account,
            folder=folder,
            id=remote_id,
            changekey=current[0]["changekey"],
        )
        self._build(item, kind, values)
        self.request_count += 1
        update_fields = self._update_fields(kind, values)
        if kind == "calendar":
            self._call(
                item.save,
                update_fields=update_fields,
                send_meeting_invitations="SendToAllAndSaveCopy",
            )
        else:
            self._call(item.save, update_fields=update_fields)
        return self._fetch(email, kind, [(item.id, item.changekey)])[0]

    def delete_item(self, email, remote_id):
        """Delete an item (to Deleted Items); an item already gone is fine."""
        from exchangelib.errors import ErrorItemNotFound

        account = self._account(email)
        self.request_count += 1
        try:
            result = account.bulk_delete(
                ids=[(remote_id, None)],
                delete_type="MoveToDeletedItems",
                send_meeting_cancellations="SendToAllAndSaveCopy",
                affected_task_occurrences="AllOccurrences",
            )
        except ErrorItemNotFound:
            return True
        for outcome in result:
            if isinstance(outcome, ErrorItemNotFound):
                continue
            if isinstance(outcome, Exception):
                raise EwsError(str(outcome))
        return True


def _ews_time(value):
    from exchangelib import EWSDate, EWSDateTime, EWSTimeZone

    if value is None:
        return None
    if isinstance(value, datetime):
        utc = value.astimezone(timezone.utc) if value.tzinfo else value
        return EWSDateTime(
            utc.year,
            utc.month,
            utc.day,
            utc.hour,
            utc.minute,
            utc.second,
            tzinfo=EWSTimeZone("UTC"),
        )
    return EWSDate(value.year, value.month, value.day)


def _plain_time(value):
    if isinstance(value, datetime):
        if value.tzinfo:
            # EWSDateTime refuses astimezone(timezone.utc): go through the epoch
            return datetime.fromtimestamp(value.timestamp(), timezone.utc).replace(
                tzinfo=None
            )
        return datetime(
            value.year, value.month, value.day, value.hour, value.minute, value.second
        )
    if isinstance(value, date):
        return date(value.year, value.month, value.day)
    return value


def _email(mailbox):
    return getattr(mailbox, "email_address", None)


def _event_dict(item):
    attendees = [
        _email(a.mailbox)
        for a in (item.required_attendees or []) + (item.optional_attendees or [])
        if getattr(a, "mailbox", None)
    ]
    return {
        "id": item.id,
        "changekey": item.changekey,
        "uid": item.uid,
        "subject": item.subject,
        "body_html": str(item.body) if item.body else "",
        "start": _plain_time(item.start),
        "end": _plain_time(item.end),
        "is_all_day": bool(item.is_all_day),
        "location": item.location,
        "organizer": _email(item.organizer),
        "attendees": [a for a in attendees if a],
        "sensitivity": item.sensitivity,
        "legacy_free_busy_status": item.legacy_free_busy_status,
        "last_modified_time": _plain_time(item.last_modified_time),
        "type": item.type,
        "is_cancelled": bool(item.is_cancelled),
        "odoo_key": getattr(item, KEY_FIELD, None),
    }


def _task_dict(item):
    return {
        "id": item.id,
        "changekey": item.changekey,
        "subject": item.subject,
        "body_html": str(item.body) if item.body else "",
        "due_date": _plain_time(item.due_date),
        "status": item.status,
        "last_modified_time": _plain_time(item.last_modified_time),
        "odoo_key": getattr(item, KEY_FIELD, None),
    }
