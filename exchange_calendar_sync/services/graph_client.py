"""The one class of the addon that speaks HTTP to Microsoft Graph.

App-only (client credentials) access to every configured mailbox through
``/users/{mailbox}/...``: calendar delta queries, event create/patch/delete and
Microsoft To Do tasks. Transient failures are retried here (429 honours
``Retry-After``, 5xx back off exponentially); an expired delta link (HTTP 410)
raises :class:`SyncStateExpired` so the caller restarts a full sync.
"""

import hashlib
import logging
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import quote

import requests

_logger = logging.getLogger(__name__)

GRAPH_URL = "https://graph.microsoft.com/v1.0"
LOGIN_URL = "https://login.microsoftonline.com"
SCOPE = "https://graph.microsoft.com/.default"


class GraphError(Exception):
    """A Graph call failed for good (after retries, or a 4xx)."""

    def __init__(self, message, status=None, code=None):
        super().__init__(message)
        self.status = status
        self.code = code


class SyncStateExpired(GraphError):
    """HTTP 410: the stored delta link is no longer valid, resync fully."""


class AuthenticationError(GraphError):
    """The token endpoint refused the tenant / client id / secret."""


@dataclass
class DeltaPage:
    """One page of a delta query: the items plus where to continue."""

    items: list = field(default_factory=list)
    next_link: str | None = None
    delta_link: str | None = None

    @property
    def resume_link(self):
        """The link to store once this page is committed."""
        return self.next_link or self.delta_link


