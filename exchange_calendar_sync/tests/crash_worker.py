"""A separate Odoo process for the crash test (:mod:`.test_crash_process`).

Not a test module: the test starts it with ``subprocess`` on the test's own
database, where it commits for real, as the cron does. It reads a JSON list of
steps on stdin and prints one JSON line per step:

* ``setup``: a company, a user, a configuration (``config`` values from the
  test, pointing at its fake servers) and a mailbox, plus Odoo events;
* ``add_events``: more Odoo events of that user;
* ``sync``: one run of the sync; ``kill`` (``"<point>:<n>"``) makes the process
  SIGKILL itself at the n-th ``_sync_checkpoint(point)`` of this run;
* ``state``: what the test checks (events, links, mailbox state);
* ``cleanup``: deletes everything ``setup`` made.

Every record carries the test's ``marker`` so nothing else is touched.
"""

import json
import os
import signal
import sys
from datetime import datetime, timedelta


def _env(registry):
    import odoo

    cr = registry.cursor()
    return odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})


def _records(env, marker):
    company = env["res.company"].search([("name", "=", f"Crash test {marker}")])
    user = (
        env["res.users"]
        .with_context(active_test=False)
        .search([("login", "=", f"crash.{marker}")])
    )
    mailbox = env["exchange.sync.mailbox"].search([("user_id", "in", user.ids)])
    return company, user, mailbox


def _events(env, user):
    return (
        env["calendar.event"]
        .with_context(active_test=False)
        .search([("partner_ids", "in", user.partner_id.ids)], order="id")
    )


def _add_events(env, user, names, base):
    Event = env["calendar.event"].with_context(no_mail_to_attendees=True)
    for index, name in enumerate(names):
        start = base + timedelta(hours=index)
        Event.create(
            {
                "name": name,
                "start": start,
                "stop": start + timedelta(minutes=30),
                "user_id": user.id,
                "partner_ids": [(6, 0, user.partner_id.ids)],
            }
        )


def setup(env, step):
    marker = step["marker"]
    # what an earlier run killed before its cleanup left behind
    for company in env["res.company"].search([("name", "=like", "Crash test %")]):
        cleanup(env, {"marker": company.name.removeprefix("Crash test ")})
    company = env["res.company"].create({"name": f"Crash test {marker}"})
    user = env["res.users"].create(
        {
            "name": f"Crash {marker}",
            "login": f"crash.{marker}",
            "email": step["email"],
            "company_id": company.id,
            "company_ids": [(6, 0, company.ids)],
            "tz": "UTC",
            "groups_id": [(6, 0, env.ref("base.group_user").ids)],
        }
    )
    config = env["exchange.sync.config"].create(
        dict(step["config"], name=f"Crash {marker}", company_id=company.id)
    )
    env["exchange.sync.mailbox"].create({"config_id": config.id, "user_id": user.id})
    _add_events(env, user, step.get("events", []), _base(step))
    env.cr.commit()
    return {"user": user.id}


def _base(step):
    return datetime.fromisoformat(step["base"])


def sync(env, step, registry):
    _company, _user, mailbox = _records(env, step["marker"])
    kill = step.get("kill")
    if kill:
        point, count = kill.rsplit(":", 1)
        seen = {"n": 0}

        def checkpoint(self, name):
            if name == point:
                seen["n"] += 1
                if seen["n"] == int(count):
                    sys.stdout.flush()
                    os.kill(os.getpid(), signal.SIGKILL)

        registry["exchange.sync.mailbox"]._sync_checkpoint = checkpoint
    mailbox._run_sync()
    env.cr.commit()
    return {"status": mailbox.sync_status, "error": mailbox.last_error or ""}


def state(env, step):
    _company, user, mailbox = _records(env, step["marker"])
    links = env["exchange.item.link"].search([("mailbox_id", "=", mailbox.id)])
    events = _events(env, user)
    return {
        "events": [
            {"id": e.id, "name": e.name, "need_sync": e.exchange_need_sync}
            for e in events
        ],
        "links": [
            {
                "res_model": link.res_model,
                "res_id": link.res_id,
                "remote_id": link.remote_id,
                "pending_action": link.pending_action or "",
                "need_push": link.need_push,
            }
            for link in links
        ],
        "mailbox": {
            "sync_status": mailbox.sync_status,
            "last_error": mailbox.last_error or "",
            "event_sync_state": mailbox.event_sync_state or "",
            "is_event_full_sync": mailbox.is_event_full_sync,
            "pulled": mailbox.last_pulled_count,
            "pushed": mailbox.last_pushed_count,
        },
    }


def cleanup(env, step):
    company, user, mailbox = _records(env, step["marker"])
    events = _events(env, user)
    configs = mailbox.config_id
    env["exchange.item.link"].search([("mailbox_id", "in", mailbox.ids)]).unlink()
    events.with_context(exchange_sync_skip=True).unlink()
    mailbox.unlink()
    configs.unlink()
    partner = user.partner_id
    user.unlink()
    partner.unlink()
    company.unlink()
    env.cr.commit()
    return {"cleaned": bool(company)}


def main():
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(sys.argv[1:])
    registry = Registry(odoo.tools.config["db_name"])
    # the module of the mailbox model, whose PUSH_BATCH a step may lower
    exchange_sync_mailbox = sys.modules[
        registry["exchange.sync.mailbox"]._commit_batch.__module__
    ]

    steps = json.loads(sys.stdin.read())
    for step in steps:
        env = _env(registry)
        try:
            if "push_batch" in step:
                exchange_sync_mailbox.PUSH_BATCH = step["push_batch"]
            if "page_size" in step:
                config_cls = registry["exchange.sync.config"]
                original = config_cls._param
                size = step["page_size"]

                def param(self, key, default, original=original, size=size):
                    if key == "page_size":
                        return size
                    return original(self, key, default)

                config_cls._param = param
            op = step["op"]
            if op == "setup":
                result = setup(env, step)
            elif op == "add_events":
                _company, user, _mailbox = _records(env, step["marker"])
                _add_events(env, user, step["events"], _base(step))
                env.cr.commit()
                result = {}
            elif op == "sync":
                result = sync(env, step, registry)
            elif op == "state":
                result = state(env, step)
            else:
                result = cleanup(env, step)
            answer = dict(result, op=op, label=step.get("label"))
            sys.stdout.write(json.dumps(answer) + "\n")  # the answer to the test
            sys.stdout.flush()
        finally:
            env.cr.close()


if __name__ == "__main__":
    main()
