/** @odoo-module **/
// Live "Incoming call from Hansen A/S — Open" notifications sent by
// POST /unitel/calls through the bus to the called user's partner channel.
import {registry} from "@web/core/registry";

export const unitelIncomingCallService = {
    dependencies: ["bus_service", "notification", "action", "orm"],
    start(env, {bus_service, notification, action, orm}) {
        bus_service.subscribe("unitel.incoming_call", (payload) => {
            const close = notification.add(payload.message, {
                title: payload.title,
                type: "info",
                sticky: true,
                className: "o_unitel_incoming_call",
                buttons: [
                    {
                        name: payload.open_label,
                        icon: "fa-user",
                        primary: true,
                        onClick: async () => {
                            close();
                            const callerAction = await orm.call(
                                "unitel.call",
                                "action_open_caller",
                                [[payload.call_id]]
                            );
                            await action.doAction(callerAction);
                        },
                    },
                ],
            });
        });
        bus_service.start();
    },
};

registry.category("services").add("unitel_incoming_call", unitelIncomingCallService);
