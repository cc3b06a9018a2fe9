"""The fakes' rendezvous: the barrier the multi-worker proof relies on."""

import threading
import urllib.request

from nordic_crm_fakes.base import FakeServer, Reply


class Echo(FakeServer):
    def handle(self, request):
        return Reply(200, {"path": request.path})


def _get(url):
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.status


def test_two_concurrent_clients_meet():
    with Echo() as fake:
        meeting = fake.rendezvous("GET", "/users/", parties=2, timeout=5)
        threads = [
            threading.Thread(target=_get, args=(f"{fake.url}/users/{n}",))
            for n in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert meeting.met is True


def test_one_client_in_turn_does_not_meet():
    with Echo() as fake:
        meeting = fake.rendezvous("GET", "/users/", parties=2, timeout=0.5)
        assert _get(f"{fake.url}/other") == 200  # not matched: not held
        assert meeting.met is None
        # one client sends its requests one after the other: they never meet
        assert _get(f"{fake.url}/users/1") == 200
        assert meeting.met is False
        assert _get(f"{fake.url}/users/2") == 200
        assert meeting.met is False
        # the rendezvous is over: later requests are answered at once
        assert _get(f"{fake.url}/users/3") == 200
