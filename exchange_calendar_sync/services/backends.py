"""One interface over both remote backends, in the Odoo vocabulary.

The Odoo models only ever talk to a backend: it returns pages of normalised
items (see :mod:`mapping`) plus the state to store once a page is committed,
and creates/updates/deletes items from Odoo values.
"""

from dataclasses import dataclass, field

from . import mapping
from .graph_client import GraphClient, SyncStateExpired


@dataclass
class Page:
    """A batch of normalised remote changes and the state after it."""

    items: list = field(default_factory=list)
    state: str | None = None  # what to store once the page is committed
    done: bool = True  # no more pages in this round


@dataclass
class MailboxInfo:
    """What a backend needs to know about one mailbox."""

    email: str
    todo_list_id: str | None = None
    tz: str = "UTC"


class GraphBackend:
    """Microsoft Graph: calendarView delta + Microsoft To Do."""

    name = "graph"
    # a calendarView delta link is bound to the range it started with
    state_follows_window = False
    # series masters with a patternedRecurrence, instances with seriesMasterId
    supports_series = True

    def __init__(self, client):
        self.client = client

    @property
    def request_count(self):
        return self.client.request_count

    def detect_folders(self, box):
        calendar = self.client.get_calendar(box.email)
        todo_list = self.client.default_todo_list(box.email)
        return {
            "calendar": calendar.get("name") or "Calendar",
            "tasks": todo_list.get("displayName") or "Tasks",
            "todo_list_id": todo_list.get("id"),
        }

    def _todo_list(self, box):
        if not box.todo_list_id:
            box.todo_list_id = self.client.default_todo_list(box.email)["id"]
        return box.todo_list_id

    # events
    def events_page(self, box, state, window):
        """One page of changes; ``state`` is the stored next/delta link."""
        if state:
            page = self.client.calendar_delta_page(box.email, link=state)
        else:
            page = self.client.calendar_delta_page(
                box.email, mapping.iso_utc(window[0]), mapping.iso_utc(window[1])
            )
        items = []
        for raw in page.items:
            item = mapping.event_from_graph(raw)
            if "@removed" in raw:
                # calendarView delta reports an event moved out of its range as
                # removed: only a 404 proves it was deleted
                item = self._still_there(box, item["remote_id"]) or item
            elif _is_series_master(item, page.items):
                continue
            items.append(item)
        return Page(items=items, state=page.resume_link, done=not page.next_link)

    def _still_there(self, box, remote_id):
        raw = self.client.get_event(box.email, remote_id)
        if raw is None or raw.get("isCancelled") or raw.get("type") == "seriesMaster":
            return None
        return dict(mapping.event_from_graph(raw), left_window=True)

    def get_series_master(self, box, master_id):
        """The series master of occurrences (with its ``recurrence`` rule)."""
        raw = self.client.get_event(box.email, master_id)
        if not raw or raw.get("type") != "seriesMaster":
            return None
        return mapping.event_from_graph(raw)

    def refetch_events(self, box, remote_ids):
        """Those of ``remote_ids`` that still exist outside the synced range.

        A full round only lists the events of its range, so a linked event it
        did not list was deleted *or* moved out of the range.
        """
        found = (self._still_there(box, remote_id) for remote_id in remote_ids)
        return [item for item in found if item]

    def window_events(self, box, window):
        events = self.client.calendar_view(
            box.email, mapping.iso_utc(window[0]), mapping.iso_utc(window[1])
        )
        return [
            mapping.event_from_graph(e)
            for e in events
            if e.get("type") != "seriesMaster"
        ]

    def create_event(self, box, values, key):
        created = self.client.create_event(
            box.email, mapping.event_to_graph(values), transaction_id=key
        )
        return mapping.event_from_graph(created)

    def update_event(self, box, remote_id, values):
        updated = self.client.update_event(
            box.email, remote_id, mapping.event_to_graph(values)
        )
        return mapping.event_from_graph(updated)

    def delete_event(self, box, remote_id):
        return self.client.delete_event(box.email, remote_id)

    # tasks
    def tasks_page(self, box, state):
        list_id = self._todo_list(box)
        page = self.client.tasks_delta_page(box.email, list_id, link=state)
        items = [mapping.task_from_graph(t) for t in page.items]
        return Page(items=items, state=page.resume_link, done=not page.next_link)

    def window_tasks(self, box):
        list_id = self._todo_list(box)
        return [
            mapping.task_from_graph(t)
            for t in self.client.list_tasks(box.email, list_id)
        ]

    def task_key(self, box, item):
        """Our key on a task not linked yet: a delta never carries the open
        extension, so the task is read once with ``$expand=extensions``."""
        if item.get("odoo_key"):
            return item["odoo_key"]
        task = self.client.get_task(box.email, self._todo_list(box), item["remote_id"])
        return mapping.task_key_from_graph(task) if task else None

    def create_task(self, box, values, key):
        list_id = self._todo_list(box)
        created = self.client.create_task(
            box.email, list_id, mapping.task_to_graph(values, key)
        )
        return mapping.task_from_graph(created)

    def update_task(self, box, remote_id, values):
        list_id = self._todo_list(box)
        updated = self.client.update_task(
            box.email, list_id, remote_id, mapping.task_to_graph(values)
        )
        return mapping.task_from_graph(updated)

    def complete_task(self, box, remote_id):
        list_id = self._todo_list(box)
        return mapping.task_from_graph(
            self.client.update_task(
                box.email, list_id, remote_id, {"status": "completed"}
            )
        )

    def delete_task(self, box, remote_id):
        return self.client.delete_task(box.email, self._todo_list(box), remote_id)


def _is_series_master(item, raw_items):
    raw = next((r for r in raw_items if r.get("id") == item["remote_id"]), {})
    return raw.get("type") == "seriesMaster"


