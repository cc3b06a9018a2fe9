"""Fake Exchange Web Services endpoint (Exchange Server 2016) on 127.0.0.1.

Answers the SOAP operations exchangelib sends for the Exchange sync, in the
shapes Exchange returns them (see the EWS operation reference on
learn.microsoft.com): ``GetFolder`` (distinguished root/calendar/tasks with
localised display names), ``SyncFolderItems`` (paged by
``MaxChangesReturned``, opaque ``SyncState``, ``IncludesLastItemInRange``),
``GetItem``, ``CreateItem``, ``UpdateItem`` (SetItemField/DeleteItemField)
and ``DeleteItem``. Configure exchangelib with this endpoint as
``service_endpoint``, an explicit ``Version`` and Basic auth: it then makes no
autodiscover or version probing calls.

Tests drive the "Outlook side" with :meth:`FakeEws.add_event`,
:meth:`update_item`, :meth:`delete_item` and :meth:`add_task`.

Recurring series are stored as Exchange stores them: one ``CalendarItem`` of
``CalendarItemType`` ``RecurringMaster`` with its ``Recurrence`` (a pattern
such as ``WeeklyRecurrence`` and a range such as ``NumberedRecurrence``).
``SyncFolderItems`` reports the master only; ``FindItem`` with a
``CalendarView`` expands it into ``Occurrence`` and ``Exception`` items;
``GetItem`` of the master adds ``FirstOccurrence``, ``LastOccurrence``,
``ModifiedOccurrences`` and ``DeletedOccurrences``; an occurrence's ``ItemId``
can be read, updated (it becomes an exception) or deleted (it becomes a
deleted occurrence), and ``RecurringMasterItemId`` reads its master. Series
repeat in UTC (the fake ignores ``StartTimeZone``). Tests drive series with
:meth:`add_series`, :meth:`occurrences`, :meth:`move_occurrence`,
:meth:`cancel_occurrence` and :meth:`set_recurrence`.
"""

import base64
import copy
import itertools
import secrets
import uuid
from datetime import date, datetime, time, timedelta, timezone

from dateutil import rrule
from lxml import etree

from nordic_crm_fakes.base import FakeServer, Reply

S = "http://schemas.xmlsoap.org/soap/envelope/"
M = "http://schemas.microsoft.com/exchange/services/2006/messages"
T = "http://schemas.microsoft.com/exchange/services/2006/types"
NSMAP = {"s": S, "m": M, "t": T}
FOLDER_TAGS = {
    "root": "Folder",
    "msgfolderroot": "Folder",
    "calendar": "CalendarFolder",
    "tasks": "TasksFolder",
}
FOLDER_CLASSES = {"calendar": "IPF.Appointment", "tasks": "IPF.Task"}
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
WEEK_INDEX = {"First": 1, "Second": 2, "Third": 3, "Fourth": 4, "Last": -1}
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
# what GetItem adds to a master and drops from its occurrences
SERIES_TAGS = (
    "Recurrence",
    "FirstOccurrence",
    "LastOccurrence",
    "ModifiedOccurrences",
    "DeletedOccurrences",
)


def t(tag):
    return f"{{{T}}}{tag}"


def m(tag):
    return f"{{{M}}}{tag}"


def _stamp(value=None):
    value = value or datetime.now(timezone.utc).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _sub(parent, tag, text=None, **attrs):
    elem = etree.SubElement(parent, tag, **attrs)
    if text is not None:
        elem.text = str(text)
    return elem


def _ntlm_user_file(username, password):
    """pyspnego's NTLM acceptor reads its accounts from ``NTLM_USER_FILE``."""
    import os
    import tempfile

    line = f":{username}:{password}\n"
    path = os.environ.get("NTLM_USER_FILE")
    if path and os.path.isfile(path):
        with open(path, encoding="utf-8") as handle:
            if line in handle.read():
                return
    with tempfile.NamedTemporaryFile(
        "w", suffix=".ntlm", delete=False, encoding="utf-8"
    ) as handle:
        handle.write(line)
    os.environ["NTLM_USER_FILE"] = handle.name


