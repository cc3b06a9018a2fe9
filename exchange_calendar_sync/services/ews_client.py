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
    "original_start",
    "recurrence",
    "first_occurrence",
    "last_occurrence",
    "modified_occurrences",
    "deleted_occurrences",
    KEY_FIELD,
]
# Graph patternedRecurrence words ↔ exchangelib's 1-based enum indexes
WEEKDAYS = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
]
WEEK_INDEXES = ["first", "second", "third", "fourth", "last"]
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

    def list_series_instances(self, email, start, end, uids=None):
        """Occurrences and exceptions of recurring series overlapping
        [start, end] (of the series with these iCalendar ``uids`` if given).

        One FindItem CalendarView that also returns each item's UID and
        CalendarItemType, then GetItem for the occurrences wanted only.
        """
        folder = self._call(self._folder, email, "calendar")
        self.request_count += 1
        found = self._call(
            lambda: list(
                folder.view(start=_ews_time(start), end=_ews_time(end)).values_list(
                    "id", "changekey", "uid", "type"
                )
            )
        )
        ids = [
            (item_id, changekey)
            for item_id, changekey, uid, kind in found
            if kind in ("Occurrence", "Exception") and (uids is None or uid in uids)
        ]
        return self._fetch(email, "calendar", ids) if ids else []

    def get_event(self, email, item_id):
        """One calendar item (a master with its occurrence summaries), or None."""
        found = self._fetch(email, "calendar", [(item_id, None)])
        return found[0] if found else None

    def master_of(self, email, occurrence_id):
        """The recurring master of an occurrence (GetItem with a
        RecurringMasterItemId), None if it is gone."""
        from exchangelib.properties import RecurringMasterItemId

        account = self._account(email)
        folder = self._folder(email, "calendar")
        self.request_count += 1
        result = self._call(
            lambda: list(
                account.fetch(
                    ids=[RecurringMasterItemId(id=occurrence_id)],
                    folder=folder,
                    only_fields=EVENT_FIELDS,
                )
            )
        )
        found = [_event_dict(i) for i in result if not isinstance(i, Exception)]
        return found[0] if found else None

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
            elif name == "recurrence":
                item.recurrence = recurrence_to_ews(value)
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


def recurrence_to_ews(recurrence):
    """A Graph-shaped patternedRecurrence (the neutral form of :mod:`mapping`)
    → exchangelib ``Recurrence`` (a pattern and a boundary)."""
    from exchangelib import EWSDate
    from exchangelib.recurrence import (
        AbsoluteMonthlyPattern,
        AbsoluteYearlyPattern,
        DailyPattern,
        EndDatePattern,
        NoEndPattern,
        NumberedPattern,
        Recurrence,
        RelativeMonthlyPattern,
        RelativeYearlyPattern,
        WeeklyPattern,
    )

    pattern, rule_range = recurrence["pattern"], recurrence["range"]
    kind = pattern.get("type")
    interval = max(int(pattern.get("interval") or 1), 1)
    days = [WEEKDAYS.index(d.lower()) + 1 for d in pattern.get("daysOfWeek") or []]
    index = WEEK_INDEXES.index(pattern.get("index") or "first") + 1
    if kind == "daily":
        rule = DailyPattern(interval=interval)
    elif kind == "weekly":
        first = WEEKDAYS.index((pattern.get("firstDayOfWeek") or "monday").lower())
        rule = WeeklyPattern(
            interval=interval, weekdays=days or [1], first_day_of_week=first + 1
        )
    elif kind == "absoluteMonthly":
        rule = AbsoluteMonthlyPattern(
            interval=interval, day_of_month=int(pattern.get("dayOfMonth") or 1)
        )
    elif kind == "relativeMonthly":
        rule = RelativeMonthlyPattern(
            interval=interval, weekday=(days or [1])[0], week_number=index
        )
    elif kind == "absoluteYearly":
        rule = AbsoluteYearlyPattern(
            day_of_month=int(pattern.get("dayOfMonth") or 1),
            month=int(pattern.get("month") or 1),
        )
    elif kind == "relativeYearly":
        rule = RelativeYearlyPattern(
            weekday=(days or [1])[0],
            week_number=index,
            month=int(pattern.get("month") or 1),
        )
    else:
        raise EwsError(f"Unsupported recurrence pattern {kind!r}")
    start = date.fromisoformat(rule_range["startDate"][:10])
    start = EWSDate(start.year, start.month, start.day)
    if rule_range.get("type") == "numbered":
        boundary = NumberedPattern(
            start=start, number=int(rule_range["numberOfOccurrences"])
        )
    elif rule_range.get("type") == "endDate":
        end = date.fromisoformat(rule_range["endDate"][:10])
        boundary = EndDatePattern(
            start=start, end=EWSDate(end.year, end.month, end.day)
        )
    else:
        boundary = NoEndPattern(start=start)
    return Recurrence(pattern=rule, boundary=boundary)