class EwsBackend:
    """Exchange Web Services (on-premises Exchange Server) via exchangelib."""

    name = "ews"
    # SyncFolderItems covers the whole folder: the window only filters it
    state_follows_window = True
    # recurring masters (Recurrence, Modified/DeletedOccurrences) ↔ recurrences
    supports_series = True

    def __init__(self, client):
        self.client = client
        self._masters = {}  # (mailbox, master id) -> master values, this run

    @property
    def request_count(self):
        return self.client.request_count

    def detect_folders(self, box):
        names = self.client.folder_names(box.email)
        return {
            "calendar": names["calendar"],
            "tasks": names["tasks"],
            "todo_list_id": False,
        }

    def _sync_page(self, box, kind, state):
        from .ews_client import SyncStateInvalid

        try:
            return self.client.sync_page(box.email, kind, state)
        except SyncStateInvalid as exc:
            raise SyncStateExpired(str(exc)) from exc

    def events_page(self, box, state, window):
        """SyncFolderItems reports a series by its master only: a changed
        master comes with its occurrences in the window (one CalendarView)."""
        changes, new_state, done = self._sync_page(box, "calendar", state)
        items, masters = [], {}
        for item in changes:
            values = mapping.event_from_ews(item)
            if values.get("series_type") == "seriesMaster":
                self._masters[box.email, values["remote_id"]] = values
                if _series_overlaps(values, window):
                    masters[values["ical_uid"]] = values["remote_id"]
                else:
                    values["left_window"] = True
            elif not values["removed"] and not _overlaps(values, window):
                # EWS syncs the whole folder: outside the window only linked
                # items are followed, nothing new is taken in
                values["left_window"] = True
            items.append(values)
        if masters:
            instances = self.client.list_series_instances(
                box.email, *window, uids=set(masters)
            )
            items += self._with_masters(box, instances, masters)
        return Page(items=items, state=new_state, done=done)

    def _with_masters(self, box, raw_instances, masters=None):
        """Occurrence values with ``series_master_id``, found by the master's
        UID, else read once per series (GetItem RecurringMasterItemId)."""
        masters = dict(masters or {})
        result = []
        for raw in raw_instances:
            values = mapping.event_from_ews(raw)
            if values["series_type"] not in ("occurrence", "exception"):
                result.append(values)
                continue
            uid = values.get("ical_uid")
            if uid not in masters:
                master = self.client.master_of(box.email, values["remote_id"])
                master = mapping.event_from_ews(master) if master else None
                masters[uid] = master and master["remote_id"]
                if master:
                    self._masters[box.email, master["remote_id"]] = master
            values["series_master_id"] = masters[uid]
            result.append(values)
        return result

    def get_series_master(self, box, master_id):
        """The recurring master (with its rule), read by this run or now."""
        master = self._masters.get((box.email, master_id))
        if master is None:
            found = self.client.get_event(box.email, master_id)
            master = mapping.event_from_ews(found) if found else None
        if not master or master.get("series_type") != "seriesMaster":
            return None
        return master

    def refetch_events(self, box, remote_ids):
        # a full SyncFolderItems round lists the whole folder: unseen is deleted
        return []

    def window_events(self, box, window):
        return self._with_masters(box, self.client.list_calendar(box.email, *window))

    def create_event(self, box, values, key):
        return mapping.event_from_ews(
            self.client.create_item(
                box.email, "calendar", mapping.event_to_ews(values), key=key
            )
        )

    def update_event(self, box, remote_id, values):
        return mapping.event_from_ews(
            self.client.update_item(
                box.email, "calendar", remote_id, mapping.event_to_ews(values)
            )
        )

    def delete_event(self, box, remote_id):
        return self.client.delete_item(box.email, remote_id)

    def tasks_page(self, box, state):
        changes, new_state, done = self._sync_page(box, "tasks", state)
        return Page(
            items=[mapping.task_from_ews(i) for i in changes],
            state=new_state,
            done=done,
        )

    def window_tasks(self, box):
        return [mapping.task_from_ews(i) for i in self.client.list_tasks(box.email)]

    def task_key(self, box, item):
        # GetItem already read the PublicStrings property with the task
        return item.get("odoo_key")

    def create_task(self, box, values, key):
        return mapping.task_from_ews(
            self.client.create_item(
                box.email, "tasks", mapping.task_to_ews(values), key=key
            )
        )

    def update_task(self, box, remote_id, values):
        return mapping.task_from_ews(
            self.client.update_item(
                box.email, "tasks", remote_id, mapping.task_to_ews(values)
            )
        )

    def complete_task(self, box, remote_id):
        return mapping.task_from_ews(
            self.client.update_item(
                box.email,
                "tasks",
                remote_id,
                {"status": "Completed", "percent_complete": 100},
            )
        )

    def delete_task(self, box, remote_id):
        return self.client.delete_item(box.email, remote_id)


def _series_overlaps(master, window):
    """Whether a series has occurrences in the window (endless series reach
    beyond any window end)."""
    start, end = master.get("start"), master.get("series_end")
    if not start or not window:
        return True
    return start < window[1] and (end is None or end >= window[0])


def _overlaps(values, window):
    start, stop = values.get("start"), values.get("stop")
    if not start or not stop or not window:
        return True
    return start < window[1] and stop >= window[0]


def make_backend(kind, **settings):
    """Build the backend for a configuration (``graph`` or ``ews``)."""
    if kind == "graph":
        return GraphBackend(GraphClient(**settings))
    if kind == "ews":
        from .ews_client import EwsClient

        return EwsBackend(EwsClient(**settings))
    raise ValueError(f"Unknown backend {kind!r}")