class FakeEws(FakeServer):
    username = "svc-odoo@nordlys.example"
    password = "fake-password"
    path = "/EWS/Exchange.asmx"

    def __init__(self):
        super().__init__()
        self.mailboxes = {}
        self.seq = 0
        self._ids = itertools.count(1)
        self.cursors = {}
        self.operations = []  # SOAP operation names, in order
        self.calendar_views = []  # (start, end) of each FindItem CalendarView
        self.throttled = []  # (operation, back-off ms) answered ErrorServerBusy
        self.auth = "basic"  # or "ntlm": the IIS authentication of /EWS
        self.ntlm_messages = []  # NTLM message types received (1, 3)
        self._ntlm_pending = []
        _ntlm_user_file(self.username, self.password)
        self.impersonations = []  # PrimarySmtpAddress of each impersonated call
        self.impersonation_granted = True  # ApplicationImpersonation role held
        self.delegate_rights = None  # mailboxes the account may open; None: all
        self.fail_when = None  # callable(operation_name) -> Reply | None
        # callable(operation_name) -> Reply | None, asked after the operation ran
        # (simulates an answer lost after Exchange did the work)
        self.fail_after = None
        # recurring masters: {master id: {"modified": {original start: [fields]},
        # "deleted": {original start}}}, as Exchange keeps a series' exceptions
        self.series = {}

    @property
    def endpoint(self):
        return self.url + self.path

    # -- Outlook side --------------------------------------------------------
    def add_mailbox(self, email, calendar_name="Calendar", tasks_name="Tasks"):
        email = email.lower()
        self.mailboxes[email] = {
            "names": {"calendar": calendar_name, "tasks": tasks_name},
            "folders": {
                kind: {"id": self._new_id("F"), "items": {}, "log": []}
                for kind in ("root", "calendar", "tasks")
            },
        }
        return self.mailboxes[email]

    def _new_id(self, prefix="I"):
        raw = f"{prefix}-{next(self._ids)}-{uuid.uuid4().hex[:8]}".encode()
        return base64.b64encode(raw).decode()

    def _folder(self, email, kind):
        return self.mailboxes[email.lower()]["folders"][kind]

    def _log(self, folder, item_id):
        self.seq += 1
        folder["log"].append((self.seq, item_id))

    def _store(self, email, kind, elem, when=None):
        folder = self._folder(email, kind)
        item_id = self._new_id()
        for old in elem.findall(t("ItemId")):
            elem.remove(old)
        ident = etree.Element(t("ItemId"), Id=item_id, ChangeKey=secrets.token_hex(6))
        elem.insert(0, ident)
        if kind == "calendar":
            if elem.find(t("UID")) is None:
                _sub(
                    elem,
                    t("UID"),
                    "040000008200E00074C5B7101A82E008" + uuid.uuid4().hex,
                )
            if elem.find(t("Organizer")) is None:
                org = _sub(elem, t("Organizer"))
                box = _sub(org, t("Mailbox"))
                _sub(box, t("EmailAddress"), email)
                _sub(box, t("RoutingType"), "SMTP")
            for tag, default in (
                ("CalendarItemType", "Single"),
                ("IsCancelled", "false"),
                ("IsAllDayEvent", "false"),
            ):
                if elem.find(t(tag)) is None:
                    _sub(elem, t(tag), default)
        self._touch(elem, when)
        folder["items"][item_id] = elem
        self._log(folder, item_id)
        return item_id

    def _touch(self, elem, when=None):
        stamp = elem.find(t("LastModifiedTime"))
        if stamp is None:
            stamp = _sub(elem, t("LastModifiedTime"))
        stamp.text = _stamp(when)
        elem.find(t("ItemId")).set("ChangeKey", secrets.token_hex(6))

    def add_event(
        self,
        email,
        subject,
        start,
        end,
        attendees=(),
        location=None,
        body=None,
        is_all_day=False,
        when=None,
        odoo_key=None,
        uid=None,
    ):
        """An item created in Outlook; ``odoo_key`` writes the PublicStrings
        property the sync stamps on its own items (as any EWS client can),
        ``uid`` sets the iCalendar UID (settable on create in EWS)."""
        elem = etree.Element(t("CalendarItem"), nsmap={"t": T})
        _sub(elem, t("Subject"), subject)
        if body:
            _sub(elem, t("Body"), body, BodyType="HTML")
        _sub(elem, t("Start"), _stamp(start))
        _sub(elem, t("End"), _stamp(end))
        _sub(elem, t("IsAllDayEvent"), "true" if is_all_day else "false")
        if location:
            _sub(elem, t("Location"), location)
        _sub(elem, t("LegacyFreeBusyStatus"), "Busy")
        _sub(elem, t("Sensitivity"), "Normal")
        if attendees:
            required = _sub(elem, t("RequiredAttendees"))
            for address in attendees:
                attendee = _sub(required, t("Attendee"))
                box = _sub(attendee, t("Mailbox"))
                _sub(box, t("EmailAddress"), address)
                _sub(attendee, t("ResponseType"), "Unknown")
        if uid:
            _sub(elem, t("UID"), uid)
        self._add_key(elem, odoo_key)
        return self._store(email, "calendar", elem, when)

    def add_task(
        self, email, subject, due=None, status="NotStarted", when=None, odoo_key=None
    ):
        elem = etree.Element(t("Task"), nsmap={"t": T})
        _sub(elem, t("Subject"), subject)
        if due:
            _sub(elem, t("DueDate"), f"{due.isoformat()}T00:00:00Z")
        _sub(elem, t("PercentComplete"), "100" if status == "Completed" else "0")
        _sub(elem, t("Status"), status)
        self._add_key(elem, odoo_key)
        return self._store(email, "tasks", elem, when)

    @staticmethod
    def _add_key(elem, odoo_key):
        if odoo_key is None:
            return
        prop = _sub(elem, t("ExtendedProperty"))
        _sub(
            prop,
            t("ExtendedFieldURI"),
            DistinguishedPropertySetId="PublicStrings",
            PropertyName="OdooSyncKey",
            PropertyType="String",
        )
        _sub(prop, t("Value"), odoo_key)

    def odoo_key(self, email, item_id):
        """The sync key stored on an item (None without one)."""
        _kind, folder = self.find(email, item_id)
        for prop in folder["items"][item_id].findall(t("ExtendedProperty")):
            uri = prop.find(t("ExtendedFieldURI"))
            if uri is not None and uri.get("PropertyName") == "OdooSyncKey":
                return self.text(prop, "Value")
        return None

    def find(self, email, item_id):
        for kind, folder in self.mailboxes[email.lower()]["folders"].items():
            if item_id in folder["items"]:
                return kind, folder
        return None, None

    def update_item(self, email, item_id, when=None, **fields):
        """Change simple text fields (``Subject="..."``) as Outlook would."""
        _kind, folder = self.find(email, item_id)
        elem = folder["items"][item_id]
        for tag, value in fields.items():
            child = elem.find(t(tag))
            if child is None:
                child = _sub(elem, t(tag))
            child.text = value if isinstance(value, str) else _stamp(value)
        if item_id in self.series:
            self.series[item_id]["version"] = secrets.token_hex(4)
        self._touch(elem, when)
        self._log(folder, item_id)

    def delete_item(self, email, item_id):
        _kind, folder = self.find(email, item_id)
        folder["items"].pop(item_id)
        self._log(folder, item_id)

    def items(self, email, kind="calendar"):
        return list(self._folder(email, kind)["items"].values())

    def text(self, elem, tag):
        child = elem.find(t(tag))
        return child.text if child is not None else None

    # -- recurring series (Outlook side) ----------------------------------------
    def add_series(
        self,
        email,
        subject,
        start,
        end,
        pattern="Weekly",
        interval=1,
        days_of_week=None,
        day_of_month=None,
        count=None,
        until=None,
        **extra,
    ):
        """A recurring series created in Outlook: its ``RecurringMaster`` with a
        ``<pattern>Recurrence`` (Daily, Weekly, AbsoluteMonthly) and a
        Numbered / EndDate / NoEnd range starting on ``start``'s day."""
        item_id = self.add_event(email, subject, start, end, **extra)
        _kind, folder = self.find(email, item_id)
        elem = folder["items"][item_id]
        elem.find(t("CalendarItemType")).text = "RecurringMaster"
        elem.append(
            self.recurrence_elem(
                start.date(),
                pattern,
                interval,
                days_of_week or [DAYS[start.weekday()]],
                day_of_month or start.day,
                count,
                until,
            )
        )
        self.series[item_id] = self._series_state()
        return item_id

    @staticmethod
    def recurrence_elem(
        first_day,
        pattern="Weekly",
        interval=1,
        days_of_week=("Monday",),
        day_of_month=1,
        count=None,
        until=None,
    ):
        """A ``t:Recurrence`` element as EWS documents it (RecurrenceType)."""
        recurrence = etree.Element(t("Recurrence"), nsmap={"t": T})
        rule = _sub(recurrence, t(f"{pattern}Recurrence"))
        _sub(rule, t("Interval"), interval)
        if pattern == "Weekly":
            _sub(rule, t("DaysOfWeek"), " ".join(days_of_week))
            _sub(rule, t("FirstDayOfWeek"), "Monday")
        elif pattern == "AbsoluteMonthly":
            _sub(rule, t("DayOfMonth"), day_of_month)
        if count:
            boundary = _sub(recurrence, t("NumberedRecurrence"))
            _sub(boundary, t("StartDate"), first_day.isoformat())
            _sub(boundary, t("NumberOfOccurrences"), count)
        elif until:
            boundary = _sub(recurrence, t("EndDateRecurrence"))
            _sub(boundary, t("StartDate"), first_day.isoformat())
            _sub(boundary, t("EndDate"), until.isoformat())
        else:
            boundary = _sub(recurrence, t("NoEndRecurrence"))
            _sub(boundary, t("StartDate"), first_day.isoformat())
        return recurrence

    def set_recurrence(self, email, master_id, start=None, end=None, **rule):
        """The series' pattern changed in Outlook (``rule`` as for
        :meth:`add_series`): Exchange drops its exceptions and deleted
        occurrences, as it does when a pattern is edited."""
        _kind, folder = self.find(email, master_id)
        elem = folder["items"][master_id]
        if start is not None:
            elem.find(t("Start")).text = _stamp(start)
            elem.find(t("End")).text = _stamp(end)
        first = self._parse_stamp(elem.findtext(t("Start")))
        old = elem.find(t("Recurrence"))
        elem.replace(
            old,
            self.recurrence_elem(
                first.date(),
                rule.get("pattern", "Weekly"),
                rule.get("interval", 1),
                rule.get("days_of_week") or [DAYS[first.weekday()]],
                rule.get("day_of_month") or first.day,
                rule.get("count"),
                rule.get("until"),
            ),
        )
        self.series[master_id] = self._series_state()
        self._touch(elem)
        self._log(folder, master_id)

    def occurrences(self, email, master_id, start=None, end=None):
        """The series' occurrences and exceptions overlapping [start, end), as
        plain dicts (``id``, ``type``, ``subject``, ``start``, ``end``,
        ``original_start``)."""
        _kind, folder = self.find(email, master_id)
        master = folder["items"][master_id]
        result = []
        for elem in self._expand(master_id, master, start, end):
            result.append(
                {
                    "id": elem.find(t("ItemId")).get("Id"),
                    "type": self.text(elem, "CalendarItemType"),
                    "subject": self.text(elem, "Subject"),
                    "location": self.text(elem, "Location"),
                    "start": self._parse_stamp(self.text(elem, "Start")),
                    "end": self._parse_stamp(self.text(elem, "End")),
                    "original_start": self._parse_stamp(
                        self.text(elem, "OriginalStart")
                    ),
                }
            )
        return result

    def move_occurrence(self, email, occurrence_id, start, end):
        """One occurrence moved in Outlook: it becomes an exception."""
        changes = []
        for tag, value in (("Start", start), ("End", end)):
            elem = etree.Element(t(tag))
            elem.text = _stamp(value)
            changes.append((tag, elem))
        self._modify_occurrence(occurrence_id, changes)

    def cancel_occurrence(self, email, occurrence_id):
        """One occurrence deleted in Outlook (the series goes on)."""
        master_id, original = self._occurrence_key(occurrence_id)
        self.series[master_id]["deleted"].add(original)
        self.series[master_id]["modified"].pop(original, None)
        self._touch_master(master_id)

    # -- recurring series (Exchange's side) ------------------------------------
    @staticmethod
    def _series_state():
        """A series' exceptions; ``version`` changes when the master itself
        changes (its occurrences' ChangeKey follow it, not each exception)."""
        return {"modified": {}, "deleted": set(), "version": secrets.token_hex(4)}

    @staticmethod
    def occurrence_id(master_id, original):
        raw = f"OCC|{master_id}|{original:%Y%m%dT%H%M%S}".encode()
        return base64.b64encode(raw).decode()

    def _occurrence_key(self, item_id):
        """``(master id, original start)`` of an occurrence id, else None."""
        try:
            raw = base64.b64decode(item_id.encode(), validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        if not raw.startswith("OCC|"):
            return None
        _prefix, master_id, stamp = raw.split("|", 2)
        if master_id not in self.series:
            return None
        return master_id, datetime.strptime(stamp, "%Y%m%dT%H%M%S")

    def _touch_master(self, master_id):
        _email, _kind, folder = self._locate(master_id)
        self._touch(folder["items"][master_id])
        self._log(folder, master_id)

    def _modify_occurrence(self, occurrence_id, changes):
        master_id, original = self._occurrence_key(occurrence_id)
        fields = dict(self.series[master_id]["modified"].get(original, []))
        fields.update(changes)
        fields["ChangeKey"] = secrets.token_hex(6)
        self.series[master_id]["modified"][original] = list(fields.items())
        self._touch_master(master_id)

    def _rule(self, master):
        """dateutil rrule of a master's ``Recurrence`` (UTC)."""
        recurrence = master.find(t("Recurrence"))
        first = self._parse_stamp(master.findtext(t("Start")))
        kwargs, freq = {}, rrule.DAILY
        for child in recurrence:
            name = etree.QName(child).localname
            text = {etree.QName(c).localname: c.text for c in child}
            if name.endswith("Recurrence") and "Interval" in text:
                kwargs["interval"] = max(int(text.get("Interval") or 1), 1)
            if name == "WeeklyRecurrence":
                freq = rrule.WEEKLY
                kwargs["byweekday"] = [
                    DAYS.index(day) for day in (text.get("DaysOfWeek") or "").split()
                ]
                kwargs["wkst"] = DAYS.index(text.get("FirstDayOfWeek") or "Monday")
            elif name == "AbsoluteMonthlyRecurrence":
                freq = rrule.MONTHLY
                kwargs["bymonthday"] = int(text["DayOfMonth"])
            elif name == "RelativeMonthlyRecurrence":
                freq = rrule.MONTHLY
                day = rrule.weekday(DAYS.index(text["DaysOfWeek"]))
                kwargs["byweekday"] = day(WEEK_INDEX[text["DayOfWeekIndex"]])
            elif name == "AbsoluteYearlyRecurrence":
                freq = rrule.YEARLY
                kwargs["bymonth"] = MONTHS.index(text["Month"]) + 1
                kwargs["bymonthday"] = int(text["DayOfMonth"])
            elif name == "NumberedRecurrence":
                kwargs["count"] = int(text["NumberOfOccurrences"])
                start_day = date.fromisoformat(text["StartDate"][:10])
            elif name in ("EndDateRecurrence", "NoEndRecurrence"):
                start_day = date.fromisoformat(text["StartDate"][:10])
                if text.get("EndDate"):
                    end_day = date.fromisoformat(text["EndDate"][:10])
                    kwargs["until"] = datetime.combine(end_day, time(23, 59, 59))
        dtstart = datetime.combine(start_day, first.time())
        return rrule.rrule(freq, dtstart=dtstart, **kwargs)

    def _originals(self, master, until=None):
        """Original starts of a master's occurrences (to ``until`` if endless)."""
        rule = self._rule(master)
        if rule._count or rule._until:
            return list(rule)[:999]
        until = until or datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(
            days=730
        )
        return rule.between(datetime.min, until, inc=True)

    def _occurrence_elem(self, master_id, master, original):
        """The Occurrence (or Exception) item of ``original``, None if deleted."""
        state = self.series[master_id]
        if original in state["deleted"]:
            return None
        length = self._parse_stamp(master.findtext(t("End"))) - self._parse_stamp(
            master.findtext(t("Start"))
        )
        elem = copy.deepcopy(master)
        for tag in SERIES_TAGS:
            for old in elem.findall(t(tag)):
                elem.remove(old)
        modified = dict(state["modified"].get(original, []))
        ident = elem.find(t("ItemId"))
        ident.set("Id", self.occurrence_id(master_id, original))
        ident.set(
            "ChangeKey",
            state["version"] + modified.get("ChangeKey", ""),
        )
        elem.find(t("CalendarItemType")).text = (
            "Exception" if modified else "Occurrence"
        )
        elem.find(t("Start")).text = _stamp(original)
        elem.find(t("End")).text = _stamp(original + length)
        _sub(elem, t("OriginalStart"), _stamp(original))
        for tag, value in modified.items():
            if tag == "ChangeKey":
                continue
            old = elem.find(t(tag))
            if old is not None:
                elem.remove(old)
            elem.append(copy.deepcopy(value))
        return elem

    def _expand(self, master_id, master, start=None, end=None):
        until = end + timedelta(days=1) if end else None
        for original in self._originals(master, until):
            elem = self._occurrence_elem(master_id, master, original)
            if elem is None:
                continue
            occ_start = self._parse_stamp(elem.findtext(t("Start")))
            occ_end = self._parse_stamp(elem.findtext(t("End")))
            if (end is None or occ_start < end) and (start is None or occ_end > start):
                yield elem

    def _master_view(self, master_id, master):
        """A master as GetItem returns it, with its occurrence summaries."""
        elem = copy.deepcopy(master)
        state = self.series[master_id]
        originals = self._originals(master)
        live = [o for o in originals if o not in state["deleted"]]

        def summary(tag, original):
            occurrence = self._occurrence_elem(master_id, master, original)
            node = etree.Element(t(tag))
            ident = occurrence.find(t("ItemId"))
            _sub(
                node, t("ItemId"), Id=ident.get("Id"), ChangeKey=ident.get("ChangeKey")
            )
            for name in ("Start", "End", "OriginalStart"):
                _sub(node, t(name), occurrence.findtext(t(name)))
            return node

        rule = self._rule(master)
        if live:
            elem.append(summary("FirstOccurrence", live[0]))
            if rule._count or rule._until:
                elem.append(summary("LastOccurrence", live[-1]))
        if state["modified"]:
            modified = _sub(elem, t("ModifiedOccurrences"))
            for original in sorted(state["modified"]):
                modified.append(summary("Occurrence", original))
        if state["deleted"]:
            deleted = _sub(elem, t("DeletedOccurrences"))
            for original in sorted(state["deleted"]):
                node = _sub(deleted, t("DeletedOccurrence"))
                _sub(node, t("Start"), _stamp(original))
        return elem

    def _resolve(self, item_id):
        """``(kind, element)`` of any item id: stored, occurrence or None."""
        _email, _kind, folder = self._locate(item_id)
        if folder is not None:
            elem = folder["items"][item_id]
            if item_id in self.series:
                return "master", self._master_view(item_id, elem)
            return "item", elem
        key = self._occurrence_key(item_id)
        if key:
            master_id, original = key
            _email, _kind, folder = self._locate(master_id)
            master = folder["items"][master_id] if folder else None
            if master is not None and original in self._originals(
                master, original + timedelta(days=1)
            ):
                occurrence = self._occurrence_elem(master_id, master, original)
                if occurrence is not None:
                    return "occurrence", occurrence
        return None, None

    # -- SOAP ----------------------------------------------------------------
    def handle(self, request):
        if request.method != "POST" or request.path != self.path:
            return Reply(404, b"")
        refused = self._authenticate(request.headers.get("authorization") or "")
        if refused is not None:
            return refused
        root = etree.fromstring(request.body)
        body = root.find(f"{{{S}}}Body")
        operation = body[0]
        name = etree.QName(operation).localname
        self.operations.append(name)
        refused = self._check_access(root, operation)
        if refused is not None:
            return refused
        if self.fail_when:
            reply = self.fail_when(name)
            if reply is not None:
                return reply
        handler = getattr(self, f"_op_{name}", None)
        if handler is None:
            return self._fault(f"Operation {name} is not supported by the fake")
        messages = handler(operation, self._mailbox_of(root, operation))
        if self.fail_after:
            reply = self.fail_after(name)
            if reply is not None:
                return reply
        response = etree.Element(m(f"{name}Response"), nsmap={"m": M, "t": T})
        container = _sub(response, m("ResponseMessages"))
        for message in messages:
            container.append(message)
        return self._envelope(response)

    def _authenticate(self, header):
        """Basic, or NTLM (exchangelib's default) when :attr:`auth` is "ntlm".

        NTLM is a real handshake (negotiate, challenge, authenticate) checked by
        pyspnego's NTLM acceptor against :attr:`username`/:attr:`password`; as
        on IIS, a Basic header is refused when only NTLM is enabled.
        """
        if self.auth != "ntlm":
            expected = base64.b64encode(
                f"{self.username}:{self.password}".encode()
            ).decode()
            if header == f"Basic {expected}":
                return None
            return Reply(401, b"", headers={"WWW-Authenticate": 'Basic realm="fake"'})
        challenge = {"WWW-Authenticate": "NTLM"}
        if not header.startswith("NTLM "):
            return Reply(401, b"", headers=challenge)
        import spnego

        token = base64.b64decode(header[5:])
        self.ntlm_messages.append(token[8])  # 1 negotiate, 3 authenticate
        if token[8] == 1:
            context = spnego.server(protocol="ntlm")
            reply = context.step(token)
            self._ntlm_pending.append(context)
            return Reply(
                401,
                b"",
                headers={
                    "WWW-Authenticate": f"NTLM {base64.b64encode(reply).decode()}"
                },
            )
        while self._ntlm_pending:
            context = self._ntlm_pending.pop()
            try:
                context.step(token)
            except spnego.exceptions.SpnegoError:
                continue
            if context.complete:
                return None
        return Reply(401, b"", headers=challenge)

    def _check_access(self, root, operation):
        """What Exchange checks before acting for another user's mailbox.

        With an ``ExchangeImpersonation`` SOAP header the service account must
        hold the ApplicationImpersonation role (:attr:`impersonation_granted`)
        and the address must be a mailbox; without it, a folder of another
        mailbox (``DistinguishedFolderId/Mailbox``) needs delegate rights
        (:attr:`delegate_rights`: None grants every mailbox).
        """
        header = root.find(f"{{{S}}}Header")
        impersonated = (
            header.findtext(
                f".//{t('ExchangeImpersonation')}//{t('PrimarySmtpAddress')}"
            )
            if header is not None
            else None
        )
        if impersonated:
            self.impersonations.append(impersonated.lower())
            if not self.impersonation_granted:
                return self._soap_error(
                    "ErrorImpersonateUserDenied",
                    "The account does not have permission to impersonate the "
                    "requested user.",
                )
            if impersonated.lower() not in self.mailboxes:
                return self._soap_error(
                    "ErrorNonExistentMailbox",
                    f"The SMTP address {impersonated} has no mailbox associated "
                    "with it.",
                )
            return None
        if self.delegate_rights is None:
            return None
        for address in operation.iterfind(
            f".//{t('DistinguishedFolderId')}/{t('Mailbox')}/{t('EmailAddress')}"
        ):
            if address.text.lower() not in self.delegate_rights:
                return self._soap_error(
                    "ErrorAccessDenied",
                    "Access is denied. Check credentials and try again.",
                )
        return None

    def _soap_error(self, code, text):
        """A SOAP fault with an EWS ResponseCode, as Exchange sends for
        request-level errors (HTTP 500)."""
        errors = "http://schemas.microsoft.com/exchange/services/2006/errors"
        envelope = etree.Element(f"{{{S}}}Envelope", nsmap={"s": S})
        body = _sub(envelope, f"{{{S}}}Body")
        fault = _sub(body, f"{{{S}}}Fault")
        _sub(fault, "faultcode", f"a:{code}")
        _sub(fault, "faultstring", text)
        detail = _sub(fault, "detail")
        _sub(detail, f"{{{errors}}}ResponseCode", code)
        _sub(detail, f"{{{errors}}}Message", text)
        return Reply(
            500,
            etree.tostring(envelope, xml_declaration=True, encoding="utf-8"),
            headers={"Content-Type": "text/xml; charset=utf-8"},
        )

    def _mailbox_of(self, root, operation):
        found = operation.find(f".//{t('Mailbox')}/{t('EmailAddress')}")
        if found is not None:
            return found.text.lower()
        impersonation = root.find(f".//{t('PrimarySmtpAddress')}")
        return impersonation.text.lower() if impersonation is not None else None

    def _envelope(self, payload):
        envelope = etree.Element(f"{{{S}}}Envelope", nsmap={"s": S})
        header = _sub(envelope, f"{{{S}}}Header")
        etree.SubElement(
            header,
            t("ServerVersionInfo"),
            MajorVersion="15",
            MinorVersion="1",
            MajorBuildNumber="2507",
            MinorBuildNumber="6",
            Version="V2017_07_11",
            nsmap={"t": T},
        )
        body = _sub(envelope, f"{{{S}}}Body")
        body.append(payload)
        return Reply(
            200,
            etree.tostring(envelope, xml_declaration=True, encoding="utf-8"),
            headers={"Content-Type": "text/xml; charset=utf-8"},
        )

    def _fault(self, text):
        envelope = etree.Element(f"{{{S}}}Envelope", nsmap={"s": S})
        body = _sub(envelope, f"{{{S}}}Body")
        fault = _sub(body, f"{{{S}}}Fault")
        _sub(fault, "faultcode", "a:ErrorInvalidRequest")
        _sub(fault, "faultstring", text)
        return Reply(
            500, etree.tostring(envelope), headers={"Content-Type": "text/xml"}
        )

    @staticmethod
    def server_busy(back_off_ms):
        """The SOAP fault Exchange answers a throttled request with (HTTP 500,
        ``ErrorServerBusy`` and ``BackOffMilliseconds`` in ``MessageXml``)."""
        errors = "http://schemas.microsoft.com/exchange/services/2006/errors"
        text = "The server cannot service this request right now. Try again later."
        envelope = etree.Element(f"{{{S}}}Envelope", nsmap={"s": S})
        body = _sub(envelope, f"{{{S}}}Body")
        fault = _sub(body, f"{{{S}}}Fault")
        _sub(fault, "faultcode", "a:ErrorServerBusy")
        _sub(fault, "faultstring", text)
        detail = _sub(fault, "detail")
        _sub(detail, f"{{{errors}}}ResponseCode", "ErrorServerBusy")
        _sub(detail, f"{{{errors}}}Message", text)
        xml = _sub(detail, t("MessageXml"))
        _sub(xml, t("Value"), str(int(back_off_ms)), Name="BackOffMilliseconds")
        return Reply(
            500,
            etree.tostring(envelope, xml_declaration=True, encoding="utf-8"),
            headers={"Content-Type": "text/xml; charset=utf-8"},
        )

    def throttle(self, operation, times=1, back_off_ms=1000):
        """Answer the next ``times`` calls of ``operation`` with ErrorServerBusy."""
        left = {"n": times}

        def busy(name):
            if name == operation and left["n"] > 0:
                left["n"] -= 1
                self.throttled.append((name, back_off_ms))
                return self.server_busy(back_off_ms)
            return None

        self.fail_when = busy

    def _message(self, name, code="NoError", text=None):
        cls = "Success" if code == "NoError" else "Error"
        message = etree.Element(m(f"{name}ResponseMessage"), ResponseClass=cls)
        if text:
            _sub(message, m("MessageText"), text)
        _sub(message, m("ResponseCode"), code)
        return message

    def _item_ids(self, operation):
        """Ids of ``ItemId``, ``OccurrenceItemId`` (master + 1-based index) and
        ``RecurringMasterItemId`` (an occurrence's master) elements."""
        ids = []
        for elem in operation.iter(
            t("ItemId"), t("OccurrenceItemId"), t("RecurringMasterItemId")
        ):
            name = etree.QName(elem).localname
            if name == "ItemId":
                ids.append(elem.get("Id"))
            elif name == "RecurringMasterItemId":
                key = self._occurrence_key(elem.get("OccurrenceId") or "")
                ids.append(key[0] if key else elem.get("OccurrenceId"))
            else:
                master_id = elem.get("RecurringMasterId")
                _email, _kind, folder = self._locate(master_id)
                index = int(elem.get("InstanceIndex") or 0)
                originals = (
                    self._originals(folder["items"][master_id])
                    if folder is not None and master_id in self.series
                    else []
                )
                ids.append(
                    self.occurrence_id(master_id, originals[index - 1])
                    if 0 < index <= len(originals)
                    else "unknown"
                )
        return ids

    def _locate(self, item_id):
        for email, box in self.mailboxes.items():
            for kind, folder in box["folders"].items():
                if item_id in folder["items"]:
                    return email, kind, folder
        return None, None, None

    # GetFolder
    def _op_GetFolder(self, operation, email):
        messages = []
        for ident in operation.find(m("FolderIds")):
            dist = ident.get("Id")
            box = self.mailboxes.get(email)
            kind = "root" if dist in ("root", "msgfolderroot") else dist
            if box is None or kind not in box["folders"]:
                messages.append(
                    self._message(
                        "GetFolder",
                        "ErrorFolderNotFound",
                        "The specified folder could not be found.",
                    )
                )
                continue
            folder = box["folders"][kind]
            message = self._message("GetFolder")
            folders = _sub(message, m("Folders"))
            elem = _sub(folders, t(FOLDER_TAGS.get(dist, "Folder")))
            _sub(elem, t("FolderId"), Id=folder["id"], ChangeKey="AQAAAA==")
            _sub(
                elem,
                t("ParentFolderId"),
                Id=box["folders"]["root"]["id"],
                ChangeKey="AQ==",
            )
            if kind != "root":
                _sub(elem, t("FolderClass"), FOLDER_CLASSES[kind])
                _sub(elem, t("DisplayName"), box["names"][kind])
            else:
                _sub(elem, t("DisplayName"), "Top of Information Store")
            _sub(elem, t("TotalCount"), len(folder["items"]))
            _sub(elem, t("ChildFolderCount"), 0)
            _sub(elem, t("UnreadCount"), 0)
            messages.append(message)
        return messages

    def _folder_by_id(self, folder_id):
        for email, box in self.mailboxes.items():
            for kind, folder in box["folders"].items():
                if folder["id"] == folder_id:
                    return email, kind, folder
        return None, None, None

    def _target_folder(self, container, email):
        ident = container.find(t("FolderId"))
        if ident is not None:
            return self._folder_by_id(ident.get("Id"))
        dist = container.find(t("DistinguishedFolderId"))
        kind = dist.get("Id") if dist is not None else None
        folders = self.mailboxes.get(email, {}).get("folders", {})
        return email, kind, folders.get(kind)

    # SyncFolderItems
    def _op_SyncFolderItems(self, operation, email):
        _email, kind, folder = self._target_folder(
            operation.find(m("SyncFolderId")), email
        )
        if folder is None:
            return [
                self._message("SyncFolderItems", "ErrorFolderNotFound", "No folder")
            ]
        state = operation.findtext(m("SyncState"))
        size = int(operation.findtext(m("MaxChangesReturned")) or 100)
        if state:
            cursor = self.cursors.get(state)
            if cursor is None or cursor["folder"] != folder["id"]:
                # Exchange answers with an empty SyncState on this error
                message = self._message(
                    "SyncFolderItems",
                    "ErrorInvalidSyncStateData",
                    "Synchronization state data is corrupt or otherwise invalid.",
                )
                _sub(message, m("DescriptiveLinkKey"), 0)
                _sub(message, m("SyncState"))
                _sub(message, m("IncludesLastItemInRange"), "true")
                return [message]
            if not cursor["pending"]:
                # a new round: what changed since the state was issued
                since = cursor["seq"]
                changed = []
                for seq, item_id in folder["log"]:
                    if seq > since and item_id not in changed:
                        changed.append(item_id)
                cursor = {
                    "folder": folder["id"],
                    "seq": self.seq,
                    "known": set(cursor["known"]),
                    "pending": changed,
                }
        else:
            cursor = {
                "folder": folder["id"],
                "seq": self.seq,
                "known": set(),
                "pending": list(folder["items"]),
            }
        chunk, rest = cursor["pending"][:size], cursor["pending"][size:]
        message = self._message("SyncFolderItems")
        known = set(cursor["known"])
        changes = etree.Element(m("Changes"))
        for item_id in chunk:
            elem = folder["items"].get(item_id)
            if elem is None:
                if item_id in known:
                    change = _sub(changes, t("Delete"))
                    _sub(change, t("ItemId"), Id=item_id, ChangeKey="AAAA")
                    known.discard(item_id)
                continue
            change = _sub(changes, t("Update" if item_id in known else "Create"))
            shell = _sub(change, elem.tag)
            ident = elem.find(t("ItemId"))
            _sub(shell, t("ItemId"), Id=item_id, ChangeKey=ident.get("ChangeKey"))
            known.add(item_id)
        token = base64.b64encode(secrets.token_bytes(18)).decode()
        self.cursors[token] = {
            "folder": folder["id"],
            "seq": cursor["seq"],
            "known": known,
            "pending": rest,
        }
        _sub(message, m("SyncState"), token)
        _sub(message, m("IncludesLastItemInRange"), "false" if rest else "true")
        message.append(changes)
        return [message]

    # GetItem
    def _op_GetItem(self, operation, email):
        messages = []
        for item_id in self._item_ids(operation.find(m("ItemIds"))):
            _kind, elem = self._resolve(item_id)
            if elem is None:
                messages.append(
                    self._message(
                        "GetItem",
                        "ErrorItemNotFound",
                        "The specified object was not found in the store.",
                    )
                )
                continue
            message = self._message("GetItem")
            _sub(message, m("Items")).append(copy.deepcopy(elem))
            messages.append(message)
        return messages

    # FindItem (CalendarView only: the sync filters calendars by date)
    def _op_FindItem(self, operation, email):
        view = operation.find(m("CalendarView"))
        if view is None:
            return [
                self._message(
                    "FindItem",
                    "ErrorInvalidRequest",
                    "The fake answers FindItem with a CalendarView only.",
                )
            ]
        start = self._parse_stamp(view.get("StartDate"))
        end = self._parse_stamp(view.get("EndDate"))
        if start is None or end is None or end <= start:
            return [
                self._message(
                    "FindItem",
                    "ErrorInvalidRequest",
                    "The CalendarView needs a StartDate before its EndDate.",
                )
            ]
        messages = []
        for container in operation.find(m("ParentFolderIds")):
            _owner, kind, folder = self._target_folder_id(container, email)
            if folder is None or kind != "calendar":
                messages.append(
                    self._message("FindItem", "ErrorFolderNotFound", "No folder")
                )
                continue
            found = []
            for item_id, elem in folder["items"].items():
                if item_id in self.series:
                    # a CalendarView lists a series by its occurrences
                    found.extend(self._expand(item_id, elem, start, end))
                elif (
                    self._parse_stamp(elem.findtext(t("Start"))) < end
                    and self._parse_stamp(elem.findtext(t("End"))) > start
                ):
                    found.append(elem)
            self.calendar_views.append((start, end))
            message = self._message("FindItem")
            root = _sub(
                message,
                m("RootFolder"),
                TotalItemsInView=str(len(found)),
                IncludesLastItemInRange="true",
            )
            items = _sub(root, t("Items"))
            for elem in found:
                shell = _sub(items, elem.tag)
                ident = elem.find(t("ItemId"))
                _sub(
                    shell,
                    t("ItemId"),
                    Id=ident.get("Id"),
                    ChangeKey=ident.get("ChangeKey"),
                )
                # the properties the sync asks for (AdditionalProperties)
                for tag in ("UID", "CalendarItemType"):
                    if elem.find(t(tag)) is not None:
                        _sub(shell, t(tag), elem.findtext(t(tag)))
            messages.append(message)
        return messages

    def _target_folder_id(self, ident, email):
        if etree.QName(ident).localname == "FolderId":
            return self._folder_by_id(ident.get("Id"))
        kind = ident.get("Id")
        mailbox = ident.find(f"{t('Mailbox')}/{t('EmailAddress')}")
        owner = mailbox.text.lower() if mailbox is not None else email
        folders = self.mailboxes.get(owner, {}).get("folders", {})
        return owner, kind, folders.get(kind)

    @staticmethod
    def _parse_stamp(value):
        if not value:
            return None
        try:
            return (
                datetime.fromisoformat(value.replace("Z", "+00:00"))
                .astimezone(timezone.utc)
                .replace(tzinfo=None)
            )
        except ValueError:
            return None

    # CreateItem
    def _op_CreateItem(self, operation, email):
        target = operation.find(m("SavedItemFolderId"))
        owner, kind, folder = self._target_folder(target, email)
        if folder is None:
            return [
                self._message("CreateItem", "ErrorFolderNotFound", "No such folder")
            ]
        messages = []
        for elem in operation.find(m("Items")):
            item = copy.deepcopy(elem)
            item_id = self._store(owner, kind, item)
            if kind == "calendar" and item.find(t("Recurrence")) is not None:
                item.find(t("CalendarItemType")).text = "RecurringMaster"
                self.series[item_id] = self._series_state()
            message = self._message("CreateItem")
            items = _sub(message, m("Items"))
            shell = _sub(items, item.tag)
            _sub(
                shell,
                t("ItemId"),
                Id=item_id,
                ChangeKey=item.find(t("ItemId")).get("ChangeKey"),
            )
            messages.append(message)
        return messages

    # UpdateItem
    def _op_UpdateItem(self, operation, email):
        messages = []
        for change in operation.find(m("ItemChanges")):
            ident = change.find(t("ItemId"))
            if self._occurrence_key(ident.get("Id")):
                messages.append(self._update_occurrence(ident.get("Id"), change))
                continue
            _email, _kind, folder = self._locate(ident.get("Id"))
            if folder is None:
                messages.append(
                    self._message(
                        "UpdateItem",
                        "ErrorItemNotFound",
                        "The specified object was not found in the store.",
                    )
                )
                continue
            elem = folder["items"][ident.get("Id")]
            for update in change.find(t("Updates")):
                name = etree.QName(update).localname
                if name == "SetItemField":
                    for new_value in update[1]:
                        old = elem.find(new_value.tag)
                        if old is not None:
                            elem.remove(old)
                        elem.append(copy.deepcopy(new_value))
                elif name == "DeleteItemField":
                    uri = update.find(t("FieldURI")).get("FieldURI").split(":")[-1]
                    tag = {"IsAllDayEvent": "IsAllDayEvent"}.get(uri, uri)
                    old = elem.find(t(tag))
                    if old is not None:
                        elem.remove(old)
            if (
                ident.get("Id") in self.series
                and change.find(f".//{t('FieldURI')}[@FieldURI='calendar:Recurrence']")
                is not None
            ):
                # a new pattern: Exchange drops the series' exceptions
                self.series[ident.get("Id")] = self._series_state()
            elif ident.get("Id") in self.series:
                self.series[ident.get("Id")]["version"] = secrets.token_hex(4)
            self._touch(elem)
            self._log(folder, ident.get("Id"))
            message = self._message("UpdateItem")
            items = _sub(message, m("Items"))
            shell = _sub(items, elem.tag)
            _sub(
                shell,
                t("ItemId"),
                Id=ident.get("Id"),
                ChangeKey=elem.find(t("ItemId")).get("ChangeKey"),
            )
            conflicts = _sub(message, m("ConflictResults"))
            _sub(conflicts, t("Count"), 0)
            messages.append(message)
        return messages

    def _update_occurrence(self, occurrence_id, change):
        """UpdateItem of one occurrence: it becomes an exception."""
        kind, _elem = self._resolve(occurrence_id)
        if kind != "occurrence":
            return self._message(
                "UpdateItem",
                "ErrorItemNotFound",
                "The specified object was not found in the store.",
            )
        changes = []
        for update in change.find(t("Updates")):
            if etree.QName(update).localname == "SetItemField":
                for new_value in update[1]:
                    name = etree.QName(new_value).localname
                    if name == "Recurrence":
                        return self._message(
                            "UpdateItem",
                            "ErrorCalendarOccurrenceIsDeletedFromRecurrence",
                            "An occurrence cannot have its own recurrence.",
                        )
                    changes.append((name, copy.deepcopy(new_value)))
        self._modify_occurrence(occurrence_id, changes)
        _kind, elem = self._resolve(occurrence_id)
        message = self._message("UpdateItem")
        items = _sub(message, m("Items"))
        shell = _sub(items, elem.tag)
        ident = elem.find(t("ItemId"))
        _sub(shell, t("ItemId"), Id=ident.get("Id"), ChangeKey=ident.get("ChangeKey"))
        conflicts = _sub(message, m("ConflictResults"))
        _sub(conflicts, t("Count"), 0)
        return message

    # DeleteItem
    def _op_DeleteItem(self, operation, email):
        messages = []
        for item_id in self._item_ids(operation.find(m("ItemIds"))):
            if self._resolve(item_id)[0] == "occurrence":
                self.cancel_occurrence(email, item_id)
                messages.append(self._message("DeleteItem"))
                continue
            owner, _kind, folder = self._locate(item_id)
            if folder is None:
                messages.append(
                    self._message(
                        "DeleteItem",
                        "ErrorItemNotFound",
                        "The specified object was not found in the store.",
                    )
                )
                continue
            self.delete_item(owner, item_id)
            self.series.pop(item_id, None)
            messages.append(self._message("DeleteItem"))
        return messages