def recurrence_from_ews(recurrence):
    """exchangelib ``Recurrence`` → Graph-shaped patternedRecurrence (None for
    regenerating task patterns, which calendars never have)."""
    from exchangelib.recurrence import (
        AbsoluteMonthlyPattern,
        AbsoluteYearlyPattern,
        DailyPattern,
        EndDatePattern,
        NumberedPattern,
        RelativeMonthlyPattern,
        RelativeYearlyPattern,
        WeeklyPattern,
    )

    rule = recurrence.pattern

    def day_name(value):
        return WEEKDAYS[int(value) - 1] if isinstance(value, int) else value.lower()

    if isinstance(rule, DailyPattern):
        pattern = {"type": "daily", "interval": rule.interval}
    elif isinstance(rule, WeeklyPattern):
        weekdays = rule.weekdays if isinstance(rule.weekdays, list) else [rule.weekdays]
        pattern = {
            "type": "weekly",
            "interval": rule.interval,
            "daysOfWeek": [day_name(d) for d in weekdays],
            "firstDayOfWeek": day_name(rule.first_day_of_week or 1),
        }
    elif isinstance(rule, AbsoluteMonthlyPattern):
        pattern = {
            "type": "absoluteMonthly",
            "interval": rule.interval,
            "dayOfMonth": rule.day_of_month,
        }
    elif isinstance(rule, RelativeMonthlyPattern):
        pattern = {
            "type": "relativeMonthly",
            "interval": rule.interval,
            "daysOfWeek": [day_name(rule.weekday)],
            "index": WEEK_INDEXES[int(rule.week_number) - 1],
        }
    elif isinstance(rule, AbsoluteYearlyPattern):
        pattern = {
            "type": "absoluteYearly",
            "interval": 1,
            "dayOfMonth": rule.day_of_month,
            "month": int(rule.month),
        }
    elif isinstance(rule, RelativeYearlyPattern):
        pattern = {
            "type": "relativeYearly",
            "interval": 1,
            "daysOfWeek": [day_name(rule.weekday)],
            "index": WEEK_INDEXES[int(rule.week_number) - 1],
            "month": int(rule.month),
        }
    else:
        return None
    boundary = recurrence.boundary
    # a range's dates are days of the series' own zone: never shifted to UTC
    rule_range = {"type": "noEnd", "startDate": _day(boundary.start).isoformat()}
    if isinstance(boundary, NumberedPattern):
        rule_range.update(type="numbered", numberOfOccurrences=boundary.number)
    elif isinstance(boundary, EndDatePattern):
        rule_range.update(type="endDate", endDate=_day(boundary.end).isoformat())
    return {"pattern": pattern, "range": rule_range}


def _day(value):
    value = value.date() if isinstance(value, datetime) else value
    return date(value.year, value.month, value.day)


def _occurrence_dict(occurrence):
    return {
        "id": occurrence.id,
        "start": _plain_time(occurrence.start),
        "end": _plain_time(occurrence.end),
        "original_start": _plain_time(occurrence.original_start),
    }


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
        "original_start": _plain_time(item.original_start),
        "recurrence": recurrence_from_ews(item.recurrence) if item.recurrence else None,
        "start_timezone": getattr(item._start_timezone, "key", None),
        "last_occurrence_end": _plain_time(item.last_occurrence.end)
        if item.last_occurrence
        else None,
        "modified_occurrences": [
            _occurrence_dict(o) for o in item.modified_occurrences or []
        ],
        "deleted_occurrences": [
            _plain_time(o.start) for o in item.deleted_occurrences or []
        ],
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