class GraphClient:
    """Microsoft Graph v1.0 client for one tenant and one app registration."""

    # app tokens live an hour: share them between runs of the same process
    _token_cache = {}
    _token_lock = threading.Lock()

    def __init__(
        self,
        tenant_id,
        client_id,
        client_secret,
        graph_url=GRAPH_URL,
        login_url=LOGIN_URL,
        timeout=30,
        max_retries=4,
        backoff=1.0,
        max_wait=120,
        page_size=100,
        sleep=time.sleep,
        session=None,
    ):
        self.tenant_id = tenant_id
        self.client_id = client_id
        self.client_secret = client_secret
        self.graph_url = (graph_url or GRAPH_URL).rstrip("/")
        self.login_url = (login_url or LOGIN_URL).rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.page_size = page_size
        self.sleep = sleep
        self.session = session or requests.Session()
        self.request_count = 0  # every HTTP request sent to Graph (benchmark)
        self.token_count = 0  # requests sent to the token endpoint
        self._token = None
        self._token_expiry = 0.0

    # -- authentication ---------------------------------------------------
    def _cache_key(self):
        secret = hashlib.sha256((self.client_secret or "").encode()).hexdigest()
        return (self.login_url, self.tenant_id, self.client_id, secret)

    def _get_token(self, force=False):
        if not force and self._token and time.monotonic() < self._token_expiry:
            return self._token
        if not force:
            with self._token_lock:
                cached = self._token_cache.get(self._cache_key())
            if cached and time.monotonic() < cached[1]:
                self._token, self._token_expiry = cached
                return self._token
        url = (
            f"{self.login_url}/{quote(self.tenant_id or '', safe='')}/oauth2/v2.0/token"
        )
        data = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "scope": SCOPE,
        }
        self.token_count += 1
        try:
            response = self.session.post(url, data=data, timeout=self.timeout)
        except requests.RequestException as exc:
            raise GraphError(f"Token endpoint unreachable: {exc}") from exc
        payload = _json(response)
        if response.status_code != 200 or "access_token" not in payload:
            description = payload.get("error_description") or payload.get("error")
            raise AuthenticationError(
                f"Token request refused ({response.status_code}): {description}",
                status=response.status_code,
                code=payload.get("error"),
            )
        self._token = payload["access_token"]
        # renew a minute early so a long sync never sends an expired token
        lifetime = int(payload.get("expires_in") or 3600)
        self._token_expiry = time.monotonic() + max(lifetime - 60, 0)
        with self._token_lock:
            self._token_cache[self._cache_key()] = (self._token, self._token_expiry)
        return self._token

    # -- transport ---------------------------------------------------------
    def _url(self, path_or_url):
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return f"{self.graph_url}/{path_or_url.lstrip('/')}"

    def _request(self, method, path_or_url, params=None, json=None, headers=None):
        """Send one Graph request with retries; return the decoded JSON body."""
        url = self._url(path_or_url)
        attempt = 0
        refreshed = False
        while True:
            request_headers = {
                "Authorization": f"Bearer {self._get_token()}",
                "Accept": "application/json",
            }
            request_headers.update(headers or {})
            self.request_count += 1
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    headers=request_headers,
                    timeout=self.timeout,
                )
            except requests.RequestException as exc:
                if attempt >= self.max_retries:
                    raise GraphError(f"Microsoft Graph unreachable: {exc}") from exc
                self.sleep(self._backoff(attempt))
                attempt += 1
                continue
            status = response.status_code
            if status < 300:
                return _json(response)
            if status == 401 and not refreshed:
                refreshed = True
                self._get_token(force=True)
                continue
            if status == 410:
                raise SyncStateExpired(
                    _error_message(response), status=status, code=_error_code(response)
                )
            if status == 429 or status >= 500:
                if attempt >= self.max_retries:
                    raise GraphError(
                        f"Microsoft Graph {status} after {attempt + 1} attempts: "
                        f"{_error_message(response)}",
                        status=status,
                        code=_error_code(response),
                    )
                wait = self._retry_after(response)
                if wait is None:
                    wait = self._backoff(attempt)
                _logger.info("Graph %s on %s, retrying in %ss", status, url, wait)
                self.sleep(wait)
                attempt += 1
                continue
            raise GraphError(
                f"Microsoft Graph {status}: {_error_message(response)}",
                status=status,
                code=_error_code(response),
            )

    def _backoff(self, attempt):
        return min(self.backoff * (2**attempt), self.max_wait)

    def _retry_after(self, response):
        value = response.headers.get("Retry-After")
        if value is None:
            return None
        try:
            return min(max(float(value), 0.0), self.max_wait)
        except ValueError:
            return None

    def _prefer(self, timezone=True, page=True):
        prefer = []
        if page:
            prefer.append(f"odata.maxpagesize={self.page_size}")
        if timezone:
            prefer.append('outlook.timezone="UTC"')
            prefer.append('outlook.body-content-type="html"')
        return {"Prefer": ", ".join(prefer)}

    @staticmethod
    def _user(mailbox):
        return f"users/{quote(mailbox, safe='@')}"

    # -- paging ------------------------------------------------------------
    def _page(self, url, params=None, headers=None):
        payload = self._request("GET", url, params=params, headers=headers)
        return DeltaPage(
            items=payload.get("value", []),
            next_link=payload.get("@odata.nextLink"),
            delta_link=payload.get("@odata.deltaLink"),
        )

    def _all_pages(self, url, params=None, headers=None):
        items = []
        page = self._page(url, params=params, headers=headers)
        items.extend(page.items)
        while page.next_link:
            page = self._page(page.next_link, headers=headers)
            items.extend(page.items)
        return items

    # -- calendar ----------------------------------------------------------
    def get_calendar(self, mailbox):
        """The mailbox's default calendar (its ``name`` is localised)."""
        return self._request("GET", f"{self._user(mailbox)}/calendar")

    def calendar_delta_page(self, mailbox, start=None, end=None, link=None):
        """Fetch one delta page: from ``link`` if given, else start a window.

        ``start``/``end`` are ISO strings in UTC (``2026-01-01T00:00:00Z``).
        """
        headers = self._prefer()
        if link:
            return self._page(link, headers=headers)
        params = {"startDateTime": start, "endDateTime": end}
        return self._page(
            f"{self._user(mailbox)}/calendarView/delta", params=params, headers=headers
        )

    def calendar_view(self, mailbox, start, end):
        """Every event of the window (plain calendarView, for re-linking)."""
        params = {"startDateTime": start, "endDateTime": end}
        return self._all_pages(
            f"{self._user(mailbox)}/calendarView", params=params, headers=self._prefer()
        )

    def get_event(self, mailbox, event_id):
        """One event, or None when it no longer exists (HTTP 404)."""
        try:
            return self._request(
                "GET",
                f"{self._user(mailbox)}/events/{quote(event_id, safe='')}",
                headers=self._prefer(page=False),
            )
        except GraphError as exc:
            if exc.status == 404:
                return None
            raise

    def create_event(self, mailbox, payload, transaction_id=None):
        """Create an event; ``transaction_id`` makes a retried POST idempotent."""
        body = dict(payload)
        if transaction_id:
            body["transactionId"] = transaction_id
        return self._request(
            "POST",
            f"{self._user(mailbox)}/calendar/events",
            json=body,
            headers=self._prefer(page=False),
        )

    def update_event(self, mailbox, event_id, payload):
        return self._request(
            "PATCH",
            f"{self._user(mailbox)}/events/{quote(event_id, safe='')}",
            json=payload,
            headers=self._prefer(page=False),
        )

    def delete_event(self, mailbox, event_id):
        """Delete an event; an event that is already gone counts as deleted."""
        try:
            self._request(
                "DELETE", f"{self._user(mailbox)}/events/{quote(event_id, safe='')}"
            )
        except GraphError as exc:
            if exc.status != 404:
                raise
        return True

    # -- Microsoft To Do -----------------------------------------------------
    def todo_lists(self, mailbox):
        return self._all_pages(f"{self._user(mailbox)}/todo/lists")

    def default_todo_list(self, mailbox):
        """The default To Do list ("Tasks"/"Opgaver"/"Taken")."""
        lists = self.todo_lists(mailbox)
        for todo_list in lists:
            if todo_list.get("wellknownListName") == "defaultList":
                return todo_list
        if lists:
            return lists[0]
        raise GraphError(f"Mailbox {mailbox} has no Microsoft To Do list")

    def _tasks_path(self, mailbox, list_id):
        return f"{self._user(mailbox)}/todo/lists/{quote(list_id, safe='')}/tasks"

    def tasks_delta_page(self, mailbox, list_id, link=None):
        headers = self._prefer(timezone=False)
        if link:
            return self._page(link, headers=headers)
        return self._page(
            f"{self._tasks_path(mailbox, list_id)}/delta", headers=headers
        )

    def list_tasks(self, mailbox, list_id):
        return self._all_pages(
            self._tasks_path(mailbox, list_id), headers=self._prefer(timezone=False)
        )

    def get_task(self, mailbox, list_id, task_id, expand="extensions"):
        """One task with its ``expand`` relationships, or None once it is gone."""
        try:
            return self._request(
                "GET",
                f"{self._tasks_path(mailbox, list_id)}/{quote(task_id, safe='')}",
                params={"$expand": expand} if expand else None,
            )
        except GraphError as exc:
            if exc.status == 404:
                return None
            raise

    def create_task(self, mailbox, list_id, payload):
        return self._request("POST", self._tasks_path(mailbox, list_id), json=payload)

    def update_task(self, mailbox, list_id, task_id, payload):
        return self._request(
            "PATCH",
            f"{self._tasks_path(mailbox, list_id)}/{quote(task_id, safe='')}",
            json=payload,
        )

    def delete_task(self, mailbox, list_id, task_id):
        try:
            self._request(
                "DELETE",
                f"{self._tasks_path(mailbox, list_id)}/{quote(task_id, safe='')}",
            )
        except GraphError as exc:
            if exc.status != 404:
                raise
        return True


def _json(response):
    if not response.content:
        return {}
    try:
        payload = response.json()
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {"value": payload}


def _error_code(response):
    error = _json(response).get("error")
    if isinstance(error, dict):
        return error.get("code")
    return error


def _error_message(response):
    error = _json(response).get("error")
    if isinstance(error, dict):
        return error.get("message") or error.get("code") or response.reason
    return error or response.reason
